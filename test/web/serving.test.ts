import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { randomBytes } from 'node:crypto';

/** How src/http/webApp.ts serves a build: files as they are, index.html for the app's own routes. */

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'webapp-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function server(webRoot: string) {
  const store = new MemoryStore();
  const logger = silentLogger();
  return buildHttpServer({
    isEngineConnected: () => true,
    store,
    logger,
    web: { root: webRoot },
    api: { store, secrets: new SecretBox(randomBytes(32)), logger, sip: { domain: 'sip.test.invalid', port: 5060 } },
  });
}

describe('the web app at /app/', () => {
  it('serves the build, falls back to index.html for app routes, and leaves the API alone', async () => {
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>ContactSuite</title>');
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    const app = server(root);
    try {
      const index = await app.inject({ method: 'GET', url: '/app/' });
      expect(index.statusCode).toBe(200);
      expect(index.headers['content-type']).toMatch(/^text\/html/);
      expect(index.payload).toContain('<title>ContactSuite</title>');
      const deep = await app.inject({ method: 'GET', url: '/app/plans/some-plan-id' });
      expect(deep.statusCode).toBe(200);
      expect(deep.payload).toContain('<title>ContactSuite</title>');
      const script = await app.inject({ method: 'GET', url: '/app/assets/index-abc.js' });
      expect(script.headers['content-type']).toMatch(/javascript/);
      expect(script.payload).toBe('console.log(1)');
      const home = await app.inject({ method: 'GET', url: '/' });
      expect(home.statusCode).toBe(302);
      expect(home.headers.location).toBe('/app/');
      const unknownApi = await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
      expect(unknownApi.statusCode).toBe(404);
      expect(JSON.parse(unknownApi.payload)).toEqual({ error: 'not_found' });
      const escape = await app.inject({ method: 'GET', url: '/app/../package.json' });
      expect(escape.payload).not.toContain('"name"');
    } finally {
      await app.close();
    }
  });

  it('says how to build the app when there is no build', async () => {
    const app = server(join(root, 'missing'));
    try {
      const r = await app.inject({ method: 'GET', url: '/app/' });
      expect(r.statusCode).toBe(503);
      expect(r.payload).toContain('npm run build:web');
    } finally {
      await app.close();
    }
  });
});
