import Type, { type Static } from 'typebox';
import { judge, type AnalysisRequest } from './analyze.js';
import { AnalysisError } from './errors.js';
import { unitsMatching, type Fleet, type UnitRef } from './fleet.js';
import type { ClientSpec } from './path.js';
import type { PortRange } from './ports.js';
import { CheckIdSchema, VerdictSchema, type CheckId } from './report.js';

/**
 * The fleet report: every interface endpoint of the data (or of the units asked for)
 * analysed for one client, one row each — the verdict and the checks that fail or cannot
 * be judged. Rows are produced one at a time, so a large fleet streams out without the
 * whole report in memory.
 */

/** Which endpoint a row or answer is about: the fields every per-endpoint answer starts with. */
export const EndpointIdentityFields = {
  endpointId: Type.String(),
  accountId: Type.Optional(Type.String()),
  region: Type.Optional(Type.String()),
  serviceName: Type.String(),
  vpcId: Type.String(),
};

export const FleetReportRowSchema = Type.Object(
  {
    ...EndpointIdentityFields,
    verdict: Type.Union([VerdictSchema, Type.Literal('error')], {
      description: '`error` when the analysis could not start (a port that must be given, say): see `error`',
    }),
    verdictSummary: Type.String(),
    ports: Type.Array(Type.Integer()),
    failing: Type.Array(CheckIdSchema, { description: 'Checks that fail on at least one path' }),
    unknown: Type.Array(CheckIdSchema, { description: 'Checks that could not be judged on at least one path' }),
    providerAccountId: Type.Optional(Type.String({ description: 'The provider account the join found, when the provider side is visible' })),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type FleetReportRow = Static<typeof FleetReportRowSchema>;

export interface FleetReportRequest extends UnitRef {
  readonly client: ClientSpec;
  /** Endpoints to pass over before the first row: a page of a paginated report starts there. */
  readonly skip?: number;
  readonly port?: number;
  readonly clientEphemeralPorts?: PortRange;
}

/** The endpoints a fleet report covers, in a stable order: by unit, then by id. */
export function fleetReportTargets(fleet: Fleet, scope: UnitRef): { endpointId: string; accountId?: string; region?: string }[] {
  return unitsMatching(fleet, scope).flatMap((unit) =>
    [...(unit.model?.endpoints.values() ?? [])]
      .filter((endpoint) => endpoint.type.toLowerCase() === 'interface')
      .map((endpoint) => ({
        endpointId: endpoint.id,
        ...(unit.accountId ? { accountId: unit.accountId } : {}),
        ...(unit.region ? { region: unit.region } : {}),
      }))
      .sort((a, b) => a.endpointId.localeCompare(b.endpointId)),
  );
}

function idsWith(report: ReturnType<typeof judge>['report'], key: 'failedChecks' | 'unknownChecks'): CheckId[] {
  return [...new Set(report.paths.flatMap((path) => path[key]))];
}

/** One row per endpoint; an endpoint that cannot be analysed is a row with its error, never a dropped line. */
export function* fleetReportRows(fleet: Fleet, request: FleetReportRequest): Generator<FleetReportRow> {
  for (const target of fleetReportTargets(fleet, request).slice(request.skip ?? 0)) {
    const analysisRequest: AnalysisRequest = {
      ...target,
      client: request.client,
      ...(request.port !== undefined ? { port: request.port } : {}),
      ...(request.clientEphemeralPorts ? { clientEphemeralPorts: request.clientEphemeralPorts } : {}),
    };
    const unit = fleet.units.find((item) => item.accountId === target.accountId && item.region === target.region);
    const endpoint = unit?.model?.endpoints.get(target.endpointId);
    const base = { ...target, serviceName: endpoint?.serviceName ?? '', vpcId: endpoint?.vpcId ?? '' };
    try {
      // A row shows no fix plan, so none is made (and proven) for it.
      const { report } = judge(fleet, analysisRequest);
      yield {
        ...base,
        verdict: report.verdict,
        verdictSummary: report.verdictSummary,
        ports: report.ports,
        failing: idsWith(report, 'failedChecks'),
        unknown: idsWith(report, 'unknownChecks'),
        ...(report.provider.accountId ? { providerAccountId: report.provider.accountId } : {}),
      };
    } catch (error) {
      if (!(error instanceof AnalysisError)) throw error;
      yield { ...base, verdict: 'error', verdictSummary: error.message, ports: [], failing: [], unknown: [], error: error.code };
    }
  }
}
