import type { FastifyReply } from 'fastify';
import type { Cached } from '../cache/single-flight-cache.js';

/**
 * How fresh an answer is, in RFC 9211 `Cache-Status` and RFC 9111 `Age`, and as a body field.
 * Each cache that handled the request is one member, the one nearest the origin first: the
 * replicas' shared cache (`vpce-doctor-redis`, asked only when this replica's own had no
 * answer), then this replica's (`vpce-doctor`).
 */

export interface CacheInfo {
  readonly status: 'hit' | 'miss' | 'refresh';
  readonly stale: boolean;
  readonly ageSeconds: number;
  readonly shared?: 'hit' | 'miss' | 'unavailable';
}

export function cacheInfo(cached: Cached<unknown>, now = Date.now()): CacheInfo {
  return {
    status: cached.result,
    stale: cached.stale,
    ageSeconds: Math.max(0, Math.floor((now - cached.loadedAt) / 1000)),
    ...(cached.shared !== undefined ? { shared: cached.shared } : {}),
  };
}

const SHARED_MEMBERS = {
  hit: 'vpce-doctor-redis; hit',
  miss: 'vpce-doctor-redis; fwd=miss; stored',
  unavailable: 'vpce-doctor-redis; fwd=miss; detail=unavailable',
} as const;

export function setCacheHeaders(reply: FastifyReply, cached: Cached<unknown>): CacheInfo {
  const info = cacheInfo(cached);
  const local = ['vpce-doctor', info.status === 'hit' ? 'hit' : `fwd=${info.status === 'refresh' ? 'request' : 'miss'}`];
  if (cached.joined) local.push('collapsed');
  if (info.stale) local.push(cached.revalidating ? 'detail=stale-while-revalidate' : 'detail=stale-if-error');
  const members = [...(cached.shared !== undefined ? [SHARED_MEMBERS[cached.shared]] : []), local.join('; ')];
  reply.header('cache-status', members.join(', '));
  reply.header('age', String(info.ageSeconds));
  return info;
}
