import { randomUUID } from 'node:crypto';
import { byCreation, unknownCustomer } from './records.js';
import { ConflictError, type WebLogin, type WebLoginRepo } from './StoreTypes.js';

const copy = <T>(v: T): T => structuredClone(v);

export function usernameTaken(username: string): string {
  return `username "${username}" is taken`;
}

/** The web sign-ins of the memory store; MemoryStore calls deleteCustomer from its customer delete. */
export class MemoryWebLoginRepo {
  readonly repo: WebLoginRepo;
  private readonly logins = new Map<string, WebLogin>();
  private readonly idByUsername = new Map<string, string>();

  constructor(hasCustomer: (id: string) => boolean) {
    this.repo = {
      create: async (l) => {
        if (!hasCustomer(l.customerId)) throw new ConflictError('customerId', unknownCustomer(l.customerId));
        if (this.idByUsername.has(l.username)) throw new ConflictError('username', usernameTaken(l.username));
        const login: WebLogin = { ...copy(l), id: randomUUID(), createdAt: Date.now() };
        this.logins.set(login.id, login);
        this.idByUsername.set(login.username, login.id);
        return copy(login);
      },
      get: async (id) => {
        const l = this.logins.get(id);
        return l && copy(l);
      },
      findByUsername: async (username) => {
        const id = this.idByUsername.get(username);
        const l = id === undefined ? undefined : this.logins.get(id);
        return l && copy(l);
      },
      list: async (customerId) =>
        [...this.logins.values()]
          .filter((l) => customerId === undefined || l.customerId === customerId)
          .sort(byCreation)
          .map(copy),
      setPasswordHash: async (id, passwordHash) => {
        const cur = this.logins.get(id);
        if (!cur) return undefined;
        const next = { ...cur, passwordHash };
        this.logins.set(id, next);
        return copy(next);
      },
      delete: async (id) => this.remove(id),
    };
  }

  deleteCustomer(customerId: string): void {
    for (const l of [...this.logins.values()]) if (l.customerId === customerId) this.remove(l.id);
  }

  private remove(id: string): boolean {
    const l = this.logins.get(id);
    if (!l) return false;
    this.logins.delete(id);
    this.idByUsername.delete(l.username);
    return true;
  }
}
