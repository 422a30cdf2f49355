import { MemoryStore } from '../../src/store/MemoryStore.js';
import type { Store } from '../../src/store/StoreTypes.js';
import { defineStoreContract } from './contract.js';

/**
 * One process, one memory: "two instances on the same state" is the same MemoryStore, closed once.
 */
const byNamespace = new Map<string, MemoryStore>();

defineStoreContract('memory store', async (namespace): Promise<Store> => {
  let store = byNamespace.get(namespace);
  if (store === undefined) byNamespace.set(namespace, (store = new MemoryStore()));
  return store;
});
