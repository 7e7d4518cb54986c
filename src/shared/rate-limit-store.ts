import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { SharedRedis } from './redis.js';

/**
 * @fastify/rate-limit's own stores, one behind the other: the Redis store, so that replicas
 * share one budget per caller, and when Redis fails or is slow, the process's own store, so
 * that a replica keeps limiting (its own share) rather than refusing or letting all through.
 */

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];

interface Store extends FastifyRateLimitStore {
  read?(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: RouteOptions): Store;
}

interface StoreParams {
  readonly continueExceeding?: boolean;
  readonly exponentialBackoff?: boolean;
}

type StoreConstructor = new (continueExceeding: boolean | undefined, exponentialBackoff: boolean | undefined, ...rest: unknown[]) => Store;

const load = createRequire(import.meta.url);
const RedisStore = load('@fastify/rate-limit/store/RedisStore.js') as StoreConstructor;
const LocalStore = load('@fastify/rate-limit/store/LocalStore.js') as StoreConstructor;

/** The store class @fastify/rate-limit instantiates (`store` option), bound to one Redis. */
export function sharedRateLimitStore(redis: SharedRedis): FastifyRateLimitStoreCtor {
  class SharedFirstStore implements Store {
    private readonly shared: Store;
    private readonly local: Store;

    constructor(params: StoreParams, shared?: Store, local?: Store) {
      this.shared = shared ?? new RedisStore(params.continueExceeding, params.exponentialBackoff, redis.client, redis.key('rate-limit', ''));
      this.local = local ?? new LocalStore(params.continueExceeding, params.exponentialBackoff);
    }

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.shared.incr(key, (error, result) => (error ? this.local.incr(key, callback, timeWindow, max) : callback(null, result!)), timeWindow, max);
    }

    read(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.shared.read!(key, (error, result) => (error ? this.local.read!(key, callback, timeWindow, max) : callback(null, result!)), timeWindow, max);
    }

    child(routeOptions: RouteOptions): Store {
      return new SharedFirstStore({}, this.shared.child(routeOptions), this.local.child(routeOptions));
    }
  }
  return SharedFirstStore;
}
