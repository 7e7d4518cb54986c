import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Doctor } from '../../doctor.js';
import { setCacheHeaders } from '../cache-headers.js';
import type { EndpointSummary } from '../../core/inventory.js';
import { EndpointIdParams, EndpointListQuery, EndpointListResponse, EndpointQuery, EndpointSummarySchema, PROBLEM_RESPONSES } from '../schemas.js';
import { ProblemError } from '../problem.js';

/** The interface endpoints the data holds, and each one's path components. */

/** Endpoints sort by id, then unit: a page ends at one (id, unit), which the token carries. */
function sortKey(endpoint: EndpointSummary): string {
  return `${endpoint.id}|${endpoint.accountId ?? ''}|${endpoint.region ?? ''}`;
}

function encodeToken(last: EndpointSummary): string {
  return Buffer.from(sortKey(last), 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^vpce-[0-9a-f]{8,17}\|(\d{12})?\|([a-z0-9-]*)$/.test(key)) {
    throw new ProblemError('validation-failed', 'query.nextToken is not a token this API issued', [
      { name: 'query.nextToken', reason: 'is not a token this API issued' },
    ]);
  }
  return key;
}

export const endpointRoutes: FastifyPluginAsyncTypebox<{ doctor: Doctor }> = async (app, { doctor }) => {
  app.get(
    '/endpoints',
    {
      schema: {
        operationId: 'listEndpoints',
        tags: ['endpoints'],
        summary: 'List interface endpoints',
        description: 'Interface endpoints with their per-AZ network interfaces, IPs, security groups and subnets, sorted by id.',
        querystring: EndpointListQuery,
        response: { 200: EndpointListResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { vpcId, serviceName, accountId, region, limit = 100, nextToken, refresh } = request.query;
      const after = nextToken === undefined ? undefined : decodeToken(nextToken);
      const filter = {
        ...(vpcId !== undefined ? { vpcId } : {}),
        ...(accountId !== undefined ? { accountId } : {}),
        ...(region !== undefined ? { region } : {}),
      };
      const listed = await doctor.listEndpoints({ refresh: refresh ?? false, filter });
      setCacheHeaders(reply, listed);
      const matching = listed.value.filter(
        (endpoint) => (serviceName === undefined || endpoint.serviceName === serviceName) && (after === undefined || sortKey(endpoint) > after),
      );
      const items = matching.slice(0, limit);
      const last = items[items.length - 1];
      return { items, ...(matching.length > limit && last ? { nextToken: encodeToken(last) } : {}) };
    },
  );

  app.get(
    '/endpoints/:id',
    {
      schema: {
        operationId: 'getEndpoint',
        tags: ['endpoints'],
        summary: 'One interface endpoint with its path components',
        params: EndpointIdParams,
        querystring: EndpointQuery,
        response: { 200: EndpointSummarySchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { accountId, region } = request.query;
      const found = await doctor.endpoint(request.params.id, {
        ...(accountId !== undefined ? { accountId } : {}),
        ...(region !== undefined ? { region } : {}),
      });
      setCacheHeaders(reply, found);
      return found.value;
    },
  );
};
