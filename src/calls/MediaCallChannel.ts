/**
 * The CallChannel of a live call: prompts and digit collection on the caller's media endpoint,
 * forwards as B2BUA legs (forkCall) whose media is anchored on a second endpoint and bridged to
 * the caller's, and hangups as BYE. The plan machine (src/plans/machine.ts) drives it.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import type { Endpoint, MediaServer } from '../media/MediaTypes.js';
import type { CallChannel, ForwardResult } from '../plans/CallChannel.js';
import type { ForwardTarget, HangupCause } from '../plans/schema.js';
import { contactUri, registrationProxy, trunkTarget, type TrunkConfig } from '../routing/callRouter.js';
import type { ChannelLimit, Lease } from '../routing/ChannelLimit.js';
import { ForkError, forkCall, hangUp, type ForkOptions, type ForkTarget } from '../routing/forkCall.js';
import type { Store } from '../store/StoreTypes.js';

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
}

export interface MediaCallChannelDeps {
  srf: Srf;
  store: Store;
  media: MediaServer;
  /** The caller's endpoint (answered from the INVITE's SDP). */
  endpoint: Endpoint;
  /** Sends BYE to the caller (once, whoever asks). */
  hangupCaller: () => void;
  /** Account channel limits, shared with calls from phones. */
  accountChannels: ChannelLimit;
  /** The number's customer: a forward reaches only this customer's accounts. */
  customerId: string;
  /** Shown to the callee (the caller's number as it reached us). */
  callingNumber?: string;
  trunk?: TrunkConfig;
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

  async hangup(cause: HangupCause): Promise<void> {
    this.deps.logger.info({ cause }, 'plan hangs up');
    this.deps.hangupCaller();
  }

  async forward(target: ForwardTarget, opts: { ringTimeoutMs: number }, signal: AbortSignal): Promise<ForwardResult> {
    const { store, logger } = this.deps;
    if ('account' in target) {
      const account = await store.accounts.getByUsername(target.account);
      if (!account || account.customerId !== this.deps.customerId) {
        logger.warn({ account: target.account }, 'forward target is not an account of the number\'s customer');
        return 'failed';
      }
      const lease = await this.deps.accountChannels.acquire(account.id, account.channelLimit);
      if (!lease) {
        logger.info({ account: account.username }, 'forward target at its channel limit');
        return 'busy';
      }
      const registrations = await store.locations.list(account.id);
      if (registrations.length === 0) {
        await lease.release();
        logger.info({ account: account.username }, 'forward target has no registered phone');
        return 'noanswer';
      }
      const targets = registrations.map((r) => ({ uri: contactUri(r.contact), proxy: registrationProxy(r) }));
      return this.ring(targets, { timeoutMs: opts.ringTimeoutMs, signal }, lease);
    }
    const trunk = this.deps.trunk;
    if (!trunk) {
      logger.warn({ number: target.number }, 'forward to a number without a trunk configured');
      return 'failed';
    }
    return this.ring([{ uri: trunkTarget(trunk.uri, target.number) }], {
      timeoutMs: opts.ringTimeoutMs,
      signal,
      ...(trunk.username && trunk.password ? { auth: { username: trunk.username, password: trunk.password } } : {}),
    });
  }

  /** Rings the targets with an offer from a fresh endpoint; on answer, bridges it to the caller. */
  private async ring(targets: ForkTarget[], opts: Pick<ForkOptions, 'timeoutMs' | 'signal' | 'auth'>, lease?: Lease): Promise<ForwardResult> {
    const { logger } = this.deps;
    let calleeEp: Endpoint | undefined;
    try {
      calleeEp = await createOfferEndpoint(this.deps.media);
      const fork = await forkCall(this.deps.srf, targets, {
        ...opts,
        localSdp: calleeEp.localSdp,
        ...(this.deps.callingNumber ? { callingNumber: this.deps.callingNumber } : {}),
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
      await this.deps.endpoint.bridge(calleeEp);
      if (opts.signal?.aborted) {
        // The caller left while we were bridging: the runtime has already cleaned up without us.
        hangUp(dialog);
        throw new Error('caller hung up as the callee answered');
      }
      this.connected = { dialog, endpoint: calleeEp, ended, hangUp: hangUpCallee, ...(lease ? { lease } : {}) };
      logger.info({ answeredBy: targets[fork.answeredBy]?.uri }, 'forward answered; media bridged');
      return 'answered';
    } catch (err) {
      await calleeEp?.destroy();
      await lease?.release();
      if (err instanceof ForkError) {
        const result = forwardResultOf(err.status);
        logger.info({ status: err.status, result }, 'forward not answered');
        return result;
      }
      throw err;
    }
  }
}
