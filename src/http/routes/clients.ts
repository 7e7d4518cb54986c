import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Doctor } from '../../doctor.js';
import { setCacheHeaders } from '../cache-headers.js';
import { EndpointIdParams, EndpointQuery, PROBLEM_RESPONSES } from '../schemas.js';

/** The clients of an endpoint's VPC in the data: what the web page (or a person) picks from. */

export const ClientSuggestionSchema = Type.Object(
  {
    networkInterfaceId: Type.String(),
    ipAddresses: Type.Array(Type.String()),
    instanceId: Type.Optional(Type.String()),
    subnetId: Type.String(),
    description: Type.String({ description: "The interface's description, as AWS data (untrusted text)" }),
  },
  { additionalProperties: false },
);

export const ClientListResponse = Type.Object({ items: Type.Array(ClientSuggestionSchema) }, { additionalProperties: false });

export const clientRoutes: FastifyPluginAsyncTypebox<{ doctor: Doctor }> = async (app, { doctor }) => {
  app.get(
    '/endpoints/:id/clients',
    {
      schema: {
        operationId: 'listEndpointClients',
        tags: ['endpoints'],
        summary: "The clients in the endpoint's VPC",
        description:
          "The network interfaces of the endpoint's VPC in its account and region's data (not endpoints, not load balancers), with their addresses and instances: the clients an analysis can be asked for.",
        params: EndpointIdParams,
        querystring: EndpointQuery,
        response: { 200: ClientListResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { accountId, region } = request.query;
      const found = await doctor.clients(request.params.id, { ...(accountId !== undefined ? { accountId } : {}), ...(region !== undefined ? { region } : {}) });
      setCacheHeaders(reply, found);
      return { items: found.value };
    },
  );
};
