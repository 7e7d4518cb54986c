import { LRUCache } from 'lru-cache';

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
  /** True when a reload failed and the previous value is served instead. */
  readonly stale: boolean;
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
    options: { readonly ttlMs: number; readonly max: number; readonly observer?: CacheObserver; readonly now?: () => number },
  ) {
    const now = options.now ?? Date.now;
    this.observer = options.observer;
    this.cache = new LRUCache<K, Entry<V>, C>({
      max: options.max,
      ttl: options.ttlMs,
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: async (key, _stale, { context }) => ({ value: await load(key, context), loadedAt: now() }),
    });
  }

  private readonly observer: CacheObserver | undefined;

  /** The value for `key`; `refresh` reloads it even when fresh. Rejects when a load fails with nothing to fall back on. */
  async get(key: K, options: { readonly refresh?: boolean; readonly context?: C } = {}): Promise<Cached<V>> {
    const status: LRUCache.Status<K, Entry<V>, C> = {};
    // lru-cache types `fetch` per context kind; this class serves every kind with one signature.
    const fetch = this.cache.fetch.bind(this.cache) as (key: K, options: LRUCache.FetchOptions<K, Entry<V>, C>) => Promise<Entry<V> | undefined>;
    const entry = await fetch(key, { forceRefresh: options.refresh ?? false, status, context: options.context as C });
    if (!entry) throw status.fetchError ?? new Error('the cache load returned nothing');
    const joined = status.fetch === 'inflight';
    const result: CacheResult = status.fetch === 'hit' ? 'hit' : status.fetch === 'refresh' ? 'refresh' : 'miss';
    const stale = status.fetchRejected === true;
    this.observer?.onLookup?.(result, stale, joined);
    return { value: entry.value, result, stale, joined, loadedAt: entry.loadedAt };
  }

  /** The newest value's load time, without loading anything. */
  peekLoadedAt(key: K): number | undefined {
    return this.cache.peek(key, { allowStale: true })?.loadedAt;
  }
}
