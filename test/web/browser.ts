import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { silentLogger } from '../../src/logger.js';
import { buildHttpServer } from '../../src/http/server.js';
import { WEB_APP_DIR } from '../../src/http/webApp.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { VoicemailService } from '../../src/voicemail/VoicemailService.js';
import { InventoryService } from '../../src/inventory/InventoryService.js';
import { createMailOutbox, type MailOutbox } from '../../src/mail/MailOutbox.js';
import { freePort } from '../support/ports.js';
import type { ApiDeps } from '../../src/api/ApiTypes.js';
import type { CdrLog } from '../../src/cdr/CdrLog.js';

/**
 * A real app server (HTTP API + the built web app, on a MemoryStore) on 127.0.0.1 and Debian's
 * chromium driven by playwright-core, for tests that use the admin web app as a person would.
 */

export const PLATFORM_TOKEN = 'platform-token-for-web-tests-0123456789abcdef';
const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the client when dist/web is missing or older than its sources (the client and the
 * plan definitions it bundles), so `npx vitest run test/web` never tests a stale build.
 * scripts/test.sh builds it beforehand.
 */
export async function ensureWebBuild(): Promise<void> {
  const index = join(WEB_APP_DIR, 'index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'src', 'web')), newestMtime(join(ROOT, 'src', 'plans')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // Several test files (or people) may find the build stale at once: one builds, the others wait for it.
  const lock = join(ROOT, 'dist', '.web-build.lock');
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  for (let i = 0; i < 240; i++) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock older than the build's own time limit was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 150_000) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
    await promisify(execFile)('npx', ['vite', 'build', '--config', 'src/web/vite.config.ts', '--logLevel', 'error'], { cwd: ROOT, timeout: 120_000 });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export interface WebRig {
  baseUrl: string;
  store: MemoryStore;
  /** Voicemail on a throw-away data directory (messageFile() says where a recording goes). */
  voicemail: VoicemailService;
  /** The app's DATA_DIR (throw-away): received faxes go under <dataDir>/fax. */
  dataDir: string;
  page: Page;
  /** Uncaught exceptions in the page and console errors: a test ends with none. */
  pageErrors: string[];
  /** POST/PATCH/GET on the API with a token, for setting up data the way an operator would. */
  api<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH', path: string, token: string, body?: unknown): Promise<T>;
  /** With UPDATE_SCREENSHOTS=1: the page as docs/screenshots/<name>.png. Otherwise nothing. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** smtpUrl: order confirmations (the number inventory) are mailed there. */
export async function startWebRig(opts: { smtpUrl?: string; store?: MemoryStore; cdr?: CdrLog; liveCalls?: ApiDeps['liveCalls']; billing?: ApiDeps['billing'] } = {}): Promise<WebRig> {
  await ensureWebBuild();
  // A store the caller passes (a number-call rig's) is the caller's to close.
  const store = opts.store ?? new MemoryStore();
  const logger = silentLogger();
  // Uploaded prompts go under a throw-away directory, not ./data.
  const promptsDir = await mkdtemp(join(tmpdir(), 'web-prompts-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'web-data-'));
  const voicemail = new VoicemailService({ store, dataDir, logger });
  const outbox: MailOutbox | undefined = opts.smtpUrl
    ? createMailOutbox({ smtpUrl: opts.smtpUrl, from: 'orders@contactsuite.test', dir: join(dataDir, 'outbox'), logger, retry: { initialMs: 200, maxMs: 1000 } })
    : undefined;
  const inventory = new InventoryService({ store, logger, ...(outbox ? { outbox } : {}) });
  const app: FastifyInstance = buildHttpServer({
    isEngineConnected: () => true,
    store,
    logger,
    web: true,
    api: { store, secrets: new SecretBox(randomBytes(32)), platformToken: PLATFORM_TOKEN, logger, sip: { domain: 'sip.test.invalid', port: 5060 }, promptsDir, voicemail, inventory, faxDir: join(dataDir, 'fax'), ...(opts.cdr ? { cdr: opts.cdr } : {}), ...(opts.liveCalls ? { liveCalls: opts.liveCalls } : {}), ...(opts.billing ? { billing: opts.billing } : {}) },
  });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  const baseUrl = `http://127.0.0.1:${port}`;

  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root (CI containers) chromium refuses to start without --no-sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  } catch (err) {
    await app.close();
    await rm(promptsDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'nl-NL', timezoneId: 'Europe/Amsterdam' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    // A failed request the test provokes (401 on a wrong token, 400 on bad input) is logged by the browser; those are expected.
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) pageErrors.push(msg.text());
  });

  return {
    baseUrl,
    store,
    voicemail,
    dataDir,
    page,
    pageErrors,
    async api(method, path, token, body) {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as never;
    },
    async screenshot(name) {
      if (process.env.UPDATE_SCREENSHOTS !== '1') return;
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser?.close();
      await app.close();
      await inventory.stop();
      await outbox?.close();
      if (!opts.store) await store.close();
      await rm(promptsDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The message shown at a form field: the element its input names in aria-describedby as its
 * error (undefined while the field is valid).
 */
export async function fieldError(page: Page, testId: string): Promise<string | undefined> {
  const input = page.getByTestId(testId);
  if ((await input.getAttribute('aria-invalid')) !== 'true') return undefined;
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.endsWith('-error'));
  return ids.length === 1 ? ((await page.locator(`[id="${ids[0]}"]`).textContent()) ?? '') : undefined;
}
