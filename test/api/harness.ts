import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { apiPlugin, type ApiDeps } from '../../src/api/apiPlugin.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';

export const PLATFORM_TOKEN = 'platform-token-for-tests-0123456789abcdef';

export type Body = Record<string, unknown>;

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  /** The JSON body when it is an object ({} otherwise). */
  body: Body;
  /** The JSON body when it is an array ([] otherwise). */
  items: Body[];
  raw: string;
}

export interface ApiHarness {
  app: FastifyInstance;
  store: MemoryStore;
  secrets: SecretBox;
  /** Every log line the app wrote, unredacted level trace, so a leaked secret cannot hide. */
  logText(): string;
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, opts?: { token?: string; body?: unknown }): Promise<Reply>;
  /** A customer made with the platform token, with a beheerder token for it. */
  customerWithAdmin(name: string): Promise<{ customerId: string; adminToken: string }>;
  /** An account made by the customer's beheerder, with a gebruiker token for it. */
  accountWithUser(
    customerId: string,
    adminToken: string,
    username: string,
  ): Promise<{ accountId: string; password: string; userToken: string }>;
  close(): Promise<void>;
}

/** extra: more of the API's dependencies (a fax directory, an inventory …) for the routes under test. */
export async function startApi(extra: Partial<ApiDeps> = {}): Promise<ApiHarness> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const store = new MemoryStore();
  const secrets = new SecretBox(randomBytes(32));
  // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's default generic type (as in server.ts).
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(
    apiPlugin({ store, secrets, platformToken: PLATFORM_TOKEN, logger, sip: { domain: 'sip.test.invalid', port: 5060 }, ...extra }),
    { prefix: '/api/v1' },
  );
  await app.ready();

  const call: ApiHarness['call'] = async (method, url, opts = {}) => {
    const res = await app.inject({
      method,
      url,
      headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` },
      ...(opts.body === undefined ? {} : { payload: opts.body as object }),
    });
    const parsed: unknown = res.payload === '' ? undefined : JSON.parse(res.payload);
    return {
      status: res.statusCode,
      headers: res.headers,
      body: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Body) : {},
      items: Array.isArray(parsed) ? (parsed as Body[]) : [],
      raw: res.payload,
    };
  };

  return {
    app,
    store,
    secrets,
    logText: () => lines.join(''),
    call,
    async customerWithAdmin(name) {
      const c = await call('POST', '/api/v1/customers', { token: PLATFORM_TOKEN, body: { name } });
      if (c.status !== 201) throw new Error(`customer: ${c.raw}`);
      const customerId = c.body.id as string;
      const t = await call('POST', `/api/v1/customers/${customerId}/tokens`, {
        token: PLATFORM_TOKEN,
        body: { role: 'beheerder', label: `${name} beheer` },
      });
      if (t.status !== 201) throw new Error(`token: ${t.raw}`);
      return { customerId, adminToken: t.body.token as string };
    },
    async accountWithUser(customerId, adminToken, username) {
      const a = await call('POST', `/api/v1/customers/${customerId}/accounts`, {
        token: adminToken,
        body: { username, displayName: `Toestel ${username}` },
      });
      if (a.status !== 201) throw new Error(`account: ${a.raw}`);
      const accountId = a.body.id as string;
      const t = await call('POST', `/api/v1/customers/${customerId}/tokens`, {
        token: adminToken,
        body: { role: 'gebruiker', accountId, label: username },
      });
      if (t.status !== 201) throw new Error(`token: ${t.raw}`);
      return { accountId, password: a.body.password as string, userToken: t.body.token as string };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
