import type { NetworkAcl, NetworkAclEntry, NetworkModel, SecurityGroupRule } from '../model.js';
import { memoOf } from '../memo.js';
import { evaluateNaclEntries, type NaclSegment } from '../nacl.js';
import { hostCidr, type IpAddress } from '../net.js';
import { formatRange, formatRanges, type PortRange } from '../ports.js';
import { networkAclAllowAction, securityGroupRuleAction } from '../remediation.js';
import type { Check, CheckId, Evidence, Scope } from '../report.js';
import { evaluateSecurityGroups, type SecurityGroupPeer } from '../sg.js';

/**
 * Builders shared by every family of checks: one security group judgement and one NACL
 * judgement, each turned into a check with its evidence and its remediation.
 */

function peerText(rule: SecurityGroupRule): string {
  switch (rule.peer.kind) {
    case 'cidr':
      return rule.peer.cidr.text;
    case 'prefix-list':
      return rule.peer.prefixListId;
    case 'security-group':
      return rule.peer.groupId;
  }
}

function protocolText(protocol: string): string {
  if (protocol === '-1') return 'all traffic';
  if (protocol === '6') return 'tcp';
  if (protocol === '17') return 'udp';
  return protocol.toLowerCase();
}

export function securityGroupRuleEvidence(rule: SecurityGroupRule): Evidence {
  const direction = rule.direction === 'ingress' ? 'inbound' : 'outbound';
  const ports = rule.portRange && rule.protocol !== '-1' ? ` ${formatRange(rule.portRange)}` : '';
  const towards = rule.direction === 'ingress' ? 'from' : 'to';
  const description = rule.description ? ` ("${rule.description}")` : '';
  return {
    kind: 'security-group-rule',
    securityGroupId: rule.groupId,
    direction: rule.direction,
    protocol: rule.protocol,
    ...(rule.portRange ? { portRange: rule.portRange } : {}),
    peer: peerText(rule),
    ...(rule.description ? { description: rule.description } : {}),
    text: `${rule.groupId} ${direction}: ${protocolText(rule.protocol)}${ports} ${towards} ${peerText(rule)}${description}`,
  };
}

export interface SecurityGroupCheckSpec {
  readonly id: CheckId;
  readonly scope: Scope;
  readonly groupIds: readonly string[];
  readonly direction: 'ingress' | 'egress';
  readonly port: number;
  readonly peer: SecurityGroupPeer;
  /** How the connection reads in a summary, e.g. `tcp 443 from 10.0.1.15`. */
  readonly traffic: string;
  readonly ruleDescription: string;
  /** Appended to a failing summary, for mistakes worth naming; computed only on failure. */
  readonly failHint?: () => string | undefined;
  /** The fix references this group instead of admitting the peer's address. */
  readonly remedyByReferencing?: string;
}

export function securityGroupCheck(model: NetworkModel, spec: SecurityGroupCheckSpec): Check {
  const scope = { ...spec.scope, securityGroupIds: [...spec.groupIds] };
  const groups = spec.groupIds.join(', ');
  if (spec.groupIds.length === 0) {
    return {
      id: spec.id,
      status: 'fail',
      scope,
      summary: `no security group is attached, so nothing allows ${spec.traffic}`,
      evidence: [],
      remediation: {
        summary: 'attach a security group that allows it',
        actions: [
          {
            kind: 'manual',
            text: `attach a security group allowing ${spec.traffic} (for an endpoint: aws ec2 modify-vpc-endpoint --add-security-group-ids SG_ID)`,
          },
        ],
      },
    };
  }
  const evaluation = evaluateSecurityGroups(model, {
    groupIds: spec.groupIds,
    direction: spec.direction,
    port: spec.port,
    peer: spec.peer,
  });
  // Made once per rule and model, shared read-only by every check that shows the rule.
  const memo = memoOf(model);
  const evidenceOf = (rule: SecurityGroupRule): Evidence => {
    let evidence = memo.knownRuleEvidence(rule);
    if (!evidence) {
      evidence = securityGroupRuleEvidence(rule);
      memo.rememberRuleEvidence(rule, evidence);
    }
    return evidence;
  };
  if (evaluation.outcome === 'allow') {
    return { id: spec.id, status: 'pass', scope, summary: `${evaluation.rule.groupId} allows ${spec.traffic}`, evidence: [evidenceOf(evaluation.rule)] };
  }
  const nearMisses = evaluation.nearMisses.map(evidenceOf);
  if (evaluation.outcome === 'unknown') {
    return {
      id: spec.id,
      status: 'unknown',
      scope,
      summary: `no rule of ${groups} is known to allow ${spec.traffic}, and ${evaluation.reasons.join('; ')}`,
      evidence: nearMisses,
    };
  }
  const cidr = hostCidr(spec.peer.address);
  const securityGroupId = spec.groupIds[0]!;
  const hint = spec.failHint?.();
  const action = securityGroupRuleAction({
    direction: spec.direction,
    securityGroupId,
    port: { from: spec.port, to: spec.port },
    ...(spec.remedyByReferencing ? { referencedSecurityGroupId: spec.remedyByReferencing } : { cidr }),
    description: spec.ruleDescription,
  });
  const admitted = spec.remedyByReferencing ?? cidr;
  return {
    id: spec.id,
    status: 'fail',
    scope,
    summary: `no rule of ${groups} allows ${spec.traffic}${hint ? `: ${hint}` : ''}`,
    evidence: nearMisses,
    remediation: {
      summary: `allow ${spec.direction === 'ingress' ? 'inbound' : 'outbound'} tcp ${spec.port} ${spec.direction === 'ingress' ? 'from' : 'to'} ${admitted} in ${securityGroupId}`,
      actions: [action],
    },
  };
}

/** The default deny entries: AWS numbers them 32767 (IPv4) and 32768 (IPv6), shown as `*`. */
const DEFAULT_DENY_RULE_NUMBER = { 4: 32767, 6: 32768 } as const;

function ruleLabel(ruleNumber: number): string {
  return ruleNumber >= DEFAULT_DENY_RULE_NUMBER[4] ? '*' : String(ruleNumber);
}

function naclEntryEvidence(acl: NetworkAcl, egress: boolean, entry: NetworkAclEntry | undefined, decided: PortRange[], family: 4 | 6): Evidence {
  const ruleNumber = entry?.ruleNumber ?? DEFAULT_DENY_RULE_NUMBER[family];
  const action = entry?.action ?? 'deny';
  const cidrBlock = entry?.cidr.text ?? (family === 4 ? '0.0.0.0/0' : '::/0');
  const protocol = entry?.protocol ?? '-1';
  const portRange = entry?.portRange;
  const text = `${acl.id} ${egress ? 'outbound' : 'inbound'} rule ${ruleLabel(ruleNumber)}: ${action} ${protocolText(protocol)}${portRange ? ` ${formatRange(portRange)}` : ''} ${egress ? 'to' : 'from'} ${cidrBlock} (decides ${formatRanges(decided)})`;
  // Two literals rather than a spread of a new object: every NACL check makes these.
  return portRange
    ? { kind: 'network-acl-entry', networkAclId: acl.id, ruleNumber, egress, ruleAction: action, protocol, cidrBlock, portRange, decidedPorts: decided, text }
    : { kind: 'network-acl-entry', networkAclId: acl.id, ruleNumber, egress, ruleAction: action, protocol, cidrBlock, decidedPorts: decided, text };
}

export interface NetworkAclCheckSpec {
  readonly id: CheckId;
  readonly scope: Scope;
  readonly acl: NetworkAcl;
  readonly egress: boolean;
  /** The other end of the traffic as the entry's CIDR sees it. */
  readonly peer: IpAddress;
  /** Destination ports of the traffic. */
  readonly ports: PortRange;
  /** A return range may be covered in part, which works for some connections: `warn`. */
  readonly isReturnRange: boolean;
  readonly traffic: string;
}

export function networkAclCheck(spec: NetworkAclCheckSpec): Check {
  const scope = { ...spec.scope, networkAclId: spec.acl.id };
  const evaluation = evaluateNaclEntries(spec.egress ? spec.acl.egress : spec.acl.ingress, spec.peer, spec.ports);
  const { segments } = evaluation;
  const family = spec.peer.family;
  const ruleNumberOf = (segment: NaclSegment) => segment.entry?.ruleNumber ?? DEFAULT_DENY_RULE_NUMBER[family];
  let evidence: Evidence[];
  if (segments.length === 1) {
    // One entry decides every port (always so for one port): no grouping to do.
    evidence = [naclEntryEvidence(spec.acl, spec.egress, segments[0]!.entry, [segments[0]!.range], family)];
  } else {
    const byEntry = new Map<NetworkAclEntry | undefined, PortRange[]>();
    for (const segment of segments) {
      const ranges = byEntry.get(segment.entry) ?? [];
      ranges.push(segment.range);
      byEntry.set(segment.entry, ranges);
    }
    evidence = [...byEntry].map(([entry, ranges]) => naclEntryEvidence(spec.acl, spec.egress, entry, ranges, family));
  }
  /** The rules that decide ports with `action`, each once, in port order. */
  const deciding = (action: 'allow' | 'deny') => {
    const labels: string[] = [];
    for (const segment of segments) {
      if (segment.action !== action) continue;
      const label = ruleLabel(ruleNumberOf(segment));
      if (!labels.includes(label)) labels.push(label);
    }
    return labels.join(', ');
  };
  const direction = spec.egress ? 'outbound' : 'inbound';
  if (evaluation.denied.length === 0) {
    return { id: spec.id, status: 'pass', scope, summary: `${spec.acl.id} allows ${direction} ${spec.traffic} (rule ${deciding('allow')})`, evidence };
  }
  let firstDenyingRuleNumber = Infinity;
  for (const segment of segments) if (segment.action === 'deny') firstDenyingRuleNumber = Math.min(firstDenyingRuleNumber, ruleNumberOf(segment));
  const cidr = hostCidr(spec.peer);
  const span = { from: evaluation.denied[0]!.from, to: evaluation.denied[evaluation.denied.length - 1]!.to };
  const action = networkAclAllowAction({ acl: spec.acl, egress: spec.egress, ports: span, cidr, firstDenyingRuleNumber });
  const remediation = action
    ? {
        summary: `add ${direction} allow tcp ${formatRange(span)} ${spec.egress ? 'to' : 'from'} ${cidr} to ${spec.acl.id} before rule ${ruleLabel(firstDenyingRuleNumber)}`,
        actions: [action],
      }
    : {
        summary: `no free rule number precedes rule ${firstDenyingRuleNumber} in ${spec.acl.id}: renumber its entries, then allow ${direction} tcp ${formatRanges(evaluation.denied)} ${spec.egress ? 'to' : 'from'} ${cidr}`,
        actions: [{ kind: 'manual' as const, text: `renumber the ${direction} entries of ${spec.acl.id} to free a number below ${firstDenyingRuleNumber}` }],
      };
  const partial = evaluation.allowed.length > 0;
  if (partial && spec.isReturnRange) {
    return {
      id: spec.id,
      status: 'warn',
      scope,
      summary: `${spec.acl.id} allows ${direction} ${spec.traffic} only on ports ${formatRanges(evaluation.allowed)}; ${formatRanges(evaluation.denied)} denied by rule ${deciding('deny')}`,
      evidence,
      remediation,
    };
  }
  return {
    id: spec.id,
    status: 'fail',
    scope,
    summary: `${spec.acl.id} denies ${direction} ${spec.traffic}${partial ? ` on ports ${formatRanges(evaluation.denied)}` : ''} (rule ${deciding('deny')})`,
    evidence,
    remediation,
  };
}

const STATUS_WEIGHT: Record<Check['status'], number> = { fail: 4, unknown: 3, warn: 2, pass: 1, not_applicable: 0 };

/**
 * One check from several judgements of the same kind (every target, node and port of a
 * provider path): the worst status decides, its summaries lead, and the fixes are merged.
 */
export function combineChecks(id: CheckId, scope: Scope, parts: readonly Check[], passSummary: string): Check {
  const worst = parts.reduce<Check['status']>((status, part) => (STATUS_WEIGHT[part.status] > STATUS_WEIGHT[status] ? part.status : status), 'not_applicable');
  const deciding = parts.filter((part) => part.status === worst);
  // Every part that fails or warns needs its fix, not only those of the worst status: a
  // node whose return is partly denied needs its entry as much as one that is fully denied.
  const needingFix = parts.filter((part) => part.status === 'fail' || part.status === 'warn');
  // Each fix comes with the evidence that asks for it: a warning's beside the failures'.
  const evidence = new Map<string, Evidence>();
  for (const part of parts) {
    if (part.status !== worst && part.status !== 'fail' && part.status !== 'warn') continue;
    for (const item of part.evidence) evidence.set(item.text, item);
  }
  const actions = new Map<string, NonNullable<Check['remediation']>['actions'][number]>();
  for (const part of needingFix) for (const action of part.remediation?.actions ?? []) actions.set('cli' in action ? action.cli : action.text, action);
  const summaries = [...new Set(deciding.map((part) => part.summary))];
  const summary = worst === 'pass' ? passSummary : `${summaries[0]}${summaries.length > 1 ? ` (and ${summaries.length - 1} more like it)` : ''}`;
  const remediations = [...new Set(needingFix.flatMap((part) => (part.remediation ? [part.remediation.summary] : [])))];
  return {
    id,
    status: worst,
    scope,
    summary,
    evidence: [...evidence.values()],
    ...(actions.size > 0 ? { remediation: { summary: remediations.join('; '), actions: [...actions.values()] } } : {}),
  };
}
