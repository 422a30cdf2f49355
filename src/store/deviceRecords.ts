/** How both store implementations build and change device records (see records.ts for the others). */
import { randomUUID } from 'node:crypto';
import type { Device, DevicePatch, NewDevice } from '../provisioning/DeviceTypes.js';
import { withoutUndefined } from './records.js';

const copy = <T>(v: T): T => structuredClone(v);

export function newDevice(d: NewDevice, now = Date.now()): Device {
  return withoutUndefined({ ...copy(d), id: randomUUID(), createdAt: now });
}

/** A patch never changes id, customerId or createdAt. */
export function patchDevice(cur: Device, patch: DevicePatch): Device {
  return withoutUndefined({ ...cur, ...copy(patch), id: cur.id, customerId: cur.customerId, createdAt: cur.createdAt });
}
