import type {
  Instance,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  PrefixList,
  SecurityGroup,
  SecurityGroupPeer,
  SecurityGroupRule,
  Subnet,
  VpcEndpoint,
} from '../../core/model.js';
import { parseCidr as parseCidrText, parseIp, type Cidr, type IpAddress } from '../../core/net.js';
import type { PortRange } from '../../core/ports.js';
import { assertUniqueIds, quote, type JsonReader } from './json-reader.js';
import { isTruncated } from './truncation.js';

/**
 * EC2 response shapes (as the AWS CLI and SDK print them) -> model parts. One function per
 * resource; each names the JSON path of whatever it cannot read.
 */

export type CidrParser = (text: string) => Cidr | undefined;

function readCidr(field: JsonReader, parseCidr: CidrParser): Cidr {
  const cidr = parseCidr(field.asString());
  if (!cidr) field.fail(`"${String(field.value)}" is not a CIDR block`);
  return cidr;
}

/** A required CIDR field of an object, read without a reader of its own unless it fails. */
function readCidrField(item: JsonReader, key: string, parseCidr: CidrParser): Cidr {
  return parseCidr(item.string(key)) ?? readCidr(item.required(key), parseCidr);
}

function readIp(field: JsonReader): IpAddress {
  const address = parseIp(field.asString());
  if (!address) field.fail(`"${String(field.value)}" is not an IP address`);
  return address;
}

function groupIds(item: JsonReader, key: string): string[] {
  return item.list(key).map((group) => group.string('GroupId'));
}

/** Each item's id, failing on the first one seen twice. */
function uniqueIds(items: readonly JsonReader[], field: string): string[] {
  const ids = items.map((item) => item.string(field));
  assertUniqueIds(items, ids, field);
  return ids;
}

function readVpcEndpoint(item: JsonReader): VpcEndpoint {
  return {
    id: item.string('VpcEndpointId'),
    type: item.string('VpcEndpointType'),
    state: item.string('State'),
    serviceName: item.string('ServiceName'),
    ...(item.optionalString('ServiceRegion') ? { serviceRegion: item.optionalString('ServiceRegion')! } : {}),
    vpcId: item.string('VpcId'),
    ownerId: item.optionalString('OwnerId'),
    subnetIds: item.list('SubnetIds').map((id) => id.asString()),
    networkInterfaceIds: item.list('NetworkInterfaceIds').map((id) => id.asString()),
    securityGroupIds: groupIds(item, 'Groups'),
    ipAddressType: item.optionalString('IpAddressType'),
    privateDnsEnabled: item.optionalBoolean('PrivateDnsEnabled') ?? false,
    dnsNames: item.list('DnsEntries').flatMap((entry) => entry.optionalString('DnsName') ?? []),
  };
}

/**
 * How the items of one list response become model parts, one item at a time: what a
 * response read whole and one read item by item as its bytes arrive (snapshot/split.ts)
 * have in common. Made once per response, as an item may lean on what earlier ones shared.
 */
export interface ItemNormalizer<T> {
  /** The field that identifies an item; two items with one id are an error. */
  readonly idField: string;
  readonly normalize: (item: JsonReader) => T;
}

/** A list response read whole: its ids checked first, so that a duplicate is named before any other problem. */
function normalizeItems<T>(items: readonly JsonReader[], normalizer: ItemNormalizer<T>): T[] {
  uniqueIds(items, normalizer.idField);
  return items.map(normalizer.normalize);
}

export function vpcEndpointItems(): ItemNormalizer<VpcEndpoint> {
  return { idField: 'VpcEndpointId', normalize: readVpcEndpoint };
}

export function normalizeVpcEndpoints(root: JsonReader): VpcEndpoint[] {
  return normalizeItems(root.requiredList('VpcEndpoints'), vpcEndpointItems());
}

/** Public IPs an interface carries (`Association.PublicIp`), on the interface and on each private IP. */
function publicIpsOf(item: JsonReader): IpAddress[] {
  const fields = [item.optional('Association'), ...item.list('PrivateIpAddresses').map((entry) => entry.optional('Association'))];
  const addresses = fields.flatMap((association) => {
    const field = association?.optional('PublicIp');
    return field ? [readIp(field)] : [];
  });
  return addresses.filter((address, index) => addresses.findIndex((other) => other.text === address.text) === index);
}

/**
 * One interface as DescribeNetworkInterfaces prints it, or as DescribeInstances prints an
 * instance's interfaces (no AvailabilityZone there, and the instance is the parent object).
 */
function readNetworkInterface(item: JsonReader, instanceId?: string): NetworkInterface {
  const attachment = item.optional('Attachment');
  const privateIps = item.list('PrivateIpAddresses').map((entry) => readIp(entry.required('PrivateIpAddress')));
  const primary = item.optional('PrivateIpAddress');
  if (primary) {
    const address = readIp(primary);
    // The primary address leads, so that "the interface's address" means the primary one.
    privateIps.sort((a, b) => Number(b.text === address.text) - Number(a.text === address.text));
    if (!privateIps.some((candidate) => candidate.text === address.text)) privateIps.unshift(address);
  }
  const attachedTo = instanceId ?? attachment?.optionalString('InstanceId');
  const deviceIndex = attachment?.optionalInteger('DeviceIndex');
  const publicIps = publicIpsOf(item);
  return {
    id: item.string('NetworkInterfaceId'),
    subnetId: item.string('SubnetId'),
    vpcId: item.string('VpcId'),
    availabilityZone: item.optionalString('AvailabilityZone'),
    description: item.optionalString('Description') ?? '',
    interfaceType: item.optionalString('InterfaceType'),
    status: item.optionalString('Status'),
    ...(attachedTo ? { instanceId: attachedTo } : {}),
    ...(deviceIndex !== undefined ? { deviceIndex } : {}),
    privateIps,
    ipv6Addresses: item.list('Ipv6Addresses').map((entry) => readIp(entry.required('Ipv6Address'))),
    ...(publicIps.length > 0 ? { publicIps } : {}),
    securityGroupIds: groupIds(item, 'Groups'),
  };
}

export function networkInterfaceItems(): ItemNormalizer<NetworkInterface> {
  return { idField: 'NetworkInterfaceId', normalize: (item) => readNetworkInterface(item) };
}

export function normalizeNetworkInterfaces(root: JsonReader): NetworkInterface[] {
  return normalizeItems(root.requiredList('NetworkInterfaces'), networkInterfaceItems());
}

export function normalizeSubnets(root: JsonReader, parseCidr: CidrParser): Subnet[] {
  const items = root.requiredList('Subnets');
  uniqueIds(items, 'SubnetId');
  return items.map((item) => {
    const ipv4 = item.optional('CidrBlock');
    const ipv6 = item
      .list('Ipv6CidrBlockAssociationSet')
      .filter((association) => (association.optional('Ipv6CidrBlockState')?.optionalString('State') ?? 'associated') === 'associated')
      .map((association) => readCidr(association.required('Ipv6CidrBlock'), parseCidr));
    return {
      id: item.string('SubnetId'),
      vpcId: item.string('VpcId'),
      availabilityZone: item.string('AvailabilityZone'),
      availabilityZoneId: item.optionalString('AvailabilityZoneId'),
      cidrs: [...(ipv4 ? [readCidr(ipv4, parseCidr)] : []), ...ipv6],
    };
  });
}

/** Protocols whose rules and entries carry a port range (NACL numbers; SG names and numbers). */
const TCP_UDP_NUMBERS = new Set(['6', '17']);

/** The NACL rule numbers AWS prints for the default entries (`*`): IPv4, then IPv6. */
const DEFAULT_IPV4_RULE = 32767;
const DEFAULT_IPV6_RULE = 32768;

/** A port range, From..To within 0..65535 and From <= To, as AWS prints it. */
function readPortRange(range: JsonReader, fromKey: string, toKey: string): PortRange {
  const from = range.integerIn(fromKey, 0, 65535, 'a port');
  const to = range.integerIn(toKey, 0, 65535, 'a port');
  if (from > to) range.fail(`${fromKey} ${from} is greater than ${toKey} ${to}`);
  return { from, to };
}

function normalizeNaclEntry(item: JsonReader, parseCidr: CidrParser): NetworkAclEntry {
  const actionField: JsonReader = item.required('RuleAction');
  const action = actionField.asString();
  if (action !== 'allow' && action !== 'deny') actionField.fail(`expected "allow" or "deny", found ${quote(action)}`);
  const ipv4 = item.optional('CidrBlock');
  const cidrField = ipv4 ?? item.optional('Ipv6CidrBlock');
  if (!cidrField) item.fail('entry has neither CidrBlock nor Ipv6CidrBlock');
  const protocol = item.string('Protocol');
  // The API prints the protocol as its number; a name ("tcp") is not something it writes.
  if (!/^(-1|0|[1-9]\d{0,2})$/.test(protocol) || Number(protocol) > 255) {
    item
      .required('Protocol')
      .fail(`expected a protocol number as AWS prints it ("6" TCP, "17" UDP, "1" ICMP, "-1" all, or another from 0 to 255), found ${quote(protocol)}`);
  }
  const ruleNumberField = item.required('RuleNumber');
  const ruleNumber = ruleNumberField.asInteger();
  if (ruleNumber < 1 || ruleNumber > DEFAULT_IPV6_RULE) {
    ruleNumberField.fail(`expected a rule number from 1 to 32766 (or 32767 and 32768, the default entries), found ${ruleNumber}`);
  }
  if (ruleNumber >= DEFAULT_IPV4_RULE) {
    // The default entries (`*`): 32767 for IPv4, 32768 for IPv6, each a deny of all traffic.
    if (ruleNumber !== (ipv4 ? DEFAULT_IPV4_RULE : DEFAULT_IPV6_RULE)) {
      ruleNumberField.fail(`${ruleNumber} is the rule number of the ${ipv4 ? 'IPv6' : 'IPv4'} default entry, and this entry is ${ipv4 ? 'IPv4' : 'IPv6'}`);
    }
    if (action !== 'deny' || protocol !== '-1') {
      item.fail(
        `rule ${ruleNumber} is the default entry (*), which AWS prints as a deny of all traffic (protocol -1), found ${action} of protocol ${protocol}`,
      );
    }
  }
  // TCP and UDP entries always carry their range (0-65535 for all ports); other protocols have none.
  let portRange: PortRange | undefined;
  if (TCP_UDP_NUMBERS.has(protocol)) {
    const range = item.optional('PortRange');
    if (!range) item.fail(`protocol ${protocol} needs a PortRange (AWS prints one for TCP and UDP, 0-65535 for every port); PortRange is missing`);
    portRange = readPortRange(range, 'From', 'To');
  }
  return {
    ruleNumber,
    egress: item.required('Egress').asBoolean(),
    action,
    protocol,
    cidr: readCidr(cidrField, parseCidr),
    ...(portRange ? { portRange } : {}),
  };
}

/** Two entries with one rule number in one direction: AWS keys entries by (rule number, direction). */
function assertUniqueRuleNumbers(items: readonly JsonReader[], entries: readonly NetworkAclEntry[]): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const key = `${entry.egress ? 'egress' : 'ingress'} ${entry.ruleNumber}`;
    const first = seen.get(key);
    if (first !== undefined) {
      items[index]!.fail(`duplicate ${entry.egress ? 'outbound' : 'inbound'} RuleNumber ${entry.ruleNumber}: ${items[first]!.path} has it too`);
    }
    seen.set(key, index);
  });
}

export function normalizeNetworkAcls(root: JsonReader, parseCidr: CidrParser): NetworkAcl[] {
  const items = root.requiredList('NetworkAcls');
  uniqueIds(items, 'NetworkAclId');
  return items.map((item) => {
    const entryItems = item.list('Entries');
    const entries = entryItems.map((entry) => normalizeNaclEntry(entry, parseCidr));
    assertUniqueRuleNumbers(entryItems, entries);
    const byRuleNumber = (a: NetworkAclEntry, b: NetworkAclEntry) => a.ruleNumber - b.ruleNumber;
    return {
      id: item.string('NetworkAclId'),
      vpcId: item.string('VpcId'),
      isDefault: item.optionalBoolean('IsDefault') ?? false,
      subnetIds: item.list('Associations').map((association) => association.string('SubnetId')),
      ingress: entries.filter((entry) => !entry.egress).sort(byRuleNumber),
      egress: entries.filter((entry) => entry.egress).sort(byRuleNumber),
    };
  });
}

/** Security group protocols with a port range: names as AWS prints them, numbers as it accepts them. */
const SG_TCP_UDP = new Set(['tcp', 'udp', '6', '17']);
/** ICMP: FromPort/ToPort are the type and code, -1 for all. */
const SG_ICMP = new Set(['icmp', 'icmpv6', '1', '58']);

/**
 * The port range of a permission. TCP and UDP need both ports (AWS always prints them, 0 and
 * 65535 for all): without them the rule would read as every port, which it is not known to
 * be. `-1` (all traffic) has none; ICMP's are type and code; other protocols have no ports.
 */
function permissionPorts(permission: JsonReader, protocol: string): PortRange | undefined {
  if (SG_TCP_UDP.has(protocol)) {
    const from = permission.optionalIntegerIn('FromPort', 0, 65535, 'a port');
    const to = permission.optionalIntegerIn('ToPort', 0, 65535, 'a port');
    if (from === undefined || to === undefined) {
      permission.fail(
        `protocol ${protocol} needs FromPort and ToPort (AWS prints both, 0 and 65535 for every port); ${from === undefined ? 'FromPort' : 'ToPort'} is missing`,
      );
    }
    if (from > to) permission.fail(`FromPort ${from} is greater than ToPort ${to}`);
    return { from, to };
  }
  if (SG_ICMP.has(protocol)) {
    permission.optionalIntegerIn('FromPort', -1, 255, `an ICMP type (-1 for all)`);
    permission.optionalIntegerIn('ToPort', -1, 255, `an ICMP code (-1 for all)`);
    return undefined;
  }
  if (protocol !== '-1' && (!/^(0|[1-9]\d{0,2})$/.test(protocol) || Number(protocol) > 255)) {
    permission.required('IpProtocol').fail(`expected tcp, udp, icmp, icmpv6, -1 or a protocol number from 0 to 255, found ${quote(protocol)}`);
  }
  return undefined;
}

/**
 * The parts rules have in common, made once: a hundred thousand rules name a few thousand
 * CIDRs, groups and port ranges, a dozen prefix lists and a few descriptions, and the model
 * holds them (read-only) for its lifetime. Each JSON item parsed on its own brings its own
 * copy of every string: kept, those copies were a third of a large model.
 */
interface RuleParts {
  /** By the CIDR's text as the file gives it: rule CIDRs are parsed once here, not kept in the parser's cache too. */
  readonly cidrPeers: Map<string, SecurityGroupPeer>;
  /** Prefix-list and security-group peers, by their text (`pl-…`, `sg-…` or `sg-…@account`). */
  readonly namedPeers: Map<string, SecurityGroupPeer>;
  readonly portRanges: Map<number, PortRange>;
  /** One copy of each string rules keep: descriptions, protocols, peers' ids. */
  readonly strings: Map<string, string>;
}

function sharedString(parts: RuleParts, text: string): string {
  const shared = parts.strings.get(text);
  if (shared !== undefined) return shared;
  parts.strings.set(text, text);
  return text;
}

function cidrPeer(parts: RuleParts, range: JsonReader, key: string): SecurityGroupPeer {
  const text = range.string(key);
  let peer = parts.cidrPeers.get(text);
  if (!peer) {
    peer = { kind: 'cidr', cidr: readCidrField(range, key, parseCidrText) };
    parts.cidrPeers.set(text, peer);
  }
  return peer;
}

function prefixListPeer(parts: RuleParts, prefixListId: string): SecurityGroupPeer {
  let peer = parts.namedPeers.get(prefixListId);
  if (!peer) {
    peer = { kind: 'prefix-list', prefixListId };
    parts.namedPeers.set(prefixListId, peer);
  }
  return peer;
}

function groupPeer(parts: RuleParts, groupId: string, userId: string | undefined): SecurityGroupPeer {
  const key = userId ? `${groupId}@${userId}` : groupId;
  let peer = parts.namedPeers.get(key);
  if (!peer) {
    peer = userId ? { kind: 'security-group', groupId, userId: sharedString(parts, userId) } : { kind: 'security-group', groupId };
    parts.namedPeers.set(key, peer);
  }
  return peer;
}

function sharedPortRange(parts: RuleParts, range: PortRange | undefined): PortRange | undefined {
  if (!range) return undefined;
  const key = range.from * 65536 + range.to;
  let shared = parts.portRanges.get(key);
  if (!shared) {
    shared = range;
    parts.portRanges.set(key, shared);
  }
  return shared;
}

/**
 * One rule as a single literal of its final shape. Built as a literal and then given its
 * optional fields, each rule kept those in a second, out-of-object array (a quarter of the
 * rules' memory).
 */
function securityGroupRule(
  groupId: string,
  direction: 'ingress' | 'egress',
  protocol: string,
  peer: SecurityGroupPeer,
  portRange: PortRange | undefined,
  description: string | undefined,
): SecurityGroupRule {
  if (portRange) {
    return description ? { groupId, direction, protocol, peer, portRange, description } : { groupId, direction, protocol, peer, portRange };
  }
  return description ? { groupId, direction, protocol, peer, description } : { groupId, direction, protocol, peer };
}

/** The rules of one permission, appended to `rules`. */
function normalizePermission(permission: JsonReader, groupId: string, direction: 'ingress' | 'egress', parts: RuleParts, rules: SecurityGroupRule[]): void {
  const protocol = sharedString(parts, permission.string('IpProtocol'));
  const portRange = sharedPortRange(parts, permissionPorts(permission, protocol));
  const add = (peer: SecurityGroupPeer, source: JsonReader) => {
    const description = source.optionalString('Description');
    rules.push(securityGroupRule(groupId, direction, protocol, peer, portRange, description ? sharedString(parts, description) : undefined));
  };
  for (const range of permission.list('IpRanges')) add(cidrPeer(parts, range, 'CidrIp'), range);
  for (const range of permission.list('Ipv6Ranges')) add(cidrPeer(parts, range, 'CidrIpv6'), range);
  for (const list of permission.list('PrefixListIds')) add(prefixListPeer(parts, list.string('PrefixListId')), list);
  for (const pair of permission.list('UserIdGroupPairs')) add(groupPeer(parts, pair.string('GroupId'), pair.optionalString('UserId')), pair);
}

function normalizePermissions(permissions: readonly JsonReader[], groupId: string, direction: 'ingress' | 'egress', parts: RuleParts): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  for (const permission of permissions) normalizePermission(permission, groupId, direction, parts, rules);
  return rules;
}

export function securityGroupItems(): ItemNormalizer<SecurityGroup> {
  const parts: RuleParts = { cidrPeers: new Map(), namedPeers: new Map(), portRanges: new Map(), strings: new Map() };
  return {
    idField: 'GroupId',
    normalize: (item) => {
      const id = item.string('GroupId');
      return {
        id,
        name: item.optionalString('GroupName') ?? id,
        vpcId: item.optionalString('VpcId'),
        ingress: normalizePermissions(item.list('IpPermissions'), id, 'ingress', parts),
        egress: normalizePermissions(item.list('IpPermissionsEgress'), id, 'egress', parts),
      };
    },
  };
}

export function normalizeSecurityGroups(root: JsonReader): SecurityGroup[] {
  return normalizeItems(root.requiredList('SecurityGroups'), securityGroupItems());
}

/** `DescribeManagedPrefixLists` and the `GetManagedPrefixListEntries` of each list, by id. */
export function normalizePrefixLists(lists: JsonReader | undefined, entriesById: ReadonlyMap<string, JsonReader>, parseCidr: CidrParser): PrefixList[] {
  const described = new Map<string, string | undefined>();
  const items = lists?.requiredList('PrefixLists') ?? [];
  const ids = uniqueIds(items, 'PrefixListId');
  items.forEach((item, index) => described.set(ids[index]!, item.optionalString('PrefixListName')));
  for (const id of entriesById.keys()) if (!described.has(id)) described.set(id, undefined);
  return [...described].map(([id, name]) => {
    const entries = entriesById.get(id);
    return {
      id,
      ...(name ? { name } : {}),
      ...(entries ? { entries: entries.list('Entries').map((entry) => readCidrField(entry, 'Cidr', parseCidr)) } : {}),
      ...(entries && isTruncated(entries) ? { entriesTruncated: true } : {}),
    };
  });
}

export function normalizeInstances(root: JsonReader): Instance[] {
  const items = root.requiredList('Reservations').flatMap((reservation) => reservation.list('Instances'));
  uniqueIds(items, 'InstanceId');
  return items.map((item) => {
    const id = item.string('InstanceId');
    const interfaceItems = item.list('NetworkInterfaces');
    uniqueIds(interfaceItems, 'NetworkInterfaceId');
    const networkInterfaces = interfaceItems.map((eni) => readNetworkInterface(eni, id));
    return {
      id,
      subnetId: item.optionalString('SubnetId'),
      networkInterfaceIds: networkInterfaces.map((eni) => eni.id),
      networkInterfaces,
    };
  });
}
