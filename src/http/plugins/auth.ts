import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '../problem.js';

/**
 * Bearer-token auth for the routes of the scope it is registered in. Tokens are compared
 * as SHA-256 digests with timingSafeEqual, so neither a token's content nor its length
 * shows in the response time; every configured token is compared, match or not.
 */

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function requireBearerToken(app: FastifyInstance, tokens: readonly string[]): void {
  const digests = tokens.map(digest);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([^\s]+)$/.exec(header);
    const presented = digest(match?.[1] ?? '');
    let valid = false;
    for (const candidate of digests) valid = timingSafeEqual(presented, candidate) || valid;
    if (!match || !valid) throw new ProblemError('unauthorized', 'send Authorization: Bearer <token> with a valid token');
  });
}
