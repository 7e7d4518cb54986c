import { Compile } from 'typebox/compile';
import { probedAt, ProbeReportSchema, type ProbeReport } from '../probe/report.js';
import type { WatchCoordinator, WatchTurn } from '../probe/watch.js';
import { leaseToken } from './collection.js';
import type { SharedRedis } from './redis.js';

/**
 * The watch list across replicas (issue "Replicas that share…"): each watched endpoint is
 * probed by one replica, the holder of its lease. The holder renews the lease every third of
 * its life (half an interval), so when the holder dies the lease lapses and another replica,
 * looking every quarter interval, takes it over within one interval; the new holder probes
 * when the interval since the last probe (by any replica) has passed, so an endpoint is
 * probed once per interval whoever probes it. The latest report of every endpoint, whoever
 * probed it, is stored in Redis, so that every replica answers GET …/probes alike. When
 * Redis does not answer, each replica probes its watch list on its own, as without Redis.
 */

export interface SharedProbesOptions {
  /** The watch interval. */
  readonly intervalMs: number;
  /** The clock of probe times (ms since the epoch). */
  readonly now?: () => number;
}

/** Takes the lease when free, keeps it when held by this replica: 2 taken, 1 kept, 0 another replica's. */
const CLAIM =
  "local holder = redis.call('get', KEYS[1]) if holder == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 elseif not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

const isProbeReport = Compile(ProbeReportSchema);

export class SharedProbes implements WatchCoordinator {
  /** This replica, as the holder of its leases (host/pid/random). */
  readonly replicaId = leaseToken();
  readonly leaseMs: number;
  readonly checkIntervalMs: number;
  private readonly held = new Set<string>();
  private readonly renewal: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly redis: SharedRedis,
    private readonly options: SharedProbesOptions,
  ) {
    this.leaseMs = Math.max(300, Math.floor(options.intervalMs / 2));
    this.checkIntervalMs = Math.max(100, Math.floor(options.intervalMs / 4));
    this.now = options.now ?? Date.now;
    this.renewal = setInterval(() => void this.renew(), Math.floor(this.leaseMs / 3));
    this.renewal.unref();
  }

  private leaseKey(endpointId: string): string {
    return this.redis.key('probe', endpointId, 'lease');
  }

  private latestKey(endpointId: string): string {
    return this.redis.key('probe', endpointId, 'latest');
  }

  /** Whether this replica holds the endpoint's lease (as far as it knows). */
  holds(endpointId: string): boolean {
    return this.held.has(endpointId);
  }

  /** This round of a watched endpoint: probe it (holding its lease, or alone when Redis fails), or leave it to its holder. */
  async turn(endpointId: string): Promise<WatchTurn> {
    const claimed = await this.redis.attempt(
      (client) => client.eval(CLAIM, 1, this.leaseKey(endpointId), this.replicaId, String(this.leaseMs)) as Promise<number>,
    );
    if (!claimed.ok) {
      this.held.delete(endpointId);
      return { probe: true, mode: 'alone' };
    }
    if (claimed.value === 0) {
      this.held.delete(endpointId);
      return { probe: false, nextInMs: this.checkIntervalMs, elsewhere: true };
    }
    this.held.add(endpointId);
    if (claimed.value === 2) {
      // Taken over: the previous holder's last probe counts, so the endpoint is not probed twice in one interval.
      const last = await this.latest(endpointId);
      const lastAt = last ? probedAt(last) : undefined;
      const dueInMs = lastAt === undefined ? 0 : lastAt + this.options.intervalMs - this.now();
      if (dueInMs > 0) return { probe: false, nextInMs: Math.min(dueInMs, this.options.intervalMs), elsewhere: false };
    }
    return { probe: true, mode: 'holder' };
  }

  /** Keeps the leases held alive; one that another replica took (after a pause longer than its life) is let go. */
  private async renew(): Promise<void> {
    for (const endpointId of [...this.held]) {
      const renewed = await this.redis.attempt(
        (client) => client.eval(RENEW, 1, this.leaseKey(endpointId), this.replicaId, String(this.leaseMs)) as Promise<number>,
      );
      if (renewed.ok && renewed.value === 0) this.held.delete(endpointId);
    }
  }

  /** Lets every lease go (shutdown): the other replicas take the endpoints over at their next look. */
  async releaseAll(): Promise<void> {
    clearInterval(this.renewal);
    const endpoints = [...this.held];
    this.held.clear();
    await Promise.all(endpoints.map((endpointId) => this.redis.attempt((client) => client.eval(RELEASE, 1, this.leaseKey(endpointId), this.replicaId))));
  }

  /** Stores a report for every replica (kept well past the interval: the last word on an endpoint no one probes any more). */
  async storeLatest(report: ProbeReport): Promise<void> {
    const current = await this.latest(report.endpointId);
    // A slower probe finishing after a newer one does not replace it.
    const newest = probedAt(report);
    if (current && newest !== undefined && (probedAt(current) ?? 0) > newest) return;
    const keepMs = Math.max(3_600_000, this.options.intervalMs * 10);
    await this.redis.attempt((client) => client.set(this.latestKey(report.endpointId), JSON.stringify(report), 'PX', keepMs));
  }

  /** The latest report any replica stored for the endpoint; undefined when none, when Redis fails, or when the value is not a report. */
  async latest(endpointId: string): Promise<ProbeReport | undefined> {
    const got = await this.redis.attempt((client) => client.get(this.latestKey(endpointId)));
    if (!got.ok || got.value === null) return undefined;
    try {
      const value: unknown = JSON.parse(got.value);
      return isProbeReport.Check(value) && value.endpointId === endpointId ? value : undefined;
    } catch {
      return undefined;
    }
  }
}
