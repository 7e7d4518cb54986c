import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { COLLECTIONS as COLLECTION_TABLE } from '../core/collections.js';
import type { CollectionName } from '../core/model.js';
import type { AwsResponsesJson } from '../sources/aws/responses.js';
import type { SharedRedis } from './redis.js';

/**
 * One collection per unit per TTL across every replica (issue "Replicas that share one
 * collection…"). A replica that needs a unit's data reads it from Redis when it is fresh;
 * otherwise it takes the unit's lease (SET NX PX, renewed while it collects) and collects,
 * and stores what it fetched — the snapshot layout's JSON, gzipped, with a generation and
 * the time — for the others, who wait for it (polling) up to the collection deadline, and
 * take the lease over when its holder dies. Whatever Redis does, a replica gets data: when
 * Redis fails or the wait runs out, it collects on its own. A value that does not decode as
 * one of these is ignored and, at the next collection, overwritten.
 */

export interface SharedUnitData {
  readonly responses: AwsResponsesJson;
  /** Collections that could not be read, and why. */
  readonly failures: readonly (readonly [CollectionName, string])[];
  /** When it was collected (ms since the epoch). */
  readonly collectedAt: number;
  /** The unit's collection count across replicas: equal generations are the same data. */
  readonly generation: number;
  readonly callsMade?: number;
}

export type CollectedUnit = Omit<SharedUnitData, 'collectedAt' | 'generation'>;

export interface SharedCollectionOptions {
  /** Data younger than this is used as it is. */
  readonly ttlMs: number;
  /** How long a waiter waits for the lease holder's result before collecting on its own. */
  readonly waitMs: number;
  /** The lease's life; its holder renews it every third of it while collecting. */
  readonly leaseMs?: number;
  readonly pollMs?: number;
  /** The clock of data ages (ms since the epoch). */
  readonly now?: () => number;
  /** The clock of the wait (ms, monotonic). */
  readonly elapsed?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CollectOptions {
  /** Only data collected at or after this time (ms since the epoch) will do: a reload the caller asked for. */
  readonly freshSince?: number;
}

/** How a unit's data was had: from Redis, collected under the lease (and shared), or collected alone (Redis failed or the wait ran out). */
export type UnitOutcome = { readonly via: 'shared' | 'collected' | 'local'; readonly data: SharedUnitData };

/** Names its holder (host, process) for whoever looks at the key, and is unique to one collection. */
export function leaseToken(): string {
  return `${hostname()}/${process.pid}/${randomUUID()}`;
}

const FORMAT_VERSION = 1;
const COLLECTIONS = new Set(Object.keys(COLLECTION_TABLE));
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A stored value as this version writes it, or undefined: anything else under the prefix is never trusted. */
export function decodeUnitData(unitKey: string, value: unknown): SharedUnitData | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record['v'] !== FORMAT_VERSION || record['unit'] !== unitKey) return undefined;
  const { responses, failures, collectedAt, generation, callsMade } = record;
  if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) return undefined;
  if (!Number.isSafeInteger(collectedAt) || !Number.isSafeInteger(generation) || (generation as number) < 1) return undefined;
  if (callsMade !== undefined && !Number.isSafeInteger(callsMade)) return undefined;
  if (
    !Array.isArray(failures) ||
    !failures.every((item) => Array.isArray(item) && item.length === 2 && COLLECTIONS.has(item[0]) && typeof item[1] === 'string')
  )
    return undefined;
  return {
    responses: responses as AwsResponsesJson,
    failures: failures as [CollectionName, string][],
    collectedAt: collectedAt as number,
    generation: generation as number,
    ...(callsMade !== undefined ? { callsMade: callsMade as number } : {}),
  };
}

export class SharedCollections {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly elapsed: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly redis: SharedRedis,
    private readonly options: SharedCollectionOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.pollMs = options.pollMs ?? 200;
    this.now = options.now ?? Date.now;
    this.elapsed = options.elapsed ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private keys(unitKey: string) {
    return {
      data: this.redis.key('unit', unitKey, 'data'),
      lease: this.redis.key('unit', unitKey, 'lease'),
      generation: this.redis.key('unit', unitKey, 'generation'),
    };
  }

  /** The unit's data in Redis, when there is some this version wrote; undefined when absent, foreign or Redis fails. */
  async read(unitKey: string): Promise<SharedUnitData | undefined> {
    const got = await this.redis.attempt((client) => client.getBuffer(this.keys(unitKey).data));
    if (!got.ok || !got.value) return undefined;
    try {
      return decodeUnitData(unitKey, JSON.parse((await gunzipAsync(got.value)).toString('utf8')));
    } catch {
      return undefined;
    }
  }

  private fresh(data: SharedUnitData | undefined, freshSince: number | undefined): data is SharedUnitData {
    return data !== undefined && this.now() - data.collectedAt < this.options.ttlMs && (freshSince === undefined || data.collectedAt >= freshSince);
  }

  /** The unit's data: shared when fresh, else collected once for every replica (see the module comment). */
  async collect(unitKey: string, options: CollectOptions, collectHere: () => Promise<CollectedUnit>): Promise<UnitOutcome> {
    const keys = this.keys(unitKey);
    const started = this.elapsed();
    for (;;) {
      const shared = await this.read(unitKey);
      if (this.fresh(shared, options.freshSince)) return { via: 'shared', data: shared };
      const token = leaseToken();
      const lease = await this.redis.attempt((client) => client.set(keys.lease, token, 'PX', this.leaseMs, 'NX'));
      if (!lease.ok) return { via: 'local', data: this.stamp(await collectHere(), 0) };
      if (lease.value === 'OK') return this.collectUnderLease(unitKey, token, options, collectHere);
      // Another replica collects: wait for its result, or for its lease to lapse.
      if (this.elapsed() - started >= this.options.waitMs) return { via: 'local', data: this.stamp(await collectHere(), 0) };
      await this.sleep(this.pollMs);
    }
  }

  private stamp(collected: CollectedUnit, generation: number): SharedUnitData {
    return { ...collected, collectedAt: this.now(), generation };
  }

  private async collectUnderLease(unitKey: string, token: string, options: CollectOptions, collectHere: () => Promise<CollectedUnit>): Promise<UnitOutcome> {
    const keys = this.keys(unitKey);
    // Another replica may have stored fresh data between this one's read and its lease (it
    // read, the holder stored and released, this one took the freed lease): use that data.
    const already = await this.read(unitKey);
    if (this.fresh(already, options.freshSince)) {
      await this.redis.attempt((client) => client.eval(RELEASE, 1, keys.lease, token));
      return { via: 'shared', data: already };
    }
    const renew = setInterval(
      () => void this.redis.attempt((client) => client.eval(RENEW, 1, keys.lease, token, String(this.leaseMs))),
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      const collected = await collectHere();
      const generation = await this.redis.attempt((client) => client.incr(keys.generation));
      const data = this.stamp(collected, generation.ok ? generation.value : 0);
      if (generation.ok) {
        const encoded = await gzipAsync(Buffer.from(JSON.stringify({ v: FORMAT_VERSION, unit: unitKey, ...data }), 'utf8'));
        // Kept well past the TTL: a replica that cannot collect still finds the last data.
        await this.redis.attempt((client) => client.set(keys.data, encoded, 'PX', Math.max(this.options.ttlMs * 20, 3_600_000)));
      }
      return { via: generation.ok ? 'collected' : 'local', data };
    } finally {
      clearInterval(renew);
      await this.redis.attempt((client) => client.eval(RELEASE, 1, keys.lease, token));
    }
  }
}
