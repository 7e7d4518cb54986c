import type { EndpointSummary } from '../core/inventory.js';
import type { FleetReportRow } from '../core/fleet-report.js';
import type { Fleet } from '../core/fleet.js';
import type { Check, FixPlan, Report } from '../core/report.js';
import { formatRange } from '../core/ports.js';
import { describeChange } from '../core/commands.js';
import { cidrContains, parseCidr, parseIp } from '../core/net.js';
import type { BlastRadiusResult, MovedCheck, WhatIfResult } from '../core/what-if.js';
import type { FleetWorkloadRow, Reachability } from '../core/reachability.js';
import { printable, wrapCommand, wrapText } from './wrap.js';

/** The report for a person: a header, one row per check, then the fix plan to copy. */

const STATUS_LABELS: Record<Check['status'], string> = {
  pass: 'pass',
  fail: 'FAIL',
  warn: 'WARN',
  unknown: 'unknown',
  not_applicable: 'n/a',
};

function rangeCovers(change: { fromPort?: number; toPort?: number; protocol?: string }, from: number, to: number): boolean {
  if (change.protocol === '-1' || change.fromPort === undefined) return true;
  return change.fromPort <= from && (change.toPort ?? change.fromPort) >= to;
}

function cidrCovers(outer: string | undefined, inner: string): boolean {
  const cidr = outer !== undefined ? parseCidr(outer) : undefined;
  const within = parseCidr(inner);
  const address = within ? parseIp(within.text.split('/')[0]!) : undefined;
  return cidr !== undefined && within !== undefined && address !== undefined && cidr.prefixLength <= within.prefixLength && cidrContains(cidr, address);
}

/** The plan's steps (1-based) that make a check's fix: the same group or NACL, direction and ports, a peer that covers its own. */
function planStepsFor(check: Check, plan: FixPlan): number[] {
  const steps = new Set<number>();
  for (const action of check.remediation?.actions ?? []) {
    plan.changes.forEach((change, index) => {
      if (action.kind === 'authorize-security-group-ingress' || action.kind === 'authorize-security-group-egress') {
        const direction = action.kind === 'authorize-security-group-ingress' ? 'inbound' : 'outbound';
        if (
          change.kind !== 'sg-rule' ||
          change.op !== 'add' ||
          change.groupId !== action.securityGroupId ||
          change.direction !== direction ||
          !rangeCovers(change, action.fromPort, action.toPort)
        )
          return;
        // The plan may name another kind of peer (a group for addresses): only like peers are compared.
        const changeCidr = change.cidr ?? change.ipv6Cidr;
        if (changeCidr !== undefined && action.cidr !== undefined && !cidrCovers(changeCidr, action.cidr)) return;
        if (change.peerGroupId !== undefined && action.referencedSecurityGroupId !== undefined && change.peerGroupId !== action.referencedSecurityGroupId)
          return;
        steps.add(index + 1);
      } else if (action.kind === 'create-network-acl-entry') {
        if (
          change.kind === 'nacl-entry' &&
          change.op !== 'remove' &&
          change.networkAclId === action.networkAclId &&
          change.egress === action.egress &&
          rangeCovers(change, action.portRange.from, action.portRange.to) &&
          cidrCovers(change.cidr ?? change.ipv6Cidr, action.cidrBlock)
        ) {
          steps.add(index + 1);
        }
      } else if (action.kind === 'modify-load-balancer-attributes') {
        if (change.kind === 'nlb-attribute' && change.loadBalancerArn === action.loadBalancerArn) steps.add(index + 1);
      }
    });
  }
  return [...steps];
}

/** Where the plan makes a check's fix: its steps, or the list of what no rule fixes. */
function planReference(check: Check, plan: FixPlan): string {
  const steps = planStepsFor(check, plan);
  if (steps.length > 0) return ` (plan step${steps.length === 1 ? '' : 's'} ${steps.join(', ')})`;
  if (plan.unfixable.some((item) => item.checkId === check.id)) return ' (not a rule change: see below the plan)';
  return '';
}

/** How a CLI page is drawn: its width, whether the full list of checks is wanted, and colours (a TTY without NO_COLOR). */
export interface RenderStyle {
  readonly width: number;
  readonly verbose?: boolean;
  readonly color?: boolean;
}

const COLORS: Partial<Record<string, string>> = {
  FAIL: '31',
  BLOCKED: '31',
  WARN: '33',
  PARTIAL: '33',
  unknown: '35',
  UNKNOWN: '35',
  pass: '32',
  REACHABLE: '32',
};

/** Colours a status word in the first of wrapped lines (after wrapping, which keeps control characters out of the text). */
function painted(lines: string[], word: string, style: RenderStyle): string[] {
  const code = COLORS[word];
  if (!style.color || !code || lines.length === 0) return lines;
  return [lines[0]!.replace(word, `\u001b[${code}m${word}\u001b[0m`), ...lines.slice(1)];
}

/** Where a check applies: its interface and AZ, or the endpoint. */
function whereOf(check: Check): string {
  const { scope } = check;
  return scope.networkInterfaceId ? `${scope.networkInterfaceId}${scope.availabilityZone ? ` (${scope.availabilityZone})` : ''}` : scope.endpointId;
}

/**
 * The report for a person, within the terminal's width: the header, one line per endpoint
 * network interface, then the checks that are not pass or n/a (all of them with `verbose`),
 * each once with the interfaces it holds on, its evidence and its fix, then the fix plan.
 * Ids are never cut: lines break between words.
 */
export function renderReport(report: Report, styleOrWidth: RenderStyle | number = 80): string {
  const style: RenderStyle = typeof styleOrWidth === 'number' ? { width: styleOrWidth } : styleOrWidth;
  const width = Math.max(40, style.width);
  const client = report.client;
  const header = (text: string) => wrapText(text, width, '', ' '.repeat(10));
  const lines = [
    ...header(
      `Endpoint  ${report.endpoint.id}  ${report.endpoint.serviceName} (${report.endpoint.serviceOwner} service, ${report.endpoint.state})  ${report.endpoint.vpcId}`,
    ),
    ...header(
      `Client    ${client.ipAddress}${client.networkInterfaceId ? `  ${client.networkInterfaceId}` : ''}${client.subnetId ? `  ${client.subnetId}` : ''}${client.securityGroupIds.length ? `  ${client.securityGroupIds.join(' ')}` : ''}`,
    ),
    ...(client.note ? wrapText(client.note, width, ' '.repeat(10), ' '.repeat(10)) : []),
    ...header(
      `Port      ${report.ports.join(', ')}${report.portSource === 'aws-service-default' ? ' (AWS service default)' : ''}; client ephemeral ports ${formatRange(report.clientEphemeralPorts)}`,
    ),
    ...painted(wrapText(`Verdict   ${report.verdict.toUpperCase()}: ${report.verdictSummary}`, width, '', ' '.repeat(10)), report.verdict.toUpperCase(), style),
    '',
    'Endpoint network interfaces:',
  ];
  for (const path of report.paths) {
    const status = path.status === 'pass' && path.warnedChecks.length > 0 ? 'WARN' : STATUS_LABELS[path.status];
    const failing = [...path.failedChecks, ...path.unknownChecks.map((id) => `${id}?`), ...path.warnedChecks.map((id) => `${id}!`)];
    lines.push(
      ...painted(
        wrapText(
          `${status}  ${path.networkInterfaceId}  ${path.ipAddress ?? '?'}  ${path.availabilityZone ?? '?'}  port ${path.port}${failing.length > 0 ? `  ${failing.join(' ')}` : ''}`,
          width,
          '  ',
          '        ',
        ),
        status,
        style,
      ),
    );
  }
  // The same finding on several interfaces is told once, with the interfaces it holds on;
  // then the checks that find the same without a fix on the same interfaces (a provider that
  // cannot be seen: seven checks, one reason), once, with their ids.
  const shown = report.checks.filter((check) => style.verbose || (check.status !== 'pass' && check.status !== 'not_applicable'));
  const byCheck = new Map<string, { check: Check; where: string[] }>();
  for (const check of shown) {
    const key = JSON.stringify([
      check.id,
      check.status,
      check.summary.replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, ''),
      check.remediation?.summary ?? '',
      check.evidence.map((item) => item.text),
    ]);
    const group = byCheck.get(key);
    if (group) group.where.push(whereOf(check));
    else byCheck.set(key, { check, where: [whereOf(check)] });
  }
  const groups = new Map<string, { check: Check; ids: string[]; where: string[]; fix: number | undefined }>();
  let fixCount = 0;
  for (const [key, { check, where }] of byCheck) {
    const alike = check.remediation ? key : JSON.stringify([check.status, check.summary, check.evidence.map((item) => item.text), where]);
    const group = groups.get(alike);
    if (group) group.ids.push(check.id);
    else groups.set(alike, { check, ids: [check.id], where, fix: check.remediation ? ++fixCount : undefined });
  }
  const hidden = report.checks.length - shown.length;
  lines.push(
    '',
    ...wrapText(
      style.verbose ? 'Checks:' : `Checks that do not pass${hidden > 0 ? ` (${hidden} passing or n/a not shown; --verbose shows every check)` : ''}:`,
      width,
      '',
      '  ',
    ),
  );
  if (groups.size === 0) lines.push('  none');
  for (const { check, ids, where, fix } of groups.values()) {
    lines.push(
      ...painted(
        wrapText(`${STATUS_LABELS[check.status]}  ${ids.join(', ')}  on ${where.join(', ')}`, width, '  ', '        '),
        STATUS_LABELS[check.status],
        style,
      ),
    );
    lines.push(...wrapText(check.summary, width, '        ', '        '));
    for (const item of check.evidence) lines.push(...wrapText(`evidence: ${item.text}`, width, '        ', '          '));
    if (check.remediation && fix !== undefined)
      lines.push(...wrapText(`fix [${fix}]: ${check.remediation.summary}${planReference(check, report.fixPlan)}`, width, '        ', '          '));
  }
  if (report.dataWarnings.length > 0) {
    lines.push('', ...wrapText('Data warnings (the capture is incomplete or was read in another form):', width, '', '  '));
    for (const warning of report.dataWarnings) lines.push(...wrapText(`${warning.file ? `${warning.file}: ` : ''}${warning.message}`, width, '  - ', '    '));
  }
  lines.push('', ...renderFixPlan(report.fixPlan, width));
  return `${lines.join('\n')}\n`;
}

/** The endpoints, each in a few lines within the width: id, state, VPC and unit; its service; one line per interface. */
export function renderEndpoints(endpoints: readonly EndpointSummary[], width = 80): string {
  if (endpoints.length === 0) return 'No interface endpoints in the captured data.\n';
  const lines: string[] = [];
  for (const endpoint of endpoints) {
    const unit = endpoint.accountId || endpoint.region ? `  ${endpoint.accountId ?? '?'}/${endpoint.region ?? '?'}` : '';
    lines.push(...wrapText(`${endpoint.id}  ${endpoint.state}  ${endpoint.vpcId}${unit}`, width, '', '  '));
    lines.push(...wrapText(`${endpoint.serviceName} (${endpoint.serviceOwner} service)`, width, '  ', '    '));
    for (const eni of endpoint.networkInterfaces) {
      lines.push(
        ...wrapText(
          `${eni.networkInterfaceId}  ${eni.availabilityZone ?? '?'}  ${eni.ipAddresses.join(' ') || '?'}  ${eni.subnetId ?? '?'}`,
          width,
          '    ',
          '      ',
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One row of a fleet report: the endpoint, what it is judged for, the verdict and the failing (unknown) checks. */
interface FleetTableRow {
  readonly endpointId: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly verdict: string;
  readonly what: string;
  readonly failing: readonly string[];
  readonly unknown: readonly string[];
  /** Shown instead of the checks when the row could not be judged. */
  readonly error?: string;
}

/**
 * A fleet report within the width: each row as a line or a few wrapped ones (the verdict,
 * endpoint, unit and what it is judged for; the failing and unknown checks), the count per verdict,
 * then the units that could not be read. Ids are never cut.
 */
function renderFleetTable(rows: Iterable<FleetTableRow>, fleet: Fleet, width: number, counted: string): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const row of rows) {
    counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
    lines.push(...wrapText(`${verdictLabel(row.verdict)}  ${row.endpointId}  ${row.accountId ?? '?'}/${row.region ?? '?'}  ${row.what}`, width, '', '  '));
    if (row.error) lines.push(...wrapText(`error: ${row.error}`, width, '  ', '    '));
    else if (row.failing.length + row.unknown.length > 0) {
      lines.push(
        ...wrapText(
          [row.failing.length > 0 ? `failing: ${row.failing.join(', ')}` : '', row.unknown.length > 0 ? `unknown: ${row.unknown.join(', ')}` : '']
            .filter(Boolean)
            .join('; '),
          width,
          '  ',
          '    ',
        ),
      );
    }
  }
  lines.push(
    ...(lines.length > 0 ? [''] : []),
    ...wrapText(`${counted}: ${[...counts].map(([verdict, count]) => `${count} ${verdict}`).join(', ') || 'none'}`, width, '', '  '),
  );
  for (const unit of fleet.units) if (!unit.model) lines.push(...wrapText(`Not read: ${unit.key}: ${unit.failure ?? 'never loaded'}`, width, '', '  '));
  return `${lines.map(printable).join('\n')}\n`;
}

/** The fleet report for a person: each endpoint's verdict and service, then the units that could not be read. */
export function renderFleetReport(rows: Iterable<FleetReportRow>, fleet: Fleet, width = 80): string {
  function* tableRows(): Generator<FleetTableRow> {
    for (const row of rows) yield { ...row, what: row.serviceName, ...(row.verdict === 'error' ? { error: row.verdictSummary } : {}) };
  }
  return renderFleetTable(tableRows(), fleet, width, 'Endpoints');
}

/** The fleet report with every workload, for a person: each (endpoint, workload group) and its verdict. */
export function renderFleetWorkloads(rows: Iterable<FleetWorkloadRow>, fleet: Fleet, width = 80): string {
  function* tableRows(): Generator<FleetTableRow> {
    for (const row of rows) {
      const group = row.workload;
      const port = row.port !== undefined ? `, port ${row.port}` : '';
      const what = group
        ? `${group.subnetId} [${group.securityGroupIds.join(' ') || 'no group'}] ${group.eniIds.length} interface${group.eniIds.length === 1 ? '' : 's'}${port}`
        : row.error
          ? 'not judged'
          : 'no workload in reach';
      yield { ...row, what, failing: group?.failing ?? [], unknown: group?.unknown ?? [], ...(row.error ? { error: row.error } : {}) };
    }
  }
  return renderFleetTable(tableRows(), fleet, width, 'Endpoint x workload group pairs');
}

function verdictLabel(verdict: string): string {
  return verdict.toUpperCase();
}

/** Consecutive items alike but for their check, once: seven checks the data cannot judge are one line. */
function groupUnfixable(plan: FixPlan): { checks: string[]; item: FixPlan['unfixable'][number] }[] {
  const groups: { checks: string[]; item: FixPlan['unfixable'][number] }[] = [];
  for (const item of plan.unfixable) {
    const previous = groups[groups.length - 1];
    const same =
      previous &&
      previous.item.status === item.status &&
      previous.item.summary === item.summary &&
      previous.item.action === item.action &&
      previous.item.command === item.command &&
      previous.item.accountId === item.accountId &&
      previous.item.region === item.region;
    if (same) previous.checks.push(item.checkId);
    else groups.push({ checks: [item.checkId], item });
  }
  return groups;
}

/**
 * The fix plan as numbered steps, each change and its command once; then what no rule
 * fixes; then whether the plan is proven, and its notes. Every line fits in `width`.
 */
export function renderFixPlan(plan: FixPlan, width = 160): string[] {
  const lines: string[] = [];
  const count = plan.changes.length;
  lines.push(
    ...wrapText(
      count === 0
        ? `Fix plan (scope ${plan.scope}): no rule to change.`
        : `Fix plan (scope ${plan.scope}): ${count} change${count === 1 ? '' : 's'}, in this order (--fix-script prints them as a script).`,
      width,
      '',
      '  ',
    ),
  );
  const units = new Set(plan.changes.map((change) => `${change.accountId ?? ''}/${change.region ?? ''}`));
  plan.changes.forEach((change, index) => {
    const number = `${index + 1}.`.padEnd(4);
    const where = units.size > 1 && change.accountId ? ` (account ${change.accountId}${change.region ? `, ${change.region}` : ''})` : '';
    lines.push(...wrapText(`${describeChange(change)}${where}`, width, `  ${number}`));
    const command = plan.commands[index];
    if (command !== undefined) lines.push(...wrapCommand(command, width, '      '));
  });
  if (plan.unfixable.length > 0) {
    lines.push('', 'Not fixed by a rule change:');
    for (const { checks, item } of groupUnfixable(plan)) {
      const where = item.accountId ? ` in account ${item.accountId}${item.region ? ` ${item.region}` : ''}` : '';
      lines.push(...wrapText(`${checks.join(', ')} (${item.status === 'fail' ? 'FAIL' : item.status}): ${item.summary}`, width, '  - ', '    '));
      lines.push(...wrapText(`action${where}: ${item.action}`, width, '    '));
      if (item.command) lines.push(...wrapCommand(item.command, width, '      '));
    }
  }
  lines.push('');
  const proof = count === 0 ? 'without a change' : 'with these changes';
  lines.push(...wrapText(`${plan.verified ? 'Proven' : 'Not proven'}: ${proof} the analysis gives ${plan.verdictAfter}.`, width, ''));
  if (plan.notes.length > 0) {
    lines.push('Notes:');
    for (const note of plan.notes) lines.push(...wrapText(note, width, '  - ', '    '));
  }
  return lines;
}

function checkScope(check: Pick<MovedCheck, 'scope'>): string {
  const { scope } = check;
  const parts = [scope.networkInterfaceId ?? scope.endpointId];
  if (scope.availabilityZone) parts.push(scope.availabilityZone);
  if (scope.port !== undefined) parts.push(`port ${scope.port}`);
  if (scope.accountId) parts.push(`account ${scope.accountId}`);
  return parts.join(' ');
}

function statusLabel(status: MovedCheck['before']): string {
  return status === 'absent' ? 'absent' : STATUS_LABELS[status];
}

/** The checks that move: id, interface, status before → after, what it finds after and the evidence. */
function renderMoved(moved: readonly MovedCheck[], width: number, indent: string): string[] {
  const lines: string[] = [];
  for (const check of moved) {
    lines.push(
      ...wrapText(`${check.id}  ${checkScope(check)}  ${statusLabel(check.before)} → ${statusLabel(check.after)}`, width, `${indent}- `, `${indent}    `),
    );
    lines.push(...wrapText(check.summaryAfter, width, `${indent}    `));
    for (const evidence of check.evidenceAfter) lines.push(...wrapText(`evidence: ${evidence.text}`, width, `${indent}    `, `${indent}      `));
  }
  return lines;
}

/** A what-if for a person: the changes, the verdict before and after, every check that moves. */
export function renderWhatIf(result: WhatIfResult, width = 160): string {
  const lines: string[] = [];
  lines.push(
    ...wrapText(
      `What-if   ${result.endpointId} from ${result.client}, port ${result.ports.join(', ')}: ${result.changes.length} change${result.changes.length === 1 ? '' : 's'}`,
      width,
      '',
    ),
  );
  result.changes.forEach((change, index) => lines.push(...wrapText(describeChange(change), width, `  ${`${index + 1}.`.padEnd(4)}`)));
  lines.push('');
  const same = result.verdictBefore === result.verdictAfter;
  lines.push(
    ...wrapText(
      `Verdict   ${verdictLabel(result.verdictBefore)} → ${verdictLabel(result.verdictAfter)}${same ? ' (unchanged)' : ''}: ${result.verdictSummaryAfter}`,
      width,
      '',
      '          ',
    ),
  );
  lines.push('');
  if (result.moved.length === 0) {
    lines.push('No check moves.');
  } else {
    lines.push(`Checks that move (${result.moved.length}):`);
    lines.push(...renderMoved(result.moved, width, '  '));
  }
  if (result.verdictAfter !== 'reachable' && result.after.fixPlan.changes.length > 0) {
    const more = result.after.fixPlan.changes.length;
    lines.push(
      '',
      ...wrapText(
        `Still not reachable: the fix plan of the data with these changes has ${more} more change${more === 1 ? '' : 's'} (--json: after.fixPlan).`,
        width,
        '',
      ),
    );
  }
  return `${lines.map(printable).join('\n')}\n`;
}

/** A blast radius for a person: the counts, then each endpoint's pairs that move, worst first. */
export function renderBlastRadius(result: BlastRadiusResult, width = 160): string {
  const lines: string[] = [];
  const changes = result.changes.length;
  lines.push(
    ...wrapText(
      `Blast radius of ${changes} change${changes === 1 ? '' : 's'}: ${result.pairsAnalysed} pair${result.pairsAnalysed === 1 ? '' : 's'} analysed, ${result.pairsMoved} moved, ${result.breaks} breaking`,
      width,
      '',
    ),
  );
  result.changes.forEach((change, index) => lines.push(...wrapText(describeChange(change), width, `  ${`${index + 1}.`.padEnd(4)}`)));
  if (result.endpoints.length === 0) lines.push('', 'No (endpoint, client) pair moves.');
  for (const endpoint of result.endpoints) {
    const unit = endpoint.accountId || endpoint.region ? `${endpoint.accountId ?? '?'}/${endpoint.region ?? '?'}, ` : '';
    const breaking = endpoint.pairs.filter((pair) => pair.breaks).length;
    lines.push(
      '',
      ...wrapText(
        `${endpoint.endpointId} (${unit}${endpoint.vpcId}): ${endpoint.pairs.length} pair${endpoint.pairs.length === 1 ? '' : 's'} moved, ${breaking} breaking`,
        width,
        '',
      ),
    );
    for (const pair of endpoint.pairs) {
      const client = [pair.client.ipAddress, pair.client.networkInterfaceId, pair.client.subnetId].filter(Boolean).join(' ');
      lines.push(
        ...wrapText(`${pair.breaks ? 'BREAKS ' : ''}${client}: ${verdictLabel(pair.verdictBefore)} → ${verdictLabel(pair.verdictAfter)}`, width, '  ', '    '),
      );
      lines.push(...renderMoved(pair.moved, width, '    '));
    }
  }
  if (result.skipped.length > 0) {
    lines.push('', 'Not analysed:');
    for (const skipped of result.skipped) lines.push(...wrapText(`${skipped.endpointId} from ${skipped.client}: ${skipped.reason}`, width, '  - ', '    '));
  }
  return `${lines.map(printable).join('\n')}\n`;
}

/** Who can reach an endpoint, for a person: each interface's admitted sources, the exposure, then the workload groups, worst first. */
export function renderReachability(answer: Reachability, width = 160): string {
  const lines: string[] = [];
  const unit = answer.accountId || answer.region ? `${answer.accountId ?? '?'}/${answer.region ?? '?'}, ` : '';
  lines.push(
    ...wrapText(
      `Who can reach ${answer.endpointId} (${unit}${answer.vpcId}, ${answer.serviceName}) on tcp ${answer.port}, client ephemeral ports ${answer.clientEphemeralPorts}`,
      width,
      '',
    ),
  );
  lines.push('', ...wrapText('Admitted sources, per endpoint interface (an address in none of them is not admitted):', width, '', '  '));
  const seen = new Map<string, string>();
  for (const set of answer.interfaces) {
    const where = [set.eniId, set.subnetId, set.availabilityZoneId].filter(Boolean).join(' ');
    const key = JSON.stringify([set.ipv4, set.ipv6, set.excluded]);
    const same = seen.get(key);
    if (same) {
      lines.push(...wrapText(`${where}: the same as ${same}`, width, '  '));
      continue;
    }
    seen.set(key, set.eniId);
    lines.push(...wrapText(`${where}:`, width, '  '));
    for (const [family, list] of [
      ['IPv4', set.ipv4],
      ['IPv6', set.ipv6],
    ] as const) {
      const reachable = list.filter((item) => item.status === 'reachable').map((item) => item.cidr);
      const warned = list.filter((item) => item.status === 'warn').map((item) => item.cidr);
      lines.push(...wrapText(`${family}: ${reachable.join(' ') || 'none'}`, width, '    ', '      '));
      if (warned.length > 0)
        lines.push(...wrapText(`${family} WARN (return traffic allowed on part of the ephemeral ports only): ${warned.join(' ')}`, width, '    ', '      '));
    }
    const reasons = new Map<string, number>();
    for (const item of set.excluded) {
      const reason = `${item.by.checkId}${item.by.status === 'unknown' ? ' (unknown)' : ''}: ${item.by.evidence}`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const shown = [...reasons].slice(0, 8);
    lines.push(...wrapText(`Excluded (${set.excluded.length} CIDR${set.excluded.length === 1 ? '' : 's'}; --json lists each):`, width, '    ', '      '));
    for (const [reason, count] of shown) lines.push(...wrapText(`${reason} (${count} CIDR${count === 1 ? '' : 's'})`, width, '      - ', '        '));
    if (reasons.size > shown.length) lines.push(...wrapText(`and ${reasons.size - shown.length} more reasons`, width, '      - ', '        '));
  }
  lines.push('');
  if (answer.exposure.findings.length === 0) {
    lines.push(
      ...wrapText(
        `Exposure: none (${answer.exposure.trustedCidrs.length > 0 ? `nothing admitted outside the VPC and ${answer.exposure.trustedCidrs.join(', ')}` : 'no rule admits 0.0.0.0/0 or ::/0 beyond the VPC; give --trusted-cidr to check the rest'}).`,
        width,
        '',
      ),
    );
  } else {
    lines.push('Exposure:');
    for (const finding of answer.exposure.findings) {
      lines.push(
        ...wrapText(
          `EXPOSED ${finding.summary}: ${finding.cidrCount} CIDR${finding.cidrCount === 1 ? '' : 's'}, ${finding.addressCount} addresses (${finding.cidrs.join(' ')}${finding.cidrCount > finding.cidrs.length ? ' …' : ''})`,
          width,
          '  - ',
          '    ',
        ),
      );
      for (const rule of finding.rules) lines.push(...wrapText(`rule: ${rule}`, width, '    '));
    }
  }
  const { summary } = answer;
  lines.push(
    '',
    ...wrapText(
      `Workloads: ${summary.workloadGroups} group${summary.workloadGroups === 1 ? '' : 's'} of ${summary.interfaces} network interface${summary.interfaces === 1 ? '' : 's'}: ${summary.reachable} reachable, ${summary.partial} partial, ${summary.blocked} blocked, ${summary.unknown} unknown`,
      width,
      '',
    ),
  );
  const order: Record<string, number> = { blocked: 0, partial: 1, unknown: 2, reachable: 3 };
  for (const group of [...answer.workloads].sort((a, b) => order[a.verdict]! - order[b.verdict]!)) {
    const where = group.accountId && group.accountId !== answer.accountId ? ` (${group.accountId}/${group.region ?? '?'})` : '';
    lines.push(
      ...wrapText(
        `${verdictLabel(group.verdict)}  ${group.subnetId} [${group.securityGroupIds.join(' ') || 'no group'}]${where}: ${group.eniIds.length} interface${group.eniIds.length === 1 ? '' : 's'} (${group.eniIds.join(' ')})`,
        width,
        '  ',
        '      ',
      ),
    );
    if (group.deciding) lines.push(...wrapText(`${group.deciding.checkId} (${group.deciding.eniId}): ${group.deciding.summary}`, width, '      '));
    if (group.failing.length + group.unknown.length > 0)
      lines.push(...wrapText(`failing: ${group.failing.join(', ') || '-'}; unknown: ${group.unknown.join(', ') || '-'}`, width, '      '));
    for (const member of group.members ?? [])
      lines.push(
        ...wrapText(
          `${member.eniId} ${member.ipAddress}: ${member.verdict}${member.failing.length > 0 ? ` (${member.failing.join(', ')})` : ''}`,
          width,
          '      - ',
          '        ',
        ),
      );
    if (group.note) lines.push(...wrapText(group.note, width, '      '));
    if (group.fixPlan) {
      const { fixPlan } = group;
      lines.push(
        ...wrapText(
          `Fix plan for ${fixPlan.forEniId}: ${fixPlan.provenForGroup ? 'proven for every interface of the group' : `not proven for ${fixPlan.notProvenFor.join(', ')}`}`,
          width,
          '      ',
        ),
      );
      lines.push(...renderFixPlan(fixPlan.plan, width - 8).map((line) => (line ? `        ${line}` : line)));
    }
  }
  return `${lines.map(printable).join('\n')}\n`;
}
