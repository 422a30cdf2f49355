import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { apiPlugin } from '../../src/api/apiPlugin.js';
import { InventoryService, type InventoryOptions } from '../../src/inventory/InventoryService.js';
import { silentLogger } from '../../src/logger.js';
import { createMailOutbox, type MailOutbox } from '../../src/mail/MailOutbox.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

export const PLATFORM = 'platform-token-for-inventory-tests-0123';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  items: Record<string, unknown>[];
  raw: string;
}

/** The admin API with an inventory on a clock the test moves, mailing through a real in-process SMTP server. */
export interface InventoryRig {
  app: FastifyInstance;
  store: MemoryStore;
  inventory: InventoryService;
  smtp: TestSmtp;
  /** The inventory's clock (ms); tests move it. */
  clock: { now: number };
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, body?: unknown): Promise<Reply>;
  /** A customer with a beheerder token. */
  customer(name: string): Promise<{ customerId: string; admin: string }>;
  close(): Promise<void>;
}

export async function startInventoryRig(opts: { start: string; options?: Partial<InventoryOptions> }): Promise<InventoryRig> {
  const smtp = await startSmtp();
  const dir = await mkdtemp(join(tmpdir(), 'inventory-'));
  const logger = silentLogger();
  const outbox: MailOutbox = createMailOutbox({ smtpUrl: smtp.url, from: 'orders@contactsuite.test', dir: join(dir, 'outbox'), logger, retry: { initialMs: 200, maxMs: 1000 } });
  const store = new MemoryStore();
  const clock = { now: Date.parse(opts.start) };
  const inventory = new InventoryService({ store, outbox, logger, options: opts.options ?? {}, now: () => clock.now });
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(
    apiPlugin({ store, secrets: new SecretBox(randomBytes(32)), platformToken: PLATFORM, logger, sip: { domain: 'sip.test.invalid', port: 5060 }, inventory }),
    { prefix: '/api/v1' },
  );
  await app.ready();

  const call: InventoryRig['call'] = async (method, url, token, body) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
    const parsed: unknown = res.payload === '' ? undefined : JSON.parse(res.payload);
    return {
      status: res.statusCode,
      body: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {},
      items: Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : [],
      raw: res.payload,
    };
  };

  return {
    app,
    store,
    inventory,
    smtp,
    clock,
    call,
    async customer(name) {
      const c = await call('POST', '/api/v1/customers', PLATFORM, { name });
      if (c.status !== 201) throw new Error(`customer: ${c.raw}`);
      const customerId = c.body.id as string;
      const t = await call('POST', `/api/v1/customers/${customerId}/tokens`, PLATFORM, { role: 'beheerder', label: `${name} beheer` });
      if (t.status !== 201) throw new Error(`token: ${t.raw}`);
      return { customerId, admin: t.body.token as string };
    },
    async close() {
      await app.close();
      await inventory.stop();
      await outbox.close();
      await store.close();
      await smtp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
