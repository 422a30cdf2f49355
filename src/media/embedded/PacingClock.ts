import type { PacingStats } from './EmbeddedMediaServerTypes.js';

/** 20 ms, the packet time of every stream (a=ptime:20). */
export const TICK_NS = 20_000_000n;
const TICK_MS = 20;
/** A timer may fire up to this early; a tick that close to its due time runs. */
const EARLY_NS = 1_000_000n;
/** Lateness histogram: 10 µs buckets up to 100 ms, then one overflow bucket. */
const BUCKET_US = 10;
const BUCKETS = 10_000;

/** Something that sends on the clock: told the due tick, it sends every packet due by then. */
export interface ClockParticipant {
  onTick(tick: number, clock: PacingClock): void;
}

/**
 * The one pacing timer of the media engine. Tick k is due at t0 + k × 20 ms on the monotonic
 * clock (process.hrtime.bigint), so timer lateness never accumulates into drift. Participants
 * start on the next tick and send packet n at tick start + n. The tick loop is synchronous and
 * each participant's work per tick is bounded, so one busy endpoint cannot stall the others.
 * The timer runs only while someone participates.
 */
export class PacingClock {
  private readonly participants = new Set<ClockParticipant>();
  private t0 = 0n;
  private lastTick = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly histogram = new Uint32Array(BUCKETS + 1);
  private packets = 0;
  private late = 0;
  private skipped = 0;
  private maxLatenessUs = 0;
  private ticks = 0;

  /** Joins the clock; returns the tick of the participant's first packet. */
  add(p: ClockParticipant): number {
    if (!this.timer) {
      this.t0 = process.hrtime.bigint();
      this.lastTick = -1;
      this.schedule();
    }
    this.participants.add(p);
    return this.lastTick + 1;
  }

  remove(p: ClockParticipant): void {
    this.participants.delete(p);
    if (this.participants.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** The tick due now (the latest one whose time has come). */
  currentTick(): number {
    return this.lastTick;
  }

  /** Records one sent packet's lateness against its tick's due time. */
  recordSend(tick: number): void {
    const dueNs = this.t0 + BigInt(tick) * TICK_NS;
    const latenessNs = Number(process.hrtime.bigint() - dueNs);
    const us = latenessNs > 0 ? Math.floor(latenessNs / 1000) : 0;
    this.packets++;
    if (us > 20_000) this.late++;
    if (us > this.maxLatenessUs) this.maxLatenessUs = us;
    this.histogram[Math.min(BUCKETS, Math.floor(us / BUCKET_US))]++;
  }

  recordSkipped(n: number): void {
    this.skipped += n;
  }

  stats(): PacingStats {
    return {
      packets: this.packets,
      late: this.late,
      skipped: this.skipped,
      p50Ms: this.percentileMs(0.5),
      p99Ms: this.percentileMs(0.99),
      maxMs: this.maxLatenessUs / 1000,
      ticks: this.ticks,
      running: this.timer !== undefined,
    };
  }

  resetStats(): void {
    this.histogram.fill(0);
    this.packets = this.late = this.skipped = this.maxLatenessUs = this.ticks = 0;
  }

  /** Stops the timer; participants are dropped (the server destroys their endpoints first). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.participants.clear();
  }

  private percentileMs(q: number): number {
    if (this.packets === 0) return 0;
    const target = Math.ceil(this.packets * q);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.histogram[i];
      if (seen >= target) return i === BUCKETS ? this.maxLatenessUs / 1000 : ((i + 1) * BUCKET_US) / 1000;
    }
    return this.maxLatenessUs / 1000;
  }

  private schedule(): void {
    const nextDue = this.t0 + BigInt(this.lastTick + 1) * TICK_NS;
    const waitNs = nextDue - process.hrtime.bigint();
    // Timers have 1 ms resolution: aim at the whole millisecond at or before the due time.
    const waitMs = waitNs > 0n ? Math.min(TICK_MS, Number(waitNs / 1_000_000n)) : 0;
    this.timer = setTimeout(this.tick, waitMs);
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = process.hrtime.bigint();
    const due = Number((now - this.t0 + EARLY_NS) / TICK_NS);
    if (due > this.lastTick) {
      this.lastTick = due;
      this.ticks++;
      for (const p of this.participants) p.onTick(due, this);
    }
    if (this.participants.size > 0) this.schedule();
  };
}
