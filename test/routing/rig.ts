/*
 * What the call-routing tests share: an in-process engine, a drachtio-srf app running the
 * registrar and the call router against a MemoryStore, one customer with two extensions, a
 * customer of its own with a third, a suspended customer, and SIPp phones and a SIPp trunk.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createCallRouter, type AnsweredCall } from '../../src/routing/callRouter.js';
import { accountKey } from '../../src/routing/ChannelLimit.js';
import { DigestAuth } from '../../src/sip/digest.js';
import { createRegistrar } from '../../src/sip/registrar.js';
import { AuthThrottle } from '../../src/sip/security.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import type { Account } from '../../src/store/StoreTypes.js';
import { freePort } from '../support/ports.js';
import { killAllSipp, runSipp, scenario, startSipp, type RunningSipp, type SippOptions, type SippResult } from '../support/sipp.js';
import { startEngineWithApp } from '../support/engine.js';
import { disconnect } from '../support/srf.js';

const CALLS = new URL('../scenarios/calls/', import.meta.url).pathname;

export interface Phone {
  username: string;
  password: string;
  account: Account;
}

export interface RigOptions {
  /** Point the router at a trunk on 127.0.0.1 (default true). */
  trunk?: boolean | { username: string; password: string };
  ringTimeoutMs?: number;
  maxCallMs?: number;
  maxFailures?: number;
}

export interface CallRig {
  store: MemoryStore;
  remote: string;
  /** The port the trunk SIPp must listen on. */
  trunkPort: number;
  /** Customer "Bakkerij de Vries": extensions 201 and 202. */
  alice: Phone;
  bob: Phone;
  /** Another customer's extension. */
  carol: Phone;
  /** An extension of a suspended customer. */
  dave: Phone;
  /** Every call the router connected, newest last. */
  answered: AnsweredCall[];
  /** Puts a binding for the account into the location store, as the registrar would after a REGISTER from 127.0.0.1:port. */
  register(phone: Phone, port: number): Promise<void>;
  /** Runs test/scenarios/calls/<name>.xml as `phone` dialling `dialled` (credentials -au/-ap, From = its username). */
  call(name: string, phone: Phone, dialled: string, o?: { password?: string; vars?: Record<string, string>; calls?: number; extra?: string[] }): Promise<SippResult>;
  /** Starts the same without waiting (for calls that stay up). */
  startCall(name: string, phone: Phone, dialled: string, o?: { password?: string; vars?: Record<string, string>; calls?: number; extra?: string[] }): Promise<RunningSipp>;
  /** Starts a SIPp UAS from test/scenarios (top level) on `port` (a fresh one by default). */
  far(name: string, o?: Partial<SippOptions>): Promise<RunningSipp & { port: number }>;
  /** Registers through the real registrar: a SIPp REGISTER from `port`. */
  registerWithSipp(phone: Phone, port: number): Promise<SippResult>;
  /** Live channel leases of the account. */
  channels(phone: Phone): Promise<number>;
  /** Waits (bounded) until the account holds `count` channels; returns the last count seen. */
  channelsSettle(phone: Phone, count: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startCallRig(opts: RigOptions = {}): Promise<CallRig> {
  const { engine, srf, sipPort } = await startEngineWithApp({ secret: 'routing-test' });
  const trunkPort = await freePort();
  const appLog = process.env.E2E_LOG_LEVEL ? createLogger(process.env.E2E_LOG_LEVEL, 'app') : silentLogger();

  const store = new MemoryStore();
  const secrets = new SecretBox(randomBytes(32));
  const digest = new DigestAuth({ realm: 'contactsuite.test', secret: randomBytes(32), counters: store.counters, accounts: store.accounts, secrets });
  const throttle = new AuthThrottle({ counters: store.counters, maxFailures: opts.maxFailures ?? 10 });
  const answered: AnsweredCall[] = [];
  const trunkOpt = opts.trunk ?? true;
  const router = createCallRouter({
    store,
    digest,
    throttle,
    secrets,
    logger: appLog,
    ...(trunkOpt ? { trunk: { uri: `sip:127.0.0.1:${trunkPort}`, ...(typeof trunkOpt === 'object' ? trunkOpt : {}) } } : {}),
    ...(opts.ringTimeoutMs ? { ringTimeoutMs: opts.ringTimeoutMs } : {}),
    ...(opts.maxCallMs ? { maxCallMs: opts.maxCallMs } : {}),
    onAnswer: (call) => answered.push(call),
  });
  const registrar = createRegistrar({ store, digest, throttle, logger: appLog });
  srf.use('register', (req, res, next) => void registrar(req, res, next));
  srf.use('invite', (req, res, next) => void router(req, res, next as () => void));

  const bakery = await store.customers.create({ name: 'Bakkerij de Vries', status: 'active', creditLimitCents: 10_000 });
  const other = await store.customers.create({ name: 'Garage Jansen', status: 'active', creditLimitCents: 10_000 });
  const gone = await store.customers.create({ name: 'Failliet BV', status: 'suspended', creditLimitCents: 10_000 });
  const phone = async (customerId: string, username: string, displayName: string): Promise<Phone> => {
    const password = `pw-${username}-${randomBytes(4).toString('hex')}`;
    const account = await store.accounts.create({ customerId, username, displayName, passwordEnc: secrets.encrypt(password), channelLimit: 2 });
    return { username, password, account };
  };
  const remote = `127.0.0.1:${sipPort}`;

  const callOptions = async (name: string, p: Phone, dialled: string, o: { password?: string; vars?: Record<string, string>; calls?: number; extra?: string[] } = {}): Promise<SippOptions> => ({
    scenario: `${CALLS}${name}.xml`,
    remote,
    localPort: await freePort(),
    calls: o.calls ?? 1,
    timeoutMs: 15_000,
    vars: { caller: p.username, ...o.vars },
    extra: ['-s', dialled, '-au', p.username, '-ap', o.password ?? p.password, ...(o.extra ?? [])],
  });

  const rig: CallRig = {
    store,
    remote,
    trunkPort,
    alice: await phone(bakery.id, '201', 'Alice de Vries'),
    bob: await phone(bakery.id, '202', 'Bob de Vries'),
    carol: await phone(other.id, '301', 'Carol Jansen'),
    dave: await phone(gone.id, '401', 'Dave'),
    answered,
    async register(p, port) {
      await store.locations.save({
        accountId: p.account.id,
        contact: `sip:${p.username}@127.0.0.1:${port}`,
        source: { protocol: 'udp', host: '127.0.0.1', port },
        callId: `reg-${port}@test`,
        cseq: 1,
        expiresAt: Date.now() + 3_600_000,
      });
    },
    call: async (name, p, dialled, o) => runSipp(await callOptions(name, p, dialled, o)),
    startCall: async (name, p, dialled, o) => startSipp(await callOptions(name, p, dialled, o)),
    async far(name, o = {}) {
      const port = o.localPort ?? (await freePort());
      const sipp = await startSipp({ scenario: scenario(name), calls: 1, timeoutMs: 15_000, ...o, localPort: port });
      return { ...sipp, port };
    },
    registerWithSipp: (p, port) =>
      runSipp({ scenario: `${CALLS}phone-register.xml`, remote, localPort: port, timeoutMs: 10_000, extra: ['-s', p.username, '-au', p.username, '-ap', p.password] }),
    channels: (p) => store.leases.count(accountKey(p.account.id)),
    async channelsSettle(p, count) {
      // Leases are released in the app right after the last SIP message; give it a bounded moment.
      let seen = await rig.channels(p);
      for (let i = 0; i < 100 && seen !== count; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await rig.channels(p);
      }
      return seen;
    },
    async stop() {
      killAllSipp();
      disconnect(srf);
      await store.close();
      await engine.stop();
    },
  };
  return rig;
}

/** Waits (bounded: 2 s) until `check` holds; returns whether it did. */
export async function eventually(check: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** First lines of the SIP messages in a SIPp trace, e.g. '> INVITE sip:…', '< SIP/2.0 200 OK'. */
export function flow(result: SippResult): string[] {
  const out: string[] = [];
  const blocks = (result.messages ?? '').split(/^-{10,}.*\r?\n(?:UDP|TCP) message (sent|received).*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const firstLine = (blocks[i + 1] ?? '').trim().split(/\r?\n/)[0] ?? '';
    out.push(`${blocks[i] === 'sent' ? '>' : '<'} ${firstLine}`);
  }
  return out;
}

/** The received requests of a SIPp trace with the given method, as full message texts. */
export function received(result: SippResult, method: string): string[] {
  const out: string[] = [];
  const blocks = (result.messages ?? '').split(/^-{10,}.*\r?\n(?:UDP|TCP) message (sent|received).*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const text = (blocks[i + 1] ?? '').trim();
    if (blocks[i] === 'received' && text.startsWith(`${method} `)) out.push(text);
  }
  return out;
}
