import type { SharedRedis } from './redis.js';

/**
 * The analysis cache's second layer, shared by the replicas (issue "Replicas that share…"):
 * behind each replica's own LRU, Redis holds the answers any replica computed, keyed by the
 * data generations (equal generations are the same collected data on every replica) and the
 * request. A value is stored as the answer's JSON in an envelope naming its format version
 * and its key; a value that is not that envelope, or whose answer fails the answer's schema,
 * is ignored (and overwritten by the next answer computed), never trusted.
 */

export type SharedLookup<V> =
  { readonly found: 'hit'; readonly value: V } | { readonly found: 'miss' } | { readonly found: 'unavailable'; readonly reason: string };

export interface SharedResultKind<V> {
  /** A short name for the key (`analysis`, `reachability`). */
  readonly name: string;
  /** Whether a decoded value is an answer of this kind (its schema's compiled check). */
  readonly accepts: (value: unknown) => value is V;
}

const FORMAT_VERSION = 1;
/** The envelope's start, written and checked as text so that the answer's JSON is stored as it was made. */
const envelopeStart = (key: string) => `{"v":${FORMAT_VERSION},"key":${JSON.stringify(key)},"value":`;

export class SharedResultCache {
  constructor(
    private readonly redis: SharedRedis,
    private readonly ttlMs: number,
  ) {}

  private redisKey(kind: SharedResultKind<unknown>, key: string): string {
    return this.redis.key('result', kind.name, key);
  }

  /** The answer another replica (or this one) computed for the key; `unavailable` when Redis does not answer. */
  async get<V>(kind: SharedResultKind<V>, key: string, parse: (text: string) => unknown = JSON.parse): Promise<SharedLookup<V>> {
    const got = await this.redis.attempt((client) => client.get(this.redisKey(kind, key)));
    if (!got.ok) return { found: 'unavailable', reason: got.reason };
    const text = got.value;
    if (text === null) return { found: 'miss' };
    const start = envelopeStart(key);
    if (!text.startsWith(start) || !text.endsWith('}')) return { found: 'miss' };
    try {
      const value = parse(text.slice(start.length, -1));
      return kind.accepts(value) ? { found: 'hit', value } : { found: 'miss' };
    } catch {
      return { found: 'miss' };
    }
  }

  /** Stores an answer's JSON for the other replicas, for the cache's TTL; false when Redis did not take it. */
  async set(kind: SharedResultKind<unknown>, key: string, json: string): Promise<boolean> {
    const stored = await this.redis.attempt((client) => client.set(this.redisKey(kind, key), `${envelopeStart(key)}${json}}`, 'PX', this.ttlMs));
    return stored.ok;
  }
}
