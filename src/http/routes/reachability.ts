import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { parsePortRange } from '../../core/ports.js';
import { ReachabilitySchema } from '../../core/reachability.js';
import type { FIX_SCOPES } from '../../core/report.js';
import type { Doctor } from '../../doctor.js';
import type { SpendBudget } from '../plugins/analysis-budget.js';
import { setCacheHeaders } from '../cache-headers.js';
import { ProblemError } from '../problem.js';
import { CacheInfoSchema, EndpointIdParams, PROBLEM_RESPONSES, ReachabilityQuery } from '../schemas.js';

/** Who can reach an endpoint (contract §8): the set question, beside the point question of the analyses. */

export interface ReachabilityRouteOptions {
  readonly doctor: Doctor;
  readonly spendBudget: SpendBudget;
  readonly budgetMax: number;
}

/**
 * The source sets cost less than one analysis; the workloads are read from them; but each
 * group that does not reach gets a fix plan proven like an analysis's: a small batch's price.
 */
export const REACHABILITY_COST = 5;

export const ReachabilityResponse = Type.Object(
  { ...ReachabilitySchema.properties, cache: CacheInfoSchema },
  { additionalProperties: false, description: 'Who can reach the endpoint on the port, and how fresh the answer is' },
);

export const reachabilityRoutes: FastifyPluginAsyncTypebox<ReachabilityRouteOptions> = async (app, { doctor, spendBudget, budgetMax }) => {
  const cost = Math.min(REACHABILITY_COST, budgetMax);
  app.get(
    '/endpoints/:id/reachability',
    {
      onRequest: async (request, reply) => spendBudget(request, reply, cost),
      schema: {
        operationId: 'getReachability',
        tags: ['analyses'],
        summary: 'Who can reach this endpoint on a port?',
        description: [
          'Per endpoint network interface, the exact source addresses its side admits on the port (its security groups inbound, its subnet\'s NACL inbound, and outbound for the return): merged, sorted CIDR lists for IPv4 and IPv6, each `reachable` or `warn` (the return is allowed on part of the client ephemeral ports only), and every other address in `excluded` with the first check that stops it (the NACL entry, "no SG rule", or why the data cannot say). An address in no listed CIDR is not admitted; membership agrees with the analysis of that address.',
          "`workloads`: the data's network interfaces in the endpoint's VPC (and in any VPC of the data whose ranges it admits), grouped by subnet and security groups, each group `reachable`, `partial`, `blocked` or `unknown` with the deciding check and, when it does not reach, a fix plan made for its worst member and proven for every member (`plans=false` leaves them out).",
          '`exposure`: the endpoint admitting 0.0.0.0/0 or ::/0 beyond its VPC, or, with VPCE_DOCTOR_TRUSTED_CIDRS set, any address outside its VPC and those ranges (also the `vpce_doctor_endpoint_exposed` gauge).',
          `Cached like an analysis (keyed by the data, the port, the ephemeral range, the fix scope and \`plans\`). Costs ${REACHABILITY_COST} units of the caller's analysis budget.`,
        ].join('\n\n'),
        params: EndpointIdParams,
        querystring: ReachabilityQuery,
        response: { 200: ReachabilityResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { port, clientEphemeralPorts, fixScope, plans, refresh, accountId, region } = request.query;
      const ephemeral = clientEphemeralPorts === undefined ? undefined : parsePortRange(clientEphemeralPorts);
      if (clientEphemeralPorts !== undefined && !ephemeral) {
        throw new ProblemError(
          'invalid-ephemeral-ports',
          `query.clientEphemeralPorts "${clientEphemeralPorts}" is not FROM-TO within 1-65535 or one of linux, windows, nat-gateway, nlb`,
          [{ name: 'query.clientEphemeralPorts', reason: 'is not FROM-TO within 1-65535 or a named range' }],
        );
      }
      const answer = await doctor.reachability(
        {
          endpointId: request.params.id,
          ...(accountId !== undefined ? { accountId } : {}),
          ...(region !== undefined ? { region } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(ephemeral ? { clientEphemeralPorts: ephemeral } : {}),
          ...(fixScope !== undefined ? { fixScope: fixScope as (typeof FIX_SCOPES)[number] } : {}),
          ...(plans !== undefined ? { plans } : {}),
        },
        { refresh: refresh ?? false },
      );
      const cache = setCacheHeaders(reply, answer);
      return { ...answer.value, cache };
    },
  );
};
