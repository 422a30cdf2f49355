import type Srf from 'drachtio-srf';
import { appRequestsAnswered } from './requestMetrics.js';

/**
 * New INVITE: no call plans exist yet, so every call is refused with 480 Temporarily
 * Unavailable (RFC 3261 §21.4.18), which tells a trunk to try again later rather than that the
 * number does not exist. The call-plan issue replaces this handler.
 */
export function rejectInvite(_req: Srf.SrfRequest, res: Srf.SrfResponse): void {
  res.send(480);
  appRequestsAnswered.inc({ method: 'INVITE', status: '480' });
}
