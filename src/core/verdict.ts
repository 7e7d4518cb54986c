import type { Check, CheckId, Path, Verdict } from './report.js';

/** The verdict of the contract §3, from the per-path outcomes. */

export interface PathOutcome {
  readonly path: Omit<Path, 'status' | 'failedChecks' | 'unknownChecks' | 'warnedChecks'>;
  /** Path checks of this path, plus the endpoint-wide checks that count against every path. */
  readonly checks: readonly Check[];
}

function idsWith(checks: readonly Pick<Check, 'id' | 'status'>[], status: Check['status']): CheckId[] {
  const ids: CheckId[] = [];
  for (const check of checks) if (check.status === status && !ids.includes(check.id)) ids.push(check.id);
  return ids;
}

export function judgePath(outcome: PathOutcome): Path {
  return judgePathStatuses(outcome.path, outcome.checks);
}

const NONE: readonly CheckId[] = Object.freeze([]);

function once(list: CheckId[] | undefined, id: CheckId): CheckId[] {
  if (!list) return [id];
  if (!list.includes(id)) list.push(id);
  return list;
}

/** The checks of one path, told one at a time: what fails, cannot be judged or warns, each id once (lists made only when needed). */
export class PathTally {
  private failed: CheckId[] | undefined;
  private unknown: CheckId[] | undefined;
  private warned: CheckId[] | undefined;

  add(id: CheckId, status: Check['status']): void {
    if (status === 'fail') this.failed = once(this.failed, id);
    else if (status === 'unknown') this.unknown = once(this.unknown, id);
    else if (status === 'warn') this.warned = once(this.warned, id);
  }

  get failedChecks(): readonly CheckId[] {
    return this.failed ?? NONE;
  }

  get unknownChecks(): readonly CheckId[] {
    return this.unknown ?? NONE;
  }

  get status(): Path['status'] {
    return this.failed ? 'fail' : this.unknown ? 'unknown' : 'pass';
  }

  path(path: PathOutcome['path']): Path {
    return {
      ...path,
      status: this.status,
      failedChecks: [...(this.failed ?? [])],
      unknownChecks: [...(this.unknown ?? [])],
      warnedChecks: [...(this.warned ?? [])],
    };
  }
}

/** A path's status from its checks' statuses alone. */
export function judgePathStatuses(path: PathOutcome['path'], checks: readonly Pick<Check, 'id' | 'status'>[]): Path {
  const tally = new PathTally();
  for (const check of checks) tally.add(check.id, check.status);
  return tally.path(path);
}

function describePath(path: Path): string {
  return `${path.networkInterfaceId}${path.availabilityZone ? ` (${path.availabilityZone})` : ''}`;
}

/** The verdict alone, from the paths: what decideVerdict says, without the words. */
export function verdictOf(paths: readonly { readonly status: Path['status']; readonly unknownChecks: readonly CheckId[] }[]): Verdict {
  const failing = paths.filter((path) => path.status === 'fail').length;
  if (paths.length === 0 || failing === paths.length) return 'blocked';
  if (failing > 0) return 'partial';
  return paths.some((path) => path.unknownChecks.length > 0) ? 'unknown' : 'reachable';
}

export function decideVerdict(paths: readonly Path[], endpointChecks: readonly Check[]): { verdict: Verdict; summary: string } {
  const verdict = verdictOf(paths);
  const failing = paths.filter((path) => path.status === 'fail');
  switch (verdict) {
    case 'blocked': {
      const causes = new Set([...idsWith(endpointChecks, 'fail'), ...failing.flatMap((path) => path.failedChecks)]);
      const what = paths.length === 0 ? 'the endpoint has no network interface path' : 'every endpoint network interface path fails';
      return { verdict, summary: `${what} (${[...causes].join(', ') || 'no path'})` };
    }
    case 'partial': {
      const working = paths.filter((path) => path.status !== 'fail');
      return {
        verdict,
        summary: `${failing.map((path) => `${describePath(path)} fails ${path.failedChecks.join(', ')}`).join('; ')}; ${working.map(describePath).join(', ')} ${working.length === 1 ? 'does' : 'do'} not`,
      };
    }
    case 'unknown':
      return { verdict, summary: `nothing fails, but ${[...new Set(paths.flatMap((path) => path.unknownChecks))].join(', ')} could not be judged` };
    case 'reachable': {
      const warned = [...new Set(paths.flatMap((path) => path.warnedChecks))];
      return {
        verdict,
        summary: warned.length > 0 ? `no check fails; warnings: ${warned.join(', ')}` : 'every check passes on every endpoint network interface',
      };
    }
  }
}
