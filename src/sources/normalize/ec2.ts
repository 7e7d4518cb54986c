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
import { parseIp, type Cidr, type IpAddress } from '../../core/net.js';
import type { PortRange } from '../../core/ports.js';
import type { JsonReader } from './json-reader.js';

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

function readIp(field: JsonReader): IpAddress {
  const address = parseIp(field.asString());
  if (!address) field.fail(`"${String(field.value)}" is not an IP address`);
  return address;
}

function groupIds(item: JsonReader, key: string): string[] {
  return item.list(key).map((group) => group.string('GroupId'));
}

export function normalizeVpcEndpoints(root: JsonReader): VpcEndpoint[] {
  return root.requiredList('VpcEndpoints').map((item) => ({
    id: item.string('VpcEndpointId'),
    type: item.string('VpcEndpointType'),
    state: item.string('State'),
    serviceName: item.string('ServiceName'),
    vpcId: item.string('VpcId'),
    ownerId: item.optionalString('OwnerId'),
    subnetIds: item.list('SubnetIds').map((id) => id.asString()),
    networkInterfaceIds: item.list('NetworkInterfaceIds').map((id) => id.asString()),
    securityGroupIds: groupIds(item, 'Groups'),
    ipAddressType: item.optionalString('IpAddressType'),
    privateDnsEnabled: item.optionalBoolean('PrivateDnsEnabled') ?? false,
    dnsNames: item.list('DnsEntries').flatMap((entry) => entry.optionalString('DnsName') ?? []),
  }));
}

export function normalizeNetworkInterfaces(root: JsonReader): NetworkInterface[] {
  return root.requiredList('NetworkInterfaces').map((item) => {
    const attachment = item.optional('Attachment');
    const privateIps = item.list('PrivateIpAddresses').map((entry) => readIp(entry.required('PrivateIpAddress')));
    const primary = item.optional('PrivateIpAddress');
    if (primary) {
      const address = readIp(primary);
      // The primary address leads, so that "the interface's address" means the primary one.
      privateIps.sort((a, b) => Number(b.text === address.text) - Number(a.text === address.text));
      if (!privateIps.some((candidate) => candidate.text === address.text)) privateIps.unshift(address);
    }
    return {
      id: item.string('NetworkInterfaceId'),
      subnetId: item.string('SubnetId'),
      vpcId: item.string('VpcId'),
      availabilityZone: item.optionalString('AvailabilityZone'),
      description: item.optionalString('Description') ?? '',
      interfaceType: item.optionalString('InterfaceType'),
      status: item.optionalString('Status'),
      instanceId: attachment?.optionalString('InstanceId'),
      deviceIndex: attachment?.optionalInteger('DeviceIndex'),
      privateIps,
      ipv6Addresses: item.list('Ipv6Addresses').map((entry) => readIp(entry.required('Ipv6Address'))),
      securityGroupIds: groupIds(item, 'Groups'),
    };
  });
}

export function normalizeSubnets(root: JsonReader, parseCidr: CidrParser): Subnet[] {
  return root.requiredList('Subnets').map((item) => {
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

function readPortRange(item: JsonReader): PortRange | undefined {
  const range = item.optional('PortRange');
  if (!range) return undefined;
  return { from: range.required('From').asInteger(), to: range.required('To').asInteger() };
}

function normalizeNaclEntry(item: JsonReader, parseCidr: CidrParser): NetworkAclEntry {
  const actionField: JsonReader = item.required('RuleAction');
  const action = actionField.asString();
  if (action !== 'allow' && action !== 'deny') actionField.fail(`expected "allow" or "deny", found "${action}"`);
  const cidrField = item.optional('CidrBlock') ?? item.optional('Ipv6CidrBlock');
  if (!cidrField) item.fail('entry has neither CidrBlock nor Ipv6CidrBlock');
  const protocol = item.string('Protocol');
  const portRange = protocol === '-1' ? undefined : readPortRange(item);
  return {
    ruleNumber: item.required('RuleNumber').asInteger(),
    egress: item.required('Egress').asBoolean(),
    action,
    protocol,
    cidr: readCidr(cidrField, parseCidr),
    ...(portRange ? { portRange } : {}),
  };
}

export function normalizeNetworkAcls(root: JsonReader, parseCidr: CidrParser): NetworkAcl[] {
  return root.requiredList('NetworkAcls').map((item) => {
    const entries = item.list('Entries').map((entry) => normalizeNaclEntry(entry, parseCidr));
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

function normalizePermission(
  permission: JsonReader,
  groupId: string,
  direction: 'ingress' | 'egress',
  parseCidr: CidrParser,
): SecurityGroupRule[] {
  const protocol = permission.string('IpProtocol');
  const fromPort = permission.optionalInteger('FromPort');
  const toPort = permission.optionalInteger('ToPort');
  const portRange = protocol !== '-1' && fromPort !== undefined && toPort !== undefined && fromPort >= 0 ? { from: fromPort, to: toPort } : undefined;
  const rules: SecurityGroupRule[] = [];
  // Plain literals, not spreads: a snapshot holds a hundred thousand of these.
  const add = (peer: SecurityGroupPeer, source: JsonReader) => {
    const description = source.optionalString('Description');
    const rule: { -readonly [K in keyof SecurityGroupRule]: SecurityGroupRule[K] } = { groupId, direction, protocol, peer };
    if (portRange) rule.portRange = portRange;
    if (description) rule.description = description;
    rules.push(rule);
  };
  for (const range of permission.list('IpRanges')) add({ kind: 'cidr', cidr: readCidr(range.required('CidrIp'), parseCidr) }, range);
  for (const range of permission.list('Ipv6Ranges')) add({ kind: 'cidr', cidr: readCidr(range.required('CidrIpv6'), parseCidr) }, range);
  for (const list of permission.list('PrefixListIds')) add({ kind: 'prefix-list', prefixListId: list.string('PrefixListId') }, list);
  for (const pair of permission.list('UserIdGroupPairs')) {
    const userId = pair.optionalString('UserId');
    add(userId ? { kind: 'security-group', groupId: pair.string('GroupId'), userId } : { kind: 'security-group', groupId: pair.string('GroupId') }, pair);
  }
  return rules;
}

export function normalizeSecurityGroups(root: JsonReader, parseCidr: CidrParser): SecurityGroup[] {
  return root.requiredList('SecurityGroups').map((item) => {
    const id = item.string('GroupId');
    return {
      id,
      name: item.optionalString('GroupName') ?? id,
      vpcId: item.optionalString('VpcId'),
      ingress: item.list('IpPermissions').flatMap((permission) => normalizePermission(permission, id, 'ingress', parseCidr)),
      egress: item.list('IpPermissionsEgress').flatMap((permission) => normalizePermission(permission, id, 'egress', parseCidr)),
    };
  });
}

/** `DescribeManagedPrefixLists` and the `GetManagedPrefixListEntries` of each list, by id. */
export function normalizePrefixLists(
  lists: JsonReader | undefined,
  entriesById: ReadonlyMap<string, JsonReader>,
  parseCidr: CidrParser,
): PrefixList[] {
  const described = new Map<string, string | undefined>();
  for (const item of lists?.requiredList('PrefixLists') ?? []) described.set(item.string('PrefixListId'), item.optionalString('PrefixListName'));
  for (const id of entriesById.keys()) if (!described.has(id)) described.set(id, undefined);
  return [...described].map(([id, name]) => {
    const entries = entriesById.get(id);
    return {
      id,
      ...(name ? { name } : {}),
      ...(entries ? { entries: entries.list('Entries').map((entry) => readCidr(entry.required('Cidr'), parseCidr)) } : {}),
    };
  });
}

export function normalizeInstances(root: JsonReader): Instance[] {
  return root.requiredList('Reservations').flatMap((reservation) =>
    reservation.list('Instances').map((item) => ({
      id: item.string('InstanceId'),
      subnetId: item.optionalString('SubnetId'),
      networkInterfaceIds: item.list('NetworkInterfaces').map((eni) => eni.string('NetworkInterfaceId')),
    })),
  );
}
