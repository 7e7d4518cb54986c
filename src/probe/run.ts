import pLimit, { type LimitFunction } from 'p-limit';
import { connectOnce, netConnector, type ConnectAttempt, type Connector, type ProbeOutcome } from './tcp.js';
import { isForbiddenAddress, ProbeRefusedError, type ProbeTarget } from './guard.js';

/** Runs probes with bounded concurrency (per process and per endpoint) and a rate per endpoint. */

export const PROBE_TIMEOUT_MAX_MS = 10_000;
export const PROBE_ATTEMPTS_MAX = 3;

export interface ProbeSettings {
  readonly timeoutMs: number;
  readonly attempts: number;
}

export interface ProbeResult extends ProbeTarget {
  readonly outcome: ProbeOutcome;
  readonly latencyMs: number;
  readonly errno?: string;
  readonly attempts: number;
  readonly probedAt: string;
}

export class ProbeRateLimitedError extends Error {
  constructor(
    readonly endpointId: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${endpointId} was probed too often; retry in ${retryAfterSeconds} s`);
    this.name = 'ProbeRateLimitedError';
  }
}

export interface ProberOptions {
  readonly concurrency: number;
  readonly perEndpointConcurrency: number;
  /** Probe rounds per endpoint per minute. */
  readonly roundsPerMinute: number;
  readonly connector?: Connector;
  readonly now?: () => number;
  readonly onResult?: (endpointId: string, result: ProbeResult) => void;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class Prober {
  private readonly processLimit: LimitFunction;
  private readonly endpointLimits = new Map<string, LimitFunction>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly connector: Connector;
  private readonly now: () => number;

  /** TCP connects in flight at once to one endpoint. */
  get perEndpointConcurrency(): number {
    return this.options.perEndpointConcurrency;
  }

  constructor(private readonly options: ProberOptions) {
    this.processLimit = pLimit(options.concurrency);
    this.connector = options.connector ?? netConnector;
    this.now = options.now ?? Date.now;
  }

  /** Takes one round from the endpoint's token bucket, or says when the next is due. */
  private takeRound(endpointId: string): void {
    const capacity = this.options.roundsPerMinute;
    const now = this.now();
    const bucket = this.buckets.get(endpointId) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 60_000) * capacity);
    bucket.updatedAt = now;
    this.buckets.set(endpointId, bucket);
    if (bucket.tokens < 1) throw new ProbeRateLimitedError(endpointId, Math.ceil(((1 - bucket.tokens) * 60) / capacity));
    bucket.tokens -= 1;
  }

  private endpointLimit(endpointId: string): LimitFunction {
    let limit = this.endpointLimits.get(endpointId);
    if (!limit) {
      limit = pLimit(this.options.perEndpointConcurrency);
      this.endpointLimits.set(endpointId, limit);
    }
    return limit;
  }

  private async probeOne(target: ProbeTarget, settings: ProbeSettings): Promise<ProbeResult> {
    // Defence in depth: whatever selected the target, these are never dialled.
    if (isForbiddenAddress(target.address)) throw new ProbeRefusedError(`${target.address} is never probed`, 'target');
    const probedAt = new Date(this.now()).toISOString();
    let attempt: ConnectAttempt = { outcome: 'error', latencyMs: 0 };
    let attempts = 0;
    while (attempts < settings.attempts) {
      attempts++;
      attempt = await connectOnce(target.address, target.port, settings.timeoutMs, this.connector);
      if (attempt.outcome === 'open' || attempt.outcome === 'refused') break;
    }
    return { ...target, ...attempt, attempts, probedAt };
  }

  /** Probes every target of one endpoint; rate-limited per endpoint round. */
  async probeEndpoint(endpointId: string, targets: readonly ProbeTarget[], settings: ProbeSettings): Promise<ProbeResult[]> {
    if (!Number.isInteger(settings.timeoutMs) || settings.timeoutMs < 1 || settings.timeoutMs > PROBE_TIMEOUT_MAX_MS)
      throw new ProbeRefusedError(`timeout ${settings.timeoutMs} ms is outside 1-${PROBE_TIMEOUT_MAX_MS}`, 'body.timeoutMs');
    if (!Number.isInteger(settings.attempts) || settings.attempts < 1 || settings.attempts > PROBE_ATTEMPTS_MAX)
      throw new ProbeRefusedError(`attempts ${settings.attempts} is outside 1-${PROBE_ATTEMPTS_MAX}`, 'body.attempts');
    this.takeRound(endpointId);
    const perEndpoint = this.endpointLimit(endpointId);
    return Promise.all(
      targets.map((target) =>
        perEndpoint(() =>
          this.processLimit(async () => {
            const result = await this.probeOne(target, settings);
            this.options.onResult?.(endpointId, result);
            return result;
          }),
        ),
      ),
    );
  }
}
