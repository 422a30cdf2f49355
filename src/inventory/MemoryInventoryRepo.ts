import type { InventoryRepo, RecordTable, VersionedRecord } from './InventoryTypes.js';

const copy = <T>(v: T): T => structuredClone(v);

/** One table of the in-process store; atomic because Node runs one callback at a time. */
export class MemoryTable<T extends VersionedRecord> implements RecordTable<T> {
  private readonly rows = new Map<string, T>();

  async insert(records: T[]): Promise<string[]> {
    const existing: string[] = [];
    for (const r of records) {
      if (this.rows.has(r.id)) existing.push(r.id);
      else this.rows.set(r.id, copy(r));
    }
    return existing;
  }

  async get(id: string): Promise<T | undefined> {
    const r = this.rows.get(id);
    return r && copy(r);
  }

  async getMany(ids: string[]): Promise<(T | undefined)[]> {
    return ids.map((id) => {
      const r = this.rows.get(id);
      return r && copy(r);
    });
  }

  async list(): Promise<T[]> {
    return [...this.rows.values()].map(copy);
  }

  async listByCustomer(customerId: string): Promise<T[]> {
    return [...this.rows.values()].filter((r) => r.customerId === customerId).map(copy);
  }

  async replace(next: T): Promise<boolean> {
    const cur = this.rows.get(next.id);
    if (cur === undefined || cur.version !== next.version - 1) return false;
    this.rows.set(next.id, copy(next));
    return true;
  }

  async delete(id: string): Promise<boolean> {
    return this.rows.delete(id);
  }
}

/** The inventory tables of MemoryStore. */
export function memoryInventoryRepo(): InventoryRepo {
  return { numbers: new MemoryTable(), orders: new MemoryTable(), contracts: new MemoryTable(), tariffChanges: new MemoryTable() };
}
