import Table from 'cli-table3';
import type { EndpointSummary } from '../core/inventory.js';
import type { FleetReportRow } from '../core/fleet-report.js';
import type { Fleet } from '../core/fleet.js';
import type { Check, Report } from '../core/report.js';
import { formatRange } from '../core/ports.js';

/** The report for a person: a header, one row per check, then the fixes to copy. */

const STATUS_LABELS: Record<Check['status'], string> = {
  pass: 'pass',
  fail: 'FAIL',
  warn: 'WARN',
  unknown: 'unknown',
  not_applicable: 'n/a',
};

function scopeText(check: Check): string {
  const { scope } = check;
  if (!scope.networkInterfaceId) return scope.endpointId;
  const parts = [`${scope.networkInterfaceId}${scope.availabilityZone ? ` ${scope.availabilityZone}` : ''}`];
  if (scope.networkAclId) parts.push(scope.networkAclId);
  else if (scope.securityGroupIds?.length) parts.push(scope.securityGroupIds.join(' '));
  return parts.join('\n');
}

function tableWidths(totalWidth: number): number[] {
  const fixed = [24, 30, 9, 8];
  const summary = Math.max(30, totalWidth - fixed.reduce((sum, width) => sum + width, 0) - 6);
  return [fixed[0]!, fixed[1]!, fixed[2]!, summary, fixed[3]!];
}

export function renderReport(report: Report, width = 160): string {
  const client = report.client;
  const lines = [
    `Endpoint  ${report.endpoint.id}  ${report.endpoint.serviceName} (${report.endpoint.serviceOwner} service, ${report.endpoint.state})  ${report.endpoint.vpcId}`,
    `Client    ${client.ipAddress}${client.networkInterfaceId ? `  ${client.networkInterfaceId}` : ''}${client.subnetId ? `  ${client.subnetId}` : ''}${client.securityGroupIds.length ? `  ${client.securityGroupIds.join(' ')}` : ''}${client.note ? `\n          ${client.note}` : ''}`,
    `Port      ${report.ports.join(', ')}${report.portSource === 'aws-service-default' ? ' (AWS service default)' : ''}; client ephemeral ports ${formatRange(report.clientEphemeralPorts)}`,
    `Verdict   ${report.verdict.toUpperCase()}: ${report.verdictSummary}`,
    '',
  ];
  const table = new Table({
    head: ['Check', 'Scope', 'Status', 'Summary', 'Fix'],
    colWidths: tableWidths(width),
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], compact: true },
  });
  const fixes: string[] = [];
  let fixCount = 0;
  for (const check of report.checks) {
    let fix = '';
    if (check.remediation) {
      fix = `[${++fixCount}]`;
      fixes.push(`${fix} ${check.id} on ${check.scope.networkInterfaceId ?? check.scope.endpointId}: ${check.remediation.summary}`);
      for (const action of check.remediation.actions) fixes.push(`    ${'cli' in action ? action.cli : action.text}`);
    }
    table.push([check.id, scopeText(check), STATUS_LABELS[check.status], check.summary, fix]);
  }
  lines.push(table.toString());
  if (fixes.length > 0) lines.push('', 'Fixes:', ...fixes);
  if (report.dataWarnings.length > 0) {
    lines.push('', 'Data warnings (the capture is incomplete or was read in another form):');
    for (const warning of report.dataWarnings) lines.push(`  - ${warning.file ? `${warning.file}: ` : ''}${warning.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderEndpoints(endpoints: readonly EndpointSummary[], width = 160): string {
  if (endpoints.length === 0) return 'No interface endpoints in the captured data.\n';
  const table = new Table({
    head: ['Endpoint', 'Service', 'VPC', 'State', 'Network interfaces (AZ, IP, subnet)'],
    colWidths: [24, Math.max(30, width - 24 - 24 - 12 - 56 - 6), 24, 12, 56],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const endpoint of endpoints) {
    table.push([
      endpoint.accountId || endpoint.region ? `${endpoint.id}\n${endpoint.accountId ?? '?'}/${endpoint.region ?? '?'}` : endpoint.id,
      endpoint.serviceName,
      endpoint.vpcId,
      endpoint.state,
      endpoint.networkInterfaces
        .map((eni) => `${eni.networkInterfaceId} ${eni.availabilityZone ?? '?'} ${eni.ipAddresses.join(' ') || '?'} ${eni.subnetId ?? '?'}`)
        .join('\n'),
    ]);
  }
  return `${table.toString()}\n`;
}

/** The fleet report for a person: one row per endpoint, then the units that could not be read. */
export function renderFleetReport(rows: Iterable<FleetReportRow>, fleet: Fleet, width = 160): string {
  const table = new Table({
    head: ['Endpoint', 'Account/region', 'Service', 'Verdict', 'Failing (unknown)'],
    colWidths: [24, 26, Math.max(30, width - 24 - 26 - 11 - 50 - 6), 11, 50],
    wordWrap: true,
    style: { head: [], border: [], compact: true },
  });
  const counts = new Map<string, number>();
  for (const row of rows) {
    counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
    const failing = row.verdict === 'error' ? row.verdictSummary : [row.failing.join(', '), row.unknown.length > 0 ? `(${row.unknown.join(', ')})` : ''].filter(Boolean).join(' ');
    table.push([row.endpointId, `${row.accountId ?? '?'}/${row.region ?? '?'}`, row.serviceName, row.verdict === 'error' ? 'ERROR' : row.verdict, failing || '-']);
  }
  const lines = [table.toString(), '', `Endpoints: ${[...counts].map(([verdict, count]) => `${count} ${verdict}`).join(', ') || 'none'}`];
  for (const unit of fleet.units) if (!unit.model) lines.push(`Not read: ${unit.key}: ${unit.failure ?? 'never loaded'}`);
  return `${lines.join('\n')}\n`;
}
