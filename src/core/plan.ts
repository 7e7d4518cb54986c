import { applyChanges, type AppliedChanges, type Change, type NetworkAclEntryChange, type SecurityGroupRuleChange } from './change.js';
import { planCommands } from './commands.js';
import type { Fleet, FleetUnit, LocatedEndpoint, UnitRef } from './fleet.js';
import type { NetworkAclEntry, NetworkModel } from './model.js';
import { freeRuleNumberBefore } from './nacl.js';
import { cidrContains, hostCidr, mergeCidrs, parseCidr, parseIp, type IpAddress } from './net.js';
import { formatRange } from './ports.js';
import type { ResolvedClient } from './path.js';
import {
  PROVIDER_CHECK_IDS,
  type Check,
  type CheckId,
  type FixPlan,
  type FixScope,
  type Remediation,
  type Report,
  type UnfixableItem,
  type Verdict,
} from './report.js';

/**
 * The fix plan (contract §6): the failing checks' fixes made into changes that apply as
 * printed — each once, NACL rule numbers distinct and free, peers widened to the scope
 * asked for — and proven by analysing the data with them applied.
 */

/** What the planner needs of the analysis it plans for. */
export interface PlanInput {
  readonly fleet: Fleet;
  readonly located: LocatedEndpoint;
  readonly client: ResolvedClient;
  /** The provider's unit, when the provider side is visible. */
  readonly providerUnit?: FleetUnit;
  readonly report: Omit<Report, 'fixPlan'>;
  readonly scope: FixScope;
  /** Analyses the same request on the data with the changes applied: the proof. */
  readonly reanalyze: (applied: AppliedChanges) => { readonly verdict: Verdict };
}

/** Checks whose rule admits the client: the endpoint's side and the NLB's inbound rules. */
const CLIENT_PEER_CHECKS: ReadonlySet<CheckId> = new Set(['endpoint.sg.inbound', 'endpoint.nacl.inbound', 'endpoint.nacl.outbound', 'nlb.sg.inbound']);
/** Checks whose rule admits the endpoint's interfaces: the client's side. */
const ENDPOINT_PEER_CHECKS: ReadonlySet<CheckId> = new Set(['client.sg.outbound', 'client.nacl.outbound', 'client.nacl.inbound']);
const PROVIDER_CHECKS: ReadonlySet<string> = new Set(PROVIDER_CHECK_IDS);

type Unit = FleetUnit & { readonly model: NetworkModel };

/** One admission to make in a NACL: the CIDRs to try, in order (the scope's, then one per host). */
interface NetworkAclItem {
  readonly need: NetworkAclNeed;
  readonly before: number;
  readonly alternatives: readonly (readonly string[])[];
}

interface SecurityGroupNeed {
  readonly unit: Unit;
  readonly checkId: CheckId;
  readonly groupId: string;
  readonly direction: 'inbound' | 'outbound';
  readonly fromPort: number;
  readonly toPort: number;
  readonly peer: { readonly cidr: string } | { readonly peerGroupId: string };
  readonly description: string;
  /** The endpoint interface on the path (client-side rules admit it). */
  readonly endpointAddress?: IpAddress;
  readonly endpointSubnetId?: string;
}

interface NetworkAclNeed {
  readonly unit: Unit;
  readonly checkId: CheckId;
  readonly networkAclId: string;
  readonly egress: boolean;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr: string;
  readonly before: number;
  readonly endpointAddress?: IpAddress;
  readonly endpointSubnetId?: string;
}

function unitRef(unit: UnitRef): { accountId?: string; region?: string } {
  return { ...(unit.accountId ? { accountId: unit.accountId } : {}), ...(unit.region ? { region: unit.region } : {}) };
}

function familyCidrs(model: NetworkModel, subnetIds: Iterable<string>, family: 4 | 6): string[] | undefined {
  const cidrs: string[] = [];
  for (const subnetId of subnetIds) {
    const subnet = model.subnets.get(subnetId);
    if (!subnet) return undefined;
    for (const cidr of subnet.cidrs) if (cidr.family === family) cidrs.push(cidr.text);
  }
  return cidrs.length > 0 ? mergeCidrs(cidrs) : undefined;
}

/** Appends a value to the list a key gathers. */
function addTo<T>(lists: Map<string, T[]>, key: string, value: T): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

class Planner {
  private readonly securityGroupNeeds: SecurityGroupNeed[] = [];
  private readonly networkAclNeeds: NetworkAclNeed[] = [];
  private readonly changes: Change[] = [];
  private readonly unfixable = new Map<string, UnfixableItem>();
  readonly notes = new Set<string>();

  constructor(private readonly input: PlanInput) {}

  private unitOf(check: Check): Unit | undefined {
    const unit = PROVIDER_CHECKS.has(check.id) ? this.input.providerUnit : this.input.located.unit;
    return unit?.model ? (unit as Unit) : undefined;
  }

  private addUnfixable(check: Check, action: string, command?: string): void {
    const key = `${check.id}|${action}|${command ?? ''}`;
    if (this.unfixable.has(key)) return;
    this.unfixable.set(key, {
      checkId: check.id,
      status: check.status as UnfixableItem['status'],
      summary: check.summary,
      action,
      ...(command ? { command } : {}),
      ...(check.scope.accountId ? { accountId: check.scope.accountId } : {}),
      ...(check.scope.region ? { region: check.scope.region } : {}),
    });
  }

  /** Reads one failing, warning or unknown check into needs, changes or unfixable items. */
  read(check: Check): void {
    if (check.id === 'probe.tcp') return;
    if (check.status === 'unknown') {
      this.addUnfixable(check, 'capture the missing data, then analyse again');
      return;
    }
    const unit = this.unitOf(check);
    const remediation: Remediation | undefined = check.remediation;
    const actions = remediation?.actions ?? [];
    const endpointAddress = check.scope.ipAddress ? parseIp(check.scope.ipAddress) : undefined;
    // A client-side check's scope names the client's subnet: the endpoint interface's is the path's.
    const endpointSubnetId = this.input.report.paths.find((path) => path.networkInterfaceId === check.scope.networkInterfaceId)?.subnetId;
    const onPath = { ...(endpointAddress ? { endpointAddress } : {}), ...(endpointSubnetId ? { endpointSubnetId } : {}) };
    let planned = false;
    for (const action of actions) {
      if (!unit) break;
      if (action.kind === 'authorize-security-group-ingress' || action.kind === 'authorize-security-group-egress') {
        const peer = action.referencedSecurityGroupId ? { peerGroupId: action.referencedSecurityGroupId } : { cidr: action.cidr! };
        this.securityGroupNeeds.push({
          unit,
          checkId: check.id,
          groupId: action.securityGroupId,
          direction: action.kind === 'authorize-security-group-ingress' ? 'inbound' : 'outbound',
          fromPort: action.fromPort,
          toPort: action.toPort,
          peer,
          description: action.description,
          ...onPath,
        });
        planned = true;
      } else if (action.kind === 'create-network-acl-entry') {
        this.networkAclNeeds.push({
          unit,
          checkId: check.id,
          networkAclId: action.networkAclId,
          egress: action.egress,
          fromPort: action.portRange.from,
          toPort: action.portRange.to,
          cidr: action.cidrBlock,
          before: action.beforeRuleNumber,
          ...onPath,
        });
        planned = true;
      } else if (action.kind === 'modify-load-balancer-attributes' && action.key === 'load_balancing.cross_zone.enabled') {
        this.pushChange({ op: 'set', kind: 'nlb-attribute', loadBalancerArn: action.loadBalancerArn, key: action.key, value: action.value, ...unitRef(unit) });
        planned = true;
      }
    }
    if (planned) {
      // A part of the check that no rule number could be found for stays to be done by hand.
      for (const action of actions) if (action.kind === 'manual' && action.text.startsWith('renumber')) this.addUnfixable(check, action.text);
      return;
    }
    const commands = actions.filter((action) => 'cli' in action);
    if (commands.length > 0) {
      for (const action of commands) {
        const what =
          action.kind === 'accept-vpc-endpoint-connections'
            ? 'the provider accepts the endpoint connection'
            : action.kind === 'create-listener'
              ? 'add a listener (a new listener needs a target group chosen by its owner)'
              : (remediation?.summary ?? 'run the command');
        this.addUnfixable(check, what, 'cli' in action ? action.cli : undefined);
      }
      return;
    }
    const manual = actions.filter((action) => action.kind === 'manual').map((action) => ('text' in action ? action.text : ''));
    this.addUnfixable(check, [remediation?.summary, ...manual].filter(Boolean).join(': ') || 'no rule change fixes this');
  }

  private pushChange(change: Change): void {
    const key = JSON.stringify(change);
    if (!this.changes.some((known) => JSON.stringify(known) === key)) this.changes.push(change);
  }

  /** The client's CIDRs in the plan's scope, for rules that admit the client. */
  private clientPeerCidrs(): string[] {
    const { client, scope } = this.input;
    const host = [hostCidr(client.address)];
    if (scope === 'client') return host;
    const model = this.input.located.model;
    const subnetId = client.subnet?.id ?? client.networkInterface?.subnetId;
    const vpcId = client.subnet?.vpcId ?? client.networkInterface?.vpcId;
    const subnetIds = scope === 'subnet' ? (subnetId ? [subnetId] : []) : vpcId ? (model.vpcs.get(vpcId)?.subnetIds ?? []) : [];
    const cidrs = subnetIds.length > 0 ? familyCidrs(model, subnetIds, client.address.family) : undefined;
    if (!cidrs) {
      this.notes.add(
        `the client ${client.address.text} is in no captured subnet${scope === 'vpc' ? ' or VPC' : ''}, so its rules admit its own address (scope client), not its ${scope}`,
      );
      return host;
    }
    if (scope === 'vpc') this.notes.add(`scope vpc admits every captured subnet of ${vpcId} (merged); the data does not hold the VPC's own CIDR blocks`);
    return cidrs;
  }

  /** The endpoint interfaces' CIDRs for client-side rules: /32s, or their subnets' or VPC's CIDRs when that is fewer or asked for. */
  private endpointPeerCidrs(needs: readonly { endpointAddress?: IpAddress; endpointSubnetId?: string; cidr?: string }[]): string[] {
    const { scope, located } = this.input;
    const model = located.model;
    const family = this.input.client.address.family;
    const hosts = [...new Set(needs.map((need) => (need.endpointAddress ? hostCidr(need.endpointAddress) : need.cidr!)))].sort();
    const subnetIds = [...new Set(needs.flatMap((need) => (need.endpointSubnetId ? [need.endpointSubnetId] : [])))];
    const subnets = needs.every((need) => need.endpointSubnetId) ? familyCidrs(model, subnetIds, family) : undefined;
    if (scope === 'vpc') {
      const vpc = model.vpcs.get(located.endpoint.vpcId);
      const cidrs = vpc ? familyCidrs(model, vpc.subnetIds, family) : undefined;
      if (cidrs) return cidrs;
    }
    if (scope === 'subnet' && subnets) return subnets;
    return subnets && subnets.length < hosts.length ? subnets : hosts;
  }

  /** The needs turned into changes: scoped, each once, NACL numbers allocated. */
  build(): { changes: Change[]; unfixable: UnfixableItem[] } {
    const { located } = this.input;
    // Security group rules.
    const clientSideSg = new Map<string, SecurityGroupNeed[]>();
    for (const need of this.securityGroupNeeds) {
      if (ENDPOINT_PEER_CHECKS.has(need.checkId)) {
        addTo(clientSideSg, `${need.unit.key}|${need.groupId}|${need.direction}|${need.fromPort}|${need.toPort}`, need);
        continue;
      }
      const peers: SecurityGroupNeed['peer'][] =
        CLIENT_PEER_CHECKS.has(need.checkId) && 'cidr' in need.peer ? this.clientPeerCidrs().map((cidr) => ({ cidr })) : [need.peer];
      for (const peer of peers) this.pushSecurityGroupRule(need, peer, need.description);
    }
    for (const needs of clientSideSg.values()) {
      const first = needs[0]!;
      const endpoint = located.endpoint;
      const clientVpc = this.input.client.networkInterface?.vpcId;
      if (endpoint.securityGroupIds.length > 0 && clientVpc === endpoint.vpcId) {
        // One rule naming the endpoint's group admits every one of its interfaces.
        this.pushSecurityGroupRule(first, { peerGroupId: endpoint.securityGroupIds[0]! }, `vpce-doctor: to ${endpoint.id}`);
      } else {
        for (const cidr of this.endpointPeerCidrs(needs.map((need) => ({ ...need, cidr: 'cidr' in need.peer ? need.peer.cidr : '' })))) {
          this.pushSecurityGroupRule(first, { cidr }, `vpce-doctor: to ${endpoint.id}`);
        }
      }
    }
    // NACL entries: scoped and deduplicated first, numbered after; each item falls back to
    // one entry per host when the gap before the denying entry has no room for its CIDRs.
    const items = new Map<string, NetworkAclItem>();
    const clientSideAcl = new Map<string, NetworkAclNeed[]>();
    for (const need of this.networkAclNeeds) {
      if (ENDPOINT_PEER_CHECKS.has(need.checkId)) {
        addTo(clientSideAcl, `${need.unit.key}|${need.networkAclId}|${need.egress}|${need.fromPort}|${need.toPort}`, need);
        continue;
      }
      const scoped = CLIENT_PEER_CHECKS.has(need.checkId) ? this.clientPeerCidrs() : [need.cidr];
      this.addItem(items, need, need.before, [scoped, [need.cidr]]);
    }
    for (const needs of clientSideAcl.values()) {
      const before = Math.min(...needs.map((need) => need.before));
      const hosts = [...new Set(needs.map((need) => (need.endpointAddress ? hostCidr(need.endpointAddress) : need.cidr)))].sort();
      this.addItem(items, needs[0]!, before, [this.endpointPeerCidrs(needs), hosts]);
    }
    this.numberEntries([...items.values()]);
    // Whatever admits traffic goes first; nothing here removes any, so no step opens a gap.
    const rank = (change: Change) => (change.op === 'remove' || change.op === 'detach' ? 2 : change.op === 'replace' ? 1 : 0);
    const ordered = this.changes.map((change, index) => ({ change, index })).sort((a, b) => rank(a.change) - rank(b.change) || a.index - b.index);
    return { changes: ordered.map((item) => item.change), unfixable: [...this.unfixable.values()] };
  }

  private pushSecurityGroupRule(need: SecurityGroupNeed, peer: SecurityGroupNeed['peer'], description: string): void {
    const peerField: Pick<SecurityGroupRuleChange, 'cidr' | 'ipv6Cidr' | 'peerGroupId'> =
      'peerGroupId' in peer ? { peerGroupId: peer.peerGroupId } : peer.cidr.includes(':') ? { ipv6Cidr: peer.cidr } : { cidr: peer.cidr };
    const change: SecurityGroupRuleChange = {
      op: 'add',
      kind: 'sg-rule',
      groupId: need.groupId,
      direction: need.direction,
      protocol: 'tcp',
      fromPort: need.fromPort,
      toPort: need.toPort,
      ...peerField,
      description,
      ...unitRef(need.unit),
    };
    const same = (known: Change) =>
      known.kind === 'sg-rule' &&
      known.groupId === change.groupId &&
      known.direction === change.direction &&
      known.fromPort === change.fromPort &&
      known.toPort === change.toPort &&
      known.cidr === change.cidr &&
      known.ipv6Cidr === change.ipv6Cidr &&
      known.peerGroupId === change.peerGroupId &&
      known.accountId === change.accountId &&
      known.region === change.region;
    if (this.changes.some(same) || this.groupHasRule(need.unit, change)) return;
    this.changes.push(change);
  }

  /** Whether the group already has this very rule (AWS would refuse it as a duplicate). */
  private groupHasRule(unit: Unit, change: SecurityGroupRuleChange): boolean {
    const group = unit.model.securityGroups.get(change.groupId);
    const rules = change.direction === 'inbound' ? group?.ingress : group?.egress;
    return (rules ?? []).some((rule) => {
      if (rule.protocol !== 'tcp' && rule.protocol !== '6') return false;
      if (rule.portRange?.from !== change.fromPort || rule.portRange?.to !== change.toPort) return false;
      if (rule.peer.kind === 'security-group') return rule.peer.groupId === change.peerGroupId;
      if (rule.peer.kind !== 'cidr') return false;
      const wanted = change.cidr ?? change.ipv6Cidr;
      return wanted !== undefined && parseCidr(wanted)?.text === rule.peer.cidr.text;
    });
  }

  private addItem(items: Map<string, NetworkAclItem>, need: NetworkAclNeed, before: number, alternatives: readonly (readonly string[])[]): void {
    const distinct = alternatives.filter((cidrs, index) => alternatives.findIndex((other) => other.join() === cidrs.join()) === index);
    const key = `${need.unit.key}|${need.networkAclId}|${need.egress}|${need.fromPort}|${need.toPort}|${distinct[0]!.join()}`;
    const known = items.get(key);
    items.set(key, known ? { ...known, before: Math.min(known.before, before) } : { need, before, alternatives: distinct });
  }

  /**
   * A new entry wider than one host comes before entries that decided other addresses of its
   * range: a deny among them stops deciding them. Named, so the scope is chosen knowingly.
   */
  private noteShadowedDenies(aclId: string, entries: readonly NetworkAclEntry[], ruleNumber: number, need: NetworkAclNeed): void {
    for (const entry of entries) {
      // The entry that denies the client today is the one the plan means to come before.
      if (entry.ruleNumber <= ruleNumber || entry.ruleNumber === need.before || entry.ruleNumber >= 32767 || entry.action !== 'deny') continue;
      if (entry.protocol !== '6' && entry.protocol !== '-1') continue;
      if (entry.portRange && (entry.portRange.to < need.fromPort || entry.portRange.from > need.toPort)) continue;
      if (!cidrsOverlap(entry.cidr.text, need.cidr)) continue;
      this.notes.add(
        `${aclId} ${need.egress ? 'outbound' : 'inbound'} rule ${entry.ruleNumber} (deny ${entry.cidr.text}) will no longer decide tcp ${formatRange({ from: need.fromPort, to: need.toPort })} for the part of it inside ${need.cidr}: the new rule ${ruleNumber} admits it first; choose scope client to leave it deciding`,
      );
    }
  }

  /** Rule numbers per (NACL, direction): free, distinct, each before the entry that denies. */
  private numberEntries(items: readonly NetworkAclItem[]): void {
    const byAcl = new Map<string, NetworkAclItem[]>();
    for (const item of items) addTo(byAcl, `${item.need.unit.key}|${item.need.networkAclId}|${item.need.egress}`, item);
    for (const group of byAcl.values()) {
      const first = group[0]!.need;
      const acl = first.unit.model.networkAcls.get(first.networkAclId);
      if (!acl) continue;
      const existing = first.egress ? acl.egress : acl.ingress;
      const taken = existing.map((entry) => entry.ruleNumber);
      const allocated: number[] = [];
      const direction = first.egress ? 'outbound' : 'inbound';
      const sorted = [...group].sort(
        (a, b) => a.before - b.before || a.need.fromPort - b.need.fromPort || a.alternatives[0]!.join().localeCompare(b.alternatives[0]!.join()),
      );
      for (const item of sorted) {
        const { need, before } = item;
        let placed: { cidr: string; ruleNumber: number }[] | undefined;
        let missing: string[] = [];
        for (const [index, cidrs] of item.alternatives.entries()) {
          const tentative: { cidr: string; ruleNumber: number }[] = [];
          missing = [];
          for (const cidr of cidrs) {
            const onlyInGap = !(cidr.endsWith('/32') || cidr.endsWith('/128'));
            const ruleNumber = freeRuleNumberBefore(taken, before, { onlyInGap, alsoTaken: [...allocated, ...tentative.map((entry) => entry.ruleNumber)] });
            if (ruleNumber === undefined) missing.push(cidr);
            else tentative.push({ cidr, ruleNumber });
          }
          const last = index === item.alternatives.length - 1;
          if (missing.length === 0 || last) {
            placed = tentative;
            if (index > 0 && missing.length === 0) {
              this.notes.add(
                `${acl.id} ${direction} has no room before rule ${before} for ${item.alternatives[0]!.join(', ')}: the plan admits ${cidrs.join(', ')} instead`,
              );
            }
            break;
          }
        }
        for (const cidr of missing) {
          this.unfixable.set(`${need.checkId}|renumber ${acl.id} ${direction} ${cidr}`, {
            checkId: need.checkId,
            status: 'fail',
            summary: `no free rule number precedes rule ${before} in ${acl.id} ${direction} for an allow of tcp ${formatRange({ from: need.fromPort, to: need.toPort })} ${need.egress ? 'to' : 'from'} ${cidr}`,
            action: `renumber the ${direction} entries of ${acl.id} to free a number below ${before}, then analyse again`,
            ...unitRef(need.unit),
          });
        }
        for (const { cidr, ruleNumber } of placed ?? []) {
          allocated.push(ruleNumber);
          if (!(cidr.endsWith('/32') || cidr.endsWith('/128'))) this.noteShadowedDenies(acl.id, existing, ruleNumber, { ...need, cidr, before });
          const change: NetworkAclEntryChange = {
            op: 'add',
            kind: 'nacl-entry',
            networkAclId: acl.id,
            egress: need.egress,
            ruleNumber,
            protocol: '6',
            fromPort: need.fromPort,
            toPort: need.toPort,
            ...(cidr.includes(':') ? { ipv6Cidr: cidr } : { cidr }),
            action: 'allow',
            ...unitRef(need.unit),
          };
          this.changes.push(change);
        }
      }
    }
  }
}

/** CIDR overlap, either family: one contains the other's base. */
function cidrsOverlap(a: string, b: string): boolean {
  const left = parseCidr(a);
  const right = parseCidr(b);
  if (!left || !right || left.family !== right.family) return false;
  const leftBase = parseIp(left.text.split('/')[0]!)!;
  const rightBase = parseIp(right.text.split('/')[0]!)!;
  return cidrContains(left, rightBase) || cidrContains(right, leftBase);
}

function roleOf(input: PlanInput, change: Change): string | undefined {
  const consumer = input.located.unit;
  const provider = input.providerUnit;
  const matches = (unit: UnitRef | undefined) => unit !== undefined && unit.accountId === change.accountId && unit.region === change.region;
  if (provider && provider !== consumer && matches(provider)) return "the provider's";
  return matches(consumer) ? "the consumer's" : undefined;
}

/** The plan for one analysis: its changes, commands, script, what no change fixes, and the proof. */
export function planFix(input: PlanInput): FixPlan {
  const planner = new Planner(input);
  for (const check of input.report.checks) if (check.status === 'fail' || check.status === 'warn' || check.status === 'unknown') planner.read(check);
  const { changes, unfixable } = planner.build();
  let verdictAfter = input.report.verdict;
  if (changes.length > 0) {
    try {
      verdictAfter = input.reanalyze(applyChanges(input.fleet, changes)).verdict;
    } catch (error) {
      planner.notes.add(`the plan could not be applied to the data to prove it: ${(error as Error).message}`);
    }
  }
  const verified = verdictAfter === 'reachable';
  const { report } = input;
  const roles = new Map<string, string>();
  for (const change of changes) {
    const role = roleOf(input, change);
    if (role) roles.set(`${change.accountId ?? ''}/${change.region ?? ''}`, role);
  }
  const header = [
    `vpce-doctor fix plan: ${report.endpoint.id} from ${report.client.ipAddress} on tcp ${report.ports.join(', ')} (scope: ${input.scope})`,
    changes.length === 0
      ? `Nothing to change: the analysis gives "${report.verdict}".`
      : verified
        ? 'Proven on the data: with these changes the analysis gives "reachable".'
        : `Not proven: with these changes the analysis gives "${verdictAfter}"; see what is left below.`,
  ];
  const outside = unfixable.map((item) => `${item.checkId}: ${item.action}${item.command ? ` (${item.command})` : ''}`);
  return {
    scope: input.scope,
    changes,
    ...planCommands({ header, changes, roles, outside }),
    unfixable,
    verified,
    verdictAfter,
    notes: [...planner.notes],
  };
}
