import { SYSTEM_CLOCK, type Clock, type ClockTimer } from '../cache/clock.js';

/**
 * The watch list: configured endpoints probed on a schedule, each at its interval plus a
 * random jitter so that many replicas do not probe in step. Results are kept by the caller
 * (metrics, the latest report); a failing round is logged and retried next time. Replicas
 * sharing a Redis coordinate (see src/shared/probes.ts): each round first asks whose turn it
 * is, and a replica that leaves an endpoint to another looks again a little later.
 */

/** A round's decision: probe now, or leave it (another replica probes it) and look again later. */
export type WatchTurn =
  | { readonly probe: true; readonly mode: 'holder' | 'alone' }
  | {
      readonly probe: false;
      readonly nextInMs: number;
      /** True: another replica probes it; false: this one does, once the interval since the last probe has passed. */
      readonly elsewhere: boolean;
    };

export interface WatchCoordinator {
  turn(endpointId: string): Promise<WatchTurn>;
}

export interface WatchOptions {
  readonly endpointIds: readonly string[];
  readonly intervalMs: number;
  /** Up to this fraction of the interval is added at random to each wait. */
  readonly jitterRatio: number;
  readonly probe: (endpointId: string) => Promise<void>;
  readonly onError?: (endpointId: string, error: unknown) => void;
  /** Replicas: who probes each endpoint. Absent: this process probes every one. */
  readonly coordinator?: WatchCoordinator;
  /** Told on each round that another replica probes the endpoint (its series here go). */
  readonly onLeft?: (endpointId: string) => void;
  readonly random?: () => number;
  /** Time and timers (tests inject a fake one): the process's own by default. */
  readonly clock?: Clock;
}

export class WatchList {
  private readonly timers = new Map<string, ClockTimer>();
  private readonly clock: Clock;
  /** Bumped on every start and stop, so a round that outlives a restart does not reschedule. */
  private generation = 0;
  private running = false;
  /** Endpoints whose round is under way: a round never overlaps the previous one of its endpoint. */
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: WatchOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  private delay(first: boolean, waitMs = this.options.intervalMs): number {
    const random = this.options.random ?? Math.random;
    const jitter = waitMs * this.options.jitterRatio * random();
    // The first round starts within the jitter window, not a whole interval later.
    return first ? jitter : waitMs + jitter;
  }

  private schedule(endpointId: string, first: boolean, generation: number, waitMs?: number): void {
    if (!this.running || generation !== this.generation) return;
    const timer = this.clock.setTimeout(
      async () => {
        if (this.inFlight.has(endpointId)) {
          this.schedule(endpointId, false, generation);
          return;
        }
        this.inFlight.add(endpointId);
        let nextWaitMs: number | undefined;
        try {
          const turn = this.options.coordinator ? await this.options.coordinator.turn(endpointId) : undefined;
          if (turn && !turn.probe) {
            nextWaitMs = turn.nextInMs;
            if (turn.elsewhere) this.options.onLeft?.(endpointId);
          } else {
            await this.options.probe(endpointId);
          }
        } catch (error) {
          this.options.onError?.(endpointId, error);
        } finally {
          this.inFlight.delete(endpointId);
        }
        this.schedule(endpointId, false, generation, nextWaitMs);
      },
      this.delay(first, waitMs),
    );
    timer.unref?.();
    this.timers.set(endpointId, timer);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    for (const endpointId of this.options.endpointIds) this.schedule(endpointId, true, this.generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}
