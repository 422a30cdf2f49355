/*
 * What the registrar tests share: an in-process engine, a drachtio-srf app running the
 * registrar middleware against a fresh MemoryStore per test, a customer with two accounts, and
 * SIPp phones that register with digest credentials.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, silentLogger } from '../../src/logger.js';
import { DigestAuth } from '../../src/sip/digest.js';
import { createRegistrar, type RegistrarDeps } from '../../src/sip/registrar.js';
import { AuthThrottle } from '../../src/sip/security.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { SecretBox } from '../../src/store/secrets.js';
import type { Account } from '../../src/store/StoreTypes.js';
import { freePort } from '../support/ports.js';
import { killAllSipp, runSipp, startSipp, type RunningSipp, type SippOptions, type SippResult } from '../support/sipp.js';
import { startEngineWithApp } from '../support/engine.js';
import { disconnect } from '../support/srf.js';

export const REALM = 'contactsuite.test';
const SCENARIOS = new URL('../scenarios/registrar/', import.meta.url).pathname;

export interface Phone {
  username: string;
  password: string;
  account: Account;
}

export interface Setup {
  store: MemoryStore;
  digest: DigestAuth;
  throttle: AuthThrottle;
  alice: Phone;
  bob: Phone;
  /** An account of a suspended customer. */
  suspended: Phone;
}

export interface SetupOptions extends Partial<Pick<RegistrarDeps, 'minExpires' | 'maxExpires' | 'defaultExpires'>> {
  nonceTtlMs?: number;
}

export interface RegistrarRig {
  sipPort: number;
  remote: string;
  /** A fresh store and registrar for the next test (throttling state and bindings start empty). */
  reset(opts?: SetupOptions): Promise<Setup>;
  /** Runs test/scenarios/registrar/<name>.xml from a new port as `service`, authenticating as user/password. */
  phone(name: string, o: PhoneRun): Promise<SippResult & { port: number }>;
  /** Starts it without waiting for the end (for scenarios that pause). */
  startPhone(name: string, o: PhoneRun): Promise<RunningSipp & { port: number }>;
  stop(): Promise<void>;
}

export interface PhoneRun {
  /** The To/From user ([service]); the digest user by default. */
  service?: string;
  user: string;
  password: string;
  port?: number;
  /** -set variables; `contact` (and `contact2`) default to <sip:service@127.0.0.1:port>. */
  vars?: Record<string, string>;
  calls?: number;
  extra?: string[];
  timeoutMs?: number;
}

export async function startRegistrarRig(): Promise<RegistrarRig> {
  const { engine, srf, sipPort } = await startEngineWithApp({ secret: 'registrar-test' });
  const secrets = new SecretBox(randomBytes(32));
  let store: MemoryStore | undefined;
  let registrar: ReturnType<typeof createRegistrar> | undefined;
  srf.use('register', (req, res, next) => {
    if (!registrar) return next();
    void registrar(req, res, next);
  });
  const remote = `127.0.0.1:${sipPort}`;

  async function options(name: string, o: PhoneRun): Promise<SippOptions & { localPort: number }> {
    const port = o.port ?? (await freePort());
    const service = o.service ?? o.user;
    const contact = o.vars?.contact ?? `<sip:${service}@127.0.0.1:${port}>`;
    // register-again sends a second Contact; by default the same one (a refresh).
    const defaults: Record<string, string> = name === 'register-again' ? { contact, contact2: contact } : { contact };
    return {
      scenario: `${SCENARIOS}${name}.xml`,
      remote,
      localPort: port,
      calls: o.calls ?? 1,
      timeoutMs: o.timeoutMs ?? 15_000,
      vars: { ...defaults, ...o.vars },
      extra: ['-s', service, '-au', o.user, '-ap', o.password, ...(o.extra ?? [])],
    };
  }

  return {
    sipPort,
    remote,
    async reset(opts = {}) {
      await store?.close();
      store = new MemoryStore();
      const digest = new DigestAuth({ realm: REALM, secret: randomBytes(32), counters: store.counters, accounts: store.accounts, secrets, ...(opts.nonceTtlMs ? { nonceTtlMs: opts.nonceTtlMs } : {}) });
      const throttle = new AuthThrottle({ counters: store.counters });
      const logger = process.env.E2E_LOG_LEVEL ? createLogger(process.env.E2E_LOG_LEVEL, 'registrar') : silentLogger();
      registrar = createRegistrar({ store, digest, throttle, logger, ...opts });
      const active = await store.customers.create({ name: 'Bakkerij de Vries', status: 'active', creditLimitCents: 10_000 });
      const gone = await store.customers.create({ name: 'Failliet BV', status: 'suspended', creditLimitCents: 10_000 });
      const account = async (customerId: string, username: string, password: string): Promise<Phone> => ({
        username,
        password,
        account: await store!.accounts.create({ customerId, username, displayName: username, passwordEnc: secrets.encrypt(password), channelLimit: 2 }),
      });
      return {
        store,
        digest,
        throttle,
        alice: await account(active.id, '1001', 'geheim-1001'),
        bob: await account(active.id, '1002', 'welkom-1002'),
        suspended: await account(gone.id, '3001', 'pw-3001'),
      };
    },
    async phone(name, o) {
      const opts = await options(name, o);
      return { ...(await runSipp(opts)), port: opts.localPort };
    },
    async startPhone(name, o) {
      const opts = await options(name, o);
      return { ...(await startSipp(opts)), port: opts.localPort };
    },
    async stop() {
      killAllSipp();
      disconnect(srf);
      await store?.close();
      await engine.stop();
    },
  };
}

/** One SIP message from a SIPp -trace_msg log. */
export interface TracedMessage {
  direction: 'sent' | 'received';
  firstLine: string;
  status?: number;
  /** Header names in order, as written. */
  headerNames: string[];
  header(name: string): string | undefined;
  text: string;
}

/**
 * Splits SIPp's message log into messages. SIPp 3.6.1 starts each with a line of dashes and a
 * timestamp, then "UDP message sent (N bytes):" or "UDP message received [N] bytes :".
 */
export function tracedMessages(log: string | undefined): TracedMessage[] {
  const out: TracedMessage[] = [];
  const blocks = (log ?? '').split(/^-{10,}.*\r?\n(?:UDP|TCP) message (sent|received).*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const direction = blocks[i] === 'sent' ? 'sent' : 'received';
    const text = (blocks[i + 1] ?? '').trim();
    const lines = text.split(/\r?\n/);
    const firstLine = lines[0] ?? '';
    const headers: Array<[string, string]> = [];
    for (const line of lines.slice(1)) {
      if (line.trim() === '') break;
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    const m = /^SIP\/2\.0 (\d{3})/.exec(firstLine);
    out.push({
      direction,
      firstLine,
      ...(m ? { status: Number(m[1]) } : {}),
      headerNames: headers.map(([n]) => n),
      header: (name) => headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v).join(', ') || undefined,
      text,
    });
  }
  return out;
}

/** Final responses SIPp received, in order. */
export function responsesReceived(result: SippResult): TracedMessage[] {
  return tracedMessages(result.messages).filter((m) => m.direction === 'received' && m.status !== undefined && m.status >= 200);
}
