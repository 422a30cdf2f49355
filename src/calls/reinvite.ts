/**
 * A re-INVITE from a party whose media ends on one of our endpoints (RFC 3261 §14.2): the new
 * offer (hold, resume, another address or codec) is applied to the endpoint and answered with its
 * SDP. Used while a number call's plan runs and in a connected call.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from '../logger.js';
import type { Endpoint } from '../media/MediaTypes.js';
import { isHoldOffer } from './hold.js';

/**
 * Answers the re-INVITE; resolves with whether the party now holds the call, or undefined when
 * it made no offer (answered with ours) or its offer was refused (488, nothing changed).
 */
export async function answerReinvite(endpoint: Endpoint, req: Srf.SrfRequest, res: Srf.SrfResponse, log: Logger): Promise<boolean | undefined> {
  if (!req.body) {
    // A re-INVITE without an offer: we offer what we have.
    res.send(200, { body: endpoint.localSdp });
    return undefined;
  }
  try {
    await endpoint.modify(req.body);
  } catch (err) {
    log.info({ err: (err as Error).message }, 're-INVITE offer not acceptable');
    res.send(488);
    return undefined;
  }
  res.send(200, { body: endpoint.localSdp });
  return isHoldOffer(req.body);
}

/**
 * Applies a party's re-INVITEs to `endpoint` until stopped (srf would otherwise answer 200 with
 * the old SDP by itself); `held()` says whether its last offer put the call on hold.
 */
export function followReinvites(dialog: Srf.Dialog, endpoint: Endpoint, log: Logger): { held(): boolean; stop(): void } {
  let held = false;
  const onModify = (req: Srf.SrfRequest, res: Srf.SrfResponse): void => {
    answerReinvite(endpoint, req, res, log).then(
      (h) => {
        if (h === undefined) return;
        if (h !== held) log.info(h ? 'caller put the call on hold' : 'caller resumed the call');
        held = h;
      },
      (err: unknown) => {
        log.error({ err: (err as Error).message }, 're-INVITE failed');
        if (!res.finalResponseSent) res.send(500);
      },
    );
  };
  dialog.on('modify', onModify);
  return { held: () => held, stop: () => dialog.removeListener('modify', onModify) };
}
