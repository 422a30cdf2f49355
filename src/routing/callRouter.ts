/**
 * Calls from phones: every new INVITE is challenged (407, RFC 3261 §22.3), then goes to another
 * extension of the same customer (all its registered phones ring at once, B2BUA) or out through
 * the SIP trunk, within the account's channel limit. Each call's channel leases are released on
 * every way it can end.
 */
import Srf from 'drachtio-srf';
import type { CallRegistry, HandedOverParty } from '../calls/CallRegistry.js';
import type { ConnectedCall } from '../calls/ConnectedCall.js';
import { acceptTransfers } from '../calls/ExtensionTransfer.js';
import type { MediaServer } from '../media/MediaTypes.js';
import type { PhoneCallHooks, PhoneCallRecord } from '../cdr/callRecords.js';
import type { CallerIdentity } from '../cdr/CdrTypes.js';
import { callerIdentityOf } from '../cdr/callerIdentity.js';
import type { Logger } from '../logger.js';
import type { DigestAuth, DigestOk } from '../sip/digest.js';
import { isScanner, type AuthThrottle } from '../sip/security.js';
import type { SecretBox } from '../store/secrets.js';
import type { Account, Registration, Store } from '../store/StoreTypes.js';
import { ChannelLimit, type Lease } from './ChannelLimit.js';
import { ForkError, forkCall, hangUp, type ForkOptions, type ForkTarget } from './forkCall.js';
import { isEmergency, normalizeNumber } from './numbers.js';

export interface TrunkConfig {
  /** Where external calls go, e.g. 'sip:203.0.113.10:5060' (';transport=tcp' allowed). */
  uri: string;
  username?: string;
  password?: string;
}

export interface CallRouterDeps {
  store: Store;
  digest: DigestAuth;
  throttle: AuthThrottle;
  secrets: SecretBox;
  logger: Logger;
  /** No trunk: external calls get 503. */
  trunk?: TrunkConfig;
  /** Channel lease lifetime without renewal (default 60 s); see ChannelLimit. */
  leaseTtlMs?: number;
  /** How long phones (or the trunk) may ring before the caller gets 480 (default 60 s). */
  ringTimeoutMs?: number;
  /**
   * Longest a connected call may last (default 4 h). Without SIP session timers a call whose
   * phones vanished without a BYE would otherwise keep its channels (renewed leases) forever.
   */
  maxCallMs?: number;
  /** Told about every connected call (for CDRs and for hanging calls up from outside). */
  onAnswer?: (call: AnsweredCall) => void;
  /** Live calls, shared with number calls: an attended transfer there may take over a party here. */
  registry?: CallRegistry;
  /** CDRs and the monthly credit limit of outbound calls (src/cdr/callRecords.ts). */
  cdr?: PhoneCallHooks;
  /** Anchors a call's media when a phone transfers it (src/calls/ExtensionTransfer.ts); unset: REFER gets 501. */
  media?: MediaServer;
  /** How long a transfer target may ring (default 30 s). */
  transferRingTimeoutMs?: number;
}

/** A connected call: the caller's leg (UAS) and the answering leg (UAC). */
export interface AnsweredCall {
  callId: string;
  caller: Srf.Dialog;
  callee: Srf.Dialog;
  /** Hangs up both legs (BYE to each), ends the call's record and frees its channels. */
  hangUp(): Promise<void>;
  /** Settles when the call is over here: a BYE from either side, hung up, or handed to a transfer. */
  whenEnded: Promise<void>;
  /** For the live calls list: the calling phone's account and customer, what it dialled, who calls. */
  accountId?: string;
  customerId?: string;
  called?: string;
  callerIdentity?: CallerIdentity;
}

export type InviteMiddleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: (err?: Error) => void) => Promise<void>;

/** The leases one call holds; released together, once, whichever way the call ends. */
class CallLeases {
  private held: { lease: Lease; party: 'caller' | 'callee' }[] = [];

  add(lease: Lease, party: 'caller' | 'callee' = 'caller'): void {
    this.held.push({ lease, party });
  }

  /** Takes the party's lease out (it leaves with the party, e.g. to a transfer). */
  take(party: 'caller' | 'callee'): Lease | undefined {
    const i = this.held.findIndex((h) => h.party === party);
    return i < 0 ? undefined : this.held.splice(i, 1)[0].lease;
  }

  async releaseAll(): Promise<void> {
    const held = this.held;
    this.held = [];
    await Promise.all(held.map((h) => h.lease.release()));
  }
}

/** One INVITE being routed. */
interface Call {
  req: Srf.SrfRequest;
  res: Srf.SrfResponse;
  log: Logger;
  leases: CallLeases;
  /** Aborted when the caller CANCELs before we answered. */
  abort: AbortController;
  /** The call's CDR, once it is known where it goes. */
  record?: PhoneCallRecord;
  /** Who the calling phone's account and the called party are, for a transfer's record. */
  callerAccount?: Account;
  calleeLabel?: string;
}

/** The URI inside a Contact value, with or without angle brackets and header parameters. */
export function contactUri(contact: string): string {
  const bracketed = /<([^>]+)>/.exec(contact);
  return (bracketed ? bracketed[1] : contact.split(';expires=')[0]).trim();
}

/** The packet source of a registration as an outbound-proxy URI: NAT traversal (RFC 3581 §4 spirit). */
export function registrationProxy(r: Registration): string {
  const host = r.source.host.includes(':') ? `[${r.source.host}]` : r.source.host;
  return `sip:${host}:${r.source.port};transport=${r.source.protocol}`;
}

/** 'sip:alice@host' → 'alice' (undefined when the URI has no user part or does not parse). */
export function userOf(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    return Srf.parseUri(uri)?.user;
  } catch {
    return undefined;
  }
}

/** The trunk URI with the dialled number as user: 'sip:203.0.113.10:5060' + '+31201234567'. */
export function trunkTarget(trunkUri: string, number: string): string {
  return trunkUri.replace(/^(sips?:)(?:[^@]*@)?/, `$1${number}@`);
}

/** srf quotes the display name as given; a quote or backslash in it would break the From header. */
function displayName(account: Account): string | undefined {
  const name = account.displayName.replace(/["\\\r\n]/g, '').trim();
  return name || undefined;
}

export function createCallRouter(deps: CallRouterDeps): InviteMiddleware {
  const { store, digest, throttle, logger } = deps;
  const channels = new ChannelLimit(store.leases, { ttlMs: deps.leaseTtlMs, logger });
  const ringTimeoutMs = deps.ringTimeoutMs ?? 60_000;
  const maxCallMs = deps.maxCallMs ?? 4 * 3_600_000;

  /** 407 with a fresh challenge, or the outcome of a verified Proxy-Authorization. */
  async function authenticate(call: Call): Promise<DigestOk | undefined> {
    const { req, res } = call;
    const header = req.get('Proxy-Authorization');
    if (!header) {
      res.send(407, { headers: { 'Proxy-Authenticate': digest.challenge() } });
      return undefined;
    }
    const result = await digest.verify(header, 'INVITE');
    if (result.ok) return result;
    if (result.reason === 'stale') {
      // An expired nonce is not a wrong password (RFC 7616 §3.3): ask again, count nothing.
      res.send(407, { headers: { 'Proxy-Authenticate': digest.challenge(true) } });
      return undefined;
    }
    // Unknown user and wrong password get the same answer, so usernames cannot be probed.
    call.log.info({ source: req.source_address, reason: result.reason }, 'invite authentication failed');
    if (await throttle.recordFailure(req.source_address)) {
      res.send(403);
      return undefined;
    }
    res.send(407, { headers: { 'Proxy-Authenticate': digest.challenge() } });
    return undefined;
  }

  /** Rings the targets, answers the caller with the winner's SDP and ties the two legs together. */
  async function bridge(call: Call, targets: ForkTarget[], opts: Omit<ForkOptions, 'signal' | 'timeoutMs'>): Promise<void> {
    const { req, res, log, leases, abort } = call;
    let ringing = false;
    let fork;
    try {
      fork = await forkCall(req.srf, targets, { ...opts, signal: abort.signal, timeoutMs: ringTimeoutMs }, (prov) => {
        if (ringing || abort.signal.aborted || prov.status < 180) return;
        ringing = true;
        res.send(180);
      });
    } catch (err) {
      await leases.releaseAll();
      const status = err instanceof ForkError ? err.status : 500;
      log.info({ status, reason: (err as Error).message }, 'call not answered');
      // After a CANCEL the engine has already answered the caller with 487.
      if (!abort.signal.aborted) res.send(status);
      return;
    }

    const uac = fork.dialog;
    let uas: Srf.Dialog | undefined;
    let calleeGone = false;
    // Set once the call is connected; cleared by whichever end comes first.
    const maxDuration: { timer?: NodeJS.Timeout } = {};
    let unregister: () => void = () => undefined;
    let markEnded: () => void = () => undefined;
    const whenEnded = new Promise<void>((resolve) => (markEnded = resolve));
    const ended = (): void => {
      markEnded();
      clearTimeout(maxDuration.timer);
      call.record?.ended();
      unregister();
      void leases.releaseAll();
    };
    const onCalleeGone = (): void => {
      calleeGone = true;
      log.info({ by: 'callee' }, 'call ended');
      if (uas) hangUp(uas);
      ended();
    };
    uac.on('destroy', onCalleeGone);
    if (abort.signal.aborted) {
      // The caller hung up in the instant the callee answered.
      hangUp(uac);
      await leases.releaseAll();
      return;
    }
    try {
      uas = await req.srf.createUAS(req, res, { localSdp: uac.remote.sdp });
    } catch (err) {
      log.info({ reason: (err as Error).message }, 'caller gone before the answer reached it');
      hangUp(uac);
      await leases.releaseAll();
      return;
    }
    log.info({ answeredBy: fork.answeredBy }, 'call answered');
    call.record?.answered();
    const callerLeg = uas;
    let callerGone = false;
    const onCallerGone = (): void => {
      callerGone = true;
      log.info({ by: 'caller' }, 'call ended');
      hangUp(uac);
      ended();
    };
    callerLeg.on('destroy', onCallerGone);
    if (calleeGone) {
      hangUp(callerLeg);
      return;
    }
    relayReinvites(callerLeg, uac, log);
    relayReinvites(uac, callerLeg, log);
    let conversation: ConnectedCall | undefined;
    const caller = call.callerAccount;
    if (deps.media && caller) {
      acceptTransfers(
        { srf: req.srf, store, media: deps.media, accountChannels: channels, customerId: caller.customerId, logger: log, now: () => new Date(), ...(deps.trunk ? { trunk: deps.trunk } : {}), ...(deps.registry ? { registry: deps.registry } : {}), ...(deps.transferRingTimeoutMs ? { transferRingTimeoutMs: deps.transferRingTimeoutMs } : {}) },
        {
          caller: { dialog: callerLeg, label: caller.username },
          callee: { dialog: uac, label: call.calleeLabel ?? userOf(uac.remote.uri) ?? 'callee' },
          ended: () => callerGone || calleeGone,
          handOver: () => {
            callerLeg.removeListener('destroy', onCallerGone);
            uac.removeListener('destroy', onCalleeGone);
            for (const leg of [callerLeg, uac]) for (const ev of ['modify', 'refer']) leg.removeAllListeners(ev);
            unregister();
            const [callerLease, calleeLease] = [leases.take('caller'), leases.take('callee')];
            return { ...(callerLease ? { caller: callerLease } : {}), ...(calleeLease ? { callee: calleeLease } : {}) };
          },
          conversationStarted: (c) => {
            conversation = c;
          },
          conversationEnded: ended,
        },
      );
    } else {
      refuseRefer(callerLeg, log);
      refuseRefer(uac, log);
    }
    // An attended transfer in a number call may take the far party of this (consultation) call over.
    const handOver = async (replaced: Srf.Dialog): Promise<HandedOverParty | undefined> => {
      const keep = replaced === callerLeg ? uac : replaced === uac ? callerLeg : undefined;
      if (!keep || calleeGone || callerGone) return undefined;
      callerLeg.removeListener('destroy', onCallerGone);
      uac.removeListener('destroy', onCalleeGone);
      for (const leg of [callerLeg, uac]) for (const ev of ['modify', 'refer']) leg.removeAllListeners(ev);
      clearTimeout(maxDuration.timer);
      unregister();
      call.record?.ended();
      markEnded();
      const party = keep === uac ? 'callee' : 'caller';
      const lease = leases.take(party);
      log.info({ handedOver: party }, 'call taken over by an attended transfer');
      hangUp(replaced);
      await leases.releaseAll();
      const label = (party === 'caller' ? opts.callingNumber : userOf(uac.remote.uri)) ?? party;
      return { dialog: keep, label, ...(lease ? { lease } : {}) };
    };
    unregister = deps.registry?.add({ dialogs: () => [callerLeg, uac], takeOver: handOver }) ?? (() => undefined);
    const hangUpBoth = async (): Promise<void> => {
      clearTimeout(maxDuration.timer);
      // Transferred (or being transferred): the conversation owns the legs now.
      if (conversation) {
        conversation.hangUp();
        return;
      }
      // srf's destroy() emits no 'destroy' for our own BYE: the record ends here, not in onCallerGone.
      callerLeg.removeListener('destroy', onCallerGone);
      uac.removeListener('destroy', onCalleeGone);
      hangUp(callerLeg);
      hangUp(uac);
      ended();
      await leases.releaseAll();
    };
    maxDuration.timer = setTimeout(() => {
      log.warn({ maxCallMs }, 'call reached its maximum duration');
      void hangUpBoth();
    }, maxCallMs);
    maxDuration.timer.unref();
    deps.onAnswer?.({
      callId: req.get('Call-ID'), caller: callerLeg, callee: uac, hangUp: hangUpBoth, whenEnded,
      ...(caller ? { accountId: caller.id, customerId: caller.customerId } : {}),
      ...(userOf(req.uri) ? { called: userOf(req.uri) } : {}),
      callerIdentity: callerIdentityOf({ from: req.get('From'), privacy: req.get('Privacy') }),
    });
  }

  async function callExtension(call: Call, caller: Account, callee: Account): Promise<void> {
    const { res, leases } = call;
    call.record = deps.cdr?.started(call.req, caller, 'extension', callee.username);
    call.callerAccount = caller;
    call.calleeLabel = callee.username;
    const mine = await channels.acquire(caller.id, caller.channelLimit);
    if (!mine) {
      call.record?.refusedAtChannelLimit();
      call.log.info({ account: caller.id }, 'caller at its channel limit');
      res.send(486);
      return;
    }
    leases.add(mine);
    const theirs = await channels.acquire(callee.id, callee.channelLimit);
    if (!theirs) {
      call.record?.refusedAtChannelLimit();
      call.log.info({ account: callee.id }, 'callee at its channel limit');
      await leases.releaseAll();
      res.send(486);
      return;
    }
    leases.add(theirs, 'callee');
    const registrations = await store.locations.list(callee.id);
    if (registrations.length === 0) {
      await leases.releaseAll();
      res.send(480);
      return;
    }
    if (call.abort.signal.aborted) {
      await leases.releaseAll();
      return;
    }
    const targets = registrations.map((r) => ({ uri: contactUri(r.contact), proxy: registrationProxy(r) }));
    call.log.info({ callee: callee.username, contacts: targets.length }, 'ringing extension');
    await bridge(call, targets, {
      localSdp: call.req.body,
      callingNumber: caller.username,
      callerName: displayName(caller),
    });
  }

  async function callExternal(call: Call, caller: Account, number: string): Promise<void> {
    const { res, leases } = call;
    const trunk = deps.trunk;
    // Recorded before anything can refuse it: no trunk (503) is a failed attempt too.
    call.record = deps.cdr?.started(call.req, caller, 'outbound', number);
    if (!trunk) {
      res.send(503);
      return;
    }
    // 112 must always get through: no suspension check and no channel limit stand in its way.
    const emergency = isEmergency(number);
    call.callerAccount = caller;
    call.calleeLabel = number;
    const customer = await store.customers.get(caller.customerId);
    if (!emergency && customer?.status !== 'active') {
      call.log.info({ customer: caller.customerId }, 'suspended customer may not call out');
      res.send(403);
      return;
    }
    // 112 goes out whatever the month's spend; everything else stops at the credit limit.
    if (!emergency && deps.cdr && !(await deps.cdr.mayCallOut(call.req, res, caller, call.record))) return;
    const lease = await channels.acquire(caller.id, caller.channelLimit);
    if (lease) leases.add(lease);
    else if (!emergency) {
      call.record?.refusedAtChannelLimit();
      call.log.info({ account: caller.id }, 'caller at its channel limit');
      res.send(486);
      return;
    }
    if (call.abort.signal.aborted) {
      await leases.releaseAll();
      return;
    }
    const opts: Omit<ForkOptions, 'signal' | 'timeoutMs'> = {
      localSdp: call.req.body,
      // Numbers are assigned in a later issue; until then the trunk sees the username.
      callingNumber: caller.username,
      callerName: displayName(caller),
    };
    if (trunk.username && trunk.password) opts.auth = { username: trunk.username, password: trunk.password };
    call.log.info({ number, emergency }, 'calling out through the trunk');
    await bridge(call, [{ uri: trunkTarget(trunk.uri, number) }], opts);
  }

  async function route(call: Call): Promise<void> {
    const { req, res, log } = call;
    if (isScanner(req)) {
      // No answer at all: a scanner that hears nothing moves on (and learns nothing).
      log.debug({ source: req.source_address, userAgent: req.get('User-Agent') }, 'scanner INVITE dropped');
      return;
    }
    if (await throttle.isBlocked(req.source_address)) {
      res.send(403);
      return;
    }
    const auth = await authenticate(call);
    if (!auth) return;
    const caller = auth.account;
    if (userOf(req.getParsedHeader('from')?.uri) !== auth.username) {
      // Credentials of one account must not place calls in another's name.
      log.info({ username: auth.username }, 'From user is not the authenticated user');
      res.send(403);
      return;
    }
    if (!req.body) {
      // Late-offer INVITEs (no SDP) are not bridged yet (RFC 3261 §13.2.1 allows them).
      res.send(488);
      return;
    }

    const dialled = userOf(req.uri) ?? '';
    // An extension named like an emergency number must not capture 112.
    if (!isEmergency(dialled)) {
      const callee = await store.accounts.getByUsername(dialled);
      if (callee && callee.customerId === caller.customerId) {
        await callExtension(call, caller, callee);
        return;
      }
    }
    const number = normalizeNumber(dialled);
    if (number) {
      await callExternal(call, caller, number);
      return;
    }
    // Neither an extension nor a number: a failed attempt, recorded as dialled.
    call.record = deps.cdr?.started(req, caller, 'outbound', dialled);
    res.send(404);
  }

  return async (req, res, next) => {
    if (req.method !== 'INVITE') {
      next();
      return;
    }
    const call: Call = {
      req,
      res,
      log: logger.child({ callId: req.get('Call-ID') }),
      leases: new CallLeases(),
      abort: new AbortController(),
    };
    // srf emits 'cancel' on the INVITE until we send a final response (the engine already sent 487).
    req.on('cancel', () => {
      call.log.info('caller hung up before the answer');
      call.abort.abort();
    });
    try {
      await route(call);
    } catch (err) {
      call.log.error({ err: (err as Error).message }, 'call routing failed');
      await call.leases.releaseAll();
      if (!res.finalResponseSent && !call.abort.signal.aborted) res.send(500);
    }
    // Refused, failed or cancelled: the record ends now; an answered call ends at its BYE.
    call.record?.notAnswered(call.abort.signal.aborted ? 487 : res.finalResponseSent ? res.statusCode : undefined);
  };
}

/**
 * Without a media server an extension call cannot anchor its media for a transfer
 * (src/calls/ExtensionTransfer.ts), and says so explicitly (RFC 3515 §2.4.2 lets us refuse).
 */
function refuseRefer(leg: Srf.Dialog, log: Logger): void {
  leg.on('refer', (_req, res) => {
    log.info('REFER in an extension call refused (501)');
    res.send(501);
  });
}

/** Passes a re-INVITE (new SDP) from one leg on to the other and its answer back. */
function relayReinvites(from: Srf.Dialog, to: Srf.Dialog, log: Logger): void {
  from.on('modify', (req, res) => {
    if (!req.body) {
      res.send(200, { body: from.local.sdp });
      return;
    }
    to.modify(req.body).then(
      (sdp) => res.send(200, { body: sdp }),
      (err: unknown) => {
        const status = (err as { status?: unknown }).status;
        log.info({ err: (err as Error).message }, 're-INVITE not accepted by the other leg');
        res.send(typeof status === 'number' && status >= 400 ? status : 488);
      },
    );
  });
}
