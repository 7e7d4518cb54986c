import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AnalysisError } from '../../core/errors.js';
import { parseIp } from '../../core/net.js';
import { BlastRadiusResultSchema, WhatIfResultSchema } from '../../core/what-if.js';
import type { Doctor } from '../../doctor.js';
import { ANALYSIS_ERROR_PROBLEMS } from '../../errors.js';
import type { SpendBudget } from '../plugins/analysis-budget.js';
import { setCacheHeaders } from '../cache-headers.js';
import { ProblemError } from '../problem.js';
import { BlastRadiusBody, EndpointIdParams, PROBLEM_RESPONSES, WhatIfBody } from '../schemas.js';
import { toAnalysisRequest } from './analyses.js';

/** What-if (one analysis before and after a list of changes) and blast radius (every pair the changes move): contract §7. */

export interface WhatIfRouteOptions {
  readonly doctor: Doctor;
  /** The caller's one budget across every analysis route. */
  readonly spendBudget: SpendBudget;
  /** The budget per window: no call costs more than all of it, or it could never be made. */
  readonly budgetMax: number;
}

/** A what-if is two analyses: before and after. */
export const WHAT_IF_COST = 2;
/**
 * A blast radius analyses every pair a change can touch, before and after: unbounded by the
 * request, so a fixed price of a small batch, paid before the work.
 */
export const BLAST_RADIUS_COST = 10;

/**
 * The core names the fields of its own input (`changes.2.ruleNumber`, `clientIps.1`); the
 * API names them in the request, as validation does (`body.changes.2.ruleNumber`).
 */
function inBody(error: unknown): unknown {
  if (!(error instanceof AnalysisError)) return error;
  const fromBody = error.code === 'change_invalid' || (error.field?.startsWith('clientIps.') ?? false);
  if (!fromBody) return error;
  const params = error.invalidParams ?? (error.field ? [{ name: error.field, reason: error.message }] : []);
  const detail = error.field && error.message.startsWith(`${error.field}:`) ? `body.${error.message}` : error.message;
  return new ProblemError(
    ANALYSIS_ERROR_PROBLEMS[error.code],
    detail,
    params.map((param) => ({ name: `body.${param.name}`, reason: param.reason })),
  );
}

export const whatIfRoutes: FastifyPluginAsyncTypebox<WhatIfRouteOptions> = async (app, { doctor, spendBudget, budgetMax }) => {
  const whatIfCost = Math.min(WHAT_IF_COST, budgetMax);
  const blastRadiusCost = Math.min(BLAST_RADIUS_COST, budgetMax);

  app.post(
    '/endpoints/:id/what-if',
    {
      onRequest: async (request, reply) => spendBudget(request, reply, whatIfCost),
      schema: {
        operationId: 'whatIf',
        tags: ['changes'],
        summary: 'What would these changes do to this client?',
        description: [
          'The analysis of the request (the body of an analysis, without `probe`) on the data as it is and on the data with `changes` applied (an overlay: the data itself never changes): both verdicts, every check (per endpoint interface and port) whose status moves with its evidence after, and the whole report after, with its own fix plan.',
          "A report's `fixPlan.changes` is a valid `changes` list: feeding it back proves the plan again.",
          `Changes that do not apply to the data (a group, NACL, endpoint or load balancer not in it, a rule to add that exists, a NACL rule number taken, a rule to remove that does not exist) are refused with 422 \`invalid-change\`, whose \`invalid-params\` name each by index and field (\`body.changes.2.ruleNumber\`).`,
          `Never cached. Costs ${WHAT_IF_COST} units of the caller's analysis budget (the analyses before and after).`,
        ].join('\n\n'),
        params: EndpointIdParams,
        body: WhatIfBody,
        response: { 200: WhatIfResultSchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { changes, ...analysis } = request.body;
      const analysisRequest = toAnalysisRequest(request.params.id, analysis, 'body.');
      try {
        const result = await doctor.whatIf(analysisRequest, changes);
        setCacheHeaders(reply, result);
        return result.value;
      } catch (error) {
        throw inBody(error);
      }
    },
  );

  app.post(
    '/blast-radius',
    {
      onRequest: async (request, reply) => spendBudget(request, reply, blastRadiusCost),
      schema: {
        operationId: 'blastRadius',
        tags: ['changes'],
        summary: 'Which (endpoint, client) pairs would these changes move?',
        description: [
          'Every (endpoint, client) pair of the data whose verdict or any check moves under `changes`, grouped by endpoint, worst first (a pair that stops working before anything else); `breaks` counts the pairs that go from reachable or partial to worse.',
          "The clients are the network interfaces of each endpoint's VPC (not endpoint or load balancer interfaces), plus `clientIps`. Only pairs a change can touch are analysed (`pairsAnalysed`); pairs that cannot be analysed (a port that must be given) are listed in `skipped`.",
          'Changes that do not apply to the data are refused with 422 `invalid-change` naming each by index and field (`body.changes.2.ruleNumber`); a client IP that is not an address with 400 `invalid-ip` naming it (`body.clientIps.1`).',
          `Never cached. Costs ${BLAST_RADIUS_COST} units of the caller's analysis budget, whatever the number of pairs (or the whole budget, when VPCE_DOCTOR_RATE_LIMIT_MAX is lower).`,
        ].join('\n\n'),
        body: BlastRadiusBody,
        response: { 200: BlastRadiusResultSchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { changes, clientIps, port } = request.body;
      const badIps = (clientIps ?? []).flatMap((ip, index) => (parseIp(ip) ? [] : [{ name: `body.clientIps.${index}`, ip }]));
      if (badIps.length > 0) {
        throw new ProblemError(
          'invalid-ip',
          badIps.map(({ name, ip }) => `${name} "${ip}" is not an IPv4 or IPv6 address`).join('; '),
          badIps.map(({ name }) => ({ name, reason: 'is not an IPv4 or IPv6 address' })),
        );
      }
      try {
        const result = await doctor.blastRadius({ changes, ...(clientIps !== undefined ? { clientIps } : {}), ...(port !== undefined ? { port } : {}) });
        setCacheHeaders(reply, result);
        return result.value;
      } catch (error) {
        throw inBody(error);
      }
    },
  );
};
