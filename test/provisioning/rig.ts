/**
 * The HTTP server as `npm start` builds it (admin API + provisioning endpoint) on a memory
 * store, with every log line kept at trace level so a test can look for leaked secrets.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildHttpServer } from '../../src/http/server.js';
import type { ProvisioningSite } from '../../src/provisioning/DeviceTypes.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';

export const PLATFORM_TOKEN = 'platform-token-for-provisioning-tests-0123';

export interface Fetched {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

export interface ProvisioningRig {
  app: FastifyInstance;
  store: MemoryStore;
  site: ProvisioningSite;
  logText(): string;
  /** An admin API call with the platform token unless another is given. */
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A phone's GET, from `source` (the throttle counts per source address). */
  fetch(path: string, opts?: { authorization?: string; source?: string }): Promise<Fetched>;
  close(): Promise<void>;
}

export async function startProvisioningRig(overrides: Partial<ProvisioningSite> = {}, throttle = { maxFailures: 5, blockSeconds: 300 }): Promise<ProvisioningRig> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const store = new MemoryStore();
  const secretKey = randomBytes(32);
  const secrets = new SecretBox(secretKey);
  const site: ProvisioningSite = {
    sipDomain: 'sip.test.invalid',
    sipHost: '127.0.0.1',
    sipPort: 5060,
    transport: 'udp',
    registerExpires: 600,
    ntpServer: 'nl.pool.ntp.org',
    publicUrl: 'http://prov.test.invalid/provisioning',
    recheckMinutes: 1440,
    ...overrides,
  };
  const app = buildHttpServer({
    isEngineConnected: () => true,
    store,
    logger,
    api: { store, secrets, platformToken: PLATFORM_TOKEN, logger, sip: { domain: site.sipDomain, port: site.sipPort }, provisioning: site },
    provisioning: { store, secrets, secretKey, site, logger, throttle },
  });
  await app.ready();
  return {
    app,
    store,
    site,
    logText: () => lines.join(''),
    async api(method, url, body, token = PLATFORM_TOKEN) {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: res.statusCode, body: res.payload === '' ? {} : (JSON.parse(res.payload) as Record<string, unknown>) };
    },
    async fetch(path, opts = {}) {
      const res = await app.inject({
        method: 'GET',
        url: path,
        remoteAddress: opts.source ?? '127.0.0.10',
        headers: { 'user-agent': 'Yealink SIP-T54W 96.86.0.45 00:15:65:a1:b2:c3', ...(opts.authorization ? { authorization: opts.authorization } : {}) },
      });
      return { status: res.statusCode, headers: res.headers, body: res.payload };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** An RFC 7616 MD5 qop=auth answer to the server's Digest challenge, written out here on purpose (not our server code). */
export function digestAnswer(challenge: string, o: { username: string; password: string; uri: string; method?: string }): string {
  const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const realm = param('realm');
  const nonce = param('nonce');
  const opaque = param('opaque');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = md5(`${o.username}:${realm}:${o.password}`);
  const ha2 = md5(`${o.method ?? 'GET'}:${o.uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${o.username}", realm="${realm}", nonce="${nonce}", uri="${o.uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${opaque}"`;
}

/** The Digest offer among the WWW-Authenticate headers of a 401. */
export function digestChallenge(headers: Fetched['headers']): string {
  const all = ([] as Array<string | number>).concat(headers['www-authenticate'] ?? []).map(String);
  const d = all.find((h) => h.startsWith('Digest '));
  if (!d) throw new Error(`no Digest challenge in ${JSON.stringify(all)}`);
  return d;
}
