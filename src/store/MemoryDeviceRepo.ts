import { foreignAccount, macTaken, type Device, type DeviceRepo } from '../provisioning/DeviceTypes.js';
import { newDevice, patchDevice } from './deviceRecords.js';
import { byCreation, unknownCustomer } from './records.js';
import { ConflictError } from './StoreTypes.js';

const copy = <T>(v: T): T => structuredClone(v);

/** What the device repo reads from the rest of the memory store. */
export interface MemoryDeviceLinks {
  hasCustomer(id: string): boolean;
  /** The account's customer id, undefined for an unknown account. */
  accountCustomer(id: string): string | undefined;
}

/** The devices of the memory store; MemoryStore calls the cascade methods from its own deletes. */
export class MemoryDeviceRepo {
  readonly repo: DeviceRepo;
  private readonly devices = new Map<string, Device>();
  private readonly idByMac = new Map<string, string>();

  constructor(private readonly links: MemoryDeviceLinks) {
    this.repo = {
      create: async (d) => {
        if (!links.hasCustomer(d.customerId)) throw new ConflictError('customerId', unknownCustomer(d.customerId));
        this.checkLines(d.customerId, d.lines);
        if (d.mac !== undefined && this.idByMac.has(d.mac)) throw new ConflictError('mac', macTaken(d.mac));
        const device = newDevice(d);
        this.devices.set(device.id, device);
        if (device.mac !== undefined) this.idByMac.set(device.mac, device.id);
        return copy(device);
      },
      get: async (id) => {
        const d = this.devices.get(id);
        return d && copy(d);
      },
      getByMac: async (mac) => {
        const id = this.idByMac.get(mac);
        const d = id === undefined ? undefined : this.devices.get(id);
        return d && copy(d);
      },
      list: async (customerId) =>
        [...this.devices.values()]
          .filter((d) => customerId === undefined || d.customerId === customerId)
          .sort(byCreation)
          .map(copy),
      listByAccount: async (accountId) =>
        [...this.devices.values()].filter((d) => d.lines.includes(accountId)).sort(byCreation).map(copy),
      update: async (id, patch) => {
        const cur = this.devices.get(id);
        if (cur === undefined) return undefined;
        const next = patchDevice(cur, patch);
        this.checkLines(next.customerId, next.lines);
        if (next.mac !== cur.mac) {
          if (next.mac !== undefined && this.idByMac.has(next.mac)) throw new ConflictError('mac', macTaken(next.mac));
          if (cur.mac !== undefined) this.idByMac.delete(cur.mac);
          if (next.mac !== undefined) this.idByMac.set(next.mac, id);
        }
        this.devices.set(id, next);
        return copy(next);
      },
      delete: async (id) => this.deleteDevice(id),
    };
  }

  private checkLines(customerId: string, lines: string[]): void {
    for (const accountId of lines) {
      if (this.links.accountCustomer(accountId) !== customerId) throw new ConflictError('lines', foreignAccount(accountId));
    }
  }

  private deleteDevice(id: string): boolean {
    const d = this.devices.get(id);
    if (d === undefined) return false;
    this.devices.delete(id);
    if (d.mac !== undefined && this.idByMac.get(d.mac) === id) this.idByMac.delete(d.mac);
    return true;
  }

  /** Customer delete: its devices go with it. */
  deleteCustomer(customerId: string): void {
    for (const d of [...this.devices.values()]) if (d.customerId === customerId) this.deleteDevice(d.id);
  }

  /** Account delete: the account leaves every line it was on; the devices stay. */
  unbindAccount(accountId: string): void {
    for (const d of this.devices.values()) {
      if (d.lines.includes(accountId)) this.devices.set(d.id, { ...d, lines: d.lines.filter((l) => l !== accountId) });
    }
  }
}
