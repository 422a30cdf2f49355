import type { HuntGroupStateRepo, HuntMemory } from './StoreTypes.js';

/** Hunt group state in process memory (MemoryStore). */
export class MemoryHuntGroups implements HuntGroupStateRepo {
  /** customerId → group → member who answered last. */
  private readonly lastAnswered = new Map<string, Map<string, string>>();
  /** customerId → member → last activity (ms). */
  private readonly activity = new Map<string, Map<string, number>>();

  async get(customerId: string, group: string, members: readonly string[]): Promise<HuntMemory> {
    const last = this.lastAnswered.get(customerId)?.get(group);
    const times = this.activity.get(customerId);
    const lastActivity: Record<string, number> = {};
    for (const m of members) {
      const t = times?.get(m);
      if (t !== undefined) lastActivity[m] = t;
    }
    return last === undefined ? { lastActivity } : { lastAnswered: last, lastActivity };
  }

  async answered(customerId: string, group: string, member: string, at: number): Promise<void> {
    mapOf(this.lastAnswered, customerId).set(group, member);
    this.touch(customerId, member, at);
  }

  async ended(customerId: string, member: string, at: number): Promise<void> {
    this.touch(customerId, member, at);
  }

  /** Drops a deleted customer's state. */
  forget(customerId: string): void {
    this.lastAnswered.delete(customerId);
    this.activity.delete(customerId);
  }

  private touch(customerId: string, member: string, at: number): void {
    const times = mapOf(this.activity, customerId);
    times.set(member, Math.max(at, times.get(member) ?? at));
  }
}

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Map()));
  return inner;
}
