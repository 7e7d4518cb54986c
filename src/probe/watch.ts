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
  private running = false;

  constructor(private readonly options: WatchOptions) {}

  private delay(first: boolean): number {
    const random = this.options.random ?? Math.random;
    const jitter = this.options.intervalMs * this.options.jitterRatio * random();
    // The first round starts within the jitter window, not a whole interval later.
    return first ? jitter : this.options.intervalMs + jitter;
  }

  private schedule(endpointId: string, first: boolean): void {
    if (!this.running) return;
    const timer = setTimeout(async () => {
      try {
        await this.options.probe(endpointId);
      } catch (error) {
        this.options.onError?.(endpointId, error);
      }
      this.schedule(endpointId, false);
    }, this.delay(first));
    timer.unref();
    this.timers.set(endpointId, timer);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const endpointId of this.options.endpointIds) this.schedule(endpointId, true);
  }

  stop(): void {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
