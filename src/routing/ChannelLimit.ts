import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { ChannelLeases } from '../store/StoreTypes.js';

/** The lease key of an account's channel slots. */
export function accountKey(accountId: string): string {
  return `account:${accountId}`;
}

/** One taken channel slot. Renewed while the call lasts; release() is safe to call any number of times. */
export interface Lease {
  readonly key: string;
  readonly id: string;
  release(): Promise<void>;
}

export interface ChannelLimitOptions {
  /**
   * How long a slot outlives its last renewal (default 60 s). If the app instance dies
   * mid-call, the slot frees itself after at most this long.
   */
  ttlMs?: number;
  logger?: Logger;
}

/**
 * "Maximaal 2 doorgangen": concurrent calls per account as leases in the shared store, so every
 * app instance counts the same calls and a crashed instance's slots expire by themselves.
 */
export class ChannelLimit {
  readonly ttlMs: number;
  private readonly logger?: Logger;

  constructor(private readonly leases: ChannelLeases, opts: ChannelLimitOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.logger = opts.logger;
  }

  /** Takes a slot on the account, or undefined when `limit` calls are already up. */
  acquire(accountId: string, limit: number): Promise<Lease | undefined> {
    return this.acquireKey(accountKey(accountId), limit);
  }

  /** Takes a slot under any key, e.g. 'number:<id>' for a service number's calls. */
  async acquireKey(key: string, limit: number): Promise<Lease | undefined> {
    const id = randomUUID();
    if (!(await this.leases.acquire(key, id, limit, this.ttlMs))) return undefined;

    let released = false;
    // Renew at a third of the TTL, so two renewals may fail (store hiccup) before the slot lapses.
    const timer = setInterval(() => {
      this.leases.renew(key, id, this.ttlMs).then(
        (alive) => {
          if (!alive && !released) this.logger?.warn({ key, lease: id }, 'channel lease expired during a call');
        },
        (err: unknown) => this.logger?.warn({ key, lease: id, err: (err as Error).message }, 'channel lease renewal failed'),
      );
    }, Math.max(1, Math.floor(this.ttlMs / 3)));
    timer.unref();

    return {
      key,
      id,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        try {
          await this.leases.release(key, id);
        } catch (err) {
          // The lease still expires by its TTL; the call must not fail over this.
          this.logger?.warn({ key, lease: id, err: (err as Error).message }, 'channel lease release failed');
        }
      },
    };
  }
}
