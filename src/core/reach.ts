import { checkEndpointNaclInbound, checkEndpointNaclOutbound, checkEndpointSecurityGroupsInbound } from './checks/endpoint.js';
import type { AnalysisContext } from './checks/context.js';
import { locateRequestedEndpoint } from './analyze.js';
import { asFleet, type Fleet } from './fleet.js';
import type { NetworkModel } from './model.js';
import type { IpFamily } from './net.js';
import { parseIp } from './net.js';
import { endpointPaths, resolveClient } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, type PortRange } from './ports.js';
import { cidrRange, normalizeRanges, rangesToCidrs, wholeFamily, type AddressRange } from './ranges.js';
import type { Check, CheckId } from './report.js';
import { ruleAllowsTcpPort } from './sg.js';

/**
 * Who can reach an endpoint (contract §8): per endpoint interface and address family, the
 * exact set of source addresses its side admits on a port — its security groups inbound,
 * its subnet's NACL inbound and, for the return, outbound. The address space is cut at
 * every boundary a rule, entry, subnet or group-carrying interface draws, so that each
 * piece is judged as a whole by the very checks a point analysis runs.
 */

export interface SourceSetRequest {
  readonly endpointId: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly port: number;
  readonly clientEphemeralPorts?: PortRange;
}

export interface AdmittedCidr {
  readonly cidr: string;
  readonly status: 'reachable' | 'warn';
}

export interface ExcludedCidr {
  readonly cidr: string;
  readonly by: { readonly checkId: CheckId; readonly evidence: string };
}

export interface InterfaceSourceSet {
  readonly eniId: string;
  readonly subnetId?: string;
  readonly availabilityZoneId?: string;
  readonly ipv4: readonly AdmittedCidr[];
  readonly ipv6: readonly AdmittedCidr[];
  readonly excluded: readonly ExcludedCidr[];
}

const ENDPOINT_SIDE = [checkEndpointSecurityGroupsInbound, checkEndpointNaclInbound, checkEndpointNaclOutbound] as const;

function addressOf(value: bigint, family: IpFamily): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Where the admitted set can change: every CIDR an endpoint-side rule or entry names, and every address a group reference can match. */
function boundaries(model: NetworkModel, groupIds: readonly string[], aclId: string | undefined, subnetId: string | undefined, port: number, family: IpFamily): AddressRange[] {
  const pieces: AddressRange[] = [];
  for (const groupId of groupIds) {
    for (const rule of model.securityGroups.get(groupId)?.ingress ?? []) {
      if (!ruleAllowsTcpPort(rule, port)) continue;
      if (rule.peer.kind === 'cidr' && rule.peer.cidr.family === family) pieces.push(cidrRange(rule.peer.cidr));
      else if (rule.peer.kind === 'prefix-list') {
        for (const cidr of model.prefixLists.get(rule.peer.prefixListId)?.entries ?? []) if (cidr.family === family) pieces.push(cidrRange(cidr));
      }
    }
  }
  // Any interface's address: a point analysis of it knows its groups, of others it does not.
  for (const eni of model.networkInterfaces.values()) {
    for (const address of family === 4 ? eni.privateIps : eni.ipv6Addresses) pieces.push({ start: BigInt(address.value), end: BigInt(address.value) });
  }
  const acl = aclId ? model.networkAcls.get(aclId) : undefined;
  for (const entry of [...(acl?.ingress ?? []), ...(acl?.egress ?? [])]) if (entry.cidr.family === family) pieces.push(cidrRange(entry.cidr));
  for (const cidr of (subnetId ? model.subnets.get(subnetId)?.cidrs : undefined) ?? []) if (cidr.family === family) pieces.push(cidrRange(cidr));
  return pieces;
}

/** The elementary intervals of a family's address space that no boundary cuts. */
function elementaryIntervals(pieces: readonly AddressRange[], family: IpFamily): AddressRange[] {
  const cuts = new Set<bigint>([0n]);
  const top = wholeFamily(family).end;
  for (const piece of pieces) {
    cuts.add(piece.start);
    if (piece.end < top) cuts.add(piece.end + 1n);
  }
  const starts = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return starts.map((start, index) => ({ start, end: index + 1 < starts.length ? starts[index + 1]! - 1n : top }));
}

function judgement(checks: readonly Check[]): { admitted: 'reachable' | 'warn' } | { excludedBy: ExcludedCidr['by'] } {
  const blocking = checks.find((check) => check.status === 'fail' || check.status === 'unknown');
  if (blocking) {
    const evidence = blocking.evidence.find((item) => item.kind === 'network-acl-entry' && item.ruleAction === 'deny')?.text ?? (blocking.id === 'endpoint.sg.inbound' ? 'no SG rule' : blocking.summary);
    return { excludedBy: { checkId: blocking.id, evidence: blocking.status === 'unknown' ? `unknown: ${blocking.summary}` : evidence } };
  }
  return { admitted: checks.some((check) => check.status === 'warn') ? 'warn' : 'reachable' };
}

/** The source sets of every interface of an endpoint, on one port. */
export function sourceSets(data: NetworkModel | Fleet, request: SourceSetRequest): InterfaceSourceSet[] {
  const fleet = asFleet(data);
  const located = locateRequestedEndpoint(fleet, request);
  const { model, endpoint } = located;
  const clientEphemeralPorts = request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS;
  const results = new Map<string, { ipv4: AdmittedCidr[]; ipv6: AdmittedCidr[]; excluded: ExcludedCidr[]; subnetId?: string; availabilityZoneId?: string }>();
  for (const family of [4, 6] as const) {
    const probe = resolveClient(model, { ip: family === 4 ? '0.0.0.0' : '::' });
    for (const path of endpointPaths(model, endpoint, probe)) {
      const entry = results.get(path.networkInterfaceId) ?? {
        ipv4: [],
        ipv6: [],
        excluded: [],
        ...(path.subnetId ? { subnetId: path.subnetId } : {}),
        ...(path.subnet?.availabilityZoneId ? { availabilityZoneId: path.subnet.availabilityZoneId } : {}),
      };
      results.set(path.networkInterfaceId, entry);
      const intervals = elementaryIntervals(boundaries(model, path.securityGroupIds, path.networkAcl?.id, path.subnetId, request.port, family), family);
      const labelled = new Map<string, AddressRange[]>();
      for (const interval of intervals) {
        const client = resolveClient(model, { ip: addressOf(interval.start, family) });
        const context: AnalysisContext = { model, endpoint, client, clientEphemeralPorts, provider: { kind: 'aws' } };
        const [clientPath] = endpointPaths(model, endpoint, client).filter((candidate) => candidate.networkInterfaceId === path.networkInterfaceId);
        const verdict = judgement(ENDPOINT_SIDE.map((check) => check(context, clientPath ?? path, request.port)));
        const label = 'admitted' in verdict ? `a|${verdict.admitted}` : `x|${verdict.excludedBy.checkId}|${verdict.excludedBy.evidence}`;
        labelled.set(label, [...(labelled.get(label) ?? []), interval]);
      }
      for (const [label, ranges] of labelled) {
        const cidrs = rangesToCidrs(normalizeRanges(ranges), family);
        if (label.startsWith('a|')) {
          const status = label.slice(2) as AdmittedCidr['status'];
          (family === 4 ? entry.ipv4 : entry.ipv6).push(...cidrs.map((cidr) => ({ cidr, status })));
        } else {
          const [, checkId, ...rest] = label.split('|');
          entry.excluded.push(...cidrs.map((cidr) => ({ cidr, by: { checkId: checkId as CheckId, evidence: rest.join('|') } })));
        }
      }
    }
  }
  const byAddress = (a: AdmittedCidr, b: AdmittedCidr) => compareCidrs(a.cidr, b.cidr);
  return [...results].map(([eniId, entry]) => ({ eniId, ...entry, ipv4: entry.ipv4.sort(byAddress), ipv6: entry.ipv6.sort(byAddress) }));
}

function compareCidrs(a: string, b: string): number {
  const left = parseIp(a.split('/')[0]!)!;
  const right = parseIp(b.split('/')[0]!)!;
  const x = BigInt(left.value);
  const y = BigInt(right.value);
  return x < y ? -1 : x > y ? 1 : 0;
}

