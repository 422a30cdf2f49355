/**
 * `contactsuite inventory import` without REDIS_URL: the file goes to the running app's API with
 * the platform token, against a real HTTP server (src/http/server.ts) on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInventoryFile } from '../../src/cli/inventory.js';
import { buildHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { freePort } from '../support/ports.js';

const TOKEN = 'platform-token-for-the-cli-import-test';
const HEADER = 'number,per_minute_cents,per_call_cents,start_fee_cents,max_per_call_cents';

let store: MemoryStore;
let app: FastifyInstance;
let port: number;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inventory-cli-api-'));
  store = new MemoryStore();
  const logger = silentLogger();
  app = buildHttpServer({
    isEngineConnected: () => true,
    store,
    logger,
    api: { store, secrets: new SecretBox(randomBytes(32)), platformToken: TOKEN, logger, sip: { domain: 'sip.test.invalid', port: 5060 } },
  });
  port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('contactsuite inventory import on the embedded store (no REDIS_URL)', () => {
  it("sends the file to the running app's API: what was added, and what was in stock already", async () => {
    const file = join(dir, 'blok.csv');
    await writeFile(file, `${HEADER}\n0858 004 000-0858 004 011\n0909 222 0000,80,,,\n`);
    const env = { HTTP_PORT: String(port), PLATFORM_TOKEN: TOKEN };
    expect(await importInventoryFile(file, {}, env)).toEqual({ ok: true, text: `${file}: 13 numbers added\n` });
    expect(await store.inventory.numbers.get('+319092220000')).toMatchObject({ state: 'available', tariff: { perMinuteCents: 80 }, history: [{ by: 'platform', reason: 'imported' }] });
    expect((await store.inventory.numbers.list()).length).toBe(13);

    await writeFile(file, `${HEADER}\n0858 004 010-0858 004 012\n`);
    // --api-url and --token win over the environment (here: a wrong port and no token).
    const again = await importInventoryFile(file, { apiUrl: `http://127.0.0.1:${port}/`, token: TOKEN }, { HTTP_PORT: '1' });
    expect(again).toEqual({
      ok: true,
      text: `${file}: 1 numbers added; 2 already in the inventory, left as they are\nalready in the inventory: 0858004010, 0858004011\n`,
    });
    expect((await store.inventory.numbers.list()).length).toBe(14);
  });

  it('says what to fix when the token is wrong or missing or the app is not running, and imports nothing', async () => {
    const file = join(dir, 'fout.csv');
    await writeFile(file, `${HEADER}\n0858 005 000\n`);
    await expect(importInventoryFile(file, {}, { HTTP_PORT: String(port), PLATFORM_TOKEN: 'not-the-platform-token' })).rejects.toThrow(
      `the API at http://127.0.0.1:${port}/api/v1/inventory/import refused the token (401`,
    );
    await expect(importInventoryFile(file, {}, { HTTP_PORT: String(port) })).rejects.toThrow('REDIS_URL is not set, so the file goes to the running app\'s API, which needs the platform token');
    const closed = await freePort();
    await expect(importInventoryFile(file, { token: TOKEN }, { HTTP_PORT: String(closed) })).rejects.toThrow(
      `cannot reach the app's API at http://127.0.0.1:${closed}/api/v1/inventory/import (ECONNREFUSED)`,
    );
    expect(await store.inventory.numbers.get('+31858005000')).toBeUndefined();
  });
});
