import Type, { type Static } from 'typebox';
import { AnalysisError } from './errors.js';
import { describeUnit, unitsMatching, type Fleet, type FleetUnit } from './fleet.js';
import type { LoadBalancer, NetworkAcl, NetworkAclEntry, NetworkInterface, NetworkModel, SecurityGroup, SecurityGroupRule, VpcEndpoint } from './model.js';
import { ModelMemo, memoOf, withOwnMemo } from './memo.js';
import { parseCidr } from './net.js';
import { RULE_DIRECTIONS, ruleSetKey } from './rule-sets.js';

/**
 * A change to the network, in the one format of the analysis contract §7: what a fix plan
 * proposes, what a what-if or a blast radius is asked about, what a pipeline converts a
 * Terraform plan to. Applied to a fleet it gives an overlay: a new fleet that shares
 * everything the changes leave alone, so the data itself is never mutated.
 */

const AccountId = Type.String({ pattern: '^\\d{12}$', description: 'The account of the resource, when its id alone is ambiguous in a fleet' });
const Region = Type.String({ minLength: 1, maxLength: 64, description: 'The region of the resource, when its id alone is ambiguous in a fleet' });
const Port = Type.Integer({ minimum: -1, maximum: 65535 });
const Id = (pattern: string, example: string) => Type.String({ pattern, maxLength: 128, examples: [example] });

export const SecurityGroupRuleChangeSchema = Type.Object(
  {
    op: Type.Union([Type.Literal('add'), Type.Literal('remove')]),
    kind: Type.Literal('sg-rule'),
    groupId: Id('^sg-[0-9a-zA-Z]+$', 'sg-0a1b2c3d4e5f60718'),
    direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
    protocol: Type.String({ description: '`tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or a protocol number', examples: ['tcp'] }),
    fromPort: Type.Optional(Port),
    toPort: Type.Optional(Port),
    cidr: Type.Optional(Type.String({ description: 'An IPv4 CIDR', examples: ['10.0.1.25/32'] })),
    ipv6Cidr: Type.Optional(Type.String({ description: 'An IPv6 CIDR' })),
    prefixListId: Type.Optional(Id('^pl-[0-9a-zA-Z]+$', 'pl-0123456789abcdef0')),
    peerGroupId: Type.Optional(Id('^sg-[0-9a-zA-Z]+$', 'sg-0123456789abcdef0')),
    description: Type.Optional(Type.String({ maxLength: 255, description: 'The rule description to set (ignored when matching a rule to remove)' })),
    accountId: Type.Optional(AccountId),
    region: Type.Optional(Region),
  },
  { additionalProperties: false, description: 'A security group rule with one peer: exactly one of cidr, ipv6Cidr, prefixListId, peerGroupId' },
);

export const NetworkAclEntryChangeSchema = Type.Object(
  {
    op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('replace')]),
    kind: Type.Literal('nacl-entry'),
    networkAclId: Id('^acl-[0-9a-zA-Z]+$', 'acl-0a1b2c3d4e5f60718'),
    egress: Type.Boolean({ description: 'true: an outbound entry' }),
    ruleNumber: Type.Integer({ minimum: 1, maximum: 32766 }),
    protocol: Type.Optional(Type.String({ description: '`6`/`tcp`, `17`/`udp`, `1`/`icmp`, `58`/`icmpv6` or `-1` (all); required unless removing' })),
    fromPort: Type.Optional(Port),
    toPort: Type.Optional(Port),
    cidr: Type.Optional(Type.String({ examples: ['10.0.1.25/32'] })),
    ipv6Cidr: Type.Optional(Type.String()),
    action: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')], { description: 'Required unless removing' })),
    accountId: Type.Optional(AccountId),
    region: Type.Optional(Region),
  },
  { additionalProperties: false, description: 'A network ACL entry, named by its ACL, direction and rule number' },
);

export const EndpointSecurityGroupChangeSchema = Type.Object(
  {
    op: Type.Union([Type.Literal('attach'), Type.Literal('detach')]),
    kind: Type.Literal('endpoint-sg'),
    endpointId: Id('^vpce-[0-9a-f]+$', 'vpce-0a1b2c3d4e5f60718'),
    groupId: Id('^sg-[0-9a-zA-Z]+$', 'sg-0a1b2c3d4e5f60718'),
    accountId: Type.Optional(AccountId),
    region: Type.Optional(Region),
  },
  { additionalProperties: false, description: 'A security group attached to or detached from an endpoint (and so from every one of its network interfaces)' },
);

/** The NLB settings a change can set, with the values each takes. */
export const NLB_ATTRIBUTE_KEYS = ['load_balancing.cross_zone.enabled', 'enforce_security_group_inbound_rules_on_private_link_traffic'] as const;
export type NlbAttributeKey = (typeof NLB_ATTRIBUTE_KEYS)[number];
export const NLB_ATTRIBUTES: Readonly<Record<NlbAttributeKey, { readonly values: readonly string[] }>> = {
  'load_balancing.cross_zone.enabled': { values: ['true', 'false'] },
  enforce_security_group_inbound_rules_on_private_link_traffic: { values: ['on', 'off'] },
};

export const NlbAttributeChangeSchema = Type.Object(
  {
    op: Type.Literal('set'),
    kind: Type.Literal('nlb-attribute'),
    loadBalancerArn: Type.String({ pattern: '^arn:aws[a-z-]*:elasticloadbalancing:', maxLength: 512 }),
    key: Type.Enum(NLB_ATTRIBUTE_KEYS),
    value: Type.String(),
    accountId: Type.Optional(AccountId),
    region: Type.Optional(Region),
  },
  { additionalProperties: false, description: 'An NLB setting that the analysis reads' },
);

export const ChangeSchema = Type.Union(
  [SecurityGroupRuleChangeSchema, NetworkAclEntryChangeSchema, EndpointSecurityGroupChangeSchema, NlbAttributeChangeSchema],
  {
    description: 'One change, in the format of the analysis contract §7',
  },
);

export type SecurityGroupRuleChange = Static<typeof SecurityGroupRuleChangeSchema>;
export type NetworkAclEntryChange = Static<typeof NetworkAclEntryChangeSchema>;
export type EndpointSecurityGroupChange = Static<typeof EndpointSecurityGroupChangeSchema>;
export type NlbAttributeChange = Static<typeof NlbAttributeChangeSchema>;
export type Change = Static<typeof ChangeSchema>;

/** A field of a change that breaks a rule: `changes.2.ruleNumber`, and why. */
export interface InvalidChange {
  readonly name: string;
  readonly reason: string;
}

/** What a list of changes touches, per unit: what a blast radius re-analyses. */
export interface TouchedResources {
  readonly securityGroups: ReadonlySet<string>;
  readonly networkAcls: ReadonlySet<string>;
  readonly endpoints: ReadonlySet<string>;
  readonly loadBalancers: ReadonlySet<string>;
  /** Load balancers whose inbound enforcement on PrivateLink traffic changed. */
  readonly loadBalancerEnforcement: ReadonlySet<string>;
  /** Of the touched groups and NACLs, the directions whose rules changed (rule-sets.ts keys). */
  readonly ruleSets: ReadonlySet<string>;
}

export interface AppliedChanges {
  /** The fleet with the changes applied; the original is untouched. */
  readonly fleet: Fleet;
  /** Unit key -> what the changes touched there. */
  readonly touched: ReadonlyMap<string, TouchedResources>;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58', all: '-1', '-1': '-1' };

/** A NACL protocol as the model keeps it: its number, `-1` for all. */
export function naclProtocolNumber(protocol: string): string | undefined {
  const lower = protocol.toLowerCase();
  if (PROTOCOL_NUMBERS[lower]) return PROTOCOL_NUMBERS[lower];
  return /^\d{1,3}$/.test(lower) && Number(lower) <= 255 ? String(Number(lower)) : undefined;
}

/** A security group protocol as AWS prints it: `tcp`, `udp`, `icmp`, `icmpv6`, `-1`, or a number. */
export function securityGroupProtocol(protocol: string): string | undefined {
  const number = naclProtocolNumber(protocol);
  if (number === undefined) return undefined;
  const named = Object.entries(PROTOCOL_NUMBERS).find(([name, value]) => value === number && name !== 'all' && name !== '-1');
  return number === '-1' ? '-1' : (named?.[0] ?? number);
}

function hasPorts(protocolNumber: string): boolean {
  return protocolNumber === '6' || protocolNumber === '17';
}

// ------------------------------------------------------------------------ the working copy

/** One unit's resources as the changes so far leave them: copies of what they touched. */
class UnitDraft {
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly networkAcls = new Map<string, NetworkAcl>();
  readonly endpoints = new Map<string, VpcEndpoint>();
  readonly loadBalancers = new Map<string, LoadBalancer>();

  constructor(readonly unit: FleetUnit & { readonly model: NetworkModel }) {}

  group(id: string): SecurityGroup | undefined {
    return this.securityGroups.get(id) ?? this.unit.model.securityGroups.get(id);
  }
  acl(id: string): NetworkAcl | undefined {
    return this.networkAcls.get(id) ?? this.unit.model.networkAcls.get(id);
  }
  endpoint(id: string): VpcEndpoint | undefined {
    return this.endpoints.get(id) ?? this.unit.model.endpoints.get(id);
  }
  loadBalancer(arn: string): LoadBalancer | undefined {
    return this.loadBalancers.get(arn) ?? this.unit.model.loadBalancers.get(arn);
  }
  touched(): TouchedResources {
    const { model } = this.unit;
    // A direction changed when its array is a new one: a change copies only what it alters.
    const ruleSets = new Set<string>();
    for (const [id, group] of this.securityGroups) {
      const before = model.securityGroups.get(id);
      for (const direction of RULE_DIRECTIONS) if (group[direction] !== before?.[direction]) ruleSets.add(ruleSetKey(id, direction));
    }
    for (const [id, acl] of this.networkAcls) {
      const before = model.networkAcls.get(id);
      for (const direction of RULE_DIRECTIONS) if (acl[direction] !== before?.[direction]) ruleSets.add(ruleSetKey(id, direction));
    }
    return {
      ruleSets,
      securityGroups: new Set(this.securityGroups.keys()),
      networkAcls: new Set(this.networkAcls.keys()),
      endpoints: new Set(this.endpoints.keys()),
      loadBalancers: new Set(this.loadBalancers.keys()),
      loadBalancerEnforcement: new Set(
        [...this.loadBalancers.values()]
          .filter((lb) => lb.enforceInboundRulesOnPrivateLinkTraffic !== this.unit.model.loadBalancers.get(lb.arn)?.enforceInboundRulesOnPrivateLinkTraffic)
          .map((lb) => lb.arn),
      ),
    };
  }
}

/** A map that reads through to a base map, with some keys replaced: O(changes) to build. */
class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly replaced: ReadonlyMap<K, V>,
  ) {}
  get(key: K): V | undefined {
    return this.replaced.get(key) ?? this.base.get(key);
  }
  has(key: K): boolean {
    return this.replaced.has(key) || this.base.has(key);
  }
  get size(): number {
    let added = 0;
    for (const key of this.replaced.keys()) if (!this.base.has(key)) added++;
    return this.base.size + added;
  }
  *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.base) yield [key, this.replaced.get(key) ?? value];
    for (const [key, value] of this.replaced) if (!this.base.has(key)) yield [key, value];
  }
  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }
  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

function overlay<K, V>(base: ReadonlyMap<K, V>, replaced: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  return replaced.size === 0 ? base : new OverlayMap(base, replaced);
}

/** The unit's model with the draft's copies in place of the originals, and every index that holds them. */
function overlayModel(draft: UnitDraft, touched: TouchedResources): NetworkModel {
  const { model } = draft.unit;
  const aclBySubnet = new Map<string, NetworkAcl>();
  for (const acl of draft.networkAcls.values()) for (const subnetId of acl.subnetIds) aclBySubnet.set(subnetId, acl);
  // An endpoint's groups are its interfaces' groups: a group reference matches them.
  const interfaces = new Map<string, NetworkInterface>();
  const byIp = new Map<string, NetworkInterface>();
  for (const endpoint of draft.endpoints.values()) {
    for (const eniId of endpoint.networkInterfaceIds) {
      const eni = model.networkInterfaces.get(eniId);
      if (!eni) continue;
      const changed = { ...eni, securityGroupIds: [...endpoint.securityGroupIds] };
      interfaces.set(eniId, changed);
      for (const address of [...eni.privateIps, ...eni.ipv6Addresses]) byIp.set(address.text, changed);
    }
  }
  // A memo of its own: the overlay's targets resolve against its own interfaces. The prefix
  // list sets carry over (the overlay holds the same lists, and a set reads nothing else);
  // the compiled rules, rule evidence and provider checks are read from the base's memo,
  // the provider checks only where the changes left the rules they read.
  const base = memoOf(model);
  const memo = new ModelMemo({ memo: base, altered: touched, securityGroups: model.securityGroups });
  return withOwnMemo(
    {
      ...model,
      securityGroups: overlay(model.securityGroups, draft.securityGroups),
      networkAcls: overlay(model.networkAcls, draft.networkAcls),
      networkAclBySubnet: overlay(model.networkAclBySubnet, aclBySubnet),
      endpoints: overlay(model.endpoints, draft.endpoints),
      networkInterfaces: overlay(model.networkInterfaces, interfaces),
      interfaceByIp: overlay(model.interfaceByIp, byIp),
      loadBalancers: overlay(model.loadBalancers, draft.loadBalancers),
    },
    memo,
  );
}

/** The fleet with some units' models replaced; the indexes stay valid, as changes add no endpoint or service. */
function overlayFleet(fleet: Fleet, models: ReadonlyMap<FleetUnit, NetworkModel>): Fleet {
  if (models.size === 0) return fleet;
  const swapped = new Map<FleetUnit, FleetUnit>();
  for (const [unit, model] of models) swapped.set(unit, { ...unit, model });
  const swap = (unit: FleetUnit) => swapped.get(unit) ?? unit;
  return {
    units: fleet.units.map(swap),
    unitsWithEndpoint: (endpointId) => fleet.unitsWithEndpoint(endpointId).map(swap),
    unitsWithService: (serviceName) => fleet.unitsWithService(serviceName).map(swap),
  };
}

// ------------------------------------------------------------------------ validation

type Resource = 'securityGroups' | 'networkAcls' | 'endpoints' | 'loadBalancers';
const RESOURCE_LABELS: Record<Resource, string> = {
  securityGroups: 'security group',
  networkAcls: 'network ACL',
  endpoints: 'endpoint',
  loadBalancers: 'load balancer',
};

function modelHas(model: NetworkModel, resource: Resource, id: string): boolean {
  return model[resource].has(id);
}

function sameRule(a: SecurityGroupRule, b: SecurityGroupRule): boolean {
  // The cheap tests first: a new rule is held against every rule of its group.
  if (a.direction !== b.direction || a.peer.kind !== b.peer.kind) return false;
  if ((a.portRange?.from ?? null) !== (b.portRange?.from ?? null) || (a.portRange?.to ?? null) !== (b.portRange?.to ?? null)) return false;
  if (naclProtocolNumber(a.protocol) !== naclProtocolNumber(b.protocol)) return false;
  switch (a.peer.kind) {
    case 'cidr':
      return b.peer.kind === 'cidr' && a.peer.cidr.text === b.peer.cidr.text;
    case 'prefix-list':
      return b.peer.kind === 'prefix-list' && a.peer.prefixListId === b.peer.prefixListId;
    case 'security-group':
      return b.peer.kind === 'security-group' && a.peer.groupId === b.peer.groupId;
  }
}

/** Reads changes one at a time into per-unit drafts, collecting every rule they break. */
class ChangeApplier {
  readonly drafts = new Map<FleetUnit, UnitDraft>();
  readonly invalid: InvalidChange[] = [];

  constructor(private readonly fleet: Fleet) {}

  apply(change: Change, index: number): void {
    const field = (name: string) => `changes.${index}.${name}`;
    const fail = (name: string, reason: string) => {
      this.invalid.push({ name: field(name), reason });
    };
    switch (change.kind) {
      case 'sg-rule':
        return this.applySecurityGroupRule(change, fail);
      case 'nacl-entry':
        return this.applyNetworkAclEntry(change, fail);
      case 'endpoint-sg':
        return this.applyEndpointSecurityGroup(change, fail);
      case 'nlb-attribute':
        return this.applyNlbAttribute(change, fail);
    }
  }

  /** The one unit holding the resource, or a reason naming the field. */
  private locate(change: Change, resource: Resource, id: string, fieldName: string, fail: (name: string, reason: string) => void): UnitDraft | undefined {
    const hint = {
      ...(change.accountId !== undefined ? { accountId: change.accountId } : {}),
      ...(change.region !== undefined ? { region: change.region } : {}),
    };
    const units = unitsMatching(this.fleet, hint).filter((unit): unit is FleetUnit & { model: NetworkModel } => unit.model !== undefined);
    const holding = units.filter((unit) => modelHas(unit.model, resource, id));
    if (holding.length > 1) {
      fail(
        fieldName,
        `${RESOURCE_LABELS[resource]} ${id} is in ${holding.length} units (${holding.map((unit) => unit.key).join(', ')}): name one with accountId and region`,
      );
      return undefined;
    }
    const unit = holding[0];
    if (!unit) {
      const where = hint.accountId !== undefined || hint.region !== undefined ? ` of ${describeUnit(hint)}` : '';
      fail(fieldName, `${RESOURCE_LABELS[resource]} ${id} is not in the data${where}`);
      return undefined;
    }
    let draft = this.drafts.get(unit);
    if (!draft) {
      draft = new UnitDraft(unit);
      this.drafts.set(unit, draft);
    }
    return draft;
  }

  private applySecurityGroupRule(change: SecurityGroupRuleChange, fail: (name: string, reason: string) => void): void {
    const protocol = securityGroupProtocol(change.protocol);
    if (protocol === undefined) return fail('protocol', `"${change.protocol}" is not tcp, udp, icmp, icmpv6, -1 or a protocol number`);
    const peers = (['cidr', 'ipv6Cidr', 'prefixListId', 'peerGroupId'] as const).filter((name) => change[name] !== undefined);
    if (peers.length !== 1)
      return fail(
        peers[1] ?? 'cidr',
        `give exactly one of cidr, ipv6Cidr, prefixListId, peerGroupId (found ${peers.length === 0 ? 'none' : peers.join(', ')})`,
      );
    let peer: SecurityGroupRule['peer'];
    if (change.cidr !== undefined || change.ipv6Cidr !== undefined) {
      const name = change.cidr !== undefined ? 'cidr' : 'ipv6Cidr';
      const cidr = parseCidr((change.cidr ?? change.ipv6Cidr)!);
      if (!cidr || cidr.family !== (name === 'cidr' ? 4 : 6)) return fail(name, `"${change[name]}" is not an ${name === 'cidr' ? 'IPv4' : 'IPv6'} CIDR`);
      peer = { kind: 'cidr', cidr };
    } else if (change.prefixListId !== undefined) {
      peer = { kind: 'prefix-list', prefixListId: change.prefixListId };
    } else {
      peer = { kind: 'security-group', groupId: change.peerGroupId! };
    }
    const portRange = this.ports(change, protocol === '-1' ? '-1' : naclProtocolNumber(protocol)!, fail);
    if (portRange === null) return;
    const draft = this.locate(change, 'securityGroups', change.groupId, 'groupId', fail);
    if (!draft) return;
    const group = draft.group(change.groupId)!;
    const direction = change.direction === 'inbound' ? 'ingress' : 'egress';
    const rule: SecurityGroupRule = {
      groupId: group.id,
      direction,
      protocol,
      ...(portRange ? { portRange } : {}),
      peer,
      ...(change.description !== undefined ? { description: change.description } : {}),
    };
    const rules = group[direction];
    const existing = rules.findIndex((candidate) => sameRule(candidate, rule));
    if (change.op === 'add') {
      if (existing >= 0) return fail('groupId', `${group.id} already has this ${change.direction} rule (a duplicate: AWS answers InvalidPermission.Duplicate)`);
      draft.securityGroups.set(group.id, { ...group, [direction]: [...rules, rule] });
    } else {
      if (existing < 0) return fail('groupId', `${group.id} has no such ${change.direction} rule to remove`);
      draft.securityGroups.set(group.id, { ...group, [direction]: rules.filter((_, index) => index !== existing) });
    }
  }

  /** The port range of a rule or entry: undefined for every port, null when invalid. */
  private ports(
    change: { fromPort?: number; toPort?: number },
    protocolNumber: string,
    fail: (name: string, reason: string) => void,
  ): { from: number; to: number } | undefined | null {
    if (!hasPorts(protocolNumber)) return undefined;
    if (change.fromPort === undefined || change.toPort === undefined) {
      fail(change.fromPort === undefined ? 'fromPort' : 'toPort', 'is required for tcp and udp');
      return null;
    }
    if (change.fromPort < 0 || change.toPort < 0 || change.fromPort > change.toPort) {
      fail('fromPort', `${change.fromPort}-${change.toPort} is not a port range within 0-65535`);
      return null;
    }
    return { from: change.fromPort, to: change.toPort };
  }

  private applyNetworkAclEntry(change: NetworkAclEntryChange, fail: (name: string, reason: string) => void): void {
    const draft = this.locate(change, 'networkAcls', change.networkAclId, 'networkAclId', fail);
    if (!draft) return;
    const acl = draft.acl(change.networkAclId)!;
    const direction = change.egress ? 'egress' : 'ingress';
    const entries = acl[direction];
    const existing = entries.findIndex((entry) => entry.ruleNumber === change.ruleNumber);
    const label = `${acl.id} ${change.egress ? 'outbound' : 'inbound'}`;
    if (change.op === 'remove') {
      if (existing < 0) return fail('ruleNumber', `${label} has no rule ${change.ruleNumber} to remove`);
      draft.networkAcls.set(acl.id, { ...acl, [direction]: entries.filter((_, index) => index !== existing) });
      return;
    }
    if (change.op === 'add' && existing >= 0)
      return fail(
        'ruleNumber',
        `rule number ${change.ruleNumber} is taken in ${label} (AWS answers NetworkAclEntryAlreadyExists): choose a free one, or replace it`,
      );
    if (change.op === 'replace' && existing < 0) return fail('ruleNumber', `${label} has no rule ${change.ruleNumber} to replace`);
    if (change.protocol === undefined) return fail('protocol', `is required to ${change.op} an entry`);
    const protocol = naclProtocolNumber(change.protocol);
    if (protocol === undefined) return fail('protocol', `"${change.protocol}" is not tcp, udp, icmp, icmpv6, -1 or a protocol number`);
    if (change.action === undefined) return fail('action', `is required to ${change.op} an entry`);
    if ((change.cidr === undefined) === (change.ipv6Cidr === undefined)) return fail('cidr', 'give exactly one of cidr and ipv6Cidr');
    const name = change.cidr !== undefined ? 'cidr' : 'ipv6Cidr';
    const cidr = parseCidr((change.cidr ?? change.ipv6Cidr)!);
    if (!cidr || cidr.family !== (name === 'cidr' ? 4 : 6)) return fail(name, `"${change[name]}" is not an ${name === 'cidr' ? 'IPv4' : 'IPv6'} CIDR`);
    const portRange = this.ports(change, protocol, fail);
    if (portRange === null) return;
    const entry: NetworkAclEntry = {
      ruleNumber: change.ruleNumber,
      egress: change.egress,
      action: change.action,
      protocol,
      cidr,
      ...(portRange ? { portRange } : {}),
    };
    const kept = entries.filter((_, index) => index !== existing);
    draft.networkAcls.set(acl.id, { ...acl, [direction]: [...kept, entry].sort((a, b) => a.ruleNumber - b.ruleNumber) });
  }

  private applyEndpointSecurityGroup(change: EndpointSecurityGroupChange, fail: (name: string, reason: string) => void): void {
    const draft = this.locate(change, 'endpoints', change.endpointId, 'endpointId', fail);
    if (!draft) return;
    const endpoint = draft.endpoint(change.endpointId)!;
    if (!draft.group(change.groupId) && draft.unit.model.captured.has('securityGroups')) {
      return fail('groupId', `security group ${change.groupId} is not in the data of ${draft.unit.key}, the endpoint's unit`);
    }
    const attached = endpoint.securityGroupIds.includes(change.groupId);
    if (change.op === 'attach') {
      if (attached) return fail('groupId', `${change.groupId} is already attached to ${endpoint.id}`);
      draft.endpoints.set(endpoint.id, { ...endpoint, securityGroupIds: [...endpoint.securityGroupIds, change.groupId] });
    } else {
      if (!attached) return fail('groupId', `${change.groupId} is not attached to ${endpoint.id}`);
      draft.endpoints.set(endpoint.id, { ...endpoint, securityGroupIds: endpoint.securityGroupIds.filter((id) => id !== change.groupId) });
    }
  }

  private applyNlbAttribute(change: NlbAttributeChange, fail: (name: string, reason: string) => void): void {
    const allowed = NLB_ATTRIBUTES[change.key].values;
    if (!allowed.includes(change.value)) return fail('value', `${change.key} takes ${allowed.join(' or ')}, not "${change.value}"`);
    const draft = this.locate(change, 'loadBalancers', change.loadBalancerArn, 'loadBalancerArn', fail);
    if (!draft) return;
    const lb = draft.loadBalancer(change.loadBalancerArn)!;
    if (change.key === 'load_balancing.cross_zone.enabled') {
      draft.loadBalancers.set(lb.arn, { ...lb, crossZoneEnabled: change.value === 'true' });
    } else {
      if (lb.securityGroupIds.length === 0) return fail('key', `${lb.name} has no security groups, so there is no inbound enforcement to set`);
      draft.loadBalancers.set(lb.arn, { ...lb, enforceInboundRulesOnPrivateLinkTraffic: change.value });
    }
  }
}

/** Every rule the changes break, each naming the change by index and the field: empty when they apply. */
export function validateChanges(data: Fleet, changes: readonly Change[]): InvalidChange[] {
  const applier = new ChangeApplier(data);
  changes.forEach((change, index) => applier.apply(change, index));
  return applier.invalid;
}

/**
 * The fleet with the changes applied in order, each seeing the ones before it. Throws
 * `change_invalid` naming every change that does not apply to the data.
 */
export function applyChanges(data: Fleet, changes: readonly Change[]): AppliedChanges {
  const applier = new ChangeApplier(data);
  changes.forEach((change, index) => applier.apply(change, index));
  if (applier.invalid.length > 0) {
    const first = applier.invalid[0]!;
    const more = applier.invalid.length > 1 ? ` (and ${applier.invalid.length - 1} more)` : '';
    throw new AnalysisError('change_invalid', `${first.name}: ${first.reason}${more}`, first.name, applier.invalid);
  }
  const models = new Map<FleetUnit, NetworkModel>();
  const touched = new Map<string, TouchedResources>();
  for (const [unit, draft] of applier.drafts) {
    const touchedHere = draft.touched();
    models.set(unit, overlayModel(draft, touchedHere));
    touched.set(unit.key, touchedHere);
  }
  return { fleet: overlayFleet(data, models), touched };
}
