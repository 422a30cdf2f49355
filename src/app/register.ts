import type Srf from 'drachtio-srf';
import { appRequestsAnswered } from './requestMetrics.js';

/**
 * REGISTER: there is no registrar yet, so refuse with 403 Forbidden (RFC 3261 §10.3 step 6: the
 * registrar does not accept bindings for this address of record). The registrar issue replaces
 * this handler with digest authentication and bindings in the Store.
 */
export function rejectRegister(_req: Srf.SrfRequest, res: Srf.SrfResponse): void {
  res.send(403);
  appRequestsAnswered.inc({ method: 'REGISTER', status: '403' });
}
