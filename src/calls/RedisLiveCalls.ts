/**
 * The calls in progress of every app instance, through Redis: each instance mirrors its own
 * LiveCallList into a hash `cs:live:<instanceId>` (callId → entry) that expires unless the
 * instance refreshes it, so an instance that dies takes its calls off the list within the TTL.
 * Any instance's API reads every hash. Entries hold the caller as shown ('anonymous' for a
 * restricted caller), never a hidden number.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { LiveCallEntry, LiveCallList, LiveCallMirror } from './LiveCallList.js';

/** How long an instance's calls stay listed without a refresh (it refreshes every third of this). */
export const LIVE_CALLS_TTL_MS = 30_000;

export class RedisLiveCalls implements LiveCallMirror {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly key: string;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    url: string,
    instanceId: string,
    private readonly logger: Logger,
    opts: { ttlMs?: number; keyPrefix?: string } = {},
  ) {
    this.prefix = `${opts.keyPrefix ?? 'cs:'}live:`;
    this.key = `${this.prefix}${instanceId}`;
    this.ttlMs = opts.ttlMs ?? LIVE_CALLS_TTL_MS;
    // A list for people to look at: a command waits at most one retry, never blocks a call.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
    this.redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'live calls redis connection error'));
  }

  /** Mirrors `list` from now on: each change at once, and all of it again every third of the TTL. */
  follow(list: LiveCallList): void {
    list.mirrorTo(this);
    const refresh = (): void => void this.refresh(list.list());
    refresh();
    this.timer = setInterval(refresh, Math.max(1, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  put(entry: LiveCallEntry): void {
    this.run(this.redis.multi().hset(this.key, entry.callId, JSON.stringify(entry)).pexpire(this.key, this.ttlMs).exec());
  }

  remove(callId: string): void {
    this.run(this.redis.hdel(this.key, callId));
  }

  /** Replaces this instance's hash with `entries` in one transaction (heals a lost write or a Redis restart). */
  private refresh(entries: LiveCallEntry[]): Promise<void> {
    const tx = this.redis.multi().del(this.key);
    for (const e of entries) tx.hset(this.key, e.callId, JSON.stringify(e));
    return this.run(tx.pexpire(this.key, this.ttlMs).exec());
  }

  private async run(op: Promise<unknown>): Promise<void> {
    try {
      await op;
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'live calls redis write failed');
    }
  }

  /** Every instance's calls in progress, oldest first. */
  async list(): Promise<LiveCallEntry[]> {
    const out: LiveCallEntry[] = [];
    let cursor = '0';
    // Bounded: SCAN returns cursor 0 when done; 1000 rounds is far beyond any cluster of app instances.
    for (let round = 0; round < 1000; round++) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 100);
      for (const key of keys) {
        for (const value of await this.redis.hvals(key)) {
          try {
            out.push(JSON.parse(value) as LiveCallEntry);
          } catch {
            // not ours
          }
        }
      }
      cursor = next;
      if (cursor === '0') break;
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  /** Stops mirroring and takes this instance's calls off the list. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.run(this.redis.del(this.key));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}
