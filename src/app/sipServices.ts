import { createHmac } from 'node:crypto';
import type Srf from 'drachtio-srf';
import { CallRegistry } from '../calls/CallRegistry.js';
import { createNumberCalls, type NumberCalls, type NumberCallsDeps } from '../calls/NumberCall.js';
import type { PhoneCallHooks } from '../cdr/callRecords.js';
import type { Logger } from '../logger.js';
import { createCallRouter, type TrunkConfig } from '../routing/callRouter.js';
import { LiveCalls } from './drain.js';
import { DigestAuth } from '../sip/digest.js';
import { createRegistrar, type RegistrarDeps } from '../sip/registrar.js';
import { AuthThrottle } from '../sip/security.js';
import type { SecretBox } from '../store/secrets.js';
import type { Store } from '../store/StoreTypes.js';

/** What the phones' side of the app needs from the configuration. */
export interface SipSettings {
  /** Digest realm (SIP_DOMAIN). */
  domain: string;
  register: { minExpires: number; maxExpires: number };
  authThrottle: { maxFailures: number; blockSeconds: number };
  trunk?: TrunkConfig;
}

export interface SipServicesDeps {
  store: Store;
  secrets: SecretBox;
  /** The secrets key: every app instance derives the same nonce key from it. */
  secretKey: Buffer;
  settings: SipSettings;
  logger: Logger;
  /** Calls to service numbers (media server, plan source, clock); unset: every INVITE goes to the phones' router. */
  numberCalls?: Omit<NumberCallsDeps, 'store' | 'logger' | 'trunk'>;
  /** CDRs and the credit limit of calls from phones (src/cdr/callRecords.ts). */
  phoneCalls?: PhoneCallHooks;
  /** Told of phones that just registered (message-waiting state on registration, src/voicemail/Mwi.ts). */
  onRegistered?: RegistrarDeps['onRegistered'];
}

/** srf middleware as srf.use() takes it (its typings say `next: Function`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Middleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Function) => void;

/**
 * The registrar and the call router with what they share: one digest authenticator (nonces
 * signed with a key derived from SECRETS_KEY, so any app instance verifies any other's nonce)
 * and one failed-authentication throttle per source address.
 */
export function buildSipServices(deps: SipServicesDeps): { register: Middleware; invite: Middleware; numberCalls?: NumberCalls; digest: DigestAuth; throttle: AuthThrottle; calls: LiveCalls } {
  const { store, secrets, settings, logger } = deps;
  const digest = new DigestAuth({
    realm: settings.domain,
    secret: createHmac('sha256', deps.secretKey).update('contactsuite digest nonce v1').digest(),
    counters: store.counters,
    accounts: store.accounts,
    secrets,
  });
  const throttle = new AuthThrottle({
    counters: store.counters,
    maxFailures: settings.authThrottle.maxFailures,
    blockMs: settings.authThrottle.blockSeconds * 1000,
  });
  const register = createRegistrar({
    store,
    digest,
    throttle,
    logger: logger.child({ component: 'registrar' }),
    minExpires: settings.register.minExpires,
    maxExpires: settings.register.maxExpires,
    ...(deps.onRegistered ? { onRegistered: deps.onRegistered } : {}),
  });
  // One registry of live calls, so an attended transfer in a number call finds an extension call.
  const registry = new CallRegistry();
  // Every call in progress, so a shutdown can wait for them and hang up what is left (drain.ts).
  const calls = new LiveCalls(logger.child({ component: 'calls' }));
  const router = createCallRouter({
    registry,
    onAnswer: (call) => calls.phoneCallAnswered(call),
    ...(deps.phoneCalls ? { cdr: deps.phoneCalls } : {}),
    store,
    digest,
    throttle,
    secrets,
    logger: logger.child({ component: 'calls' }),
    ...(settings.trunk ? { trunk: settings.trunk } : {}),
    // A phone's transfer anchors the call's media on the number calls' media server.
    ...(deps.numberCalls ? { media: deps.numberCalls.media } : {}),
    ...(deps.numberCalls?.transferRingTimeoutMs ? { transferRingTimeoutMs: deps.numberCalls.transferRingTimeoutMs } : {}),
  });
  const phones: Middleware = (req, res, next) => calls.track(req, res, router(req, res, (err?: Error) => next(err)));
  // Calls to our service numbers first (not challenged: they come from the network), then phones.
  const numberCalls = deps.numberCalls
    ? createNumberCalls({ ...deps.numberCalls, registry, liveCalls: calls.list, store, logger, ...(settings.trunk ? { trunk: settings.trunk } : {}) })
    : undefined;
  if (numberCalls) calls.attachNumberCalls(numberCalls);
  // A number call's handler runs for the whole call; one passed on to the phones is tracked there too.
  const invite: Middleware = numberCalls
    ? (req, res, next) => calls.track(req, res, numberCalls.middleware(req, res, () => phones(req, res, next)))
    : phones;
  return { register: (req, res, next) => void register(req, res, next), invite, ...(numberCalls ? { numberCalls } : {}), digest, throttle, calls };
}
