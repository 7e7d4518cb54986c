import type { Clock, ClockTimer } from '../../src/cache/clock.js';

/**
 * A clock that moves only when told: `advance(ms)` fires every timer due on the way, in
 * order of due time (then of scheduling), and lets the promises they start settle before
 * the next one, so that code which awaits between timers (a watch round awaiting its probe,
 * then scheduling the next) runs as it would in real time, without the wait.
 */

interface Pending {
  readonly at: number;
  readonly sequence: number;
  readonly callback: () => void;
}

interface FakeTimer extends ClockTimer {
  readonly id: number;
}

/** Lets every promise job queued so far, and those they queue, run (setImmediate comes after them). */
async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private time: number;
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();

  /** Starts at an epoch time far from 0 (lru-cache reads a start time of 0 as "no TTL"). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const id = ++this.sequence;
    this.pending.set(id, { at: this.time + Math.max(0, ms), sequence: id, callback });
    const timer: FakeTimer = { id };
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.pending.delete((timer as FakeTimer).id);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get timers(): number {
    return this.pending.size;
  }

  /** A promise that resolves `ms` later on this clock. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves the clock `ms` on, firing each timer due on the way at its own time. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    for (;;) {
      let next: [number, Pending] | undefined;
      for (const entry of this.pending) {
        const [, timer] = entry;
        if (timer.at > until) continue;
        if (!next || timer.at < next[1].at || (timer.at === next[1].at && timer.sequence < next[1].sequence)) next = entry;
      }
      if (!next) break;
      this.pending.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].callback();
      await settle();
    }
    this.time = until;
    await settle();
  }
}
