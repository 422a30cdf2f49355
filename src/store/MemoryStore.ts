import type { Store } from './Store.js';

/** The in-process store: one app instance, state lost on restart. */
export class MemoryStore implements Store {
  private closed = false;

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
