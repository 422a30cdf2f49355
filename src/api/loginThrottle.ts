import type { Counters } from '../store/StoreTypes.js';

/**
 * Brute-force brakes for web sign-in: failures are counted per username and per source address
 * in the store's counters (shared by every app instance on one Redis), like AuthThrottle for SIP
 * (src/sip/security.ts). Past the limit within the window, that username or address is refused
 * for blockMs, even with the right password. A username block can lock its owner out for a
 * while; that is the price of stopping password guessing against one account from many addresses.
 * The address is fastify's req.ip: the client's own, or with TRUST_PROXY the one the trusted
 * reverse proxy names in X-Forwarded-For (src/http/trustProxy.ts); never a header a client sets.
 */
export interface LoginThrottleOptions {
  /** Failures per username within windowMs before it is blocked (default 5). */
  maxPerUsername: number;
  /** Failures per source address within windowMs before it is blocked (default 20). */
  maxPerAddress: number;
  windowMs: number;
  blockMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = { maxPerUsername: 5, maxPerAddress: 20, windowMs: 15 * 60_000, blockMs: 15 * 60_000 };

export class LoginThrottle {
  private readonly opts: LoginThrottleOptions;

  constructor(
    private readonly counters: Counters,
    opts: Partial<LoginThrottleOptions> = {},
  ) {
    this.opts = { ...DEFAULT_LOGIN_THROTTLE, ...opts };
  }

  async isBlocked(username: string, address: string): Promise<boolean> {
    const [user, addr] = await Promise.all([this.counters.hasFlag(`webloginblock:user:${username}`), this.counters.hasFlag(`webloginblock:ip:${address}`)]);
    return user || addr;
  }

  /** Counts a failed sign-in; true when the username or the address is now blocked. */
  async recordFailure(username: string, address: string): Promise<boolean> {
    const [user, addr] = await Promise.all([
      this.counters.hit(`webloginfail:user:${username}`, this.opts.windowMs),
      this.counters.hit(`webloginfail:ip:${address}`, this.opts.windowMs),
    ]);
    let blocked = false;
    if (user >= this.opts.maxPerUsername) {
      await this.counters.setFlag(`webloginblock:user:${username}`, this.opts.blockMs);
      blocked = true;
    }
    if (addr >= this.opts.maxPerAddress) {
      await this.counters.setFlag(`webloginblock:ip:${address}`, this.opts.blockMs);
      blocked = true;
    }
    return blocked;
  }
}
