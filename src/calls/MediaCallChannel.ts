/**
 * The CallChannel of a live call: prompts and digit collection on the caller's media endpoint,
 * forwards as B2BUA legs (forkCall) whose media is anchored on a second endpoint and bridged to
 * the caller's, and hangups as BYE. The plan machine (src/plans/machine.ts) drives it.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import type { Endpoint, MediaServer } from '../media/MediaTypes.js';
import type { CallChannel, ForwardResult, HuntResult } from '../plans/CallChannel.js';
import type { ForwardTarget, HangupCause, HuntGroupSpec } from '../plans/schema.js';
import { contactUri, registrationProxy, trunkTarget, type TrunkConfig } from '../routing/callRouter.js';
import type { ChannelLimit, Lease } from '../routing/ChannelLimit.js';
import { ForkError, forkCall, hangUp, type ForkOptions, type ForkTarget } from '../routing/forkCall.js';
import type { Store } from '../store/StoreTypes.js';
import type { VoicemailResult } from '../plans/nodes/voicemail.js';
import type { VoicemailService } from '../voicemail/VoicemailService.js';
import type { FaxToEmail } from '../fax/FaxToEmail.js';
import { MediaAbortError } from '../media/MediaErrors.js';
import type { FaxOutcome } from '../plans/nodes/fax.js';
import { huntGroupKey, runHuntGroup } from './HuntGroup.js';
import { startRingback } from './ringback.js';

/**
 * A media endpoint that carries an SDP offer (its localSdp: PCMA, PCMU, telephone-event) until
 * modify() with the callee's answer points it at the far end; it sends nothing before that.
 */
export function createOfferEndpoint(media: MediaServer): Promise<Endpoint> {
  return media.createEndpoint({});
}

/** How a failed fork reads to a plan: busy, no answer (incl. timeout and cancel) or failure. */
export function forwardResultOf(status: number): Exclude<ForwardResult, 'answered'> {
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408 || status === 487) return 'noanswer';
  return 'failed';
}

/** Who answered a forward or hunt group (for the CDR): the account or number, and the phone. */
export interface AnsweredBy {
  /** The account's username and id, when an account answered. */
  account?: string;
  accountId?: string;
  /** The external number (E.164), when the call went out through the trunk. */
  number?: string;
  /** The Request-URI of the leg that answered (the phone's registered Contact, or the trunk URI). */
  contact?: string;
}

/** The answered forward: the callee's dialog and the endpoint bridged to the caller's. */
export interface ConnectedLeg {
  dialog: Srf.Dialog;
  endpoint: Endpoint;
  /** Resolves when the callee hangs up. */
  ended: Promise<void>;
  /** BYE to the callee, unless it already hung up (srf would send a second BYE). */
  hangUp(): void;
  /** The callee account's channel lease (account forwards only). */
  lease?: Lease;
  /** Who answered. */
  answeredBy?: AnsweredBy;
}

export interface MediaCallChannelDeps {
  srf: Srf;
  store: Store;
  media: MediaServer;
  /** The caller's endpoint (answered from the INVITE's SDP). */
  endpoint: Endpoint;
  /** Sends BYE to the caller (once, whoever asks); a caller not answered yet gets a final response for `cause`. */
  hangupCaller: (cause?: HangupCause) => void;
  /** False while the caller hears 180 and is not answered yet (src/calls/answerOnMedia.ts); no ringback tone then. */
  callerAnswered?: () => boolean;
  /** Account channel limits, shared with calls from phones. */
  accountChannels: ChannelLimit;
  /** The number's customer: a forward reaches only this customer's accounts. */
  customerId: string;
  /** Shown to the callee (the caller's number as it reached us). */
  callingNumber?: string;
  trunk?: TrunkConfig;
  /** Where the running plan came from ('store:<id>@<version>', 'file:<name>'): part of a hunt group's key. */
  planSource?: string;
  /** Voicemail boxes and their messages; unset: a voicemail node finds no box. */
  voicemail?: VoicemailService;
  /** Fax-to-email for the plans' fax nodes (src/fax/); unset: a fax node fails with a logged reason. */
  fax?: FaxToEmail;
  /** The called number (E.164), for voicemail metadata and fax mails. */
  calledNumber?: string;
  now: () => Date;
  logger: Logger;
}

export class MediaCallChannel implements CallChannel {
  /** Set once a forward was answered and bridged. */
  connected: ConnectedLeg | undefined;

  constructor(private readonly deps: MediaCallChannelDeps) {}

  now(): Date {
    return this.deps.now();
  }

  async play(prompts: string[], signal: AbortSignal): Promise<void> {
    await this.deps.endpoint.play(prompts, { signal });
  }

  async collect(opts: { prompts: string[]; timeoutMs: number; maxDigits: 1 }, signal: AbortSignal): Promise<string | undefined> {
    const r = await this.deps.endpoint.playCollect({ file: opts.prompts, min: 1, max: opts.maxDigits, timeoutMs: opts.timeoutMs, signal });
    return r.digits || undefined;
  }

  async voicemail(box: string, signal: AbortSignal): Promise<VoicemailResult> {
    const service = this.deps.voicemail;
    if (!service) {
      this.deps.logger.warn({ box }, 'voicemail node, but voicemail is not enabled in this runtime');
      return 'no-box';
    }
    return service.leaveMessage({
      customerId: this.deps.customerId,
      box,
      endpoint: this.deps.endpoint,
      ...(this.deps.callingNumber ? { caller: this.deps.callingNumber } : {}),
      ...(this.deps.calledNumber ? { calledNumber: this.deps.calledNumber } : {}),
      signal,
    });
  }

  async receiveFax(opts: { email: string[] }, signal: AbortSignal): Promise<FaxOutcome> {
    const fax = this.deps.fax;
    if (!fax) {
      this.deps.logger.warn('fax node, but fax-to-email is not set up in this runtime');
      return { success: false, pages: 0, reason: 'fax-to-email is not set up' };
    }
    return fax.receive({
      endpoint: this.deps.endpoint,
      email: opts.email,
      customerId: this.deps.customerId,
      ...(this.deps.callingNumber ? { caller: this.deps.callingNumber } : {}),
      ...(this.deps.calledNumber ? { calledNumber: this.deps.calledNumber } : {}),
      signal,
    });
  }

  waitForFaxTone(signal: AbortSignal): Promise<void> {
    const ep = this.deps.endpoint;
    return new Promise<void>((resolve, reject) => {
      const stop = (): void => {
        ep.off('fax-tone', onTone);
        signal.removeEventListener('abort', onAbort);
        ep.stopFaxDetect();
      };
      const onTone = (): void => {
        stop();
        this.deps.logger.info('caller is a fax machine (CNG heard)');
        resolve();
      };
      const onAbort = (): void => {
        stop();
        reject(new MediaAbortError('aborted'));
      };
      if (signal.aborted) {
        reject(new MediaAbortError('aborted'));
        return;
      }
      ep.on('fax-tone', onTone);
      signal.addEventListener('abort', onAbort, { once: true });
      ep.startFaxDetect();
    });
  }

  async hangup(cause: HangupCause): Promise<void> {
    this.deps.logger.info({ cause }, 'plan hangs up');
    this.deps.hangupCaller(cause);
  }

  async forward(target: ForwardTarget, opts: { ringTimeoutMs: number }, signal: AbortSignal): Promise<ForwardResult> {
    const resolved = await resolveForwardTarget(this.deps, target);
    if ('result' in resolved) return resolved.result;
    const stopRingback = this.ringback(opts.ringTimeoutMs);
    try {
      const result = await this.ring(resolved.targets, { timeoutMs: opts.ringTimeoutMs, signal, ...(resolved.auth ? { auth: resolved.auth } : {}) }, resolved.lease);
      if (result === 'answered' && this.connected) {
        const who: AnsweredBy = 'account' in target ? { account: target.account, ...(resolved.accountId ? { accountId: resolved.accountId } : {}) } : { number: target.number };
        this.connected.answeredBy = { ...who, ...this.connected.answeredBy };
      }
      return result;
    } finally {
      stopRingback();
    }
  }

  /** Rings a hunt group (src/calls/HuntGroup.ts) with ringback for the caller; an answer is bridged like a forward's. */
  async huntGroup(group: HuntGroupSpec, signal: AbortSignal): Promise<HuntResult> {
    const stopRingback = this.ringback(group.ringTimeoutMs);
    try {
      const groupKey = huntGroupKey(this.deps.planSource ?? 'unknown', group.nodeId);
      return await runHuntGroup({ ...this.deps, groupKey, connect: (leg) => this.connectLeg(leg, signal) }, group, signal);
    } finally {
      stopRingback();
    }
  }

  /** The ringback tone while callees ring, for a caller already answered (one not answered hears its own, on our 180). */
  private ringback(ringMs: number): () => void {
    if (this.deps.callerAnswered?.() === false) return () => undefined;
    return startRingback(this.deps.endpoint, ringMs, this.deps.logger);
  }

  /** Bridges an answered leg to the caller; false (and the leg torn down) when the caller already left. */
  private async connectLeg(leg: ConnectedLeg, signal: AbortSignal | undefined): Promise<boolean> {
    const tearDown = async (): Promise<void> => {
      leg.hangUp();
      await leg.endpoint.destroy();
      await leg.lease?.release();
    };
    try {
      await this.deps.endpoint.bridge(leg.endpoint);
    } catch (err) {
      await tearDown();
      throw err;
    }
    if (signal?.aborted) {
      await tearDown();
      return false;
    }
    this.connected = leg;
    return true;
  }

  /** Rings the targets with an offer from a fresh endpoint; on answer, bridges it to the caller. */
  private async ring(targets: ForkTarget[], opts: Pick<ForkOptions, 'timeoutMs' | 'signal' | 'auth'>, lease?: Lease): Promise<ForwardResult> {
    const { logger } = this.deps;
    let leg: ConnectedLeg;
    try {
      leg = await ringLeg(this.deps, targets, opts, lease);
    } catch (err) {
      await lease?.release();
      if (err instanceof ForkError) {
        const result = forwardResultOf(err.status);
        logger.info({ status: err.status, result }, 'forward not answered');
        return result;
      }
      throw err;
    }
    // The caller may have left while we were bridging: the runtime has already cleaned up without us.
    if (!(await this.connectLeg(leg, opts.signal))) return 'noanswer';
    logger.info('forward answered; media bridged');
    return 'answered';
  }
}

/** What ringing a forward target needs (a MediaCallChannel's deps fit; transfers pass their own). */
export type RingDeps = Pick<MediaCallChannelDeps, 'srf' | 'store' | 'media' | 'accountChannels' | 'customerId' | 'callingNumber' | 'trunk' | 'logger'>;

/** Where a forward target rings, or why it cannot (with the SIP status a transferor is told). */
export type ResolvedTarget =
  | { targets: ForkTarget[]; lease?: Lease; accountId?: string; auth?: { username: string; password: string } }
  | { result: Exclude<ForwardResult, 'answered'>; status: number };

/**
 * An account of the number's customer rings every registered contact, within the account's
 * channel limit (the lease is taken here); an external number goes to the trunk.
 */
export async function resolveForwardTarget(deps: RingDeps, target: ForwardTarget): Promise<ResolvedTarget> {
  const { store, logger } = deps;
  if ('account' in target) {
    const account = await store.accounts.getByUsername(target.account);
    if (!account || account.customerId !== deps.customerId) {
      logger.warn({ account: target.account }, 'forward target is not an account of the number\'s customer');
      return { result: 'failed', status: 404 };
    }
    const lease = await deps.accountChannels.acquire(account.id, account.channelLimit);
    if (!lease) {
      logger.info({ account: account.username }, 'forward target at its channel limit');
      return { result: 'busy', status: 486 };
    }
    const registrations = await store.locations.list(account.id);
    if (registrations.length === 0) {
      await lease.release();
      logger.info({ account: account.username }, 'forward target has no registered phone');
      return { result: 'noanswer', status: 480 };
    }
    return { targets: registrations.map((r) => ({ uri: contactUri(r.contact), proxy: registrationProxy(r) })), lease, accountId: account.id };
  }
  const trunk = deps.trunk;
  if (!trunk) {
    logger.warn({ number: target.number }, 'forward to a number without a trunk configured');
    return { result: 'failed', status: 503 };
  }
  return {
    targets: [{ uri: trunkTarget(trunk.uri, target.number) }],
    ...(trunk.username && trunk.password ? { auth: { username: trunk.username, password: trunk.password } } : {}),
  };
}

/**
 * Rings the targets with an offer from a fresh endpoint and points the endpoint at the answer;
 * the caller bridges it. Rejects with a ForkError when nobody answers (the endpoint is destroyed
 * then; the lease is the caller's to release).
 */
export async function ringLeg(
  deps: RingDeps,
  targets: ForkTarget[],
  opts: Pick<ForkOptions, 'timeoutMs' | 'signal' | 'auth'> & { onRinging?: () => void },
  lease?: Lease,
): Promise<ConnectedLeg> {
  const calleeEp = await createOfferEndpoint(deps.media);
  let rang = false;
  try {
    const { onRinging, ...forkOpts } = opts;
    const fork = await forkCall(deps.srf, targets, {
      ...forkOpts,
      localSdp: calleeEp.localSdp,
      ...(deps.callingNumber ? { callingNumber: deps.callingNumber } : {}),
    }, (prov) => {
      // Once, on the first 180/183 of any leg (a transfer tells its transferor, RFC 3515 §2.4.5).
      if (rang || prov.status < 180) return;
      rang = true;
      onRinging?.();
    });
    const dialog = fork.dialog;
    let calleeGone = false;
    const ended = new Promise<void>((resolve) =>
      dialog.once('destroy', () => {
        calleeGone = true;
        resolve();
      }),
    );
    const hangUpCallee = (): void => {
      if (calleeGone) return;
      calleeGone = true;
      hangUp(dialog);
    };
    if (opts.signal?.aborted) {
      hangUp(dialog);
      throw new Error('caller hung up as the callee answered');
    }
    await calleeEp.modify(dialog.remote.sdp);
    deps.logger.info({ answeredBy: targets[fork.answeredBy]?.uri }, 'leg answered');
    const contact = targets[fork.answeredBy]?.uri;
    return { dialog, endpoint: calleeEp, ended, hangUp: hangUpCallee, ...(lease ? { lease } : {}), ...(contact ? { answeredBy: { contact } } : {}) };
  } catch (err) {
    await calleeEp.destroy();
    throw err;
  }
}
