import { createHash } from 'node:crypto';
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
}

/** Spends `units` of the caller's budget, or answers 429 with Retry-After. */
export type SpendBudget = (request: FastifyRequest, reply: FastifyReply, units: number) => Promise<void>;

function tokenKey(request: FastifyRequest): string | undefined {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  // The token itself never becomes a key: a digest prefix is enough to tell tokens apart.
  return match ? `token:${createHash('sha256').update(match[1]!, 'utf8').digest('hex').slice(0, 32)}` : undefined;
}

export function createAnalysisBudget(app: FastifyInstance, options: AnalysisBudgetOptions, byToken: boolean): SpendBudget {
  const common = { max: options.max, timeWindow: options.timeWindowMs };
  const byAddress = app.createRateLimit({ ...common, keyGenerator: (request: FastifyRequest) => `client:${request.ip}` });
  const byTokenLimiter = byToken
    ? app.createRateLimit({ ...common, keyGenerator: (request: FastifyRequest) => tokenKey(request) ?? `client:${request.ip}` })
    : undefined;
  return async (request, reply, units) => {
    for (const limiter of byTokenLimiter ? [byAddress, byTokenLimiter] : [byAddress]) {
      let result = await limiter(request);
      for (let spent = 1; spent < units && !result.isAllowed && !result.isExceeded; spent += 1) result = await limiter(request);
      // Only an allow-listed key is "allowed" outright; none is configured.
      if (result.isAllowed) continue;
      reply.header('x-ratelimit-limit', String(result.max));
      reply.header('x-ratelimit-remaining', String(result.remaining));
      reply.header('x-ratelimit-reset', String(result.ttlInSeconds));
      if (result.isExceeded) {
        reply.header('retry-after', String(result.ttlInSeconds));
        throw new ProblemError(
          'too-many-requests',
          `more than ${result.max} analyses in ${Math.round(options.timeWindowMs / 1000)} s from this ${limiter === byAddress ? 'address' : 'token'} (a batch counts each item); retry in ${result.ttlInSeconds} s`,
        );
      }
    }
  };
}
