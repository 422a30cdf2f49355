import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiPlugin } from '../../src/api/apiPlugin.js';
import { PromptLibrary } from '../../src/media/embedded/PromptLibrary.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { alawSineWav, decodeWav, dominantHz, sineWav } from '../prompts/audio.js';
import { PLATFORM_TOKEN } from './harness.js';

// Its own app rather than test/api/harness.ts: uploads need a prompts directory of their own.
let app: FastifyInstance;
let store: MemoryStore;
let promptsDir: string;
beforeEach(async () => {
  promptsDir = await mkdtemp(join(tmpdir(), 'prompts-api-'));
  store = new MemoryStore();
  app = Fastify();
  await app.register(
    apiPlugin({
      store,
      secrets: new SecretBox(randomBytes(32)),
      platformToken: PLATFORM_TOKEN,
      logger: silentLogger(),
      sip: { domain: 'sip.test.invalid', port: 5060 },
      promptsDir,
    }),
    { prefix: '/api/v1' },
  );
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await store.close();
  await rm(promptsDir, { recursive: true, force: true });
});

type Body = Record<string, unknown>;
interface Reply {
  status: number;
  body: Body;
  items: Body[];
  headers: Record<string, unknown>;
  raw: Buffer;
}

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  opts: { token?: string; json?: unknown; audio?: Buffer; type?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  if (opts.audio) headers['content-type'] = opts.type ?? 'audio/wav';
  const res = await app.inject({
    method,
    url,
    headers,
    ...(opts.audio ? { payload: opts.audio } : opts.json === undefined ? {} : { payload: opts.json as object }),
  });
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  const parsed: unknown = isJson && res.payload !== '' ? JSON.parse(res.payload) : undefined;
  return {
    status: res.statusCode,
    headers: res.headers,
    body: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Body) : {},
    items: Array.isArray(parsed) ? (parsed as Body[]) : [],
    raw: res.rawPayload,
  };
}

async function customerWithAdmin(name: string): Promise<{ customerId: string; adminToken: string }> {
  const c = await call('POST', '/api/v1/customers', { token: PLATFORM_TOKEN, json: { name } });
  const customerId = c.body.id as string;
  const t = await call('POST', `/api/v1/customers/${customerId}/tokens`, { token: PLATFORM_TOKEN, json: { role: 'beheerder', label: 'beheer' } });
  return { customerId, adminToken: t.body.token as string };
}

async function userToken(customerId: string, adminToken: string): Promise<string> {
  const a = await call('POST', `/api/v1/customers/${customerId}/accounts`, { token: adminToken, json: { username: 'receptie' } });
  const t = await call('POST', `/api/v1/customers/${customerId}/tokens`, {
    token: adminToken,
    json: { role: 'gebruiker', accountId: a.body.id, label: 'receptie' },
  });
  return t.body.token as string;
}

const uploadUrl = (customerId: string, name: string): string => `/api/v1/customers/${customerId}/prompts?name=${name}`;
const cdWav = (): Buffer => sineWav({ rate: 44100, channels: 2, bitDepth: '16', seconds: 1.5, hz: 440 });

describe('prompts: a beheerder uploads a meldtekst that plans can play', () => {
  it('converts a 44.1 kHz stereo WAV to 8 kHz mono, stores it under custom/<customer>/ and serves it back', async () => {
    const { customerId, adminToken } = await customerWithAdmin('Bakkerij');
    const res = await call('POST', uploadUrl(customerId, 'welkom-zomer'), { token: adminToken, audio: cdWav(), type: 'audio/x-wav' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    expect(res.body).toMatchObject({ customerId, name: 'welkom-zomer', ref: `custom/${customerId}/${id}`, sourceFormat: 'wav' });
    expect(Math.abs((res.body.durationMs as number) - 1500)).toBeLessThanOrEqual(20);

    // The media engine maps the ref to <promptDir>/<ref>.wav.
    const stored = decodeWav(await readFile(join(promptsDir, `${res.body.ref as string}.wav`)));
    expect(stored).toMatchObject({ audioFormat: 1, sampleRate: 8000, numChannels: 1, bitsPerSample: 16 });
    expect(Math.abs(dominantHz(stored.samples, 8000) - 440)).toBeLessThan(5);
    // …and the embedded media engine plays it when its prompt root is the same directory.
    expect((await new PromptLibrary(promptsDir).pcm(res.body.ref as string)).length).toBe(stored.samples.length);

    const list = await call('GET', `/api/v1/customers/${customerId}/prompts`, { token: adminToken });
    expect(list.items).toEqual([res.body]);
    const one = await call('GET', `/api/v1/customers/${customerId}/prompts/${id}`, { token: PLATFORM_TOKEN });
    expect(one.body).toEqual(res.body);

    const audio = await call('GET', `/api/v1/customers/${customerId}/prompts/${id}/audio`, { token: adminToken });
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.raw.equals(await readFile(join(promptsDir, 'custom', customerId, `${id}.wav`)))).toBe(true);
  });

  it("removes a customer's uploaded prompts with the customer", async () => {
    const { customerId, adminToken } = await customerWithAdmin('Opgeheven');
    const res = await call('POST', uploadUrl(customerId, 'welkom'), { token: adminToken, audio: cdWav(), type: 'audio/wav' });
    expect(res.status).toBe(201);
    expect(existsSync(join(promptsDir, 'custom', customerId))).toBe(true);
    const del = await call('DELETE', `/api/v1/customers/${customerId}`, { token: PLATFORM_TOKEN });
    expect(del.status).toBe(204);
    expect(existsSync(join(promptsDir, 'custom', customerId))).toBe(false);
  });

  it('takes an 8 kHz A-law WAV sent as application/octet-stream', async () => {
    const { customerId, adminToken } = await customerWithAdmin('A');
    const res = await call('POST', uploadUrl(customerId, 'gesloten'), { token: adminToken, audio: alawSineWav(2, 440), type: 'application/octet-stream' });
    expect(res.status).toBe(201);
    expect(res.body.durationMs).toBe(2000);
    const audio = await call('GET', `/api/v1/customers/${customerId}/prompts/${res.body.id as string}/audio`, { token: adminToken });
    expect(decodeWav(audio.raw)).toMatchObject({ audioFormat: 1, sampleRate: 8000, bitsPerSample: 16 });
  });

  it('refuses what it cannot use with a message a person can act on', async () => {
    const { customerId, adminToken } = await customerWithAdmin('A');
    const garbage = await call('POST', uploadUrl(customerId, 'x'), { token: adminToken, audio: Buffer.from('dit is geen geluid') });
    expect(garbage.status).toBe(415);
    expect(garbage.body).toMatchObject({ error: 'unsupported', message: expect.stringMatching(/^not a recognized audio file; send one of: WAV/) });

    const long = await call('POST', uploadUrl(customerId, 'x'), { token: adminToken, audio: alawSineWav(301, 440) });
    expect(long.status).toBe(400);
    expect(long.body).toEqual({ error: 'too_long', message: 'the audio lasts 301.0 s; a prompt may last at most 300 s' });

    const big = await call('POST', uploadUrl(customerId, 'x'), { token: adminToken, audio: Buffer.alloc(10 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);

    const video = await call('POST', uploadUrl(customerId, 'x'), { token: adminToken, audio: cdWav(), type: 'video/mp4' });
    expect(video.status).toBe(415);

    const json = await call('POST', uploadUrl(customerId, 'x'), { token: adminToken, json: { audio: 'base64…' } });
    expect(json.status).toBe(400);
    expect(json.body.issues).toEqual([{ path: '', message: expect.stringMatching(/^the request body must be the audio file itself/) }]);

    const badName = await call('POST', uploadUrl(customerId, 'Welkom_Zomer'), { token: adminToken, audio: cdWav() });
    expect(badName.status).toBe(400);
    expect(badName.body.issues).toEqual([{ path: 'name', message: 'a prompt name is 1-64 lower-case letters, digits or "-"' }]);

    expect((await call('POST', uploadUrl(customerId, 'welkom'), { token: adminToken, audio: cdWav() })).status).toBe(201);
    const twice = await call('POST', uploadUrl(customerId, 'welkom'), { token: adminToken, audio: cdWav() });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: 'conflict', field: 'name' });
    expect((await call('GET', `/api/v1/customers/${customerId}/prompts`, { token: adminToken })).items.map((p) => p.name)).toEqual(['welkom']);
  });

  it('keeps prompts from a gebruiker (403) and from other customers (404)', async () => {
    const a = await customerWithAdmin('A');
    const b = await customerWithAdmin('B');
    const user = await userToken(a.customerId, a.adminToken);
    const up = await call('POST', uploadUrl(a.customerId, 'welkom'), { token: a.adminToken, audio: cdWav() });
    const id = up.body.id as string;

    expect((await call('POST', uploadUrl(a.customerId, 'ander'), { token: user, audio: cdWav() })).status).toBe(403);
    expect((await call('GET', `/api/v1/customers/${a.customerId}/prompts`, { token: user })).status).toBe(403);
    expect((await call('GET', `/api/v1/customers/${a.customerId}/prompts/${id}/audio`, { token: user })).status).toBe(403);

    expect((await call('POST', uploadUrl(a.customerId, 'ander'), { token: b.adminToken, audio: cdWav() })).status).toBe(404);
    expect((await call('GET', `/api/v1/customers/${a.customerId}/prompts/${id}`, { token: b.adminToken })).status).toBe(404);
    expect((await call('GET', `/api/v1/customers/${b.customerId}/prompts/${id}`, { token: b.adminToken })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/customers/${a.customerId}/prompts/${id}`, { token: b.adminToken })).status).toBe(404);
    expect((await call('GET', `/api/v1/customers/${a.customerId}/prompts`, { token: undefined })).status).toBe(401);
    expect((await call('GET', `/api/v1/customers/${a.customerId}/prompts/..%2Findex`, { token: a.adminToken })).status).toBe(400);
  });

  it('will not delete a prompt that a plan plays, and deletes it once the plan no longer does', async () => {
    const { customerId, adminToken } = await customerWithAdmin('A');
    const up = await call('POST', uploadUrl(customerId, 'welkom'), { token: adminToken, audio: cdWav() });
    const id = up.body.id as string;
    const ref = up.body.ref as string;
    const plan = (prompts: string[]): Body => ({
      name: 'Hoofdnummer',
      start: 'welkom',
      nodes: { welkom: { type: 'announcement', prompts, next: 'einde' }, einde: { type: 'hangup' } },
    });
    const created = await call('POST', `/api/v1/customers/${customerId}/plans`, {
      token: adminToken,
      json: { name: 'Hoofdnummer', plan: plan(['nl/welkom', ref]), publish: true },
    });
    expect(created.status).toBe(201);
    const planId = created.body.id as string;

    const blocked = await call('DELETE', `/api/v1/customers/${customerId}/prompts/${id}`, { token: adminToken });
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ error: 'conflict', message: `prompt ${ref} is used by plan(s) "Hoofdnummer"; remove it from them first` });
    expect((await stat(join(promptsDir, `${ref}.wav`))).isFile()).toBe(true);

    // A new version without the prompt, published: the old live version is history and no longer blocks.
    const v2 = await call('POST', `/api/v1/plans/${planId}/versions`, { token: adminToken, json: { plan: plan(['nl/welkom']) } });
    expect(v2.status).toBe(201);
    expect((await call('DELETE', `/api/v1/customers/${customerId}/prompts/${id}`, { token: adminToken })).status).toBe(409);
    expect((await call('POST', `/api/v1/plans/${planId}/publish`, { token: adminToken, json: { version: 2 } })).status).toBe(200);

    expect((await call('DELETE', `/api/v1/customers/${customerId}/prompts/${id}`, { token: adminToken })).status).toBe(204);
    await expect(stat(join(promptsDir, `${ref}.wav`))).rejects.toThrow(/ENOENT/);
    expect((await call('GET', `/api/v1/customers/${customerId}/prompts/${id}`, { token: adminToken })).status).toBe(404);
  });
});
