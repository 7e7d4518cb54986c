import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Doctor } from '../../doctor.js';
import { setCacheHeaders } from '../cache-headers.js';
import { EndpointIdParams, EndpointListQuery, EndpointListResponse, EndpointSummarySchema, PROBLEM_RESPONSES, RefreshQuery } from '../schemas.js';
import { ProblemError } from '../problem.js';

/** The interface endpoints the data holds, and each one's path components. */

function encodeToken(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const id = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^vpce-[0-9a-f]{8,17}$/.test(id)) throw new ProblemError('validation-failed', 'query.nextToken is not a token this API issued', [{ name: 'query.nextToken', reason: 'is not a token this API issued' }]);
  return id;
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
      const { vpcId, serviceName, limit = 100, nextToken, refresh } = request.query;
      const after = nextToken === undefined ? undefined : decodeToken(nextToken);
      const listed = await doctor.listEndpoints({ refresh: refresh ?? false });
      setCacheHeaders(reply, listed);
      const matching = listed.value.filter(
        (endpoint) => (vpcId === undefined || endpoint.vpcId === vpcId) && (serviceName === undefined || endpoint.serviceName === serviceName) && (after === undefined || endpoint.id > after),
      );
      const items = matching.slice(0, limit);
      const last = items[items.length - 1];
      return { items, ...(matching.length > limit && last ? { nextToken: encodeToken(last.id) } : {}) };
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
        querystring: RefreshQuery,
        response: { 200: EndpointSummarySchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const found = await doctor.endpoint(request.params.id);
      setCacheHeaders(reply, found);
      return found.value;
    },
  );
};
