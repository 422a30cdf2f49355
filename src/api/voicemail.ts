import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { promptRefSchema } from '../plans/fields.js';
import { ConflictError, type Store } from '../store/StoreTypes.js';
import type { VoicemailService } from '../voicemail/VoicemailService.js';
import type { VoicemailBox, VoicemailBoxPatch, VoicemailMessage } from '../voicemail/VoicemailTypes.js';
import type { ApiContext } from './ApiTypes.js';
import { ownOr404, seesCustomer, type Principal } from './auth.js';
import { IdSchema } from './customers.js';
import { ApiError, forbidden, notFound, validationError, type FieldIssue } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

/**
 * Voicemail boxes (a customer's records) and their messages. A beheerder manages its customer's
 * boxes; a gebruiker sees the boxes its account owns, and may listen to, mark and delete their
 * messages, not change the boxes. Mark-heard and delete go through the voicemail service, so
 * the owners' phones get a new message-waiting NOTIFY.
 */

const BoxParams = z.strictObject({ boxId: IdSchema });
const MessageParams = z.strictObject({ boxId: IdSchema, messageId: IdSchema });

const Emails = z.array(z.email().max(254)).max(20).describe('Where new messages are mailed, with the WAV attached');
const Greeting = promptRefSchema.describe("Prompt before the beep, e.g. an upload 'custom/<customerId>/<promptId>'; absent: nl/voicemail-begroeting");
const Owners = z.array(IdSchema).max(50).describe('Accounts of this customer whose phones show message waiting (RFC 3842)');
const MaxSeconds = z.number().int().min(5).max(600).describe('Longest message in seconds');
const SilenceSeconds = z.number().int().min(1).max(60).describe('Seconds of silence that end a message');

export const VoicemailBoxSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  emails: z.array(z.string()),
  greeting: z.string().optional(),
  ownerAccountIds: z.array(z.string()),
  maxSeconds: z.number().int(),
  silenceSeconds: z.number().int(),
  createdAt: z.number().int().describe('epoch milliseconds'),
  newMessages: z.number().int(),
  oldMessages: z.number().int(),
});

export const VoicemailMessageSchema = z.object({
  id: z.string(),
  boxId: z.string(),
  caller: z.string().optional().describe("The caller's number as it reached us"),
  calledNumber: z.string().optional().describe('The number that was called (E.164)'),
  receivedAt: z.number().int().describe('epoch milliseconds'),
  durationSeconds: z.number(),
  heard: z.boolean(),
});

const BoxName = z.string().trim().min(1).max(100).regex(/^[^/]+$/, 'a box name has no "/"');

export const CreateVoicemailBoxBody = z.strictObject({
  customerId: IdSchema.optional().describe('Required with the platform token; a beheerder creates boxes of its own customer'),
  name: BoxName.describe('Unique within the customer; a plan names the box by id or name'),
  emails: Emails.default([]),
  greeting: Greeting.optional(),
  ownerAccountIds: Owners.default([]),
  maxSeconds: MaxSeconds.default(120),
  silenceSeconds: SilenceSeconds.default(5),
});

export const UpdateVoicemailBoxBody = z.strictObject({
  name: BoxName.optional(),
  emails: Emails.optional(),
  greeting: Greeting.nullable().optional().describe('null: back to the default greeting'),
  ownerAccountIds: Owners.optional(),
  maxSeconds: MaxSeconds.optional(),
  silenceSeconds: SilenceSeconds.optional(),
});

const ListQuery = z.strictObject({ customerId: IdSchema.optional().describe('platform token: only this customer') });
const MessagePatch = z.strictObject({ heard: z.boolean() });

function requireAdmin(p: Principal): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token cannot change voicemail boxes');
}

/** A box the principal may see: its customer's (platform: any); a gebruiker only boxes its account owns. */
function visible(p: Principal, box: VoicemailBox | undefined): VoicemailBox {
  const own = ownOr404(p, box);
  if (p.role === 'gebruiker' && !own.ownerAccountIds.includes(p.accountId)) throw notFound();
  return own;
}

/** Owners must be accounts of the box's customer; a custom greeting must be one of its uploads. */
async function fieldProblems(store: Store, customerId: string, b: { ownerAccountIds?: string[]; greeting?: string | null }): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  for (const [i, id] of (b.ownerAccountIds ?? []).entries()) {
    const a = await store.accounts.get(id);
    if (!a || a.customerId !== customerId) issues.push({ path: `ownerAccountIds.${i}`, message: `"${id}" is not an account of this customer` });
  }
  const g = b.greeting;
  if (g && g.startsWith('custom/') && !g.startsWith(`custom/${customerId}/`)) {
    issues.push({ path: 'greeting', message: `"${g}" is not one of this customer's prompts (custom/${customerId}/<promptId>)` });
  }
  return issues;
}

function nameTaken(name: string): ApiError {
  return new ApiError(409, { error: 'conflict', field: 'name', message: `voicemail box name "${name}" is already in use` });
}

const AUDIO_ROUTE = '/voicemail-boxes/:boxId/messages/:messageId/audio';

/** Downloads are WAV, not JSON; the JSON route layer does not know that (as for prompts). */
export function serveVoicemailAudio(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.routeOptions.url?.endsWith(AUDIO_ROUTE) && reply.statusCode === 200) reply.header('content-type', 'audio/wav');
    return payload;
  });
}

export function describeVoicemailAudio(document: Record<string, unknown>, prefix: string): void {
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  const audio = paths[`${prefix}${AUDIO_ROUTE.replace(/:(\w+)/g, '{$1}')}`]?.get;
  if (audio) {
    audio.responses[200] = {
      description: 'The message as recorded: 8 kHz mono 16-bit PCM WAV',
      content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } },
    };
  }
}

export function voicemailRoutes(ctx: ApiContext, voicemail: VoicemailService): RouteDef[] {
  const { store, log } = ctx;
  const view = async (b: VoicemailBox): Promise<z.output<typeof VoicemailBoxSchema>> => {
    const messages = await store.voicemail.listMessages(b.id);
    const heard = messages.filter((m) => m.heard).length;
    return { ...b, newMessages: messages.length - heard, oldMessages: heard };
  };
  const messageView = (m: VoicemailMessage): z.output<typeof VoicemailMessageSchema> => {
    const { customerId: _customerId, ...rest } = m;
    return rest;
  };
  const message = async (p: Principal, boxId: string, messageId: string): Promise<{ box: VoicemailBox; message: VoicemailMessage }> => {
    const box = visible(p, await store.voicemail.getBox(boxId));
    const m = await store.voicemail.getMessage(box.id, messageId);
    if (!m) throw notFound();
    return { box, message: m };
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/voicemail-boxes',
      summary: 'Create a voicemail box',
      tag: 'voicemail',
      body: CreateVoicemailBoxBody,
      success: { status: 201, description: 'The new box', schema: VoicemailBoxSchema },
      errors: [403, 404, 409],
      async handle({ principal, body }) {
        requireAdmin(principal);
        const customerId = principal.role === 'platform' ? body.customerId : (body.customerId ?? principal.customerId);
        if (customerId === undefined) throw validationError([{ path: 'customerId', message: 'required with the platform token' }]);
        if (!seesCustomer(principal, customerId) || !(await store.customers.get(customerId))) throw notFound();
        const issues = await fieldProblems(store, customerId, body);
        if (issues.length) throw validationError(issues);
        try {
          const box = await store.voicemail.createBox({
            customerId,
            name: body.name,
            emails: body.emails,
            ...(body.greeting ? { greeting: body.greeting } : {}),
            ownerAccountIds: [...new Set(body.ownerAccountIds)],
            maxSeconds: body.maxSeconds,
            silenceSeconds: body.silenceSeconds,
          });
          log.info({ customerId, boxId: box.id, name: box.name }, 'voicemail box created');
          return { status: 201, body: await view(box) };
        } catch (err) {
          if (err instanceof ConflictError && err.field === 'name') throw nameTaken(body.name);
          if (err instanceof ConflictError && err.field === 'customerId') throw notFound();
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/voicemail-boxes',
      summary: 'List voicemail boxes: the platform all (or one customer), a beheerder its customer, a gebruiker the boxes its account owns',
      tag: 'voicemail',
      query: ListQuery,
      success: { status: 200, description: 'Boxes, oldest first, with their message counts', schema: z.array(VoicemailBoxSchema) },
      errors: [],
      async handle({ principal, query }) {
        const customerId = principal.role === 'platform' ? query.customerId : principal.customerId;
        let boxes = await store.voicemail.listBoxes(customerId);
        if (principal.role === 'gebruiker') boxes = boxes.filter((b) => b.ownerAccountIds.includes(principal.accountId));
        return { status: 200, body: await Promise.all(boxes.map(view)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/voicemail-boxes/:boxId',
      summary: 'Read a voicemail box',
      tag: 'voicemail',
      params: BoxParams,
      success: { status: 200, description: 'The box', schema: VoicemailBoxSchema },
      errors: [404],
      async handle({ principal, params }) {
        return { status: 200, body: await view(visible(principal, await store.voicemail.getBox(params.boxId))) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/voicemail-boxes/:boxId',
      summary: 'Change a voicemail box',
      tag: 'voicemail',
      params: BoxParams,
      body: UpdateVoicemailBoxBody,
      success: { status: 200, description: 'The changed box', schema: VoicemailBoxSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, body }) {
        const box = visible(principal, await store.voicemail.getBox(params.boxId));
        requireAdmin(principal);
        const issues = await fieldProblems(store, box.customerId, body);
        if (issues.length) throw validationError(issues);
        const patch: VoicemailBoxPatch = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as VoicemailBoxPatch;
        if (body.greeting === null) patch.greeting = undefined;
        if (body.ownerAccountIds) patch.ownerAccountIds = [...new Set(body.ownerAccountIds)];
        try {
          const next = await store.voicemail.updateBox(box.id, patch);
          if (!next) throw notFound();
          // Owners who were added or removed learn their new counts.
          voicemail.changed({ ...box, ownerAccountIds: [...new Set([...box.ownerAccountIds, ...next.ownerAccountIds])] });
          return { status: 200, body: await view(next) };
        } catch (err) {
          if (err instanceof ConflictError && err.field === 'name') throw nameTaken(body.name ?? box.name);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/voicemail-boxes/:boxId',
      summary: 'Delete a voicemail box with its messages',
      tag: 'voicemail',
      params: BoxParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
      async handle({ principal, params }) {
        const box = visible(principal, await store.voicemail.getBox(params.boxId));
        requireAdmin(principal);
        if (!(await voicemail.deleteBox(box))) throw notFound();
        log.info({ customerId: box.customerId, boxId: box.id }, 'voicemail box deleted');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/voicemail-boxes/:boxId/messages',
      summary: "List a box's messages",
      tag: 'voicemail',
      params: BoxParams,
      success: { status: 200, description: 'Messages, oldest first', schema: z.array(VoicemailMessageSchema) },
      errors: [404],
      async handle({ principal, params }) {
        const box = visible(principal, await store.voicemail.getBox(params.boxId));
        return { status: 200, body: (await store.voicemail.listMessages(box.id)).map(messageView) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: AUDIO_ROUTE,
      summary: 'Download a message (8 kHz mono 16-bit PCM WAV)',
      tag: 'voicemail',
      params: MessageParams,
      success: { status: 200, description: 'audio/wav' },
      errors: [404],
      async handle({ principal, params }) {
        const { box, message: m } = await message(principal, params.boxId, params.messageId);
        try {
          return { status: 200, body: await readFile(voicemail.messageFile(box.id, m.id)) };
        } catch {
          throw notFound();
        }
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/voicemail-boxes/:boxId/messages/:messageId',
      summary: 'Mark a message heard (or new again); the owners\' phones get the new counts',
      tag: 'voicemail',
      params: MessageParams,
      body: MessagePatch,
      success: { status: 200, description: 'The message', schema: VoicemailMessageSchema },
      errors: [404],
      async handle({ principal, params, body }) {
        const { box } = await message(principal, params.boxId, params.messageId);
        const m = await voicemail.setHeard(box, params.messageId, body.heard);
        if (!m) throw notFound();
        return { status: 200, body: messageView(m) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/voicemail-boxes/:boxId/messages/:messageId',
      summary: 'Delete a message and its recording',
      tag: 'voicemail',
      params: MessageParams,
      success: { status: 204, description: 'Deleted' },
      errors: [404],
      async handle({ principal, params }) {
        const { box } = await message(principal, params.boxId, params.messageId);
        if (!(await voicemail.deleteMessage(box, params.messageId))) throw notFound();
        return { status: 204 };
      },
    }),
  ];
}
