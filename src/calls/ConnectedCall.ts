/**
 * A connected call after its plan answered: two parties, each a dialog with our media endpoint
 * facing it, bridged through the media engine. It carries the conversation to its end:
 * - hold (a re-INVITE offering sendonly/inactive or c=0.0.0.0, from either side): the other
 *   party hears music on hold until the holder resumes, then the two are bridged again;
 * - transfer (REFER, RFC 3515) from either party: 202, NOTIFY with sipfrag progress (RFC 3420:
 *   100 Trying, 180 Ringing once the target rings, the final status),
 *   the target rung like a forward (an extension of the customer or an external number through
 *   the trunk), or for an attended transfer (Replaces, RFC 3891) the consultation call's far
 *   party taken over; on success the transferee talks to the target and the transferor is hung
 *   up; on failure the transferor gets the call back, or, if it already left, the call ends;
 * - the end: any final BYE (or a dead media stream) ends every leg, endpoint and lease.
 * The call keeps its identity (the number call's Call-ID and summary) through transfers. An
 * extension call becomes one when a phone transfers it (src/calls/ExtensionTransfer.ts).
 */
import type Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import type { Endpoint } from '../media/MediaTypes.js';
import type { ForwardTarget } from '../plans/schema.js';
import type { Lease } from '../routing/ChannelLimit.js';
import { ForkError, hangUp } from '../routing/forkCall.js';
import { normalizeNumber } from '../routing/numbers.js';
import type { CallRegistry, HandedOverParty, LiveCall } from './CallRegistry.js';
import { DEFAULT_MOH_PROMPT } from './hold.js';
import { anchorParty } from './mediaAnchor.js';
import { resolveForwardTarget, ringLeg, type RingDeps } from './MediaCallChannel.js';
import { answerReinvite } from './reinvite.js';
import { notifyTransferor, parseReferTo, type ReferTarget, type ReplacesId, type TransferRecord } from './Transfer.js';

/** One side of the call: its dialog, our endpoint facing it, and its channel lease. */
export interface Party {
  dialog: Srf.Dialog;
  endpoint: Endpoint;
  lease?: Lease;
  /** Who it is in the summary: the caller's number, an extension, a dialled number. */
  label: string;
  /** The party holds the call as it is handed to us (its last offer was sendonly/inactive). */
  held?: boolean;
}

export interface ConnectedCallDeps extends RingDeps {
  now: () => Date;
  /** Where attended transfers find the consultation call; without it they fail with 481. */
  registry?: CallRegistry;
  /** The prompt looped for a party on hold (default 'moh/default'). */
  mohPrompt?: string;
  /** How long a transfer target may ring (default 30 s). */
  transferRingTimeoutMs?: number;
  /** Told when the call goes on hold (either party) or is resumed (the live calls list). */
  onHoldChange?: (held: boolean) => void;
}

/** How the connected phase ended. */
export interface ConnectedCallResult {
  /** Who ended it: the label of the party that hung up, 'hangup' (from our side) or 'replaced' (taken over by an attended transfer). */
  endedBy: string;
  transfers: TransferRecord[];
}

interface Side extends Party {
  /** The party put the call on hold (its last offer was sendonly/inactive). */
  held: boolean;
  /** Its dialog ended (BYE either way); we never send a BYE twice. */
  gone: boolean;
  moh?: AbortController;
  detach: () => void;
}

interface Transferring {
  by: Side;
  transferee: Side;
  abort: AbortController;
}

type TransferOutcome = { party: Party } | { status: number };

export class ConnectedCall implements LiveCall {
  private readonly sides: [Side, Side];
  private readonly transfers: TransferRecord[] = [];
  private readonly log: Logger;
  private transferring: Transferring | undefined;
  private ending = false;
  private handedOver: Side | undefined;
  private media: Promise<void> = Promise.resolve();
  /** NOTIFYs go out one after another, so a 180 never overtakes the 100 or follows the final one. */
  private notices: Promise<void> = Promise.resolve();
  private unregister: () => void = () => undefined;
  private resolveDone!: (r: ConnectedCallResult) => void;
  private readonly done = new Promise<ConnectedCallResult>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly deps: ConnectedCallDeps, caller: Party, callee: Party) {
    this.log = deps.logger.child({ phase: 'connected' });
    this.sides = [this.attach(caller), this.attach(callee)];
  }

  /** Runs the conversation (the parties are already bridged); resolves when it is over and everything is freed. */
  run(): Promise<ConnectedCallResult> {
    this.unregister = this.deps.registry?.add(this) ?? (() => undefined);
    const gone = this.sides.find((s) => s.gone);
    if (gone) void this.end(gone.label);
    else this.applyMedia();
    return this.done;
  }

  /** Hangs up both parties (shutdown, maximum duration). */
  hangUp(): void {
    void this.end('hangup');
  }

  /**
   * A REFER accepted (202) before the call was ours (an extension call anchored because of it,
   * src/calls/ExtensionTransfer.ts): carried out as if it had arrived on `from`'s dialog.
   */
  accepted(from: Srf.Dialog, target: ReferTarget): void {
    const side = this.sides.find((s) => s.dialog === from);
    if (!side) return;
    void this.carryOut(side, target).catch((err: unknown) => {
      this.log.error({ party: side.label, err: (err as Error).message }, 'transfer failed');
    });
  }

  dialogs(): Srf.Dialog[] {
    return this.sides.filter((s) => !s.gone).map((s) => s.dialog);
  }

  async takeOver(replaced: Srf.Dialog): Promise<HandedOverParty | undefined> {
    const i = this.sides.findIndex((s) => s.dialog === replaced);
    if (i < 0 || this.ending || this.transferring) return undefined;
    const keep = this.sides[1 - i];
    if (keep.gone) return undefined;
    this.handedOver = keep;
    keep.detach();
    this.stopMoh(keep);
    await keep.endpoint.unbridge();
    this.log.info({ party: keep.label }, 'party taken over by an attended transfer; this call ends');
    await this.end('replaced');
    return { dialog: keep.dialog, endpoint: keep.endpoint, ...(keep.lease ? { lease: keep.lease } : {}), label: keep.label };
  }

  private other(side: Side): Side {
    return this.sides[0] === side ? this.sides[1] : this.sides[0];
  }

  private attach(party: Party): Side {
    // srf marks a dialog that got its BYE before we attached (the 'destroy' event is past).
    const alreadyGone = (party.dialog as unknown as { connected?: boolean }).connected === false;
    const side: Side = { ...party, held: party.held ?? false, gone: alreadyGone, detach: () => undefined };
    const onDestroy = (): void => {
      side.gone = true;
      this.onGone(side);
    };
    // A request we cannot handle must never take the process down: answer it and log.
    const guarded = (what: string, res: Srf.SrfResponse) => (err: unknown): void => {
      this.log.error({ party: side.label, err: (err as Error).message }, `${what} failed`);
      if (!res.finalResponseSent) res.send(500);
    };
    const onModify = (req: Srf.SrfRequest, res: Srf.SrfResponse): void => void this.onReinvite(side, req, res).catch(guarded('re-INVITE', res));
    const onRefer = (req: Srf.SrfRequest, res: Srf.SrfResponse): void => void this.onRefer(side, req, res).catch(guarded('REFER', res));
    // A media stream that died (RTP timeout) ends the party like a BYE would.
    const onEndpointGone = (): void => {
      if (side.gone) return;
      this.log.info({ party: side.label }, 'media of a party ended; hanging it up');
      this.bye(side);
      this.onGone(side);
    };
    party.dialog.on('destroy', onDestroy);
    party.dialog.on('modify', onModify);
    party.dialog.on('refer', onRefer);
    party.endpoint.once('destroy', onEndpointGone);
    side.detach = () => {
      party.dialog.removeListener('destroy', onDestroy);
      party.dialog.removeListener('modify', onModify);
      party.dialog.removeListener('refer', onRefer);
      party.endpoint.off('destroy', onEndpointGone);
    };
    return side;
  }

  private bye(side: Side): void {
    if (side.gone) return;
    side.gone = true;
    hangUp(side.dialog);
  }

  private onGone(side: Side): void {
    if (this.ending) return;
    this.stopMoh(side);
    const t = this.transferring;
    if (t && t.by === side) {
      // A blind transferor often hangs up right after the 202: the transfer goes on without it.
      this.log.info({ party: side.label }, 'transferor left during the transfer');
      return;
    }
    this.log.info({ by: side.label }, 'connected call ended');
    void this.end(side.label);
  }

  /** Ends every leg of the call (but a party handed over to another call), once. */
  private async end(endedBy: string): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.transferring?.abort.abort();
    this.unregister();
    await this.media.catch(() => undefined);
    await Promise.all(
      this.sides
        .filter((s) => s !== this.handedOver)
        .map(async (s) => {
          s.detach();
          this.stopMoh(s);
          this.bye(s);
          await s.endpoint.destroy();
          await s.lease?.release();
        }),
    );
    this.resolveDone({ endedBy, transfers: this.transfers });
  }

  // ---- media: bridged, or music on hold for whoever is waiting ------------------------------

  /** Brings the media in line with the call's state, one change at a time. */
  private applyMedia(): void {
    this.media = this.media
      .then(() => this.applyMediaNow())
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'media change failed'));
  }

  private async applyMediaNow(): Promise<void> {
    if (this.ending) return;
    const [a, b] = this.sides;
    const t = this.transferring;
    if (!t && !a.held && !b.held && !a.gone && !b.gone) {
      this.stopMoh(a);
      this.stopMoh(b);
      await a.endpoint.bridge(b.endpoint);
      return;
    }
    await a.endpoint.unbridge();
    for (const s of this.sides) {
      const other = this.other(s);
      // The transferee waits with music while the target rings (its transferor may not have held it).
      const waiting = !s.gone && (other.held || other.gone || t?.transferee === s);
      if (waiting) this.startMoh(s);
      else this.stopMoh(s);
    }
  }

  private startMoh(side: Side): void {
    if (side.moh) return;
    const stop = new AbortController();
    side.moh = stop;
    const prompt = this.deps.mohPrompt ?? DEFAULT_MOH_PROMPT;
    void (async () => {
      // Loops until stopped; a play that fails (endpoint gone, prompt missing) ends the loop.
      while (!stop.signal.aborted) {
        try {
          await side.endpoint.play(prompt, { signal: stop.signal });
        } catch (err) {
          if (!stop.signal.aborted) this.log.warn({ err: (err as Error).message, prompt }, 'music on hold stopped');
          return;
        }
      }
    })();
  }

  private stopMoh(side: Side): void {
    side.moh?.abort();
    side.moh = undefined;
  }

  // ---- re-INVITE: hold, resume, new media address --------------------------------------------

  private async onReinvite(side: Side, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const held = await answerReinvite(side.endpoint, req, res, this.log.child({ party: side.label }));
    if (held === undefined) return;
    if (held !== side.held) this.log.info({ party: side.label }, held ? 'call put on hold' : 'call resumed');
    side.held = held;
    this.deps.onHoldChange?.(this.sides.some((s) => s.held));
    this.applyMedia();
  }

  // ---- REFER: blind and attended transfer ---------------------------------------------------

  private async onRefer(side: Side, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const target = parseReferTo(req.get('Refer-To'));
    if ('error' in target) {
      this.log.info({ party: side.label, reason: target.error }, 'REFER refused');
      res.send(400, target.error.slice(0, 100), {});
      return;
    }
    if (this.ending || this.transferring) {
      res.send(491);
      return;
    }
    res.send(202);
    await this.carryOut(side, target);
  }

  /** Carries out an accepted REFER (202 sent) from `side`: NOTIFYs, target, connect or give back. */
  private async carryOut(side: Side, target: ReferTarget): Promise<void> {
    if (this.ending || this.transferring) {
      await this.notify(side, 491);
      return;
    }
    const transferee = this.other(side);
    const record: TransferRecord = {
      kind: target.replaces ? 'attended' : 'blind',
      at: this.deps.now().getTime(),
      by: side.label,
      transferee: transferee.label,
      to: target.user,
      result: 'failed',
      status: 500,
    };
    const t: Transferring = { by: side, transferee, abort: new AbortController() };
    this.transferring = t;
    this.log.info({ kind: record.kind, by: side.label, transferee: transferee.label, to: target.user }, 'transfer requested');
    this.applyMedia();
    await this.notify(side, 100);

    let outcome: TransferOutcome;
    try {
      const ringing = (): void => void this.notify(side, 180);
      outcome = target.replaces ? await this.replacing(target.replaces) : await this.ringTarget(target.user, transferee, t.abort.signal, ringing);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'transfer failed');
      outcome = { status: 500 };
    }
    this.transferring = undefined;
    record.status = 'party' in outcome ? 200 : outcome.status;
    record.result = 'party' in outcome ? 'completed' : 'failed';
    this.transfers.push(record);

    if (this.ending) {
      // The transferee hung up while the target rang: nobody is left to connect.
      if ('party' in outcome) await this.release(outcome.party);
      return;
    }
    await this.notify(side, record.status);
    if ('party' in outcome) {
      this.log.info({ to: target.user, transferee: transferee.label }, 'transfer completed');
      const i = this.sides.indexOf(side);
      side.detach();
      this.stopMoh(side);
      this.bye(side);
      await side.endpoint.destroy();
      await side.lease?.release();
      const joined = this.attach(outcome.party);
      this.sides[i] = joined;
      // The target may have hung up in the instant it was connected.
      if (joined.gone) this.onGone(joined);
      else this.applyMedia();
      return;
    }
    if (side.gone) {
      this.log.info({ status: record.status }, 'transfer failed and the transferor has left; ending the call');
      await this.sayUnreachable(transferee);
      await this.end(side.label);
      return;
    }
    // The transferor gets the call back, as it was before the REFER (still held if it held).
    this.log.info({ status: record.status }, 'transfer failed; the transferor has the call back');
    this.applyMedia();
  }

  /** NOTIFY the transferor of the transfer's progress, in order; quietly skipped when it is gone. */
  private notify(side: Side, status: number): Promise<void> {
    this.notices = this.notices.then(async () => {
      if (!side.gone) await notifyTransferor(side.dialog, status, this.log);
    });
    return this.notices;
  }

  /** Blind transfer: the Refer-To user as an extension of the customer, else as a number via the trunk. */
  private async ringTarget(user: string, transferee: Side, signal: AbortSignal, onRinging: () => void): Promise<TransferOutcome> {
    const { store, customerId } = this.deps;
    const account = await store.accounts.getByUsername(user);
    const number = normalizeNumber(user);
    const target: ForwardTarget | undefined = account?.customerId === customerId ? { account: user } : number ? { number } : undefined;
    if (!target) return { status: 404 };
    // The target sees who is being transferred to it.
    const deps: RingDeps = { ...this.deps, callingNumber: transferee.label };
    const resolved = await resolveForwardTarget(deps, target);
    if ('result' in resolved) return { status: resolved.status };
    try {
      const leg = await ringLeg(deps, resolved.targets, {
        timeoutMs: this.deps.transferRingTimeoutMs ?? 30_000,
        signal,
        onRinging,
        ...(resolved.auth ? { auth: resolved.auth } : {}),
      }, resolved.lease);
      return { party: { dialog: leg.dialog, endpoint: leg.endpoint, ...(leg.lease ? { lease: leg.lease } : {}), label: user } };
    } catch (err) {
      await resolved.lease?.release();
      if (err instanceof ForkError) return { status: err.status };
      throw err;
    }
  }

  /** Attended transfer: take over the far party of the consultation call the Replaces names. */
  private async replacing(replaces: ReplacesId): Promise<TransferOutcome> {
    const found = this.deps.registry?.find(replaces);
    if (!found || found.call === this) return { status: 481 };
    const party = await found.call.takeOver(found.dialog);
    if (!party) return { status: 481 };
    if (party.endpoint) return { party: { ...party, endpoint: party.endpoint } };
    // The consultation call passed SDP end to end: anchor the party's media on an endpoint of ours.
    try {
      const { endpoint, held } = await anchorParty(this.deps.media, party.dialog);
      return { party: { ...party, endpoint, held } };
    } catch (err) {
      this.log.info({ err: (err as Error).message }, 'transfer target did not take the re-INVITE');
      hangUp(party.dialog);
      await party.lease?.release();
      return { status: 488 };
    }
  }

  /** Hangs up a party we will not connect after all. */
  private async release(party: Party): Promise<void> {
    hangUp(party.dialog);
    await party.endpoint.destroy();
    await party.lease?.release();
  }

  /** "Wij zijn op dit moment niet bereikbaar" before hanging up a transferee whose transfer failed. */
  private async sayUnreachable(side: Side): Promise<void> {
    if (side.gone) return;
    await this.media.catch(() => undefined);
    this.stopMoh(side);
    await side.endpoint.play('nl/niet-bereikbaar').catch(() => undefined);
  }
}
