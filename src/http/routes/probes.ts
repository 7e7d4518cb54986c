import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Doctor } from '../../doctor.js';
import type { SpendBudget } from '../plugins/analysis-budget.js';
import { ProbeReportSchema } from '../../probe/report.js';
import { PROBE_ATTEMPTS_MAX, PROBE_TIMEOUT_MAX_MS } from '../../probe/run.js';
import { ProblemError } from '../problem.js';
import { EndpointIdParams, PROBLEM_RESPONSES, ProblemSchema } from '../schemas.js';

/** Live TCP probes of an endpoint's interfaces, and the latest result from memory. */

export const ProbeBody = Type.Object(
  {
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: "A service port of the endpoint, or one in VPCE_DOCTOR_PROBE_PORTS; default: the endpoint's service ports",
      }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: PROBE_TIMEOUT_MAX_MS })),
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: PROBE_ATTEMPTS_MAX })),
    targets: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        minItems: 1,
        maxItems: 16,
        description: "Some of the endpoint's own interfaces, by id or exact IP; default: all",
      }),
    ),
    dns: Type.Optional(Type.Boolean({ description: "Also resolve the endpoint's DNS names and compare the answers with its interfaces' IPs" })),
  },
  { additionalProperties: false },
);

export const probeRoutes: FastifyPluginAsyncTypebox<{ doctor: Doctor; spendBudget: SpendBudget }> = async (app, { doctor, spendBudget }) => {
  app.post(
    '/endpoints/:id/probes',
    {
      onRequest: async (request, reply) => spendBudget(request, reply, 1),
      schema: {
        operationId: 'probeEndpoint',
        tags: ['probes'],
        summary: "TCP-connect to each of the endpoint's interfaces, from this service",
        description:
          "Only the private IPs of the endpoint's own network interfaces are dialled, only on its service ports or the configured allow-list. Each result says open, refused, timeout, unreachable or error, with the connect latency; the static verdict for this service's own address is set beside them.",
        params: EndpointIdParams,
        body: ProbeBody,
        response: { 200: ProbeReportSchema, 403: ProblemSchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request) => doctor.probe(request.params.id, request.body),
  );

  app.get(
    '/endpoints/:id/probes',
    {
      schema: {
        operationId: 'latestProbe',
        tags: ['probes'],
        summary: 'The latest probe of the endpoint (the watch list keeps it fresh); with replicas sharing a Redis, the latest any replica made',
        params: EndpointIdParams,
        response: { 200: ProbeReportSchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const latest = await doctor.latestProbe(request.params.id);
      if (!latest) throw new ProblemError('probe-not-found', `${request.params.id} has not been probed since the service started`);
      return latest;
    },
  );
};
