import { networkAclUnknownReason } from './checks/context.js';
import { networkAclCheck } from './checks/rules.js';
import { locateRequestedEndpoint } from './analyze.js';
import { asFleet, type Fleet, type FleetUnit } from './fleet.js';
import { clientInterfaces } from './clients.js';
import { whyMissing, type NetworkAcl, type NetworkInterface, type NetworkModel, type VpcEndpoint } from './model.js';
import { parseIp, type IpAddress, type IpFamily } from './net.js';
import { anyWithin, overlay, segmentAt, uniformPartition, zipPartitions, type Partition, type Segment } from './partition.js';
import { endpointPaths, networkAclOfSubnet, resolveClient, type EndpointPath, type ResolvedClient } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, formatRange, type PortRange } from './ports.js';
import { cidrRange, normalizeRanges, rangeToCidrs, subtractRanges, wholeFamily, type AddressRange } from './ranges.js';
import type { CheckId } from './report.js';
import { ruleAllowsTcpPort } from './sg.js';

/**
 * Who can reach an endpoint (contract §8): per endpoint interface and address family, the
 * exact set of source addresses its side admits on a port — its security groups inbound,
 * its subnet's NACL inbound and, for the return, outbound — computed as range arithmetic
 * over the whole address space, never address by address. Each check is a partition of
 * the space into the answers its point evaluation gives; the three are walked together.
 * Whatever a point analysis reads that could differ between two addresses draws a
 * boundary: rule and entry CIDRs, prefix list entries, subnets (which one a point analysis
 * places an address in), and the addresses of the data's interfaces (whose groups a group
 * reference reads, and whose subnet decides whether a NACL is crossed).
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
  /** The first endpoint-side check that does not admit it: `fail`, or `unknown` when the data cannot say. */
  readonly by: { readonly checkId: CheckId; readonly status: 'fail' | 'unknown'; readonly evidence: string };
}

export interface InterfaceSourceSet {
  readonly eniId: string;
  readonly subnetId?: string;
  readonly availabilityZoneId?: string;
  readonly ipv4: AdmittedCidr[];
  readonly ipv6: AdmittedCidr[];
  readonly excluded: ExcludedCidr[];
}

type Status = 'pass' | 'fail' | 'warn' | 'unknown' | 'not_applicable';

/** One check's answer for a piece of the address space; interned, so that equal answers are the same object. */
export interface CheckAnswer {
  readonly id: number;
  readonly status: Status;
  /** The deciding rule, entry or reason, in words that hold for every address of the piece. */
  readonly text: string;
}

/** The endpoint side's answer for a piece of the address space: each check's, and the label they make. */
export interface EndpointSideAnswer {
  readonly securityGroups: CheckAnswer;
  readonly naclInbound: CheckAnswer;
  readonly naclOutbound: CheckAnswer;
  readonly label: { readonly admitted: 'reachable' | 'warn' } | { readonly excluded: ExcludedCidr['by'] };
  readonly key: string;
}

/** endpoint.sg.inbound, endpoint.nacl.inbound and endpoint.nacl.outbound, each for every address of a family. */
export type EndpointSideParts = readonly [Partition<CheckAnswer>, Partition<CheckAnswer>, Partition<CheckAnswer>];

/** One endpoint interface: the path a point analysis follows, and the endpoint side's answer for every address of each family. */
export interface InterfaceReach {
  readonly path: EndpointPath;
  readonly parts: Readonly<Record<IpFamily, EndpointSideParts>>;
  /** The three walked together (computed when first read). */
  readonly byFamily: Readonly<Record<IpFamily, Partition<EndpointSideAnswer>>>;
}

/** A VPC whose network interfaces are workloads, and its ranges per family. */
export interface WorkloadVpc {
  readonly unit: FleetUnit;
  readonly vpcId: string;
  readonly enis: NetworkInterface[];
  readonly ranges: Readonly<Record<IpFamily, AddressRange[]>>;
}

interface RuleUnion {
  readonly allowed: AddressRange[];
  readonly reasons: string[];
  readonly referenced: ReadonlySet<string>;
}

const FAMILIES: readonly IpFamily[] = [4, 6];

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addressValue(address: IpAddress): bigint {
  return BigInt(address.value);
}

function addressText(value: bigint, family: IpFamily): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

/** What every endpoint of one model shares: where its interfaces and subnets lie in the address space. */
interface ModelIndex {
  /** Addresses of the data's interfaces, by group they carry. */
  readonly groupMembers: ReadonlyMap<string, Readonly<Record<IpFamily, AddressRange[]>>>;
  /** Addresses whose client a point analysis places without knowing its groups: in a subnet, or unplaceable, and on no interface. */
  readonly groupsUnknown: Readonly<Record<IpFamily, AddressRange[]>>;
  /** Per subnet, the addresses a point analysis places in it: the first subnet that holds a bare address, an interface's own subnet. */
  readonly placedIn: (subnetId: string, family: IpFamily) => AddressRange[];
}

/** For each piece of the space, the first subnet (in the data's order) that holds it, as resolveClient finds it. */
function firstSubnetRanges(model: NetworkModel, family: IpFamily): Map<string, AddressRange[]> {
  const ranges: { range: AddressRange; order: number; subnetId: string }[] = [];
  let order = 0;
  for (const subnet of model.subnets.values()) {
    for (const cidr of subnet.cidrs) if (cidr.family === family) ranges.push({ range: cidrRange(cidr), order, subnetId: subnet.id });
    order++;
  }
  const cuts = [...new Set(ranges.flatMap(({ range }) => [range.start, range.end + 1n]))].sort(compareBig);
  const byStart = [...ranges].sort((a, b) => compareBig(a.range.start, b.range.start));
  const owned = new Map<string, AddressRange[]>();
  let active: typeof ranges = [];
  let next = 0;
  for (let index = 0; index + 1 < cuts.length; index++) {
    const start = cuts[index]!;
    const end = cuts[index + 1]! - 1n;
    while (next < byStart.length && byStart[next]!.range.start <= start) active.push(byStart[next++]!);
    active = active.filter((item) => item.range.end >= start);
    if (active.length === 0) continue;
    const owner = active.reduce((best, item) => (item.order < best.order ? item : best));
    const list = owned.get(owner.subnetId) ?? [];
    const last = list[list.length - 1];
    if (last && last.end + 1n === start) list[list.length - 1] = { start: last.start, end };
    else list.push({ start, end });
    owned.set(owner.subnetId, list);
  }
  return owned;
}

function buildModelIndex(model: NetworkModel): ModelIndex {
  const groupMembers = new Map<string, Record<IpFamily, AddressRange[]>>();
  const interfaceAddresses: Record<IpFamily, { value: bigint; eni: NetworkInterface }[]> = { 4: [], 6: [] };
  for (const [text, eni] of model.interfaceByIp) {
    const address = parseIp(text);
    if (!address) continue;
    const value = addressValue(address);
    interfaceAddresses[address.family].push({ value, eni });
    for (const groupId of eni.securityGroupIds) {
      const members = groupMembers.get(groupId) ?? { 4: [], 6: [] };
      members[address.family].push({ start: value, end: value });
      groupMembers.set(groupId, members);
    }
  }
  for (const members of groupMembers.values()) for (const family of FAMILIES) members[family] = normalizeRanges(members[family]);
  const subnetsPlaceable = model.captured.has('subnets') && !model.truncated.has('subnets');
  const first = {
    4: model.captured.has('subnets') ? firstSubnetRanges(model, 4) : new Map<string, AddressRange[]>(),
    6: model.captured.has('subnets') ? firstSubnetRanges(model, 6) : new Map<string, AddressRange[]>(),
  };
  const groupsUnknown = {} as Record<IpFamily, AddressRange[]>;
  const exceptions = {
    4: new Map<string, { removed: AddressRange[]; added: AddressRange[] }>(),
    6: new Map<string, { removed: AddressRange[]; added: AddressRange[] }>(),
  };
  for (const family of FAMILIES) {
    const addresses = normalizeRanges(interfaceAddresses[family].map(({ value }) => ({ start: value, end: value })));
    const inSubnets = normalizeRanges([...first[family].values()].flat());
    groupsUnknown[family] = subtractRanges(subnetsPlaceable ? inSubnets : [wholeFamily(family)], addresses);
    // An interface's address is placed in the interface's own subnet, whichever subnet's CIDR holds it.
    const ownerOf = new Map<bigint, string>();
    for (const [subnetId, list] of first[family]) for (const range of list) ownerOf.set(range.start, subnetId);
    const owners = [...first[family]]
      .flatMap(([subnetId, list]) => list.map((range) => ({ range, subnetId })))
      .sort((a, b) => compareBig(a.range.start, b.range.start));
    const ownerAt = (value: bigint): string | undefined => {
      let low = 0;
      let high = owners.length - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        const { range, subnetId } = owners[middle]!;
        if (value < range.start) high = middle - 1;
        else if (value > range.end) low = middle + 1;
        else return subnetId;
      }
      return undefined;
    };
    for (const { value, eni } of interfaceAddresses[family]) {
      const placed = ownerAt(value);
      if (placed === eni.subnetId) continue;
      const point = { start: value, end: value };
      if (placed) {
        const entry = exceptions[family].get(placed) ?? { removed: [], added: [] };
        entry.removed.push(point);
        exceptions[family].set(placed, entry);
      }
      const entry = exceptions[family].get(eni.subnetId) ?? { removed: [], added: [] };
      entry.added.push(point);
      exceptions[family].set(eni.subnetId, entry);
    }
  }
  const placedCache = new Map<string, AddressRange[]>();
  return {
    groupMembers,
    groupsUnknown,
    placedIn: (subnetId, family) => {
      const key = `${family}|${subnetId}`;
      let placed = placedCache.get(key);
      if (!placed) {
        const exception = exceptions[family].get(subnetId);
        const own = first[family].get(subnetId) ?? [];
        placed = exception ? normalizeRanges([...subtractRanges(own, normalizeRanges(exception.removed)), ...exception.added]) : own;
        placedCache.set(key, placed);
      }
      return placed;
    },
  };
}

/**
 * Computes source sets, remembering what endpoints share: the index of each model, the
 * answer of each set of security groups and of each NACL. One engine per question over one
 * version of the data; it keeps nothing beyond its own life.
 */
export class ReachEngine {
  readonly fleet: Fleet;
  private readonly indexes = new Map<NetworkModel, ModelIndex>();
  private readonly answers = new Map<string, CheckAnswer>();
  private readonly sides = new Map<string, EndpointSideAnswer>();
  private readonly partitions = new Map<string, Partition<CheckAnswer>>();
  private readonly unions = new Map<string, RuleUnion>();
  private readonly vpcs = new Map<string, AddressRange[]>();
  private readonly clientsByVpc = new Map<NetworkModel, Map<string, NetworkInterface[]>>();
  private readonly shapes = new WeakMap<ResolvedClient, string>();
  private vpcList: WorkloadVpc[] | undefined;
  private readonly values = new WeakMap<ResolvedClient, bigint>();
  private readonly resolved = new Map<NetworkModel, Map<string, ResolvedClient>>();
  private readonly paths = new Map<string, EndpointPath[]>();
  private readonly clients = new Map<string, (path: EndpointPath) => readonly [CheckAnswer, CheckAnswer, CheckAnswer]>();
  private readonly modelIds = new Map<NetworkModel, number>();

  constructor(data: NetworkModel | Fleet) {
    this.fleet = asFleet(data);
  }

  private index(model: NetworkModel): ModelIndex {
    let index = this.indexes.get(model);
    if (!index) {
      index = buildModelIndex(model);
      this.indexes.set(model, index);
    }
    return index;
  }

  private modelId(model: NetworkModel): number {
    let id = this.modelIds.get(model);
    if (id === undefined) {
      id = this.modelIds.size;
      this.modelIds.set(model, id);
    }
    return id;
  }

  private answer(status: Status, text: string): CheckAnswer {
    const key = `${status}|${text}`;
    let answer = this.answers.get(key);
    if (!answer) {
      answer = { id: this.answers.size, status, text };
      this.answers.set(key, answer);
    }
    return answer;
  }

  private memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
    let value = cache.get(key);
    if (value === undefined) {
      value = make();
      cache.set(key, value);
    }
    return value;
  }

  /** The rules of some groups in one direction that admit tcp `port`: their addresses, the groups they reference, and what the data cannot say. */
  private ruleUnion(model: NetworkModel, groups: readonly string[], direction: 'ingress' | 'egress', port: number, family: IpFamily): RuleUnion {
    const key = `rules|${this.modelId(model)}|${groups.join(',')}|${direction}|${port}|${family}`;
    return this.memo(this.unions, key, () => {
      const allowed: AddressRange[] = [];
      const reasons: string[] = [];
      const referenced = new Set<string>();
      for (const groupId of groups) {
        const group = model.securityGroups.get(groupId);
        if (!group) {
          reasons.push(`security group ${groupId} is not in the captured data`);
          continue;
        }
        for (const rule of direction === 'ingress' ? group.ingress : group.egress) {
          if (!ruleAllowsTcpPort(rule, port)) continue;
          const peer = rule.peer;
          if (peer.kind === 'cidr') {
            if (peer.cidr.family === family) allowed.push(cidrRange(peer.cidr));
          } else if (peer.kind === 'prefix-list') {
            const list = model.prefixLists.get(peer.prefixListId);
            if (!list?.entries) {
              reasons.push(`entries of prefix list ${peer.prefixListId}: ${whyMissing(model, 'prefixListEntries')}`);
              continue;
            }
            for (const cidr of list.entries) if (cidr.family === family) allowed.push(cidrRange(cidr));
            if (list.entriesTruncated)
              reasons.push(
                `the captured entries of prefix list ${peer.prefixListId} are one page of several (NextToken): an address not on it may be on another`,
              );
          } else referenced.add(peer.groupId);
        }
      }
      return { allowed: normalizeRanges(allowed), reasons: [...new Set(reasons)], referenced };
    });
  }

  /** endpoint.sg.inbound for every address: the union of the groups' rules, as evaluateSecurityGroups reads them. */
  private securityGroups(model: NetworkModel, path: EndpointPath, port: number, family: IpFamily): Partition<CheckAnswer> {
    const eni = path.networkInterface;
    const familyMissing = eni !== undefined && (family === 4 ? eni.privateIps : eni.ipv6Addresses).length === 0;
    const key = `sg|${this.modelId(model)}|${path.securityGroupIds.join(',')}|${port}|${family}|${familyMissing}`;
    return this.memo(this.partitions, key, () => {
      if (familyMissing) return uniformPartition(family, this.answer('fail', familyMissingText(family)));
      const groups = path.securityGroupIds;
      if (groups.length === 0) return uniformPartition(family, this.answer('fail', 'no security group is attached'));
      if (!model.captured.has('securityGroups')) return uniformPartition(family, this.answer('unknown', whyMissing(model, 'securityGroups')));
      const { allowed, reasons, referenced } = this.ruleUnion(model, groups, 'ingress', port, family);
      const index = this.index(model);
      let partition: Segment<CheckAnswer>[] = uniformPartition(
        family,
        this.answer('fail', `no SG rule: none of ${groups.join(', ')} allows tcp ${port} from it`),
      );
      if (reasons.length > 0) partition = uniformPartition(family, this.answer('unknown', reasons.join('; ')));
      if (referenced.size === 0) return overlay(partition, allowed, constant(this.answer('pass', '')));
      const why = `rules reference ${[...referenced].join(', ')}, and no network interface of the data carries these addresses, so their groups are not known`;
      partition = overlay(
        partition,
        index.groupsUnknown[family],
        once((value) => this.answer('unknown', value.status === 'unknown' ? `${value.text}; ${why}` : why)),
      );
      const members = [...referenced].flatMap((groupId) => index.groupMembers.get(groupId)?.[family] ?? []);
      return overlay(partition, normalizeRanges([...allowed, ...members]), constant(this.answer('pass', '')));
    });
  }

  /** A NACL's first-match answer for every address of a family, judged by the point check on one address of each piece. */
  private networkAcl(
    model: NetworkModel,
    acl: NetworkAcl,
    egress: boolean,
    ports: PortRange,
    isReturnRange: boolean,
    family: IpFamily,
  ): Partition<CheckAnswer> {
    const key = `acl|${this.modelId(model)}|${acl.id}|${egress}|${formatRange(ports)}|${isReturnRange}|${family}`;
    return this.memo(this.partitions, key, () => {
      const entries = egress ? acl.egress : acl.ingress;
      const top = wholeFamily(family).end;
      const cuts = new Set<bigint>([0n]);
      for (const entry of entries) {
        if (entry.cidr.family !== family) continue;
        const range = cidrRange(entry.cidr);
        cuts.add(range.start);
        if (range.end < top) cuts.add(range.end + 1n);
      }
      const starts = [...cuts].sort(compareBig);
      const out: Segment<CheckAnswer>[] = [];
      starts.forEach((start, index) => {
        const end = index + 1 < starts.length ? starts[index + 1]! - 1n : top;
        const peer = parseIp(addressText(start, family))!;
        const check = networkAclCheck({ id: 'endpoint.nacl.inbound', scope: { endpointId: '' }, acl, egress, peer, ports, isReturnRange, traffic: '' });
        const deny = check.evidence.find((item) => item.kind === 'network-acl-entry' && item.ruleAction === 'deny');
        const value = this.answer(check.status, check.status === 'pass' ? '' : (deny?.text ?? check.summary));
        const last = out[out.length - 1];
        if (last && last.value === value) out[out.length - 1] = { start: last.start, end, value };
        else out.push({ start, end, value });
      });
      return out;
    });
  }

  /** endpoint.nacl.inbound or .outbound for every address: no NACL inside the interface's subnet, else its entries. */
  private endpointNacl(model: NetworkModel, path: EndpointPath, egress: boolean, ports: PortRange, family: IpFamily): Partition<CheckAnswer> {
    if (!path.networkInterface) {
      const summary = model.captured.has('networkInterfaces')
        ? `network interface ${path.networkInterfaceId} of the endpoint is not in the captured data`
        : whyMissing(model, 'networkInterfaces');
      return uniformPartition(family, this.answer('unknown', summary));
    }
    const key = `enacl|${this.modelId(model)}|${path.subnetId ?? ''}|${path.networkAcl?.id ?? ''}|${egress}|${formatRange(ports)}|${family}`;
    return this.memo(this.partitions, key, () => {
      const base = path.networkAcl
        ? this.networkAcl(model, path.networkAcl, egress, ports, egress, family)
        : uniformPartition(family, this.answer('unknown', networkAclUnknownReason(model, path.subnetId)));
      const inside = path.subnetId ? this.index(model).placedIn(path.subnetId, family) : [];
      return overlay(base, inside, constant(this.answer('not_applicable', `inside the endpoint interface's subnet ${path.subnetId}: no NACL is crossed`)));
    });
  }

  private side(securityGroups: CheckAnswer, naclInbound: CheckAnswer, naclOutbound: CheckAnswer): EndpointSideAnswer {
    const key = `${securityGroups.id}|${naclInbound.id}|${naclOutbound.id}`;
    return this.memo(this.sides, key, () => {
      const checks: [CheckId, CheckAnswer][] = [
        ['endpoint.sg.inbound', securityGroups],
        ['endpoint.nacl.inbound', naclInbound],
        ['endpoint.nacl.outbound', naclOutbound],
      ];
      const blocking = checks.find(([, answer]) => answer.status === 'fail' || answer.status === 'unknown');
      const label: EndpointSideAnswer['label'] = blocking
        ? { excluded: { checkId: blocking[0], status: blocking[1].status as 'fail' | 'unknown', evidence: blocking[1].text } }
        : { admitted: checks.some(([, answer]) => answer.status === 'warn') ? 'warn' : 'reachable' };
      const labelKey = 'admitted' in label ? `a|${label.admitted}` : `x|${label.excluded.checkId}|${label.excluded.status}|${label.excluded.evidence}`;
      return { securityGroups, naclInbound, naclOutbound, label, key: labelKey };
    });
  }

  /** The endpoint side of every interface of an endpoint: each check's answer for every address of both families, walked together on demand. */
  interfaces(model: NetworkModel, endpoint: VpcEndpoint, port: number, clientEphemeralPorts: PortRange = DEFAULT_EPHEMERAL_PORTS): InterfaceReach[] {
    const byInterface = new Map<string, { path: EndpointPath; parts: Partial<Record<IpFamily, EndpointSideParts>> }>();
    for (const family of FAMILIES) {
      // The paths of a point analysis for a client of this family: the same interfaces, with that family's address.
      for (const path of this.pathsOf(model, endpoint, family)) {
        const entry = byInterface.get(path.networkInterfaceId) ?? { path, parts: {} };
        entry.parts[family] = [
          this.securityGroups(model, path, port, family),
          this.endpointNacl(model, path, false, { from: port, to: port }, family),
          this.endpointNacl(model, path, true, clientEphemeralPorts, family),
        ];
        byInterface.set(path.networkInterfaceId, entry);
      }
    }
    return [...byInterface.values()].map(({ path, parts }) => {
      const combined: Partial<Record<IpFamily, Partition<EndpointSideAnswer>>> = {};
      const all = { 4: parts[4]!, 6: parts[6]! };
      const walk = (family: IpFamily) => zipPartitions<CheckAnswer, EndpointSideAnswer>(all[family], ([a, b, c]) => this.side(a!, b!, c!));
      return {
        path,
        parts: all,
        get byFamily() {
          for (const family of FAMILIES) combined[family] ??= walk(family);
          return combined as Record<IpFamily, Partition<EndpointSideAnswer>>;
        },
      };
    });
  }

  /** The endpoint's paths for a client of a family, as a point analysis builds them: they depend on nothing else of the client. */
  pathsOf(model: NetworkModel, endpoint: VpcEndpoint, family: IpFamily): EndpointPath[] {
    const key = `paths|${this.modelId(model)}|${endpoint.id}|${family}`;
    return this.memo(this.paths, key, () => endpointPaths(model, endpoint, resolveClient(model, { ip: family === 4 ? '0.0.0.0' : '::' })));
  }

  /** Whether the endpoint side admits any address of the ranges on an interface (the answer walked only there). */
  admitsAny(reach: InterfaceReach, family: IpFamily, ranges: readonly AddressRange[]): boolean {
    return ranges.some((range) =>
      anyWithin(reach.parts[family], range, (values) => values.every((value) => value.status !== 'fail' && value.status !== 'unknown')),
    );
  }

  /**
   * The client's own checks (client.sg.outbound, client.nacl.outbound, client.nacl.inbound)
   * for every endpoint interface at once, as partitions over the interface's address: one
   * per client shape (its groups and subnet, or where it lies), read per path by lookup.
   */
  clientSide(
    model: NetworkModel,
    client: ResolvedClient,
    port: number,
    ephemeral: PortRange,
    family: IpFamily,
  ): (path: EndpointPath) => readonly [CheckAnswer, CheckAnswer, CheckAnswer] {
    const eni = client.networkInterface;
    const subnetRef = client.subnet ? client.subnet.id : eni?.subnetId;
    let shape = this.shapes.get(client);
    if (shape === undefined) {
      shape = `${this.modelId(model)}|${eni ? `eni|${eni.subnetId}|${eni.securityGroupIds.join(',')}` : `${client.location}|${subnetRef ?? ''}`}`;
      this.shapes.set(client, shape);
    }
    const key = `client|${shape}|${port}|${ephemeral.from}-${ephemeral.to}|${family}`;
    return this.memo(this.clients, key, () => {
      if (client.location === 'outside') {
        const outside = this.answer('not_applicable', 'the client is outside every VPC subnet of the data: its own firewall is not visible here');
        return () => [outside, outside, outside] as const;
      }
      if (client.location === 'unknown') {
        const unknown = this.answer('unknown', `the client cannot be placed: ${client.note ?? ''}`);
        return () => [unknown, unknown, unknown] as const;
      }
      const interfaceMissing = this.answer(
        'unknown',
        model.captured.has('networkInterfaces') ? 'the endpoint interface is not in the captured data' : whyMissing(model, 'networkInterfaces'),
      );
      const familyMissing = this.answer('fail', familyMissingText(family));
      // Its groups outbound: addresses its rules admit, or the endpoint's groups they reference.
      let groupsOutbound: { partition: Partition<CheckAnswer>; referenced: ReadonlySet<string> } | CheckAnswer;
      if (!eni) groupsOutbound = this.answer('unknown', "no network interface with the client's IP in the captured data; give the client's ENI");
      else if (eni.securityGroupIds.length === 0) groupsOutbound = this.answer('fail', 'no security group is attached');
      else if (!model.captured.has('securityGroups')) groupsOutbound = this.answer('unknown', whyMissing(model, 'securityGroups'));
      else {
        const { allowed, reasons, referenced } = this.ruleUnion(model, eni.securityGroupIds, 'egress', port, family);
        const base =
          reasons.length > 0
            ? this.answer('unknown', reasons.join('; '))
            : this.answer('fail', `no SG rule: none of ${eni.securityGroupIds.join(', ')} allows tcp ${port} to it`);
        groupsOutbound = { partition: overlay(uniformPartition(family, base), allowed, constant(this.answer('pass', ''))), referenced };
      }
      const acl = subnetRef ? networkAclOfSubnet(model, subnetRef) : undefined;
      const subnetUnknown = this.answer('unknown', `the subnet of the client is not known: ${whyMissing(model, 'subnets')}`);
      const aclUnknown = this.answer('unknown', networkAclUnknownReason(model, subnetRef));
      const outbound = acl ? this.networkAcl(model, acl, true, { from: port, to: port }, false, family) : undefined;
      const inbound = acl ? this.networkAcl(model, acl, false, ephemeral, true, family) : undefined;
      const sameSubnet = this.answer('not_applicable', `the client is in the endpoint interface's subnet ${subnetRef}: no NACL is crossed`);
      const pass = this.answer('pass', '');
      return (path: EndpointPath) => {
        const common = !path.networkInterface ? interfaceMissing : !path.address ? familyMissing : undefined;
        let groups: CheckAnswer;
        if (groupsOutbound instanceof Object && 'partition' in groupsOutbound) {
          if (common) groups = common;
          else if (path.securityGroupIds.some((id) => groupsOutbound.referenced.has(id))) groups = pass;
          else groups = segmentAt(groupsOutbound.partition, BigInt(path.address!.value))!.value;
        } else groups = eni && common ? common : groupsOutbound;
        if (subnetRef !== undefined && subnetRef === path.subnetId) return [groups, sameSubnet, sameSubnet] as const;
        if (common) return [groups, common, common] as const;
        if (subnetRef === undefined) return [groups, subnetUnknown, subnetUnknown] as const;
        if (!outbound || !inbound) return [groups, aclUnknown, aclUnknown] as const;
        const value = BigInt(path.address!.value);
        return [groups, segmentAt(outbound, value)!.value, segmentAt(inbound, value)!.value] as const;
      };
    });
  }

  /** A client as a point analysis resolves it, once per model and client: workloads are asked about for every endpoint. */
  resolve(model: NetworkModel, spec: { readonly eniId?: string; readonly ip: string }): ResolvedClient {
    let byKey = this.resolved.get(model);
    if (!byKey) {
      byKey = new Map();
      this.resolved.set(model, byKey);
    }
    const key = `${spec.eniId ?? ''}|${spec.ip}`;
    let client = byKey.get(key);
    if (!client) {
      client = resolveClient(model, spec);
      byKey.set(key, client);
    }
    return client;
  }

  /** Every VPC of the fleet that holds workloads, with its ranges (computed once). */
  workloadVpcs(): readonly WorkloadVpc[] {
    this.vpcList ??= this.fleet.units.flatMap((unit) =>
      unit.model
        ? [...this.clientInterfaces(unit.model)].map(([vpcId, enis]) => ({
            unit,
            vpcId,
            enis,
            ranges: { 4: this.vpcRanges(unit.model!, vpcId, 4), 6: this.vpcRanges(unit.model!, vpcId, 6) },
          }))
        : [],
    );
    return this.vpcList;
  }

  /** A resolved client's address as an integer (made once: workloads are looked up for every endpoint). */
  addressValue(client: ResolvedClient): bigint {
    let value = this.values.get(client);
    if (value === undefined) {
      value = BigInt(client.address.value);
      this.values.set(client, value);
    }
    return value;
  }

  /** The clients of each VPC of a model (computed once per model). */
  clientInterfaces(model: NetworkModel): ReadonlyMap<string, NetworkInterface[]> {
    let clients = this.clientsByVpc.get(model);
    if (!clients) {
      clients = clientInterfaces(model);
      this.clientsByVpc.set(model, clients);
    }
    return clients;
  }

  /** A VPC's ranges: its captured subnets' CIDRs, merged. */
  vpcRanges(model: NetworkModel, vpcId: string, family: IpFamily): AddressRange[] {
    return this.memo(this.vpcs, `vpc|${this.modelId(model)}|${vpcId}|${family}`, () => {
      const ranges: AddressRange[] = [];
      for (const subnetId of model.vpcs.get(vpcId)?.subnetIds ?? []) {
        for (const cidr of model.subnets.get(subnetId)?.cidrs ?? []) if (cidr.family === family) ranges.push(cidrRange(cidr));
      }
      return normalizeRanges(ranges);
    });
  }

  /** The source sets of every interface of an endpoint, on one port. */
  sourceSets(request: SourceSetRequest): InterfaceSourceSet[] {
    const { model, endpoint } = locateRequestedEndpoint(this.fleet, request);
    return this.interfaces(model, endpoint, request.port, request.clientEphemeralPorts).map(describeInterface);
  }
}

function familyMissingText(family: IpFamily): string {
  const name = family === 4 ? 'IPv4' : 'IPv6';
  return `the endpoint interface has no ${name} address, so a client connecting over ${name} cannot reach it`;
}

/** A paint that gives every piece the same value. */
function constant<T>(value: T): (old: T) => T {
  return () => value;
}

/** A paint computed once per value it paints over. */
function once<T>(paint: (old: T) => T): (old: T) => T {
  const made = new Map<T, T>();
  return (old) => {
    let value = made.get(old);
    if (value === undefined) {
      value = paint(old);
      made.set(old, value);
    }
    return value;
  };
}

/** The admitted CIDRs of each family and the excluded ones with what excludes them, in address order. */
export function describeInterface(reach: InterfaceReach): InterfaceSourceSet {
  const admitted: Record<IpFamily, AdmittedCidr[]> = { 4: [], 6: [] };
  const excluded: ExcludedCidr[] = [];
  for (const family of FAMILIES) {
    let run: { start: bigint; end: bigint; answer: EndpointSideAnswer } | undefined;
    const flush = () => {
      if (!run) return;
      const cidrs = rangeToCidrs({ start: run.start, end: run.end }, family);
      const { label } = run.answer;
      if ('admitted' in label) admitted[family].push(...cidrs.map((cidr) => ({ cidr, status: label.admitted })));
      else excluded.push(...cidrs.map((cidr) => ({ cidr, by: label.excluded })));
    };
    for (const segment of reach.byFamily[family]) {
      if (run && run.answer.key === segment.value.key && run.end + 1n === segment.start) run.end = segment.end;
      else {
        flush();
        run = { start: segment.start, end: segment.end, answer: segment.value };
      }
    }
    flush();
  }
  const { path } = reach;
  return {
    eniId: path.networkInterfaceId,
    ...(path.subnetId ? { subnetId: path.subnetId } : {}),
    ...(path.subnet?.availabilityZoneId ? { availabilityZoneId: path.subnet.availabilityZoneId } : {}),
    ipv4: admitted[4],
    ipv6: admitted[6],
    excluded,
  };
}

/** The source sets of every interface of an endpoint, on one port (contract §8). */
export function sourceSets(data: NetworkModel | Fleet, request: SourceSetRequest): InterfaceSourceSet[] {
  return new ReachEngine(data).sourceSets(request);
}
