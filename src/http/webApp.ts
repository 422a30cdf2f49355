import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the admin web app is served; its client routes live under it (react-router basename). */
export const WEB_APP_PREFIX = '/app/';

/**
 * The built client (`npm run build:web`, vite → dist/web). Resolved from this file, so it is
 * the same directory whether the server runs from src/ (tsx, tests) or from dist/.
 */
export const WEB_APP_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/**
 * Serves the admin web app (src/web/) at /app/: its files as they are, and index.html for any
 * other path below it, so a reload on /app/plans/… lands in the app (a single-page app routes
 * in the browser). '/' redirects there. Without a build, /app/ says how to make one.
 */
export function registerWebApp(app: FastifyInstance, root: string = WEB_APP_DIR): void {
  app.get('/', async (_req, reply) => reply.redirect(WEB_APP_PREFIX));
  app.get('/app', async (_req, reply) => reply.redirect(WEB_APP_PREFIX));
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'web app not built: run `npm run build:web`');
    app.get(`${WEB_APP_PREFIX}*`, async (_req, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(`De webapp is niet gebouwd: npm run build:web (${root})\n`),
    );
    return;
  }
  void app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, prefix: WEB_APP_PREFIX, wildcard: false, index: ['index.html'] });
    // wildcard: false registers a route per file found at start-up; everything else is the app's own route.
    scope.get(`${WEB_APP_PREFIX}*`, async (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  });
}
