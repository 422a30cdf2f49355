import { INDEXED, type IndexField, type InventoryRepo, type RecordTable, type VersionedRecord } from './InventoryTypes.js';

const copy = <T>(v: T): T => structuredClone(v);

/**
 * One table of the in-process store; atomic because Node runs one callback at a time. Indexes:
 * field → value → ids, changed together with the row.
 */
export class MemoryTable<T extends VersionedRecord, K extends IndexField<T> = never> implements RecordTable<T, K> {
  private readonly rows = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(fields: readonly K[] = []) {
    for (const f of ['customerId', ...fields]) this.indexes.set(f, new Map());
  }

  /** Adds or removes `r` in the indexes; with `other`, only where its value differs from other's (so unchanged entries keep their order). */
  private index(r: T, add: boolean, other?: T): void {
    for (const [field, byValue] of this.indexes) {
      const value = (r as unknown as Record<string, unknown>)[field];
      if (typeof value !== 'string' || value === '') continue;
      if (other !== undefined && (other as unknown as Record<string, unknown>)[field] === value) continue;
      let ids = byValue.get(value);
      if (add) {
        if (!ids) byValue.set(value, (ids = new Set()));
        ids.add(r.id);
      } else if (ids) {
        ids.delete(r.id);
        if (ids.size === 0) byValue.delete(value);
      }
    }
  }

  async insert(records: T[]): Promise<string[]> {
    const existing: string[] = [];
    for (const r of records) {
      if (this.rows.has(r.id)) existing.push(r.id);
      else {
        this.rows.set(r.id, copy(r));
        this.index(r, true);
      }
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
    return this.byIndex([['customerId', customerId]]);
  }

  async listWhere(match: Partial<Record<K, string>>): Promise<T[]> {
    const pairs = Object.entries(match).filter((e): e is [string, string] => typeof e[1] === 'string');
    for (const [field] of pairs) if (!this.indexes.has(field)) throw new Error(`listWhere: ${field} is not an indexed field of this table`);
    return this.byIndex(pairs);
  }

  async idsWhere(match: Partial<Record<K, string>>): Promise<string[]> {
    const pairs = Object.entries(match).filter((e): e is [string, string] => typeof e[1] === 'string');
    for (const [field] of pairs) if (!this.indexes.has(field)) throw new Error(`idsWhere: ${field} is not an indexed field of this table`);
    if (pairs.length === 0) throw new Error('idsWhere: name at least one indexed field');
    return this.idsOf(pairs);
  }

  /** Walks the smallest of the sets and checks the others. */
  private idsOf(pairs: [string, string][]): string[] {
    const sets = pairs.map(([field, value]) => this.indexes.get(field)?.get(value) ?? new Set<string>()).sort((a, b) => a.size - b.size);
    return [...sets[0]].filter((id) => sets.every((s) => s.has(id)));
  }

  private byIndex(pairs: [string, string][]): T[] {
    if (pairs.length === 0) return [...this.rows.values()].map(copy);
    return this.idsOf(pairs).map((id) => copy(this.rows.get(id)!));
  }

  async replace(next: T): Promise<boolean> {
    const cur = this.rows.get(next.id);
    if (cur === undefined || cur.version !== next.version - 1) return false;
    this.index(cur, false, next);
    this.rows.set(next.id, copy(next));
    this.index(next, true, cur);
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const cur = this.rows.get(id);
    if (!cur) return false;
    this.index(cur, false);
    return this.rows.delete(id);
  }
}

/** The inventory tables of MemoryStore. */
export function memoryInventoryRepo(): InventoryRepo {
  return {
    numbers: new MemoryTable(INDEXED.numbers),
    orders: new MemoryTable(),
    contracts: new MemoryTable(INDEXED.contracts),
    tariffChanges: new MemoryTable(INDEXED.tariffChanges),
    releases: new MemoryTable(),
  };
}
