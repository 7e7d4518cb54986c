import Type, { type Static } from 'typebox';
import { LIKELY_CAUSES, type ProbeObservation } from './live.js';
import type { Report } from './report.js';

/**
 * The static verdict for the prober's own address next to what its probes saw: each
 * disagreement is a finding with the likely causes.
 */

export const FindingSchema = Type.Object(
  {
    networkInterfaceId: Type.String(),
    address: Type.String(),
    port: Type.Integer(),
    availabilityZone: Type.Optional(Type.String()),
    staticStatus: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('unknown')]),
    staticFailedChecks: Type.Array(Type.String()),
    liveOutcome: Type.String(),
    agrees: Type.Boolean(),
    summary: Type.String(),
    likelyCauses: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type Finding = Static<typeof FindingSchema>;

function judge(
  staticStatus: Finding['staticStatus'],
  failed: readonly string[],
  observation: ProbeObservation,
): Pick<Finding, 'agrees' | 'summary' | 'likelyCauses'> {
  const live = observation.outcome;
  if (staticStatus === 'pass' && live === 'open') return { agrees: true, summary: 'the rules allow it and it connects', likelyCauses: [] };
  if (staticStatus === 'fail' && live !== 'open') {
    return {
      agrees: true,
      summary: `the rules block it (${failed.join(', ')}) and the connect ${live === 'refused' ? 'is refused' : 'fails'}`,
      likelyCauses: [],
    };
  }
  if (staticStatus === 'fail' && live === 'open') {
    return {
      agrees: false,
      summary: `the rules say blocked (${failed.join(', ')}), but the connect succeeds`,
      likelyCauses: [
        'the data is older than the rules: a rule was added since it was loaded (analyse with refresh=true)',
        'the prober is not where the analysis places it (its address or security groups differ)',
      ],
    };
  }
  if (staticStatus === 'unknown') {
    return {
      agrees: live === 'open',
      summary: `the rules could not be fully judged; the connect ${live === 'open' ? 'succeeds' : `ends ${live}`}`,
      likelyCauses: [...LIKELY_CAUSES[live]],
    };
  }
  return { agrees: false, summary: `the rules allow it, but the connect ends ${live}`, likelyCauses: [...LIKELY_CAUSES[live]] };
}

export function reconcile(report: Report, observations: readonly ProbeObservation[]): Finding[] {
  return observations.flatMap((observation) => {
    const path = report.paths.find((candidate) => candidate.networkInterfaceId === observation.networkInterfaceId && candidate.port === observation.port);
    if (!path) return [];
    return [
      {
        networkInterfaceId: observation.networkInterfaceId,
        address: observation.address,
        port: observation.port,
        ...(path.availabilityZone ? { availabilityZone: path.availabilityZone } : {}),
        staticStatus: path.status,
        staticFailedChecks: [...path.failedChecks],
        liveOutcome: observation.outcome,
        ...judge(path.status, path.failedChecks, observation),
      },
    ];
  });
}
