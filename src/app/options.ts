import type Srf from 'drachtio-srf';
import { appRequestsAnswered } from './requestMetrics.js';

/**
 * The methods our user agent accepts (RFC 3261 §11.2: a 200 to OPTIONS should carry Allow).
 * These are what the app's call handling needs as the call-plan and registrar issues land; a
 * method listed here that the app does not yet serve is answered with an error, not ignored.
 */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'NOTIFY'];

/**
 * OPTIONS out of dialog: phones and SBCs send it as a keepalive or capability probe and mark the
 * trunk down when it goes unanswered, so always answer 200 (RFC 3261 §11.2).
 */
export function answerOptions(_req: Srf.SrfRequest, res: Srf.SrfResponse): void {
  res.send(200, {
    headers: {
      Allow: ALLOWED_METHODS.join(', '),
      Accept: 'application/sdp',
    },
  });
  appRequestsAnswered.inc({ method: 'OPTIONS', status: '200' });
}
