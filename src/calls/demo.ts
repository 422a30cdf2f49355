import { chmod, writeFile } from 'node:fs/promises';
/**
 * The demo `npm start` ships: a customer "Demo" with accounts 201 and 202 and the number
 * 0909 123 4567 (80 ct a minute, at most 8 euro a call) running dialplans/demo-0909.yaml, put in
 * service through the number inventory (assigned directly by 'system').
 * Idempotent: what exists is left alone, so a restart on a Redis store changes nothing.
 * Passwords are never logged: a password made here is returned once, for the start summary.
 */
import { generatePassword } from '../api/accounts.js';
import { InventoryService } from '../inventory/InventoryService.js';
import { InventoryRefusal } from '../inventory/orders.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Tariff } from '../numbers/NumberTypes.js';
import type { SecretBox } from '../store/secrets.js';
import type { Store } from '../store/StoreTypes.js';

export const DEMO_CUSTOMER = 'Demo';
export const DEMO_NUMBER = '+319091234567';
export const DEMO_PLAN_ID = 'file:demo-0909';
export const DEMO_TARIFF: Tariff = { perMinuteCents: 80, maxPerCallCents: 800 };
export const DEMO_ACCOUNTS = [
  { username: '201', displayName: 'Demo verkoop' },
  { username: '202', displayName: 'Demo support' },
] as const;

export interface DemoSeed {
  customerId: string;
  /** Accounts created now, with their password (to show once); accounts that existed are absent. */
  createdAccounts: Array<{ username: string; password: string }>;
  /** Usernames that belong to another customer, so the demo could not have them. */
  skippedAccounts: string[];
  numberCreated: boolean;
  /** Why the inventory refused the demo number (e.g. it is in quarantine after its service ended). */
  numberRefused?: string;
}

export async function seedDemo(store: Store, secrets: SecretBox, opts: { password?: string; logger?: Logger } = {}): Promise<DemoSeed> {
  await awaitOtherSeeder(store);
  const customer =
    (await store.customers.list()).find((c) => c.name === DEMO_CUSTOMER) ??
    (await store.customers.create({ name: DEMO_CUSTOMER, status: 'active', creditLimitCents: 10_000 }));
  const createdAccounts: DemoSeed['createdAccounts'] = [];
  const skippedAccounts: string[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const existing = await store.accounts.getByUsername(a.username);
    if (existing) {
      if (existing.customerId !== customer.id) skippedAccounts.push(a.username);
      continue;
    }
    const password = opts.password ?? generatePassword();
    await store.accounts.create({ customerId: customer.id, username: a.username, displayName: a.displayName, passwordEnc: secrets.encrypt(password), channelLimit: 2 });
    createdAccounts.push({ username: a.username, password });
  }
  let numberCreated = false;
  let numberRefused: string | undefined;
  if (!(await store.numbers.getByE164(DEMO_NUMBER))) {
    // Through the inventory like any number: stock record, order, contract and history. Should
    // another instance get there first, the inventory's compare-and-set refuses this one (409).
    const inventory = new InventoryService({ store, logger: opts.logger ?? silentLogger() });
    try {
      await inventory.assignDirect({ customerId: customer.id, number: DEMO_NUMBER, status: 'active', planId: DEMO_PLAN_ID, tariff: DEMO_TARIFF }, 'system');
      numberCreated = true;
    } catch (err) {
      if (!(err instanceof InventoryRefusal)) throw err;
      if (!(await store.numbers.getByE164(DEMO_NUMBER))) numberRefused = err.message;
    }
  }
  return { customerId: customer.id, createdAccounts, skippedAccounts, numberCreated, ...(numberRefused === undefined ? {} : { numberRefused }) };
}

/** Key of the flag the seeding instance holds; it lapses by itself should that instance die. */
const SEED_FLAG = 'demo-seed';
const SEED_FLAG_TTL_MS = 30_000;

/**
 * Several app instances on one Redis start at the same moment: without this both would find no
 * demo customer and create one each (and then clash on the usernames). The first to raise the
 * flag seeds; the others wait (at most the flag's lifetime) for the demo number, the last thing
 * seeded, and then find everything in place.
 */
async function awaitOtherSeeder(store: Store): Promise<void> {
  if (await store.counters.raiseIfHigher(SEED_FLAG, 1, SEED_FLAG_TTL_MS)) return;
  const until = Date.now() + SEED_FLAG_TTL_MS;
  while (Date.now() < until && !(await demoNumberSettled(store))) await new Promise((r) => setTimeout(r, 100));
}

/** The demo number is in service, or its service was ended (quarantine: seeding will not bring it back). */
async function demoNumberSettled(store: Store): Promise<boolean> {
  if (await store.numbers.getByE164(DEMO_NUMBER)) return true;
  const state = (await store.inventory.numbers.get(DEMO_NUMBER))?.state;
  return state === 'quarantined' || state === 'cancelled';
}

/**
 * The lines the start summary prints about the demo. Passwords never go to stdout (where the
 * logs go too): demo accounts created now have theirs written to `credentialsFile` (mode 0600).
 */
export function describeDemo(seed: DemoSeed, sipHostport: string, credentialsFile?: string): string[] {
  const lines =
    seed.numberRefused === undefined
      ? [`demo: call 09091234567 at ${sipHostport} (e.g. sipp -sn uac -s 09091234567 ${sipHostport} -m 1)`]
      : [`demo number 09091234567 not put in service: ${seed.numberRefused}`];
  if (seed.createdAccounts.length && credentialsFile) {
    lines.push(`demo accounts ${seed.createdAccounts.map((a) => a.username).join(', ')} created; their SIP passwords are in ${credentialsFile}`);
  }
  for (const u of seed.skippedAccounts) lines.push(`demo account ${u} not created: the username belongs to another customer`);
  return lines;
}

/** Write the demo accounts' credentials for the operator, readable by this user only. */
export async function writeDemoCredentials(seed: DemoSeed, file: string, sipDomain: string): Promise<void> {
  const body = seed.createdAccounts.map((a) => `${a.username}@${sipDomain} ${a.password}`).join('\n') + '\n';
  await writeFile(file, body, { mode: 0o600 });
  await chmod(file, 0o600);
}
