/*
 * Desk phones in tests: an account of the rig's customer (created on first use, channel limit 2,
 * its password encrypted so the phone can authenticate calls) with one registered contact per
 * port, each a SIPp instance on 127.0.0.1 that the test starts.
 */
import type { Account } from '../../src/store/StoreTypes.js';
import type { NumberRig } from '../calls/rig.js';

export const PHONE_PASSWORD = 'geheim-wachtwoord-1';

/** Registers `username` at 127.0.0.1:`ports` (one contact each, earlier ones removed); returns its account. */
export async function registerPhone(rig: Pick<NumberRig, 'store' | 'customerId' | 'secrets'>, username: string, ports: number | number[], password = PHONE_PASSWORD): Promise<Account> {
  const account =
    (await rig.store.accounts.getByUsername(username)) ??
    (await rig.store.accounts.create({ customerId: rig.customerId, username, displayName: `Toestel ${username}`, passwordEnc: rig.secrets.encrypt(password), channelLimit: 2 }));
  await rig.store.locations.removeAll(account.id);
  for (const port of typeof ports === 'number' ? [ports] : ports) {
    await rig.store.locations.save({
      accountId: account.id,
      contact: `sip:${username}@127.0.0.1:${port}`,
      source: { protocol: 'udp', host: '127.0.0.1', port },
      callId: `reg-${username}-${port}@test`,
      cseq: 1,
      expiresAt: Date.now() + 3_600_000,
    });
  }
  return account;
}
