import { MemoryStore } from '../../src/store/MemoryStore.js';
import type { Store } from '../../src/store/StoreTypes.js';
import { defineStoreContract } from './contract.js';
import { defineHuntGroupContract } from './huntGroupsContract.js';
import { defineDeviceContract } from './deviceContract.js';
import { defineVoicemailContract } from '../voicemail/storeContract.js';
import { defineInventoryContract } from './inventoryContract.js';
import { defineBillingContract } from './billingContract.js';
import { defineWebLoginContract } from './webLoginContract.js';

/**
 * One process, one memory: "two instances on the same state" is the same MemoryStore, closed once.
 */
const byNamespace = new Map<string, MemoryStore>();

const openMemory = async (namespace: string): Promise<Store> => {
  let store = byNamespace.get(namespace);
  if (store === undefined) byNamespace.set(namespace, (store = new MemoryStore()));
  return store;
};
defineStoreContract('memory store', openMemory);
defineHuntGroupContract('memory store', openMemory);
defineDeviceContract('memory store', openMemory);
defineVoicemailContract('memory store', openMemory);
defineInventoryContract('memory store', openMemory);
defineBillingContract('memory store', openMemory);
defineWebLoginContract('memory store', openMemory);
