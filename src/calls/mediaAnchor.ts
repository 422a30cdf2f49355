/**
 * Anchoring the media of a party whose SDP so far went end to end (an extension call, a party
 * handed over from one): we re-INVITE it with an offer from a fresh endpoint of ours and point
 * the endpoint at its answer (RFC 3725 style third-party call control), so the media engine can
 * bridge it to anyone, transcode, and play music on hold to it.
 */
import type Srf from 'drachtio-srf';
import type { Endpoint, MediaServer } from '../media/MediaTypes.js';
import { isHoldOffer } from './hold.js';
import { createOfferEndpoint } from './MediaCallChannel.js';

export interface AnchoredParty {
  endpoint: Endpoint;
  /** The party's answer kept the call on hold (sendonly, inactive or c=0.0.0.0). */
  held: boolean;
}

/** Re-INVITEs `dialog` with our offer; rejects (the endpoint destroyed) when the party refuses it. */
export async function anchorParty(media: MediaServer, dialog: Srf.Dialog): Promise<AnchoredParty> {
  const endpoint = await createOfferEndpoint(media);
  try {
    const answer = await dialog.modify(endpoint.localSdp);
    await endpoint.modify(answer);
    // A phone that held the call answers our sendrecv offer with sendonly or inactive (RFC 3264 §6.1).
    return { endpoint, held: isHoldOffer(answer) };
  } catch (err) {
    await endpoint.destroy();
    throw err;
  }
}
