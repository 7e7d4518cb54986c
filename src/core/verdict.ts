import type { Check, CheckId, Path, Verdict } from './report.js';

/** The verdict of the contract §3, from the per-path outcomes. */

export interface PathOutcome {
  readonly path: Omit<Path, 'status' | 'failedChecks' | 'unknownChecks' | 'warnedChecks'>;
  /** Path checks of this path, plus the endpoint-wide checks that count against every path. */
  readonly checks: readonly Check[];
}

function idsWith(checks: readonly Check[], status: Check['status']): CheckId[] {
  return [...new Set(checks.filter((check) => check.status === status).map((check) => check.id))];
}

export function judgePath(outcome: PathOutcome): Path {
  const failedChecks = idsWith(outcome.checks, 'fail');
  const unknownChecks = idsWith(outcome.checks, 'unknown');
  const status = failedChecks.length > 0 ? 'fail' : unknownChecks.length > 0 ? 'unknown' : 'pass';
  return { ...outcome.path, status, failedChecks, unknownChecks, warnedChecks: idsWith(outcome.checks, 'warn') };
}

function describePath(path: Path): string {
  return `${path.networkInterfaceId}${path.availabilityZone ? ` (${path.availabilityZone})` : ''}`;
}

export function decideVerdict(paths: readonly Path[], endpointChecks: readonly Check[]): { verdict: Verdict; summary: string } {
  const failing = paths.filter((path) => path.status === 'fail');
  const endpointFailures = idsWith(endpointChecks, 'fail');
  if (paths.length === 0 || failing.length === paths.length) {
    const causes = new Set([...endpointFailures, ...failing.flatMap((path) => path.failedChecks)]);
    const what = paths.length === 0 ? 'the endpoint has no network interface path' : 'every endpoint network interface path fails';
    return { verdict: 'blocked', summary: `${what} (${[...causes].join(', ') || 'no path'})` };
  }
  if (failing.length > 0) {
    const working = paths.filter((path) => path.status !== 'fail');
    return {
      verdict: 'partial',
      summary: `${failing.map((path) => `${describePath(path)} fails ${path.failedChecks.join(', ')}`).join('; ')}; ${working.map(describePath).join(', ')} ${working.length === 1 ? 'does' : 'do'} not`,
    };
  }
  const unknown = [...new Set(paths.flatMap((path) => path.unknownChecks))];
  if (unknown.length > 0) return { verdict: 'unknown', summary: `nothing fails, but ${unknown.join(', ')} could not be judged` };
  const warned = [...new Set(paths.flatMap((path) => path.warnedChecks))];
  return {
    verdict: 'reachable',
    summary: warned.length > 0 ? `no check fails; warnings: ${warned.join(', ')}` : 'every check passes on every endpoint network interface',
  };
}
