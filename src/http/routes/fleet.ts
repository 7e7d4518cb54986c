import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fleetReportRows, fleetReportTargets, type FleetReportRow } from '../../core/fleet-report.js';
import { parseIp } from '../../core/net.js';
import { fleetWorkloadRows } from '../../core/reachability.js';
import { parsePortRange } from '../../core/ports.js';
import type { Doctor } from '../../doctor.js';
import type { SpendBudget } from '../plugins/analysis-budget.js';
import { setCacheHeaders } from '../cache-headers.js';
import { ProblemError } from '../problem.js';
import { FleetReportQuery, FleetReportResponse, PROBLEM_RESPONSES, UnitsResponse } from '../schemas.js';

/** The units of the data (accounts and regions) and the fleet report over their endpoints. */

export interface FleetRouteOptions {
  readonly doctor: Doctor;
  /** The caller's one budget across every analysis route: a report page spends one. */
  readonly spendBudget: SpendBudget;
}

function encodeOffset(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64url');
}

function decodeOffset(token: string): number {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match)
    throw new ProblemError('validation-failed', 'query.nextToken is not a token this API issued', [
      { name: 'query.nextToken', reason: 'is not a token this API issued' },
    ]);
  return Number(match[1]);
}

export const fleetRoutes: FastifyPluginAsyncTypebox<FleetRouteOptions> = async (app, { doctor, spendBudget }) => {
  app.get(
    '/units',
    {
      schema: {
        operationId: 'listUnits',
        tags: ['fleet'],
        summary: 'The accounts and regions of the data, each with its state',
        description:
          'Each (account, region): loaded, stale (its last collection failed; older data is served), failed or never loaded, with its data age, last error and counts.',
        response: { 200: UnitsResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { units: await doctor.units() };
    },
  );

  app.get(
    '/report',
    {
      // A page analyses up to `limit` endpoints from cached data, for one client: one unit of the budget, as one analysis.
      onRequest: async (request, reply) => spendBudget(request, reply, 1),
      schema: {
        operationId: 'fleetReport',
        tags: ['fleet'],
        summary: 'Every interface endpoint of the data analysed for one client, or for every workload',
        description:
          'One row per endpoint (of every unit, or of the account and region asked): the verdict and the checks that fail or cannot be judged. With `allWorkloads=true` and no client: one row per (endpoint, workload group), every group of network interfaces (by subnet and security groups) in its VPC and in the VPCs whose ranges it admits, judged from the source sets. Paginated by endpoints: follow nextToken; each page is analysed when asked, from the cached data.',
        querystring: FleetReportQuery,
        response: { 200: FleetReportResponse, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { clientIp, clientEniId, clientInstanceId, port, clientEphemeralPorts, accountId, region, allWorkloads, limit = 200, nextToken } = request.query;
      const clientGiven = clientIp !== undefined || clientEniId !== undefined || clientInstanceId !== undefined;
      if (allWorkloads && clientGiven) {
        const name = clientIp !== undefined ? 'query.clientIp' : clientEniId !== undefined ? 'query.clientEniId' : 'query.clientInstanceId';
        throw new ProblemError('validation-failed', `${name} cannot be given with query.allWorkloads, which judges every workload`, [
          { name, reason: 'must be absent with allWorkloads' },
        ]);
      }
      if (!allWorkloads && !clientGiven) {
        throw new ProblemError('invalid-client', 'give the client: clientIp, clientEniId or clientInstanceId', [
          { name: 'query.clientIp', reason: 'is required unless clientEniId or clientInstanceId is given' },
        ]);
      }
      if (clientIp !== undefined && !parseIp(clientIp)) {
        throw new ProblemError('invalid-ip', `query.clientIp "${clientIp}" is not an IPv4 or IPv6 address`, [
          { name: 'query.clientIp', reason: 'is not an IPv4 or IPv6 address' },
        ]);
      }
      const ephemeral = clientEphemeralPorts === undefined ? undefined : parsePortRange(clientEphemeralPorts);
      if (clientEphemeralPorts !== undefined && !ephemeral) {
        throw new ProblemError(
          'invalid-ephemeral-ports',
          `query.clientEphemeralPorts "${clientEphemeralPorts}" is not FROM-TO within 1-65535 or a named range`,
          [{ name: 'query.clientEphemeralPorts', reason: 'is not FROM-TO within 1-65535 or a named range' }],
        );
      }
      const offset = nextToken === undefined ? 0 : decodeOffset(nextToken);
      const loaded = await doctor.fleet();
      setCacheHeaders(reply, loaded);
      const scope = { ...(accountId !== undefined ? { accountId } : {}), ...(region !== undefined ? { region } : {}) };
      const total = fleetReportTargets(loaded.value, scope).length;
      const unitsNotLoaded = loaded.value.units.filter((unit) => !unit.model).map((unit) => ({ key: unit.key, reason: unit.failure ?? 'never loaded' }));
      if (allWorkloads) {
        const targets = fleetReportTargets(loaded.value, scope).slice(offset, offset + limit);
        const rows = [
          ...fleetWorkloadRows(loaded.value, targets, { ...(port !== undefined ? { port } : {}), ...(ephemeral ? { clientEphemeralPorts: ephemeral } : {}) }),
        ];
        const next = offset + targets.length;
        return { items: rows, ...(next < total ? { nextToken: encodeOffset(next) } : {}), total, unitsNotLoaded };
      }
      const items: FleetReportRow[] = [];
      let index = 0;
      // Rows are made one at a time: only this page's endpoints are analysed.
      for (const row of fleetReportRows(loaded.value, {
        ...scope,
        client: {
          ...(clientIp !== undefined ? { ip: clientIp } : {}),
          ...(clientEniId !== undefined ? { eniId: clientEniId } : {}),
          ...(clientInstanceId !== undefined ? { instanceId: clientInstanceId } : {}),
        },
        ...(port !== undefined ? { port } : {}),
        ...(ephemeral ? { clientEphemeralPorts: ephemeral } : {}),
        skip: offset,
      })) {
        items.push(row);
        index += 1;
        if (index >= limit) break;
      }
      const next = offset + items.length;
      return {
        items,
        ...(next < total ? { nextToken: encodeOffset(next) } : {}),
        total,
        unitsNotLoaded,
      };
    },
  );
};
