import type { FastifyReply } from 'fastify';
import type { Cached } from '../cache/single-flight-cache.js';

/** How fresh an answer is, in RFC 9211 `Cache-Status` and RFC 9111 `Age`, and as a body field. */

export interface CacheInfo {
  readonly status: 'hit' | 'miss' | 'refresh';
  readonly stale: boolean;
  readonly ageSeconds: number;
}

export function cacheInfo(cached: Cached<unknown>, now = Date.now()): CacheInfo {
  return { status: cached.result, stale: cached.stale, ageSeconds: Math.max(0, Math.floor((now - cached.loadedAt) / 1000)) };
}

export function setCacheHeaders(reply: FastifyReply, cached: Cached<unknown>): CacheInfo {
  const info = cacheInfo(cached);
  const parts = ['vpce-doctor', info.status === 'hit' ? 'hit' : `fwd=${info.status === 'refresh' ? 'request' : 'miss'}`];
  if (cached.joined) parts.push('collapsed');
  if (info.stale) parts.push('detail=stale-if-error');
  reply.header('cache-status', parts.join('; '));
  reply.header('age', String(info.ageSeconds));
  return info;
}
