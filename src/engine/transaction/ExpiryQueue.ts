/**
 * Timers of one fixed duration (RFC 3261 Timer J and L are 64*T1, Timer I is T4) for many
 * transactions, on a single timer. Entries are added in time order, so they also expire in that
 * order: a FIFO whose head holds the next deadline. Under load tens of thousands of completed
 * transactions wait out Timer J over UDP; one Node Timeout (120 bytes plus a list node and an
 * argument array) each would cost more than the state they guard.
 */
export interface Expiring {
  /** Called once at the deadline unless the entry was cancelled (see isLive). */
  expire(): void;
  /** False once the entry no longer wants its expiry (it ended early): it is skipped. */
  isLive(): boolean;
}

export class ExpiryQueue {
  private items: Expiring[] = [];
  private deadlines: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = (): void => this.run();

  constructor(readonly durationMs: number) {}

  /** Entries waiting (including cancelled ones not yet reached). */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Expire `item` durationMs from now. */
  add(item: Expiring): void {
    this.items.push(item);
    // A monotonic clock (RFC 3261 17.2.1/17.2.2 timers count elapsed time): with Date.now() a
    // wall-clock step (NTP, VM resume) would expire every waiting entry at once, or hold them back.
    this.deadlines.push(performance.now() + this.durationMs);
    if (this.timer === undefined) this.arm(this.durationMs);
  }

  /** Forget every entry without expiring it (shutdown). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
    this.deadlines = [];
    this.head = 0;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, ms));
    this.timer.unref();
  }

  private run(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.items.length) {
      if (this.deadlines[this.head] > now) break;
      const item = this.items[this.head];
      // Release the reference at once: the slot is only reclaimed at the next compaction.
      (this.items as (Expiring | undefined)[])[this.head] = undefined;
      this.head++;
      if (item.isLive()) item.expire();
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.deadlines = [];
      this.head = 0;
      return;
    }
    // Drop the expired prefix once it is the larger part, so the arrays do not grow forever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
    this.arm(this.deadlines[this.head] - now);
  }
}
