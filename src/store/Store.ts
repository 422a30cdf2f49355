/**
 * The seam between the app and its shared state. Redis in production (several app instances
 * share registrations and channel counts), memory when REDIS_URL is unset. This is the minimal
 * form /health needs; the registrar issue grows it.
 */
export interface Store {
  /** True when the store answers; never throws (a failure is `false`). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
