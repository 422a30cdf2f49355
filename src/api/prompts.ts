import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { convertPrompt, PromptAudioError } from '../prompts/convertPrompt.js';
import { customPromptRef, PromptNameTakenError, type CustomPrompt, type CustomPrompts } from '../prompts/CustomPrompts.js';
import { currentVersions, planUsesPrompt } from '../prompts/planReferences.js';
import type { Store } from '../store/StoreTypes.js';
import type { ApiContext } from './ApiTypes.js';
import type { Principal } from './auth.js';
import { CustomerParams, visibleCustomer } from './customers.js';
import { ApiError, conflict, forbidden, notFound } from './errors.js';
import { defineRoute, type RouteDef } from './route.js';

/** Uploads larger than this answer 413 before any decoding. */
export const PROMPT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** Longer prompts answer 400: a meldtekst is not a music-on-hold stream. */
export const PROMPT_MAX_DURATION_MS = 5 * 60 * 1000;

const PromptParams = CustomerParams.extend({
  promptId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a prompt id is 1-64 letters, digits, "_" or "-"'),
});

const UploadQuery = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'a prompt name is 1-64 lower-case letters, digits or "-"')
    .describe("Unique per customer, e.g. 'welkom-zomer'"),
});

// The route layer validates bodies with zod; the audio/* parser below hands over a Buffer.
const AudioBody = z
  .custom<Buffer>((v) => Buffer.isBuffer(v), 'the request body must be the audio file itself (Content-Type audio/wav, audio/mpeg, audio/ogg, audio/flac)')
  .describe('The audio file as the raw request body');

export const PromptSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  ref: z.string().describe("What a plan writes to play it: 'custom/<customerId>/<id>'"),
  durationMs: z.number().int(),
  sourceFormat: z.enum(['wav', 'mp3', 'ogg', 'flac']).describe('The uploaded format; stored as 8 kHz mono 16-bit PCM WAV'),
  createdAt: z.number().int().describe('epoch milliseconds'),
});

const view = (p: CustomPrompt): z.output<typeof PromptSchema> => ({
  id: p.id,
  customerId: p.customerId,
  name: p.name,
  ref: customPromptRef(p.customerId, p.id),
  durationMs: p.durationMs,
  sourceFormat: p.sourceFormat,
  createdAt: p.createdAt,
});

/** Prompts are a customer administrator's business; a gebruiker of the same customer gets a 403. */
function requireAdmin(p: Principal): void {
  if (p.role === 'gebruiker') throw forbidden('a gebruiker token has no access to prompts');
}

async function visiblePrompt(store: Store, prompts: CustomPrompts, p: Principal, customerId: string, promptId: string): Promise<CustomPrompt> {
  await visibleCustomer(store, p, customerId);
  requireAdmin(p);
  const prompt = await prompts.get(customerId, promptId);
  if (!prompt) throw notFound();
  return prompt;
}

/** The names of the customer's plans whose live version or a later draft plays the prompt. */
async function plansUsing(store: Store, customerId: string, ref: string): Promise<string[]> {
  const names: string[] = [];
  for (const plan of await store.plans.list(customerId)) {
    const versions = currentVersions(plan, await store.plans.listVersions(plan.id));
    if (versions.some((v) => planUsesPrompt(v.plan, ref))) names.push(plan.name);
  }
  return names;
}

function audioError(err: PromptAudioError): ApiError {
  return new ApiError(err.problem === 'unsupported' ? 415 : 400, { error: err.problem, message: err.message });
}

const AUDIO_ROUTE = '/customers/:customerId/prompts/:promptId/audio';

/**
 * The raw-audio side of the prompt routes, which the JSON route layer does not cover: an audio/*
 * body parser (up to PROMPT_UPLOAD_LIMIT_BYTES, else 413) and the audio/wav type of downloads.
 */
export function servePromptAudio(app: FastifyInstance): void {
  // The format is sniffed from the bytes, so any audio/* type (and a generic octet-stream) is accepted.
  for (const type of [/^audio\//, 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: PROMPT_UPLOAD_LIMIT_BYTES }, (_req, body, done) => done(null, body));
  }
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.routeOptions.url?.endsWith(AUDIO_ROUTE) && reply.statusCode === 200) reply.header('content-type', 'audio/wav');
    return payload;
  });
}

/** Rewrites the generated document's JSON defaults for the two routes that carry audio. */
export function describePromptAudio(document: Record<string, unknown>, prefix: string): void {
  const paths = document.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
  const upload = paths[`${prefix}/customers/{customerId}/prompts`]?.post;
  if (upload) {
    const binary = { schema: { type: 'string', contentMediaType: 'application/octet-stream' } };
    upload.requestBody = {
      required: true,
      description: `WAV (any rate, depth, channels; PCM, float, A-law, µ-law), MP3, OGG or FLAC, at most ${PROMPT_UPLOAD_LIMIT_BYTES / 1024 / 1024} MB and ${PROMPT_MAX_DURATION_MS / 60000} minutes`,
      content: Object.fromEntries(['audio/wav', 'audio/mpeg', 'audio/ogg', 'audio/flac', 'application/octet-stream'].map((t) => [t, binary])),
    };
    upload.responses[413] = { description: 'The upload is larger than the limit' };
    upload.responses[415] = { description: 'Not audio, or a format this server cannot convert (the message names the ones it can)' };
  }
  const audio = paths[`${prefix}${AUDIO_ROUTE.replace(/:(\w+)/g, '{$1}')}`]?.get;
  if (audio) {
    audio.responses[200] = {
      description: 'The prompt as played: 8 kHz mono 16-bit PCM WAV',
      content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } },
    };
  }
}

export function promptRoutes(ctx: ApiContext, prompts: CustomPrompts): RouteDef[] {
  const { store, log } = ctx;
  return [
    defineRoute({
      method: 'POST',
      path: '/customers/:customerId/prompts',
      summary: 'Upload a prompt (meldtekst) as the raw body: converted to 8 kHz mono WAV for plans to play',
      tag: 'prompts',
      params: CustomerParams,
      query: UploadQuery,
      body: AudioBody,
      success: { status: 201, description: 'The new prompt; plans reference it by `ref`', schema: PromptSchema },
      errors: [403, 404, 409],
      async handle({ principal, params, query, body }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal);
        let converted;
        try {
          converted = await convertPrompt(body, { maxDurationMs: PROMPT_MAX_DURATION_MS });
        } catch (err) {
          if (err instanceof PromptAudioError) throw audioError(err);
          throw err;
        }
        try {
          const prompt = await prompts.create(params.customerId, { name: query.name, ...converted });
          log.info(
            { customerId: prompt.customerId, promptId: prompt.id, sourceFormat: prompt.sourceFormat, durationMs: prompt.durationMs },
            'prompt uploaded',
          );
          return { status: 201, body: view(prompt) };
        } catch (err) {
          if (err instanceof PromptNameTakenError) throw conflict('name');
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/prompts',
      summary: "List a customer's uploaded prompts",
      tag: 'prompts',
      params: CustomerParams,
      success: { status: 200, description: "The customer's prompts, oldest first", schema: z.array(PromptSchema) },
      errors: [403, 404],
      async handle({ principal, params }) {
        await visibleCustomer(store, principal, params.customerId);
        requireAdmin(principal);
        return { status: 200, body: (await prompts.list(params.customerId)).map(view) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/customers/:customerId/prompts/:promptId',
      summary: "Read an uploaded prompt's details",
      tag: 'prompts',
      params: PromptParams,
      success: { status: 200, description: 'The prompt', schema: PromptSchema },
      errors: [403, 404],
      async handle({ principal, params }) {
        return { status: 200, body: view(await visiblePrompt(store, prompts, principal, params.customerId, params.promptId)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: AUDIO_ROUTE,
      summary: 'Download the prompt as played (8 kHz mono 16-bit PCM WAV)',
      tag: 'prompts',
      params: PromptParams,
      success: { status: 200, description: 'audio/wav' },
      errors: [403, 404],
      async handle({ principal, params }) {
        const prompt = await visiblePrompt(store, prompts, principal, params.customerId, params.promptId);
        return { status: 200, body: await readFile(prompts.audioPath(prompt.customerId, prompt.id)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/customers/:customerId/prompts/:promptId',
      summary: 'Delete an uploaded prompt (409 while the live version or a draft of a plan plays it)',
      tag: 'prompts',
      params: PromptParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404, 409],
      async handle({ principal, params }) {
        const prompt = await visiblePrompt(store, prompts, principal, params.customerId, params.promptId);
        const ref = customPromptRef(prompt.customerId, prompt.id);
        const users = await plansUsing(store, prompt.customerId, ref);
        if (users.length > 0) {
          throw new ApiError(409, {
            error: 'conflict',
            field: 'promptId',
            message: `prompt ${ref} is used by plan(s) ${users.map((n) => `"${n}"`).join(', ')}; remove it from them first`,
          });
        }
        if (!(await prompts.delete(prompt.customerId, prompt.id))) throw notFound();
        log.info({ customerId: prompt.customerId, promptId: prompt.id }, 'prompt deleted');
        return { status: 204 };
      },
    }),
  ];
}
