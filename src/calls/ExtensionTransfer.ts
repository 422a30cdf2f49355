/**
 * Transfer inside an extension call (a phone calling a colleague's extension or an outside
 * number through the call router, SDP passed end to end). The first REFER from either party is
 * accepted (202), then the call's media is anchored: each phone is re-INVITEd with an offer from
 * an endpoint of ours (src/calls/mediaAnchor.ts), and the call becomes a ConnectedCall, which
 * carries the REFER out exactly as in a number call: NOTIFY sipfrag 100/180/final, the target rung (an extension
 * of the customer on all its phones within its channel limit, or a number through the trunk), or
 * for an attended transfer the consultation call's far party taken over (CallRegistry).
 *
 * Why anchor instead of re-INVITEing the remaining party with the target's SDP: the transferee
 * hears music on hold while the target rings, the target is rung with our own offer (no late-offer
 * third-party call control through a fork), a failed transfer gives the call back by simply
 * bridging again, the transferee and the target may use different codecs (PCMA/PCMU transcoding),
 * and hold and later transfers work like in every other connected call. The price: two
 * re-INVITEs when the first REFER arrives.
 */
import type Srf from 'drachtio-srf';
import type { Lease } from '../routing/ChannelLimit.js';
import { ConnectedCall, type ConnectedCallDeps, type Party } from './ConnectedCall.js';
import { anchorParty, type AnchoredParty } from './mediaAnchor.js';
import { notifyTransferor, parseReferTo, type ReferTarget } from './Transfer.js';

/** One leg of an extension call as the router holds it. */
export interface ExtensionLeg {
  dialog: Srf.Dialog;
  /** Who it is for the transfer record: the extension's username, or the dialled number. */
  label: string;
}

/** What the router lets a transfer do with its call. */
export interface ExtensionCallHandle {
  caller: ExtensionLeg;
  callee: ExtensionLeg;
  /** Whether either leg has ended (the router tore the call down). */
  ended(): boolean;
  /**
   * The router gives the call up: its own dialog listeners off, its registry entry and timers
   * gone; returns the legs' channel leases, now the conversation's to release.
   */
  handOver(): { caller?: Lease; callee?: Lease };
  /** The conversation carrying the call from now on (the router's hang-up goes to it). */
  conversationStarted(conversation: ConnectedCall): void;
  /** The conversation ended: every leg, endpoint and lease is freed. */
  conversationEnded(): void;
}

/**
 * Answers REFERs on both legs of an extension call: the first valid one anchors the call and
 * hands it to a ConnectedCall; a REFER the call cannot take is refused without touching it.
 */
export function acceptTransfers(deps: ConnectedCallDeps, call: ExtensionCallHandle): void {
  const log = deps.logger.child({ phase: 'extension-transfer' });
  let anchoring = false;
  const legs = [call.caller, call.callee];
  for (const leg of legs) {
    leg.dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      const target = parseReferTo(req.get('Refer-To'));
      if ('error' in target) {
        log.info({ party: leg.label, reason: target.error }, 'REFER refused');
        res.send(400, target.error.slice(0, 100), {});
        return;
      }
      if (anchoring) {
        res.send(491);
        return;
      }
      anchoring = true;
      // Accepted at once (RFC 3515 §2.4.2); how it goes is told in NOTIFYs, anchoring included.
      res.send(202);
      void anchorAndTransfer(deps, call, leg, target).catch(async (err: unknown) => {
        log.error({ err: (err as Error).message }, 'extension call transfer failed');
        await notifyTransferor(leg.dialog, 500, log);
      }).finally(() => {
        anchoring = false;
      });
    });
  }
}

async function anchorAndTransfer(deps: ConnectedCallDeps, call: ExtensionCallHandle, from: ExtensionLeg, target: ReferTarget): Promise<void> {
  const log = deps.logger;
  const anchored = await anchorBoth(deps, call.caller, call.callee);
  if ('status' in anchored) {
    await notifyTransferor(from.dialog, anchored.status, log);
    return;
  }
  if (call.ended()) {
    // A phone hung up while we re-INVITEd: the router has ended the call already.
    await Promise.all(anchored.map((a) => a.endpoint.destroy()));
    return;
  }
  const leases = call.handOver();
  const party = (leg: ExtensionLeg, a: AnchoredParty, lease: Lease | undefined): Party => ({
    dialog: leg.dialog,
    endpoint: a.endpoint,
    label: leg.label,
    held: a.held,
    ...(lease ? { lease } : {}),
  });
  const conversation = new ConnectedCall(deps, party(call.caller, anchored[0], leases.caller), party(call.callee, anchored[1], leases.callee));
  call.conversationStarted(conversation);
  log.info({ by: from.label }, 'extension call media anchored for a transfer');
  const running = conversation.run();
  conversation.accepted(from.dialog, target);
  const result = await running;
  log.info({ endedBy: result.endedBy, transfers: result.transfers }, 'transferred extension call ended');
  call.conversationEnded();
}

/**
 * Anchors the caller's leg, then the callee's. When the second refuses, the first is pointed back
 * at the other phone's last SDP, so the two talk end to end as before, and the REFER is refused.
 */
async function anchorBoth(deps: ConnectedCallDeps, caller: ExtensionLeg, callee: ExtensionLeg): Promise<[AnchoredParty, AnchoredParty] | { status: number }> {
  let first: AnchoredParty;
  try {
    first = await anchorParty(deps.media, caller.dialog);
  } catch (err) {
    deps.logger.info({ party: caller.label, err: (err as Error).message }, 'phone refused the re-INVITE that anchors a transfer');
    return { status: statusOf(err) };
  }
  try {
    return [first, await anchorParty(deps.media, callee.dialog)];
  } catch (err) {
    deps.logger.info({ party: callee.label, err: (err as Error).message }, 'phone refused the re-INVITE that anchors a transfer; restoring the call');
    await first.endpoint.destroy();
    await caller.dialog.modify(callee.dialog.remote.sdp).catch((e: unknown) => {
      deps.logger.warn({ party: caller.label, err: (e as Error).message }, 'media of the call could not be restored');
    });
    return { status: statusOf(err) };
  }
}

/** The phone's refusal as the REFER's answer (488 when it gave none). */
function statusOf(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 ? status : 488;
}
