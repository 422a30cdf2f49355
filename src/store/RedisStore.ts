import { Redis } from 'ioredis';
import { redactUrlPassword as redactUrl } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from './Store.js';

export interface RedisStoreOptions {
  /** How long ping() waits for PONG before it reports the store unreachable. */
  pingTimeoutMs?: number;
}

/** The Redis-backed store, shared by every app instance in production. */
export class RedisStore implements Store {
  private readonly redis: Redis;
  private readonly pingTimeoutMs: number;
  private reachable = false;

  constructor(url: string, private readonly logger: Logger, opts: RedisStoreOptions = {}) {
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 1000;
    this.redis = new Redis(url, {
      // Fail commands at once while disconnected instead of queueing them: /health must answer
      // promptly, and callers decide themselves whether to retry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // Log state changes, not every failed reconnect attempt (one every 2 s while Redis is down).
    this.redis.on('ready', () => {
      this.reachable = true;
      this.logger.info({ redis: redactUrl(url) }, 'redis connected');
    });
    this.redis.on('error', (err: Error) => {
      if (this.reachable) this.logger.warn({ err: err.message, redis: redactUrl(url) }, 'redis unreachable');
      this.reachable = false;
    });
    this.redis.on('end', () => {
      this.reachable = false;
    });
  }

  /** Waits up to `timeoutMs` for the first connection; false when Redis did not answer by then. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.pingTimeoutMs);
    });
    try {
      return (await Promise.race([this.redis.ping(), timeout])) === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
