/**
 * The watch list: configured endpoints probed on a schedule, each at its interval plus a
 * random jitter so that many replicas do not probe in step. Results are kept by the caller
 * (metrics, the latest report); a failing round is logged and retried next time.
 */

export interface WatchOptions {
  readonly endpointIds: readonly string[];
  readonly intervalMs: number;
  /** Up to this fraction of the interval is added at random to each wait. */
  readonly jitterRatio: number;
  readonly probe: (endpointId: string) => Promise<void>;
  readonly onError?: (endpointId: string, error: unknown) => void;
  readonly random?: () => number;
}

export class WatchList {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Bumped on every start and stop, so a round that outlives a restart does not reschedule. */
  private generation = 0;
  private running = false;
  /** Endpoints whose round is under way: a round never overlaps the previous one of its endpoint. */
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: WatchOptions) {}

  private delay(first: boolean): number {
    const random = this.options.random ?? Math.random;
    const jitter = this.options.intervalMs * this.options.jitterRatio * random();
    // The first round starts within the jitter window, not a whole interval later.
    return first ? jitter : this.options.intervalMs + jitter;
  }

  private schedule(endpointId: string, first: boolean, generation: number): void {
    if (!this.running || generation !== this.generation) return;
    const timer = setTimeout(async () => {
      if (this.inFlight.has(endpointId)) {
        this.schedule(endpointId, false, generation);
        return;
      }
      this.inFlight.add(endpointId);
      try {
        await this.options.probe(endpointId);
      } catch (error) {
        this.options.onError?.(endpointId, error);
      } finally {
        this.inFlight.delete(endpointId);
      }
      this.schedule(endpointId, false, generation);
    }, this.delay(first));
    timer.unref();
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
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
