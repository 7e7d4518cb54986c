import { LIKELY_CAUSES } from '../live.js';
import { pathScope, type PathCheck } from './context.js';

/** `probe.tcp`: what a live connect from the service to this interface and port did. */
export const checkProbeTcp: PathCheck = (context, path, port) => {
  const id = 'probe.tcp';
  const scope = pathScope(context, path, port);
  const observation = context.probes?.find((probe) => probe.networkInterfaceId === path.networkInterfaceId && probe.port === port);
  if (!observation) return { id, status: 'unknown', scope, summary: `${path.networkInterfaceId} was not probed on ${port}`, evidence: [] };
  const evidence = [
    {
      kind: 'resource' as const,
      resourceId: path.networkInterfaceId,
      attribute: 'tcp-connect',
      value: observation.outcome,
      text: `connect to ${observation.address}:${port} ${observation.outcome}${observation.errno ? ` (${observation.errno})` : ''} in ${observation.latencyMs.toFixed(1)} ms after ${observation.attempts} attempt${observation.attempts === 1 ? '' : 's'} at ${observation.probedAt}`,
    },
  ];
  if (observation.outcome === 'open') {
    return {
      id,
      status: 'pass',
      scope,
      summary: `a TCP connect from this service to ${observation.address}:${port} succeeded in ${observation.latencyMs.toFixed(1)} ms`,
      evidence,
    };
  }
  const causes = LIKELY_CAUSES[observation.outcome];
  return {
    id,
    status: observation.outcome === 'error' ? 'unknown' : 'fail',
    scope,
    summary: `a TCP connect from this service to ${observation.address}:${port} ended ${observation.outcome}${observation.errno ? ` (${observation.errno})` : ''}`,
    evidence,
    ...(observation.outcome === 'error'
      ? {}
      : { remediation: { summary: 'look where the likely causes point', actions: causes.map((text) => ({ kind: 'manual' as const, text })) } }),
  };
};
