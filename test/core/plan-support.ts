import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Change } from '../../src/core/change.js';
import type { Check, FixPlan, Report } from '../../src/core/report.js';

/**
 * What a fix plan means to AWS, independently of the planner and of src/core/change.ts: its
 * changes applied to the AWS CLI JSON documents of a snapshot, as AWS would apply the
 * commands (refusing a duplicate rule, a taken NACL rule number, a missing resource), and
 * the checks every plan must pass (no collisions, NACL numbers before the denying entry,
 * every check left failing named as unfixable).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** One unit's documents, keyed like test/support/model.ts AwsDocuments (folders keyed by resource name). */
export type Documents = Record<string, Json>;

export interface DocumentsUnit {
  readonly accountId?: string;
  readonly region?: string;
  readonly documents: Documents;
}

/** What AWS answers when a command cannot be applied. */
export class AwsRefusal extends Error {
  constructor(
    readonly index: number,
    readonly code: string,
    message: string,
  ) {
    super(`change ${index}: ${code}: ${message}`);
  }
}

// ----------------------------------------------------------------------------- snapshot files

/** The files a plan can touch: single files and per-resource folders (relative to a unit's folder). */
const FILES: Readonly<Record<string, string>> = {
  DescribeSecurityGroups: 'ec2/DescribeSecurityGroups.json',
  DescribeNetworkAcls: 'ec2/DescribeNetworkAcls.json',
  DescribeVpcEndpoints: 'ec2/DescribeVpcEndpoints.json',
  DescribeNetworkInterfaces: 'ec2/DescribeNetworkInterfaces.json',
  DescribeLoadBalancers: 'elbv2/DescribeLoadBalancers.json',
};
const FOLDERS: Readonly<Record<string, string>> = {
  DescribeLoadBalancerAttributes: 'elbv2/DescribeLoadBalancerAttributes',
};

async function readJsonIfAny(path: string): Promise<Json | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The documents of one §4 snapshot folder that a plan can change. */
export async function readUnitDocuments(dir: string): Promise<Documents> {
  const documents: Documents = {};
  for (const [key, path] of Object.entries(FILES)) {
    const document = await readJsonIfAny(join(dir, path));
    if (document !== undefined) documents[key] = document;
  }
  for (const [key, path] of Object.entries(FOLDERS)) {
    let names: string[];
    try {
      names = (await readdir(join(dir, path))).filter((name) => name.endsWith('.json'));
    } catch {
      continue;
    }
    const byName: Record<string, Json> = {};
    for (const name of names) byName[name.slice(0, -'.json'.length)] = JSON.parse(await readFile(join(dir, path, name), 'utf8'));
    documents[key] = byName;
  }
  return documents;
}

/** Writes the documents back, one file per document, as the AWS CLI prints them. */
export async function writeUnitDocuments(dir: string, documents: Documents): Promise<void> {
  for (const [key, path] of Object.entries(FILES)) {
    if (documents[key] !== undefined) await writeFile(join(dir, path), JSON.stringify(documents[key], null, 2));
  }
  for (const [key, path] of Object.entries(FOLDERS)) {
    if (documents[key] === undefined) continue;
    await mkdir(join(dir, path), { recursive: true });
    for (const [name, document] of Object.entries(documents[key] as Record<string, Json>))
      await writeFile(join(dir, path, `${name}.json`), JSON.stringify(document, null, 2));
  }
}

/** The unit folders of a snapshot: `<account>/<region>/` folders of a fleet, or the root itself. */
export async function unitFolders(root: string): Promise<{ accountId?: string; region?: string; dir: string }[]> {
  const accounts = (await readdir(root, { withFileTypes: true })).filter((entry) => entry.isDirectory() && /^\d{12}$/.test(entry.name));
  if (accounts.length === 0) return [{ dir: root }];
  const units: { accountId: string; region: string; dir: string }[] = [];
  for (const account of accounts) {
    for (const region of await readdir(join(root, account.name), { withFileTypes: true })) {
      if (region.isDirectory()) units.push({ accountId: account.name, region: region.name, dir: join(root, account.name, region.name) });
    }
  }
  return units;
}

/** The account and region a single snapshot speaks for, read plainly from its endpoints. */
export function unitOfDocuments(documents: Documents): { accountId?: string; region?: string } {
  for (const endpoint of documents['DescribeVpcEndpoints']?.VpcEndpoints ?? []) {
    const region = /^com\.amazonaws\.(?:vpce\.)?([a-z]{2}-[a-z]+-\d)\./.exec(String(endpoint.ServiceName))?.[1];
    if (/^\d{12}$/.test(String(endpoint.OwnerId)) && region) return { accountId: endpoint.OwnerId, region };
  }
  return {};
}

// ----------------------------------------------------------------------------- the applier

/** A protocol as AWS keeps it in a security group: `tcp`, `udp`, `icmp`, `icmpv6`, `-1`, or a number. */
function sgProtocol(protocol: string): string {
  const lower = protocol.toLowerCase();
  const byNumber: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };
  return byNumber[lower] ?? lower;
}

/** A protocol as AWS keeps it in a NACL entry: its number. */
function naclProtocol(protocol: string): string {
  const byName: Record<string, string> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58', all: '-1' };
  return byName[protocol.toLowerCase()] ?? protocol;
}

function hasPorts(sgProto: string): boolean {
  return sgProto === 'tcp' || sgProto === 'udp';
}

type SgChange = Extract<Change, { kind: 'sg-rule' }>;

/** The peer of a rule change as the IpPermission list and item it lives in. */
function peerOf(change: SgChange): { list: string; key: string; value: string } {
  if (change.cidr !== undefined) return { list: 'IpRanges', key: 'CidrIp', value: change.cidr };
  if (change.ipv6Cidr !== undefined) return { list: 'Ipv6Ranges', key: 'CidrIpv6', value: change.ipv6Cidr };
  if (change.prefixListId !== undefined) return { list: 'PrefixListIds', key: 'PrefixListId', value: change.prefixListId };
  if (change.peerGroupId !== undefined) return { list: 'UserIdGroupPairs', key: 'GroupId', value: change.peerGroupId };
  throw new Error('an sg-rule change without a peer');
}

function samePorts(permission: Json, change: SgChange): boolean {
  const protocol = sgProtocol(change.protocol);
  if (sgProtocol(String(permission.IpProtocol)) !== protocol) return false;
  if (!hasPorts(protocol)) return true;
  return permission.FromPort === change.fromPort && permission.ToPort === change.toPort;
}

/** A CIDR as AWS normalises it: the canonical text of its network address. */
function canonicalCidr(text: string): string {
  const [address, bits] = ipaddr.parseCIDR(text);
  const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  return `${network.toString()}/${bits}`;
}

function samePeer(item: Json, key: string, value: string): boolean {
  if (key === 'CidrIp' || key === 'CidrIpv6') {
    try {
      return canonicalCidr(String(item[key])) === canonicalCidr(value);
    } catch {
      return false;
    }
  }
  return item[key] === value;
}

function unitHolding(units: readonly DocumentsUnit[], change: Change, index: number, holds: (documents: Documents) => boolean, what: string): DocumentsUnit {
  const named = units.filter(
    (unit) =>
      (change.accountId === undefined || unit.accountId === undefined || unit.accountId === change.accountId) &&
      (change.region === undefined || unit.region === undefined || unit.region === change.region),
  );
  const holding = named.filter((unit) => holds(unit.documents));
  if (holding.length !== 1) throw new AwsRefusal(index, holding.length === 0 ? 'NotFound' : 'Ambiguous', `${what} is in ${holding.length} units`);
  return holding[0]!;
}

function applySecurityGroupRule(units: readonly DocumentsUnit[], change: SgChange, index: number): void {
  const find = (documents: Documents) => (documents['DescribeSecurityGroups']?.SecurityGroups ?? []).find((group: Json) => group.GroupId === change.groupId);
  const unit = unitHolding(units, change, index, (documents) => find(documents) !== undefined, `security group ${change.groupId}`);
  const group = find(unit.documents);
  const listName = change.direction === 'inbound' ? 'IpPermissions' : 'IpPermissionsEgress';
  group[listName] ??= [];
  const permissions: Json[] = group[listName];
  const peer = peerOf(change);
  const holder = permissions.find(
    (permission) => samePorts(permission, change) && (permission[peer.list] ?? []).some((item: Json) => samePeer(item, peer.key, peer.value)),
  );
  if (change.op === 'add') {
    if (holder) throw new AwsRefusal(index, 'InvalidPermission.Duplicate', `${change.groupId} already has this ${change.direction} rule`);
    const item: Json = { [peer.key]: peer.value, ...(change.description !== undefined ? { Description: change.description } : {}) };
    if (peer.list === 'UserIdGroupPairs' && unit.accountId) item.UserId = unit.accountId;
    // AWS merges a rule into the permission of the same protocol and ports.
    const same = permissions.find((permission) => samePorts(permission, change));
    if (same) {
      same[peer.list] = [...(same[peer.list] ?? []), item];
    } else {
      const protocol = sgProtocol(change.protocol);
      permissions.push({
        IpProtocol: protocol,
        ...(hasPorts(protocol) ? { FromPort: change.fromPort, ToPort: change.toPort } : {}),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
        [peer.list]: [item],
      });
    }
    return;
  }
  if (!holder) throw new AwsRefusal(index, 'InvalidPermission.NotFound', `${change.groupId} has no such ${change.direction} rule`);
  holder[peer.list] = holder[peer.list].filter((item: Json) => !samePeer(item, peer.key, peer.value));
  const empty = ['IpRanges', 'Ipv6Ranges', 'PrefixListIds', 'UserIdGroupPairs'].every((list) => (holder[list] ?? []).length === 0);
  if (empty) group[listName] = permissions.filter((permission) => permission !== holder);
}

function applyNetworkAclEntry(units: readonly DocumentsUnit[], change: Extract<Change, { kind: 'nacl-entry' }>, index: number): void {
  const find = (documents: Documents) => (documents['DescribeNetworkAcls']?.NetworkAcls ?? []).find((acl: Json) => acl.NetworkAclId === change.networkAclId);
  const unit = unitHolding(units, change, index, (documents) => find(documents) !== undefined, `network ACL ${change.networkAclId}`);
  const acl = find(unit.documents);
  const entries: Json[] = acl.Entries;
  const at = entries.findIndex((entry) => entry.Egress === change.egress && entry.RuleNumber === change.ruleNumber);
  if (change.op === 'remove') {
    if (at < 0) throw new AwsRefusal(index, 'InvalidNetworkAclEntry.NotFound', `no rule ${change.ruleNumber}`);
    entries.splice(at, 1);
    return;
  }
  if (change.ruleNumber < 1 || change.ruleNumber > 32766) throw new AwsRefusal(index, 'InvalidParameterValue', `rule number ${change.ruleNumber}`);
  if (change.op === 'add' && at >= 0) throw new AwsRefusal(index, 'NetworkAclEntryAlreadyExists', `rule ${change.ruleNumber} is taken`);
  if (change.op === 'replace' && at < 0) throw new AwsRefusal(index, 'InvalidNetworkAclEntry.NotFound', `no rule ${change.ruleNumber} to replace`);
  const protocol = naclProtocol(change.protocol ?? '-1');
  const entry: Json = {
    ...(change.cidr !== undefined ? { CidrBlock: change.cidr } : { Ipv6CidrBlock: change.ipv6Cidr }),
    Egress: change.egress,
    ...(protocol === '6' || protocol === '17' ? { PortRange: { From: change.fromPort, To: change.toPort } } : {}),
    ...(protocol === '1' || protocol === '58' ? { IcmpTypeCode: { Code: -1, Type: -1 } } : {}),
    Protocol: protocol,
    RuleAction: change.action,
    RuleNumber: change.ruleNumber,
  };
  if (at >= 0) entries[at] = entry;
  else entries.push(entry);
}

function applyEndpointGroup(units: readonly DocumentsUnit[], change: Extract<Change, { kind: 'endpoint-sg' }>, index: number): void {
  const find = (documents: Documents) =>
    (documents['DescribeVpcEndpoints']?.VpcEndpoints ?? []).find((endpoint: Json) => endpoint.VpcEndpointId === change.endpointId);
  const unit = unitHolding(units, change, index, (documents) => find(documents) !== undefined, `endpoint ${change.endpointId}`);
  const endpoint = find(unit.documents);
  const group = (unit.documents['DescribeSecurityGroups']?.SecurityGroups ?? []).find((candidate: Json) => candidate.GroupId === change.groupId);
  if (!group && unit.documents['DescribeSecurityGroups']) throw new AwsRefusal(index, 'InvalidGroup.NotFound', change.groupId);
  const attached = (endpoint.Groups ?? []).some((candidate: Json) => candidate.GroupId === change.groupId);
  if (change.op === 'attach' && attached) throw new AwsRefusal(index, 'InvalidParameter', `${change.groupId} is already attached`);
  if (change.op === 'detach' && !attached) throw new AwsRefusal(index, 'InvalidParameter', `${change.groupId} is not attached`);
  const edit = (holder: Json) => {
    holder.Groups =
      change.op === 'attach'
        ? [...(holder.Groups ?? []), { GroupId: change.groupId, GroupName: group?.GroupName ?? change.groupId }]
        : holder.Groups.filter((candidate: Json) => candidate.GroupId !== change.groupId);
  };
  edit(endpoint);
  // Every network interface of the endpoint carries the endpoint's groups.
  for (const eni of unit.documents['DescribeNetworkInterfaces']?.NetworkInterfaces ?? []) {
    if ((endpoint.NetworkInterfaceIds ?? []).includes(eni.NetworkInterfaceId)) edit(eni);
  }
}

function applyNlbAttribute(units: readonly DocumentsUnit[], change: Extract<Change, { kind: 'nlb-attribute' }>, index: number): void {
  const find = (documents: Documents) =>
    (documents['DescribeLoadBalancers']?.LoadBalancers ?? []).find((lb: Json) => lb.LoadBalancerArn === change.loadBalancerArn);
  const unit = unitHolding(units, change, index, (documents) => find(documents) !== undefined, `load balancer ${change.loadBalancerArn}`);
  const lb = find(unit.documents);
  if (change.key === 'enforce_security_group_inbound_rules_on_private_link_traffic') {
    if ((lb.SecurityGroups ?? []).length === 0) throw new AwsRefusal(index, 'InvalidConfigurationRequest', `${lb.LoadBalancerName} has no security groups`);
    lb.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic = change.value;
    return;
  }
  unit.documents['DescribeLoadBalancerAttributes'] ??= {};
  const byName = unit.documents['DescribeLoadBalancerAttributes'];
  byName[lb.LoadBalancerName] ??= { Attributes: [] };
  const attributes: Json[] = byName[lb.LoadBalancerName].Attributes;
  const known = attributes.find((attribute) => attribute.Key === change.key);
  if (known) known.Value = change.value;
  else attributes.push({ Key: change.key, Value: change.value });
}

/** Applies the changes in order to the units' documents (mutated), as AWS would run the commands. */
export function applyToDocuments(units: readonly DocumentsUnit[], changes: readonly Change[]): void {
  changes.forEach((change, index) => {
    switch (change.kind) {
      case 'sg-rule':
        return applySecurityGroupRule(units, change, index);
      case 'nacl-entry':
        return applyNetworkAclEntry(units, change, index);
      case 'endpoint-sg':
        return applyEndpointGroup(units, change, index);
      case 'nlb-attribute':
        return applyNlbAttribute(units, change, index);
    }
  });
}

// ----------------------------------------------------------------------------- plan checks

function parseCidrBits(text: string): { family: 4 | 6; base: bigint; bits: number } {
  const [address, bits] = ipaddr.parseCIDR(text);
  const bytes = address.toByteArray();
  const base = bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
  const width = bytes.length * 8;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: address.kind() === 'ipv4' ? 4 : 6, base: base & mask, bits };
}

/** Two CIDRs share an address: the shorter prefix contains the other's network. */
export function cidrsOverlap(a: string, b: string): boolean {
  const left = parseCidrBits(a);
  const right = parseCidrBits(b);
  if (left.family !== right.family) return false;
  const bits = Math.min(left.bits, right.bits);
  const width = left.family === 4 ? 32 : 128;
  const shift = BigInt(width - bits);
  return left.base >> shift === right.base >> shift;
}

function unitKey(change: Change): string {
  return `${change.accountId ?? ''}/${change.region ?? ''}`;
}

/** Every pair of changes AWS would refuse together, and every add that collides with the data. */
export function planCollisions(units: readonly DocumentsUnit[], changes: readonly Change[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  changes.forEach((change, index) => {
    let key: string | undefined;
    if (change.kind === 'sg-rule') {
      const peer = peerOf(change);
      const value = peer.key.startsWith('Cidr') ? canonicalCidr(peer.value) : peer.value;
      const protocol = sgProtocol(change.protocol);
      key = `sg ${unitKey(change)} ${change.groupId} ${change.direction} ${protocol} ${hasPorts(protocol) ? `${change.fromPort}-${change.toPort}` : ''} ${peer.list}=${value}`;
    } else if (change.kind === 'nacl-entry') {
      key = `nacl ${unitKey(change)} ${change.networkAclId} ${change.egress ? 'egress' : 'ingress'} #${change.ruleNumber}`;
      if (change.op === 'add') {
        for (const unit of units) {
          if (change.accountId !== undefined && unit.accountId !== undefined && unit.accountId !== change.accountId) continue;
          const acl = (unit.documents['DescribeNetworkAcls']?.NetworkAcls ?? []).find((candidate: Json) => candidate.NetworkAclId === change.networkAclId);
          const taken = (acl?.Entries ?? []).find((entry: Json) => entry.Egress === change.egress && entry.RuleNumber === change.ruleNumber);
          if (taken) problems.push(`change ${index}: ${key} is taken in the data (${JSON.stringify(taken)})`);
        }
      }
    } else if (change.kind === 'endpoint-sg') {
      key = `endpoint-sg ${unitKey(change)} ${change.endpointId} ${change.groupId}`;
    } else {
      key = `nlb ${unitKey(change)} ${change.loadBalancerArn} ${change.key}`;
    }
    const first = seen.get(key);
    if (first !== undefined) problems.push(`changes ${first} and ${index} collide: ${key}`);
    else seen.set(key, index);
  });
  return problems;
}

/** The CIDR holds the address (same family). */
function cidrContains(cidr: string, address: string): boolean {
  return cidrsOverlap(cidr, `${address}/${ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128}`);
}

/** The first entry (by rule number) of one direction that matches TCP to or from `address` on `port`. */
function firstMatch(entries: readonly Json[], egress: boolean, address: string, port: number): Json | undefined {
  return [...entries]
    .filter((entry) => entry.Egress === egress)
    .sort((a, b) => a.RuleNumber - b.RuleNumber)
    .find(
      (entry) =>
        (entry.Protocol === '6' || entry.Protocol === '-1') &&
        cidrContains(entry.CidrBlock ?? entry.Ipv6CidrBlock, address) &&
        (entry.Protocol === '-1' || !entry.PortRange || (entry.PortRange.From <= port && port <= entry.PortRange.To)),
    );
}

/** The ports of a range where the first match can change: its start and every entry boundary inside it. */
function boundaryPorts(entries: readonly Json[], range: { from: number; to: number }): number[] {
  const ports = new Set([range.from]);
  for (const entry of entries) {
    if (!entry.PortRange) continue;
    for (const port of [entry.PortRange.From, entry.PortRange.To + 1]) if (port >= range.from && port <= range.to) ports.add(port);
  }
  return [...ports];
}

/** Whose traffic a NACL check judges: the client (endpoint side), the endpoint interface (client side), the NLB nodes (targets). */
function checkPeers(report: Pick<Report, 'client' | 'provider'>, check: Check): string[] {
  if (check.id.startsWith('endpoint.nacl.')) return [report.client.ipAddress];
  if (check.id.startsWith('client.nacl.')) return check.scope.ipAddress ? [check.scope.ipAddress] : [];
  if (check.id.startsWith('target.nacl.')) return [...(report.provider.loadBalancerNodeIps ?? [])];
  return [];
}

/**
 * NACL entries that come too late. The report's evidence names the deny entries that decided
 * each denial, with the ports each decided for the check's peers (the client, the endpoint
 * interface, the NLB nodes). For every such port and peer that the plan's allows admit, in a
 * NACL where that deny is the first match as captured, the first of those allows must come
 * before the deny, unless the plan names that deny as one no free number precedes. A NACL and
 * direction whose new entries answer no denial is named too.
 */
export function naclOrderProblems(
  report: Pick<Report, 'checks' | 'client' | 'provider'>,
  changes: readonly Change[],
  units: readonly DocumentsUnit[],
  unfixable: FixPlan['unfixable'] = [],
): string[] {
  const problems: string[] = [];
  // A deny that the plan says nothing can precede (no free number) binds no entry.
  const declaredUnfixable = (checkId: string, aclId: string, ruleNumber: number) =>
    unfixable.some(
      (item) =>
        item.checkId === checkId && `${item.summary} ${item.action}`.includes(aclId) && `${item.summary} ${item.action}`.includes(`below ${ruleNumber}`),
    );
  const entriesOf = (change: Change & { networkAclId: string }): Json[] => {
    for (const unit of units) {
      if (change.accountId !== undefined && unit.accountId !== undefined && unit.accountId !== change.accountId) continue;
      const acl = (unit.documents['DescribeNetworkAcls']?.NetworkAcls ?? []).find((candidate: Json) => candidate.NetworkAclId === change.networkAclId);
      if (acl) return acl.Entries;
    }
    return [];
  };
  const allows = changes.flatMap((change, index) =>
    change.kind === 'nacl-entry' && change.op !== 'remove' && change.action === 'allow' ? [{ change, index }] : [],
  );
  const key = (change: { networkAclId: string; egress: boolean }) => `${change.networkAclId} ${change.egress ? 'outbound' : 'inbound'}`;
  const touched = new Set(allows.map(({ change }) => key(change)));
  const motivated = new Set<string>();
  for (const check of report.checks) {
    if (check.status !== 'fail' && check.status !== 'warn') continue;
    for (const item of check.evidence) {
      if (item.kind !== 'network-acl-entry' || item.ruleAction !== 'deny') continue;
      const declared = declaredUnfixable(check.id, item.networkAclId, item.ruleNumber);
      const here = allows.filter(({ change }) => change.networkAclId === item.networkAclId && change.egress === item.egress);
      if (here.length === 0) continue;
      const entries = entriesOf(here[0]!.change);
      for (const peer of checkPeers(report, check)) {
        for (const decided of item.decidedPorts) {
          for (const port of boundaryPorts(
            [...entries, ...here.map(({ change }) => ({ PortRange: { From: change.fromPort ?? 0, To: change.toPort ?? 65535 } }))],
            decided,
          )) {
            if (firstMatch(entries, item.egress, peer, port)?.RuleNumber !== item.ruleNumber) continue;
            const admitting = here.filter(
              ({ change }) => cidrContains(change.cidr ?? change.ipv6Cidr!, peer) && (change.fromPort ?? 0) <= port && port <= (change.toPort ?? 65535),
            );
            if (admitting.length === 0) continue;
            motivated.add(key(item));
            const first = admitting.reduce((best, candidate) => (candidate.change.ruleNumber < best.change.ruleNumber ? candidate : best));
            if (first.change.ruleNumber >= item.ruleNumber && !declared) {
              problems.push(
                `change ${first.index}: rule ${first.change.ruleNumber} in ${key(item)} is the first new entry admitting ${peer} on ${port}, but comes after deny rule ${item.ruleNumber}, which decided ${check.id} on ${check.scope.networkInterfaceId ?? ''}`,
              );
            }
          }
        }
      }
    }
  }
  for (const acl of touched) if (!motivated.has(acl)) problems.push(`the entries added to ${acl} answer no denial in the report`);
  return [...new Set(problems)];
}

/** Checks still not passing after the plan that no unfixable item names. */
export function uncoveredChecks(after: Pick<Report, 'checks'>, plan: Pick<FixPlan, 'unfixable'>): Check[] {
  const named = new Set(plan.unfixable.map((item) => item.checkId));
  return after.checks.filter(
    (check) => (check.status === 'fail' || check.status === 'warn' || check.status === 'unknown') && check.id !== 'probe.tcp' && !named.has(check.id),
  );
}

/** The plan-level invariants that need no data: counts, uniqueness, verified. */
export function assertPlanShape(plan: FixPlan, label: string): void {
  assert.equal(plan.verified, plan.verdictAfter === 'reachable', `${label}: verified is verdictAfter === reachable`);
  assert.equal(plan.commands.length, plan.changes.length, `${label}: one command per change`);
  assert.equal(new Set(plan.commands).size, plan.commands.length, `${label}: each command once`);
  const lines = plan.script.split('\n');
  for (const command of plan.commands) {
    const words = command.replace(/^aws /, '').replace(/ --region \S+$/, '');
    const matching = lines.filter((line) => line.startsWith('aws "${') && line.endsWith(`[@]}" ${words}`));
    assert.equal(matching.length, 1, `${label}: the script runs ${command} exactly once (found ${matching.length})`);
  }
  assert.equal(new Set(plan.changes.map((change) => JSON.stringify(change))).size, plan.changes.length, `${label}: each change once`);
}

/** The outcome of re-analysing with the plan applied, judged: reachable, or only unfixable checks left. */
export function assertFixed(plan: FixPlan, after: Pick<Report, 'verdict' | 'checks' | 'verdictSummary'>, label: string): void {
  if (after.verdict === 'reachable') return;
  const left = uncoveredChecks(after, plan);
  assert.deepEqual(
    left.map((check) => `${check.id} ${check.status} on ${check.scope.networkInterfaceId ?? '-'}: ${check.summary}`),
    [],
    `${label}: after the plan the verdict is ${after.verdict} (${after.verdictSummary}) and these checks are not named unfixable`,
  );
}
