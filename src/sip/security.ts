/**
 * The first line of defence of the SIP edge: known scanner tools are ignored, and a source
 * address that keeps failing authentication is blocked for a while.
 */
import { SCANNER_USER_AGENTS } from '../engine/drachtio/spammers.js';
import type { Counters } from '../store/StoreTypes.js';

/**
 * User-Agents of SIP scanning and password-guessing tools (SIPVicious "friendly-scanner",
 * sipcli, VaxSIPUserAgent, pplsip, sundayddr, iWar, sipsak, SIVuS, smap, sip-scan …). Such
 * requests get no answer at all: a silent drop tells the scanner nothing and costs it a timeout.
 * The embedded engine already drops them before the app; this guards the app behind a real
 * drachtio-server too.
 */
export { SCANNER_USER_AGENTS };

/** True when the request's User-Agent names a known scanner. */
export function isScanner(req: { get(name: string): string | undefined }): boolean {
  const ua = req.get('User-Agent');
  return ua !== undefined && SCANNER_USER_AGENTS.test(ua);
}

export interface AuthThrottleOptions {
  counters: Counters;
  /** Failures allowed per window; the next one blocks the source (default 10). */
  maxFailures?: number;
  /** Window the failures are counted in (default one minute). */
  windowMs?: number;
  /** How long a blocked source stays blocked (default five minutes). */
  blockMs?: number;
}

/**
 * Failed-authentication throttling per source address. State lives in Counters, so every app
 * instance behind the same Redis sees the same failures and blocks.
 */
export class AuthThrottle {
  private readonly counters: Counters;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;

  constructor(opts: AuthThrottleOptions) {
    this.counters = opts.counters;
    this.maxFailures = opts.maxFailures ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.blockMs = opts.blockMs ?? 300_000;
  }

  isBlocked(sourceAddress: string): Promise<boolean> {
    return this.counters.hasFlag(`authblock:${sourceAddress}`);
  }

  /** Record a failed authentication; returns true when the source is now blocked. */
  async recordFailure(sourceAddress: string): Promise<boolean> {
    const failures = await this.counters.hit(`authfail:${sourceAddress}`, this.windowMs);
    if (failures <= this.maxFailures) return false;
    await this.counters.setFlag(`authblock:${sourceAddress}`, this.blockMs);
    return true;
  }
}
