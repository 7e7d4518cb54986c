import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { SpendBudget } from '../plugins/analysis-budget.js';
import type { Cached } from '../../cache/single-flight-cache.js';
import type { AnalysisRequest } from '../../core/analyze.js';
import type { Report } from '../../core/report.js';
import { parseIp } from '../../core/net.js';
import { parsePortRange } from '../../core/ports.js';
import type { Doctor } from '../../doctor.js';
import { setCacheHeaders, cacheInfo } from '../cache-headers.js';
import { classifyError, problemBody, ProblemError } from '../problem.js';
import {
  AnalysisBody,
  AnalysisQuery,
  AnalysisResponse,
  BatchResponse,
  EndpointIdParams,
  PROBLEM_RESPONSES,
  RefreshQuery,
  batchBody,
  type AnalysisBodyType,
} from '../schemas.js';

/** Analyses: one endpoint (POST, or GET for runbooks), or many in one call. */

export interface AnalysisRouteOptions {
  readonly doctor: Doctor;
  readonly batchMaxItems: number;
  /** The caller's one budget across every analysis route; a batch spends one per item. */
  readonly spendBudget: SpendBudget;
}

/** Checks what the schema cannot (an IP's spelling, an ephemeral range) and builds the core's request. */
export function toAnalysisRequest(endpointId: string, body: AnalysisBodyType, fieldPrefix: string): AnalysisRequest {
  const { client } = body;
  if (client.ip !== undefined && !parseIp(client.ip)) {
    throw new ProblemError('invalid-ip', `${fieldPrefix}client.ip "${client.ip}" is not an IPv4 or IPv6 address`, [
      { name: `${fieldPrefix}client.ip`, reason: 'is not an IPv4 or IPv6 address' },
    ]);
  }
  const ephemeral = body.clientEphemeralPorts === undefined ? undefined : parsePortRange(body.clientEphemeralPorts);
  if (body.clientEphemeralPorts !== undefined && !ephemeral) {
    throw new ProblemError(
      'invalid-ephemeral-ports',
      `${fieldPrefix}clientEphemeralPorts "${body.clientEphemeralPorts}" is not FROM-TO within 1-65535 or one of linux, windows, nat-gateway, nlb`,
      [{ name: `${fieldPrefix}clientEphemeralPorts`, reason: 'is not FROM-TO within 1-65535 or a named range' }],
    );
  }
  return {
    endpointId,
    client: {
      ...(client.ip !== undefined ? { ip: client.ip } : {}),
      ...(client.eniId !== undefined ? { eniId: client.eniId } : {}),
      ...(client.instanceId !== undefined ? { instanceId: client.instanceId } : {}),
    },
    ...(body.port !== undefined ? { port: body.port } : {}),
    ...(ephemeral ? { clientEphemeralPorts: ephemeral } : {}),
    ...(body.fixScope !== undefined ? { fixScope: body.fixScope } : {}),
    ...(body.accountId !== undefined ? { accountId: body.accountId } : {}),
    ...(body.region !== undefined ? { region: body.region } : {}),
  };
}

export const SHELL_SCRIPT_CONTENT_TYPE = 'text/x-shellscript; charset=utf-8';

/**
 * A report's JSON, made once per cached report (the doctor's memo), and its UTF-8 bytes once
 * per `cache` field: a cache hit then costs a header and a buffer, not the serialization of a
 * few hundred checks nor the encoding (and measuring, for Content-Length) of 17 KB of text on
 * every answer. The body is the report with the `cache` field appended, as the response
 * schema describes; a Buffer with its content type set is sent as it is (no serializer).
 */
function sendAnalysis(reply: FastifyReply, doctor: Doctor, analysis: Cached<Report>): FastifyReply {
  const cache = setCacheHeaders(reply, analysis);
  return reply.type('application/json; charset=utf-8').send(doctor.json.bytesWithField(analysis.value, 'cache', cache));
}

/** The fix plan alone, as the script to save and run, with the freshness headers of the analysis it comes from. */
function sendScript(reply: FastifyReply, analysis: Cached<Report>): FastifyReply {
  setCacheHeaders(reply, analysis);
  return reply.type(SHELL_SCRIPT_CONTENT_TYPE).send(analysis.value.fixPlan.script);
}

/** GET …/analysis's answer in the format asked: the report, or its fix plan as a script. */
function sendGetAnalysis(reply: FastifyReply, doctor: Doctor, analysis: Cached<Report>, format: 'json' | 'sh' | undefined): FastifyReply {
  return format === 'sh' ? sendScript(reply, analysis) : sendAnalysis(reply, doctor, analysis);
}

/**
 * GET …/analysis when the answer is not a fresh cached one: as an async handler that sends,
 * settled once the reply is sent (awaiting the reply waits for that).
 */
async function analyzeAndSend(
  reply: FastifyReply,
  doctor: Doctor,
  request: AnalysisRequest,
  options: { readonly format: 'json' | 'sh' | undefined; readonly refresh: boolean; readonly probe: boolean },
): Promise<void> {
  const analysis = options.probe ? await doctor.analyzeWithProbes(request) : await doctor.analyze(request, { refresh: options.refresh });
  await sendGetAnalysis(reply, doctor, analysis, options.format);
}

export const analysisRoutes: FastifyPluginAsyncTypebox<AnalysisRouteOptions> = async (app, { doctor, batchMaxItems, spendBudget }) => {
  // A hook in Fastify's callback form: with the in-memory budget, a spend takes no promise.
  const spendOne = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    let spending: Promise<void> | undefined;
    try {
      spending = spendBudget(request, reply, 1);
    } catch (error) {
      return done(error as Error);
    }
    if (spending) spending.then(() => done(), done);
    else done();
  };

  app.post(
    '/endpoints/:id/analyses',
    {
      onRequest: spendOne,
      schema: {
        operationId: 'analyzeEndpoint',
        tags: ['analyses'],
        summary: 'Can this client reach this interface endpoint?',
        description: 'Every security group, NACL and provider check on every endpoint network interface, the verdict, and the rules to add.',
        params: EndpointIdParams,
        querystring: RefreshQuery,
        body: AnalysisBody,
        response: { 200: AnalysisResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const analysisRequest = toAnalysisRequest(request.params.id, request.body, 'body.');
      const analysis = request.body.probe
        ? await doctor.analyzeWithProbes(analysisRequest)
        : await doctor.analyze(analysisRequest, { refresh: request.query.refresh ?? false });
      return sendAnalysis(reply, doctor, analysis);
    },
  );

  app.get(
    '/endpoints/:id/analysis',
    {
      onRequest: spendOne,
      schema: {
        operationId: 'analyzeEndpointByQuery',
        tags: ['analyses'],
        summary: 'The same analysis, for curl in a runbook',
        description:
          'The analysis of POST …/analyses from the query string. With `format=sh` the answer is only the fix plan, as the bash script of `fixPlan.script` (`text/x-shellscript`): `curl -s …&format=sh > fix.sh`, read it, run it. Both formats are the same cached analysis, with the same Cache-Status and Age.',
        params: EndpointIdParams,
        querystring: AnalysisQuery,
        response: {
          200: {
            description: 'The report (format=json, the default), or its fix plan as a bash script (format=sh)',
            content: {
              'application/json': { schema: AnalysisResponse },
              'text/x-shellscript': {
                schema: Type.String({
                  description: "The report's `fixPlan.script`: set -euo pipefail, one aws command per change, the account and region named and checked",
                }),
              },
            },
          },
          ...PROBLEM_RESPONSES,
        },
      },
    },
    // Not async: a cached analysis (the common case) is answered without a promise; otherwise the promise of the answer.
    (request, reply) => {
      const { clientIp, clientEniId, clientInstanceId, port, clientEphemeralPorts, fixScope, format, refresh, probe, accountId, region } = request.query;
      if (clientIp === undefined && clientEniId === undefined && clientInstanceId === undefined) {
        throw new ProblemError('invalid-client', 'give the client: clientIp, clientEniId or clientInstanceId', [
          { name: 'query.clientIp', reason: 'is required unless clientEniId or clientInstanceId is given' },
        ]);
      }
      const body: AnalysisBodyType = {
        client: {
          ...(clientIp !== undefined ? { ip: clientIp } : {}),
          ...(clientEniId !== undefined ? { eniId: clientEniId } : {}),
          ...(clientInstanceId !== undefined ? { instanceId: clientInstanceId } : {}),
        },
        ...(port !== undefined ? { port } : {}),
        ...(clientEphemeralPorts !== undefined ? { clientEphemeralPorts } : {}),
        ...(fixScope !== undefined ? { fixScope } : {}),
        ...(accountId !== undefined ? { accountId } : {}),
        ...(region !== undefined ? { region } : {}),
      };
      const analysisRequest = toAnalysisRequest(request.params.id, body, 'query.');
      const cached = probe || refresh ? undefined : doctor.cachedAnalysis(analysisRequest);
      if (cached) {
        // Sent by a handler that is not async: Fastify has nothing more to send nor to wait for.
        sendGetAnalysis(reply, doctor, cached, format);
        return undefined;
      }
      return analyzeAndSend(reply, doctor, analysisRequest, { format, refresh: refresh ?? false, probe: probe ?? false });
    },
  );

  app.post(
    '/analyses',
    {
      // The body says how many analyses the call costs: counted once it is parsed.
      preHandler: async (request, reply) => spendBudget(request, reply, request.body.items.length),
      schema: {
        operationId: 'analyzeMany',
        tags: ['analyses'],
        summary: 'Many analyses in one call',
        description: `Up to ${batchMaxItems} (endpoint, client, port) items; each result carries its own status and either an analysis or a problem.`,
        body: batchBody(batchMaxItems),
        response: { 200: BatchResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const results = await Promise.all(
        request.body.items.map(async (item, index) => {
          try {
            const { endpointId, ...body } = item;
            const analysis = await doctor.analyze(toAnalysisRequest(endpointId, body, `body.items.${index}.`));
            return { index, status: 200, analysis: { ...analysis.value, cache: cacheInfo(analysis) } };
          } catch (error) {
            const problem = classifyError(error);
            if (problem.code === 'internal-error' || problem.code === 'source-unavailable') throw error;
            const body = problemBody(problem.code, problem.detail, problem.invalidParams);
            return { index, status: body.status, problem: body };
          }
        }),
      );
      return { results };
    },
  );
};
