/*
 * Where the fax addon is not built, ContactSuite still runs: loading reports why fax is
 * unavailable (for the start line and /health), and /health stays "ok" while saying so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeFaxAddon } from '../../src/fax/faxAddon.js';
import { buildHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-fax-avail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fax availability', () => {
  it('a missing addon is "unavailable", with the path and how to build it', () => {
    const path = join(dir, 'fax.node');
    const r = probeFaxAddon(path);
    expect(r.addon).toBeUndefined();
    expect(r.availability).toEqual({ available: false, reason: `${path} is missing (npm run build:fax needs libspandsp-dev and libtiff-dev)` });
  });

  it('a broken addon file is "unavailable" too, not a crash', () => {
    const path = join(dir, 'broken.node');
    writeFileSync(path, 'not a shared object');
    const r = probeFaxAddon(path);
    expect(r.addon).toBeUndefined();
    expect(r.availability.available).toBe(false);
    expect((r.availability as { reason: string }).reason).toMatch(/broken\.node did not load/);
  });

  it.each([
    [{ available: true as const }],
    [{ available: false as const, reason: 'native/fax/build/Release/fax.node is missing' }],
  ])('/health reports fax as %j and stays 200', async (fax) => {
    const store = new MemoryStore();
    const app = buildHttpServer({ isEngineConnected: () => true, store, logger: silentLogger(), fax: () => fax });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', engine: { connected: true }, store: { reachable: true }, fax });
    await app.close();
    await store.close();
  });
});
