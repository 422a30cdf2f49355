import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiPlugin } from '../../src/api/apiPlugin.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { VoicemailService } from '../../src/voicemail/VoicemailService.js';
import type { VoicemailBox } from '../../src/voicemail/VoicemailTypes.js';

const PLATFORM = 'platform-token-for-voicemail-tests-0123';

let app: FastifyInstance;
let store: MemoryStore;
let dataDir: string;
let voicemail: VoicemailService;
const changed: string[] = [];

type Reply = { status: number; body: Record<string, unknown>; items: Record<string, unknown>[]; raw: Buffer; type: string };

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, body?: unknown): Promise<Reply> {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
  const json: unknown = res.headers['content-type']?.toString().startsWith('application/json') && res.payload ? JSON.parse(res.payload) : undefined;
  return {
    status: res.statusCode,
    body: json && !Array.isArray(json) ? (json as Record<string, unknown>) : {},
    items: Array.isArray(json) ? (json as Record<string, unknown>[]) : [],
    raw: res.rawPayload,
    type: String(res.headers['content-type'] ?? ''),
  };
}

async function customer(name: string): Promise<{ id: string; admin: string }> {
  const c = await call('POST', '/customers', PLATFORM, { name });
  const t = await call('POST', `/customers/${c.body.id as string}/tokens`, PLATFORM, { role: 'beheerder', label: 'beheer' });
  return { id: c.body.id as string, admin: t.body.token as string };
}

async function user(customerId: string, admin: string, username: string): Promise<{ accountId: string; token: string }> {
  const a = await call('POST', `/customers/${customerId}/accounts`, admin, { username, displayName: username });
  const t = await call('POST', `/customers/${customerId}/tokens`, admin, { role: 'gebruiker', accountId: a.body.id, label: username });
  return { accountId: a.body.id as string, token: t.body.token as string };
}

beforeAll(async () => {
  store = new MemoryStore();
  dataDir = mkdtempSync(join(tmpdir(), 'cs-vm-api-'));
  voicemail = new VoicemailService({ store, dataDir, logger: silentLogger() });
  voicemail.onBoxChanged({ boxChanged: (b: VoicemailBox) => changed.push(b.id) });
  app = Fastify({ loggerInstance: silentLogger() as FastifyBaseLogger });
  await app.register(
    apiPlugin({ store, secrets: new SecretBox(randomBytes(32)), platformToken: PLATFORM, logger: silentLogger(), sip: { domain: 'sip.test.invalid', port: 5060 }, voicemail }),
    { prefix: '/api/v1' },
  );
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  changed.length = 0;
});

/** A stored message with a WAV on disk, as a voicemail call leaves it. */
async function leave(boxId: string, customerId: string, caller = '0612345678'): Promise<string> {
  const m = await store.voicemail.addMessage({ boxId, customerId, caller, receivedAt: Date.now(), durationSeconds: 3 });
  mkdirSync(voicemail.boxDir(boxId), { recursive: true });
  writeFileSync(voicemail.messageFile(boxId, m.id), Buffer.from(`RIFF${m.id}`));
  return m.id;
}

describe('voicemail boxes through the API', () => {
  it('a beheerder creates a box for its customer with defaults, and sees it listed with counts', async () => {
    const c = await customer('Bakkerij Jansen');
    const owner = await user(c.id, c.admin, 'vm-301');
    const r = await call('POST', '/voicemail-boxes', c.admin, { name: 'Winkel', emails: ['winkel@example.nl'], ownerAccountIds: [owner.accountId] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ customerId: c.id, name: 'Winkel', maxSeconds: 120, silenceSeconds: 5, newMessages: 0, oldMessages: 0 });
    const list = await call('GET', '/voicemail-boxes', c.admin);
    expect(list.items.map((b) => b.name)).toEqual(['Winkel']);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x', emails: ['geen-adres'] }, 'emails.0'],
    [{ name: 'x', maxSeconds: 3 }, 'maxSeconds'],
    [{ name: 'x', silenceSeconds: 0 }, 'silenceSeconds'],
    [{ name: 'x', greeting: 'welkom' }, 'greeting'],
    [{ name: 'x', extra: true }, 'extra'],
  ])('refuses %j with 400 at %s', async (body, path) => {
    const c = await customer('Validatie BV');
    const r = await call('POST', '/voicemail-boxes', c.admin, body);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain(`"${path}"`);
  });

  it('owners must be accounts of the customer, a custom greeting one of its prompts, names unique (409)', async () => {
    const c = await customer('Eigen BV');
    const other = await customer('Ander BV');
    const foreign = await user(other.id, other.admin, 'vm-401');
    const bad = await call('POST', '/voicemail-boxes', c.admin, { name: 'A', ownerAccountIds: [foreign.accountId], greeting: `custom/${other.id}/p1` });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('ownerAccountIds.0');
    expect(JSON.stringify(bad.body)).toContain('"greeting"');
    expect((await call('POST', '/voicemail-boxes', c.admin, { name: 'A', greeting: `custom/${c.id}/p1` })).status).toBe(201);
    const again = await call('POST', '/voicemail-boxes', c.admin, { name: 'A' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ field: 'name' });
  });

  it("the platform needs a customerId; another customer's box is a 404 to a beheerder", async () => {
    const c = await customer('Platform BV');
    expect((await call('POST', '/voicemail-boxes', PLATFORM, { name: 'P' })).status).toBe(400);
    const created = await call('POST', '/voicemail-boxes', PLATFORM, { customerId: c.id, name: 'P' });
    expect(created.status).toBe(201);
    const stranger = await customer('Vreemd BV');
    expect((await call('GET', `/voicemail-boxes/${created.body.id as string}`, stranger.admin)).status).toBe(404);
    expect((await call('PATCH', `/voicemail-boxes/${created.body.id as string}`, stranger.admin, { name: 'Q' })).status).toBe(404);
    expect((await call('POST', '/voicemail-boxes', stranger.admin, { customerId: c.id, name: 'Z' })).status).toBe(404);
    expect((await call('GET', `/voicemail-boxes?customerId=${c.id}`, PLATFORM)).items.map((b) => b.name)).toEqual(['P']);
  });

  it('a gebruiker sees only the boxes its account owns, and cannot change them', async () => {
    const c = await customer('Gebruikers BV');
    const mine = await user(c.id, c.admin, 'vm-501');
    const theirs = await user(c.id, c.admin, 'vm-502');
    const own = await call('POST', '/voicemail-boxes', c.admin, { name: 'Eigen', ownerAccountIds: [mine.accountId] });
    const other = await call('POST', '/voicemail-boxes', c.admin, { name: 'Ander', ownerAccountIds: [theirs.accountId] });
    expect((await call('GET', '/voicemail-boxes', mine.token)).items.map((b) => b.name)).toEqual(['Eigen']);
    expect((await call('GET', `/voicemail-boxes/${other.body.id as string}`, mine.token)).status).toBe(404);
    expect((await call('PATCH', `/voicemail-boxes/${own.body.id as string}`, mine.token, { name: 'Nieuw' })).status).toBe(403);
    expect((await call('DELETE', `/voicemail-boxes/${own.body.id as string}`, mine.token)).status).toBe(403);
    expect((await call('POST', '/voicemail-boxes', mine.token, { name: 'Stiekem' })).status).toBe(403);
  });

  it('updates a box: rename, clear the greeting, new owners (old and new owners are told)', async () => {
    const c = await customer('Wijzig BV');
    const a = await user(c.id, c.admin, 'vm-601');
    const b = await user(c.id, c.admin, 'vm-602');
    const box = await call('POST', '/voicemail-boxes', c.admin, { name: 'Oud', greeting: 'nl/welkom', ownerAccountIds: [a.accountId] });
    const id = box.body.id as string;
    const r = await call('PATCH', `/voicemail-boxes/${id}`, c.admin, { name: 'Nieuw', greeting: null, ownerAccountIds: [b.accountId] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'Nieuw', ownerAccountIds: [b.accountId] });
    expect(r.body.greeting).toBeUndefined();
    expect(changed).toEqual([id]);
  });
});

describe('voicemail messages through the API', () => {
  it('an owner lists, downloads, marks heard and deletes a message; each change reaches the MWI listener', async () => {
    const c = await customer('Berichten BV');
    const owner = await user(c.id, c.admin, 'vm-701');
    const box = await call('POST', '/voicemail-boxes', c.admin, { name: 'Balie', ownerAccountIds: [owner.accountId] });
    const boxId = box.body.id as string;
    const id = await leave(boxId, c.id);

    const list = await call('GET', `/voicemail-boxes/${boxId}/messages`, owner.token);
    expect(list.items).toEqual([expect.objectContaining({ id, caller: '0612345678', heard: false, durationSeconds: 3 })]);
    expect(list.items[0]).not.toHaveProperty('customerId');
    expect((await call('GET', `/voicemail-boxes/${boxId}`, owner.token)).body).toMatchObject({ newMessages: 1, oldMessages: 0 });

    const audio = await call('GET', `/voicemail-boxes/${boxId}/messages/${id}/audio`, owner.token);
    expect(audio.status).toBe(200);
    expect(audio.type).toBe('audio/wav');
    expect(audio.raw.toString()).toBe(`RIFF${id}`);

    const heard = await call('PATCH', `/voicemail-boxes/${boxId}/messages/${id}`, owner.token, { heard: true });
    expect(heard.body).toMatchObject({ id, heard: true });
    expect((await call('GET', `/voicemail-boxes/${boxId}`, owner.token)).body).toMatchObject({ newMessages: 0, oldMessages: 1 });
    expect((await call('PATCH', `/voicemail-boxes/${boxId}/messages/${id}`, owner.token, { heard: 'ja' })).status).toBe(400);

    expect((await call('DELETE', `/voicemail-boxes/${boxId}/messages/${id}`, owner.token)).status).toBe(204);
    expect((await call('GET', `/voicemail-boxes/${boxId}/messages/${id}/audio`, owner.token)).status).toBe(404);
    expect((await call('DELETE', `/voicemail-boxes/${boxId}/messages/${id}`, owner.token)).status).toBe(404);
    expect(changed).toEqual([boxId, boxId]);
  });

  it("another customer's or another user's messages are a 404", async () => {
    const c = await customer('Privé BV');
    const owner = await user(c.id, c.admin, 'vm-801');
    const colleague = await user(c.id, c.admin, 'vm-802');
    const box = await call('POST', '/voicemail-boxes', c.admin, { name: 'Privé', ownerAccountIds: [owner.accountId] });
    const boxId = box.body.id as string;
    const id = await leave(boxId, c.id);
    const stranger = await customer('Nieuwsgierig BV');
    for (const token of [stranger.admin, colleague.token]) {
      expect((await call('GET', `/voicemail-boxes/${boxId}/messages`, token)).status).toBe(404);
      expect((await call('GET', `/voicemail-boxes/${boxId}/messages/${id}/audio`, token)).status).toBe(404);
      expect((await call('DELETE', `/voicemail-boxes/${boxId}/messages/${id}`, token)).status).toBe(404);
    }
    expect((await call('GET', `/voicemail-boxes/${boxId}/messages`, c.admin)).items).toHaveLength(1);
  });

  it("recordings of a deleted customer's boxes are removed at start", async () => {
    const c = await customer('Opgezegd BV');
    const box = await call('POST', '/voicemail-boxes', c.admin, { name: 'Oud' });
    const boxId = box.body.id as string;
    await leave(boxId, c.id);
    expect((await call('DELETE', `/customers/${c.id}`, PLATFORM)).status).toBe(204);
    expect(await store.voicemail.getBox(boxId)).toBeUndefined();
    expect(await voicemail.pruneDeletedBoxes()).toEqual([boxId]);
    expect(existsSync(voicemail.boxDir(boxId))).toBe(false);
  });

  it('deleting a box deletes its recordings from disk', async () => {
    const c = await customer('Opruim BV');
    const box = await call('POST', '/voicemail-boxes', c.admin, { name: 'Weg' });
    const boxId = box.body.id as string;
    await leave(boxId, c.id);
    expect((await call('DELETE', `/voicemail-boxes/${boxId}`, c.admin)).status).toBe(204);
    expect((await call('GET', `/voicemail-boxes/${boxId}`, c.admin)).status).toBe(404);
    expect(existsSync(voicemail.boxDir(boxId))).toBe(false);
  });
});
