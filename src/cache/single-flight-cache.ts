import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';

/**
 * A TTL + LRU cache whose misses load once however many callers ask at the same time
 * (single flight), and which serves the previous value, marked stale, when a refresh
 * fails (stale-if-error). lru-cache's `fetch` does the bookkeeping.
 */

export type CacheResult = 'hit' | 'miss' | 'refresh';

export interface Cached<V> {
  readonly value: V;
  /** How this value was obtained: `hit` fresh from memory, `miss` loaded now, `refresh` reloaded on request. */
  readonly result: CacheResult;
  /** True when a reload failed, or (`revalidating`) is under way, and the previous value is served instead. */
  readonly stale: boolean;
  /** True when the value is served stale while its reload runs (stale-while-revalidate). */
  readonly revalidating?: boolean;
  /**
   * The replicas' shared cache (Redis), when it was asked: `hit` it held the answer, `miss`
   * it did not (the answer was computed and stored there), `unavailable` Redis did not answer.
   */
  readonly shared?: 'hit' | 'miss' | 'unavailable';
  /** True when this call waited for a load another caller had started. */
  readonly joined: boolean;
  /** When the value was loaded (epoch ms). */
  readonly loadedAt: number;
}

export interface CacheObserver {
  onLookup?(result: CacheResult, stale: boolean, joined: boolean): void;
}

interface Entry<V> {
  readonly value: V;
  readonly loadedAt: number;
}

/** `C` is what a load needs besides the key (lru-cache's fetch context), passed on each get. */
export class SingleFlightCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>, C = undefined> {
  private readonly cache: LRUCache<K, Entry<V>, C>;

  constructor(
    load: (key: K, context: C) => Promise<V>,
    options: {
      readonly ttlMs: number;
      readonly max: number;
      readonly observer?: CacheObserver;
      /**
       * The clock of both load times and the TTL (tests inject a fake one): by default
       * Date.now for load times and performance.now (monotonic) for the TTL. The cache sets
       * no timer of its own: entries expire when read past their TTL.
       */
      readonly clock?: Clock;
      /** The clock of load times (epoch ms); before `clock`. */
      readonly now?: () => number;
      /** The clock of the TTL (ms, monotonic); before `clock`. */
      readonly ttlClock?: () => number;
      /** Past its TTL, the value is served (marked stale) while one reload runs, instead of making callers wait for it. */
      readonly staleWhileRevalidate?: boolean;
    },
  ) {
    const { clock } = options;
    const now = options.now ?? (clock ? () => clock.now() : Date.now);
    const ttlClock = options.ttlClock ?? (clock ? () => clock.now() : undefined);
    this.observer = options.observer;
    this.staleWhileRevalidate = options.staleWhileRevalidate ?? false;
    this.cache = new LRUCache<K, Entry<V>, C>({
      max: options.max,
      ttl: options.ttlMs,
      allowStaleOnFetchRejection: true,
      // The TTL clock is read at every lookup: lru-cache's default caches `now` for 1 ms and
      // clears it with a timer, a timer per millisecond of a busy server, and an injected clock must be read each time.
      ttlResolution: 0,
      ...(ttlClock ? { perf: { now: ttlClock } } : {}),
      noDeleteOnFetchRejection: true,
      fetchMethod: async (key, _stale, { context }) => ({ value: await load(key, context), loadedAt: now() }),
    });
  }

  private readonly observer: CacheObserver | undefined;
  private readonly staleWhileRevalidate: boolean;
  /** Calls of `get` that went through lru-cache's fetch and have not returned yet: a load may be under way. */
  private fetching = 0;

  /**
   * The value for `key` when it is in memory and fresh, with no load of it under way: what
   * `get` would answer as a `hit`, found without a promise (a cached answer is the common
   * case). Undefined otherwise, and then nothing is recorded: `get` decides. As for a hit of
   * `get`, the entry becomes the most recently used; the lookup is recorded by `recordHit`.
   */
  fresh(key: K): Cached<V> | undefined {
    // While any fetch is pending, the entry may be a load in flight (or a forced refresh): `get` joins it.
    if (this.fetching > 0 || !this.cache.has(key)) return undefined;
    const entry = this.cache.get(key);
    return entry ? { value: entry.value, result: 'hit', stale: false, joined: false, loadedAt: entry.loadedAt } : undefined;
  }

  /** Records a hit found by `fresh`, as `get` records its lookups. */
  recordHit(): void {
    this.observer?.onLookup?.('hit', false, false);
  }

  /** The value for `key`; `refresh` reloads it even when fresh. Rejects when a load fails with nothing to fall back on. */
  async get(key: K, options: { readonly refresh?: boolean; readonly context?: C } = {}): Promise<Cached<V>> {
    if (options.refresh !== true) {
      const hit = this.fresh(key);
      if (hit) {
        this.recordHit();
        return hit;
      }
    }
    this.fetching += 1;
    try {
      return await this.fetchEntry(key, options);
    } finally {
      this.fetching -= 1;
    }
  }

  private async fetchEntry(key: K, options: { readonly refresh?: boolean; readonly context?: C }): Promise<Cached<V>> {
    const status: LRUCache.Status<K, Entry<V>, C> = {};
    // lru-cache types `fetch` per context kind; this class serves every kind with one signature.
    const fetch = this.cache.fetch.bind(this.cache) as (key: K, options: LRUCache.FetchOptions<K, Entry<V>, C>) => Promise<Entry<V> | undefined>;
    const refresh = options.refresh ?? false;
    // A refresh asked for waits for the new value; otherwise, when configured, an expired one is served while it reloads.
    const entry = await fetch(key, { forceRefresh: refresh, allowStale: this.staleWhileRevalidate && !refresh, status, context: options.context as C });
    if (!entry) throw status.fetchError ?? new Error('the cache load returned nothing');
    // lru-cache also says `returnedStale` when a reload failed (stale-if-error): that is not a reload under way.
    const revalidating = status.returnedStale === true && status.fetchRejected !== true;
    const joined = status.fetch === 'inflight' && !revalidating;
    const result: CacheResult = status.fetch === 'hit' || revalidating ? 'hit' : status.fetch === 'refresh' ? 'refresh' : 'miss';
    const stale = status.fetchRejected === true || revalidating;
    this.observer?.onLookup?.(result, stale, joined);
    return { value: entry.value, result, stale, joined, loadedAt: entry.loadedAt, ...(revalidating ? { revalidating } : {}) };
  }

  /** The newest value's load time, without loading anything. */
  peekLoadedAt(key: K): number | undefined {
    return this.cache.peek(key, { allowStale: true })?.loadedAt;
  }
}
