/**
 * Time as the watch list and the caches read it, injected so that their tests run on a
 * fake clock instead of sleeping in real time. Everything defaults to the process's own:
 * Date.now and the global timers, looked up at each call.
 */

/** A scheduled callback, as `setTimeout` returned it; a real one can be unref'd so that it does not hold the process open. */
export interface ClockTimer {
  unref?(): unknown;
}

export interface Clock {
  /** Milliseconds since the epoch (Date.now). */
  now(): number;
  setTimeout(callback: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

/** The process's clock and timers. */
export const SYSTEM_CLOCK: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): ClockTimer => setTimeout(callback, ms),
  clearTimeout: (timer: ClockTimer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
});
