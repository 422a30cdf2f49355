/**
 * An account's `deviceModel` follows the devices it is bound to: binding a device to accounts
 * (its lines) sets their deviceModel to the device's model; taking an account off a device (a
 * changed line list, a deleted device) clears it, unless another device still carries the
 * account, whose model it then takes (the most recently added such device). The account field
 * is what admins and the web app read to see which phone someone has.
 */
import type { Store } from '../store/StoreTypes.js';
import type { Device } from './DeviceTypes.js';

/** Brings the deviceModel of every account on `before` or `after` in line with the devices now stored. Call after the device write. */
export async function syncAccountModels(store: Store, before: Device | undefined, after: Device | undefined): Promise<void> {
  const accountIds = new Set([...(before?.lines ?? []), ...(after?.lines ?? [])]);
  for (const accountId of accountIds) {
    const account = await store.accounts.get(accountId);
    if (!account) continue;
    const carriers = await store.devices.listByAccount(accountId);
    const model = after?.lines.includes(accountId) ? after.model : carriers.sort((a, b) => b.createdAt - a.createdAt)[0]?.model;
    if (account.deviceModel === model) continue;
    await store.accounts.update(accountId, { deviceModel: model });
  }
}
