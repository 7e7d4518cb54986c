import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { performance } from 'node:perf_hooks';
import Type from 'typebox';
import type { Doctor } from '../../doctor.js';
import { probeScrapeRegistry } from '../../metrics/probe-scrape.js';
import type { SpendBudget } from '../plugins/analysis-budget.js';
import { ProblemError } from '../problem.js';
import { ENDPOINT_ID_PATTERN, PROBLEM_RESPONSES, ProblemSchema, UnitFields } from '../schemas.js';

/**
 * GET /probe: blackbox_exporter's multi-target pattern. Prometheus names the endpoint in the
 * scrape's query (through relabel_configs), this service dials that endpoint's interfaces
 * there and then, within the scrape's timeout, and answers with series made for that scrape
 * alone. The same guard, budget and per-endpoint rate as POST /v1/endpoints/{id}/probes.
 */

/** blackbox_exporter leaves this much of the scrape timeout for the answer to travel. */
const SCRAPE_TIMEOUT_OFFSET_SECONDS = 0.5;

export const ProbeScrapeQuery = Type.Object(
  {
    endpoint: Type.Optional(
      Type.String({ pattern: ENDPOINT_ID_PATTERN, description: 'The interface endpoint to probe (the scrape target)', examples: ['vpce-068e9dcc184a273ab'] }),
    ),
    target: Type.Optional(
      Type.String({ pattern: ENDPOINT_ID_PATTERN, description: "The same as `endpoint`, by blackbox_exporter's name: what a Prometheus Operator Probe sends" }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: "The port: a service port of the endpoint or one in VPCE_DOCTOR_PROBE_PORTS; default: the endpoint's service port, when it has one only",
      }),
    ),
    ...UnitFields,
  },
  { additionalProperties: false },
);

/** The time left for dialling: the scrape's timeout less the offset, when Prometheus sends it. */
export function scrapeDeadlineMs(header: string | string[] | undefined): number | undefined {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (header === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.max(0, Math.floor((seconds - SCRAPE_TIMEOUT_OFFSET_SECONDS) * 1000));
}

export const probeExporterRoutes: FastifyPluginAsyncTypebox<{ doctor: Doctor; spendBudget: SpendBudget }> = async (app, { doctor, spendBudget }) => {
  app.get(
    '/probe',
    {
      onRequest: async (request, reply) => spendBudget(request, reply, 1),
      schema: {
        operationId: 'probeScrape',
        tags: ['operations'],
        summary: 'Probe one endpoint for a Prometheus scrape (blackbox_exporter style): its interfaces now, series for this scrape only',
        description:
          "For Prometheus `relabel_configs` (see the Helm chart's probe scrape example): `probe_success`, `probe_duration_seconds`, per interface `vpce_doctor_probe_tcp_success{eni,az}`, its connect time and failure reason, and the static verdict for this service's own address beside them. The connects end within `X-Prometheus-Scrape-Timeout-Seconds` less 0.5 s. 403 `probes-disabled` unless VPCE_DOCTOR_PROBES=on; a bearer token when auth is on.",
        querystring: ProbeScrapeQuery,
        response: {
          200: { description: 'The series of this scrape, in the Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } },
          403: ProblemSchema,
          ...PROBLEM_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { endpoint: named, target, port, accountId, region } = request.query;
      if ((named ?? target) === undefined || (named !== undefined && target !== undefined && named !== target)) {
        const reason = named === undefined ? 'is required (or target, its blackbox_exporter name)' : 'and target name different endpoints';
        throw new ProblemError('validation-failed', `query.endpoint ${reason}`, [{ name: 'query.endpoint', reason }]);
      }
      const endpoint = (named ?? target)!;
      const deadlineMs = scrapeDeadlineMs(request.headers['x-prometheus-scrape-timeout-seconds']);
      const started = performance.now();
      const report = await doctor.probeScrape(endpoint, {
        ...(port !== undefined ? { port } : {}),
        ...(accountId !== undefined ? { accountId } : {}),
        ...(region !== undefined ? { region } : {}),
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      });
      const registry = probeScrapeRegistry(report, (performance.now() - started) / 1000);
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
