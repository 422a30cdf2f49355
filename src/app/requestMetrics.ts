import { defineCounter } from '../http/metrics.js';

/** Requests the app itself answered, by method and final status, for /metrics. */
export const appRequestsAnswered = defineCounter({
  name: 'app_sip_requests_answered_total',
  help: 'SIP requests answered by the app, by method and status code',
  labelNames: ['method', 'status'] as const,
});
