import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../problem.js';

/**
 * One rate-limit budget per client across every analysis route (GET and HEAD analysis, POST
 * analyses, the batch, probes, the fleet report, what-if, blast radius), and one per bearer
 * token when auth is on: a client cannot multiply its budget by spreading requests over
 * routes, methods or addresses. A batch spends one unit per item, a what-if two, a blast
 * radius ten. The counters live in @fastify/rate-limit's store, so a shared
 * store (Redis) makes the budget shared between replicas too.
 */

export interface AnalysisBudgetOptions {
  readonly max: number;
  readonly timeWindowMs: number;
  /**
   * The plugin was registered with a store of its own (the replicas' shared one): its
   * limiters count. Otherwise the budget keeps its counters in the plugin's in-memory store
   * class, read without the promises of the plugin's limiter (a request's spend is then
   * synchronous: the analysis routes are the service's hot path).
   */
  readonly sharedStore?: boolean;
}

/**
 * Spends `units` of the caller's budget, or answers 429 with Retry-After (throws the
 * problem). Synchronous (undefined) with the in-memory counters, a promise with a shared store.
 */
export type SpendBudget = (request: FastifyRequest, reply: FastifyReply, units: number) => Promise<void> | undefined;

/** What a limiter says of one more unit (the plugin's result, less what the budget does not read). */
interface LimitResult {
  readonly isAllowed: boolean;
  readonly max?: number;
  readonly remaining?: number;
  readonly ttlInSeconds?: number;
  readonly isExceeded?: boolean;
}

type Limiter = (request: FastifyRequest) => LimitResult | Promise<LimitResult>;

/** @fastify/rate-limit's in-memory store (a fixed window per key, the 5,000 latest keys), as the plugin makes one per limiter. */
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
) => FastifyRateLimitStore;

/** The plugin's default when `max` is not a number of requests. */
const PLUGIN_DEFAULT_MAX = 1000;

/**
 * A limiter over its own in-memory store, answering as the plugin's `createRateLimit` does
 * for the budget's options (no allow list, no group, no ban; the window as given), without a
 * promise: the store answers its callback at once.
 */
function localLimiter(max: number, timeWindowMs: number, keyOf: (request: FastifyRequest) => string): Limiter {
  const store = new LocalStore(false, false);
  const limit = Number.isFinite(max) && max >= 0 ? Math.trunc(max) : PLUGIN_DEFAULT_MAX;
  const window = Math.trunc(timeWindowMs);
  return (request) => {
    let counted: { current: number; ttl: number } | undefined;
    store.incr(
      keyOf(request),
      (error, result) => {
        if (error) throw error;
        counted = result;
      },
      window,
      limit,
    );
    if (!counted) throw new Error('the rate-limit store did not answer at once');
    return {
      isAllowed: false,
      max: limit,
      remaining: Math.max(0, limit - counted.current),
      ttlInSeconds: Math.ceil(counted.ttl / 1000),
      isExceeded: counted.current > limit,
    };
  };
}

function tokenKey(request: FastifyRequest): string | undefined {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  // The token itself never becomes a key: a digest prefix is enough to tell tokens apart.
  return match ? `token:${createHash('sha256').update(match[1]!, 'utf8').digest('hex').slice(0, 32)}` : undefined;
}

const addressKey = (request: FastifyRequest): string => `client:${request.ip}`;
const tokenOrAddressKey = (request: FastifyRequest): string => tokenKey(request) ?? `client:${request.ip}`;

/** Sets the rate-limit headers of a limiter that did not allow outright, and throws the 429 when the budget is spent. */
function checkLimit(result: LimitResult, reply: FastifyReply, options: AnalysisBudgetOptions, what: 'address' | 'token'): void {
  // Only an allow-listed key is "allowed" outright; none is configured.
  if (result.isAllowed) return;
  reply.header('x-ratelimit-limit', String(result.max));
  reply.header('x-ratelimit-remaining', String(result.remaining));
  reply.header('x-ratelimit-reset', String(result.ttlInSeconds));
  if (result.isExceeded) {
    reply.header('retry-after', String(result.ttlInSeconds));
    throw new ProblemError(
      'too-many-requests',
      `more than ${result.max} analyses in ${Math.round(options.timeWindowMs / 1000)} s from this ${what} (a batch counts each item); retry in ${result.ttlInSeconds} s`,
    );
  }
}

export function createAnalysisBudget(app: FastifyInstance, options: AnalysisBudgetOptions, byToken: boolean): SpendBudget {
  const limiters: { readonly limiter: Limiter; readonly what: 'address' | 'token' }[] = [];
  if (options.sharedStore) {
    const common = { max: options.max, timeWindow: options.timeWindowMs };
    limiters.push({ limiter: app.createRateLimit({ ...common, keyGenerator: addressKey }), what: 'address' });
    if (byToken) limiters.push({ limiter: app.createRateLimit({ ...common, keyGenerator: tokenOrAddressKey }), what: 'token' });
    return async (request, reply, units) => {
      for (const { limiter, what } of limiters) {
        let result = await limiter(request);
        for (let spent = 1; spent < units && !result.isAllowed && !result.isExceeded; spent += 1) result = await limiter(request);
        checkLimit(result, reply, options, what);
      }
    };
  }
  limiters.push({ limiter: localLimiter(options.max, options.timeWindowMs, addressKey), what: 'address' });
  if (byToken) limiters.push({ limiter: localLimiter(options.max, options.timeWindowMs, tokenOrAddressKey), what: 'token' });
  return (request, reply, units) => {
    for (const { limiter, what } of limiters) {
      let result = limiter(request) as LimitResult;
      for (let spent = 1; spent < units && !result.isAllowed && !result.isExceeded; spent += 1) result = limiter(request) as LimitResult;
      checkLimit(result, reply, options, what);
    }
    return undefined;
  };
}
