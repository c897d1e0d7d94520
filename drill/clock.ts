/**
 * The drill's virtual clock: @sinonjs/fake-timers installed on the global
 * object, so that Date, setTimeout, setInterval and friends are virtual for the
 * ASL interpreter, the Lambda handlers (their sleeps, retries, probe timeouts)
 * and the model together. Time only moves when the harness says so.
 *
 * Not faked: process.nextTick and queueMicrotask (promise continuations run
 * as usual between timers: `tickAsync` lets every pending continuation settle
 * before the next timer fires, so concurrent executions interleave at every
 * await), performance (not used by the code under test).
 *
 * Math.random is replaced by a seeded generator while the clock is installed:
 * the interpreter's FULL jitter and the handlers' backoff jitter are then
 * reproducible from the seed.
 */
import * as FakeTimers from "@sinonjs/fake-timers";

type InstalledClock = ReturnType<typeof FakeTimers.install>;

export interface VirtualClockOptions {
  /** Start time, epoch ms. @default 2025-01-01T00:00:00Z */
  readonly startMs?: number;
  /** Seed of Math.random. @default 1 */
  readonly seed?: number;
}

export class VirtualClock {
  private clock: InstalledClock | null = null;
  private realRandom: (() => number) | null = null;
  readonly startMs: number;
  private readonly seed: number;

  constructor(options: VirtualClockOptions = {}) {
    this.startMs = options.startMs ?? Date.UTC(2025, 0, 1);
    this.seed = options.seed ?? 1;
  }

  install(): this {
    if (this.clock) return this;
    this.clock = FakeTimers.install({
      now: this.startMs,
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "Date"],
      loopLimit: 1_000_000,
    });
    this.realRandom = Math.random;
    Math.random = seededRandom(this.seed);
    return this;
  }

  uninstall(): void {
    if (!this.clock) return;
    this.clock.uninstall();
    this.clock = null;
    if (this.realRandom) Math.random = this.realRandom;
    this.realRandom = null;
  }

  get installed(): boolean {
    return this.clock !== null;
  }

  /** Virtual now, epoch ms. */
  readonly now = (): number => this.installed ? (this.clock as InstalledClock).now : this.startMs;

  /** Milliseconds since the start. */
  elapsedMs(): number {
    return this.now() - this.startMs;
  }

  /** Advances by `ms`, firing every timer due on the way and letting promise continuations run between them. */
  async tick(ms: number): Promise<void> {
    await this.require().tickAsync(ms);
  }

  /** Runs until no timer is left (bounded by the loop limit). */
  async runAll(): Promise<void> {
    await this.require().runAllAsync();
  }

  /** Lets pending promise continuations run without moving time. */
  async settle(): Promise<void> {
    await this.require().tickAsync(0);
  }

  /** Number of timers waiting. */
  pendingTimers(): number {
    return this.require().countTimers();
  }

  private require(): InstalledClock {
    if (!this.clock) throw new Error("VirtualClock: install() first");
    return this.clock;
  }
}

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
