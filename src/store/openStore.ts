import type { Logger } from '../logger.js';
import { MemoryStore } from './MemoryStore.js';
import { RedisStore } from './RedisStore.js';
import type { Store } from './Store.js';

/**
 * The store the configuration asks for: Redis when REDIS_URL is set, else memory. A Redis that
 * is down at start does not stop the process (it reconnects in the background and /health says
 * so), but it is logged.
 */
export async function openStore(redisUrl: string | undefined, logger: Logger): Promise<Store> {
  if (redisUrl === undefined) return new MemoryStore();
  const store = new RedisStore(redisUrl, logger);
  if (!(await store.waitUntilReady(2000))) logger.warn('redis not reachable yet; retrying in the background');
  return store;
}
