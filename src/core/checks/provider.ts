import { memoOf } from '../memo.js';
import { whyMissing, type Listener, type TargetGroup } from '../model.js';
import type { EndpointPath } from '../path.js';
import type { IpAddress } from '../net.js';
import { formatRange, type PortRange } from '../ports.js';
import { TCP_LISTENER_PROTOCOLS, targetsOf, type LoadBalancerNode, type ProviderTarget, type ProviderView } from '../provider.js';
import { CHECK_RULES_READ, PROVIDER_CHECK_IDS, type Check, type CheckId, type Scope } from '../report.js';
import { ruleSetKey } from '../rule-sets.js';
import { evaluateSecurityGroups } from '../sg.js';
import { networkAclOfSubnet } from '../path.js';
import { pathScope, networkAclUnknownReason, type AnalysisContext, type PathCheck } from './context.js';
import { combineChecks, networkAclCheck, securityGroupCheck } from './rules.js';

/**
 * The provider's side of a path: the NLB's listener and security groups, the targets'
 * security groups and NACLs, and target health. PrivateLink traffic reaches the targets
 * from the NLB nodes' private IPs, never from the client's.
 */

/** NLBs answer from 1024-65535, whatever the client used. */
export const NLB_RETURN_PORTS: PortRange = { from: 1024, to: 65535 };

type Visible = Extract<ProviderView, { kind: 'visible' }>;

/** Why a provider path cannot be followed: every provider check of the path says it. */
export interface Unresolved {
  readonly status: 'unknown' | 'not_applicable';
  readonly summary: string;
}

/** When there is no NLB to judge: the service is AWS's own, or its provider is not in the data. */
function unseenProvider(context: AnalysisContext): Unresolved {
  return context.provider.kind === 'not-visible'
    ? { status: 'unknown', summary: context.provider.reason }
    : { status: 'not_applicable', summary: `${context.endpoint.serviceName} is an AWS service: its provider side is run by AWS` };
}

function standIn(resolution: Unresolved, id: CheckId, scope: Scope): Check {
  return { id, status: resolution.status, scope, summary: resolution.summary, evidence: [] };
}

/**
 * Without a visible NLB the provider checks say the same for every endpoint interface, so
 * they are judged once per port, for the whole endpoint, and count against every path.
 */
export function endpointWideProviderChecks(context: AnalysisContext, port: number): Check[] | undefined {
  if (context.provider.kind === 'visible') return undefined;
  return PROVIDER_CHECK_IDS.map((id) => standIn(unseenProvider(context), id, { endpointId: context.endpoint.id, port }));
}

/** What one endpoint interface and port lead to on the provider's side. */
export interface ProviderPath {
  readonly provider: Visible;
  readonly listener: Listener;
  readonly targetGroups: readonly TargetGroup[];
  readonly nodes: readonly LoadBalancerNode[];
  readonly targets: readonly ProviderTarget[];
  readonly availabilityZoneId?: string;
}

function listenersTruncatedSummary(loadBalancerName: string, port: number): string {
  return `no TCP listener on ${port} is on the captured page of ${loadBalancerName}'s listeners, which is one page of several (NextToken): whether it listens on ${port} is unknown`;
}

function matchingListener(provider: Visible, port: number): Listener | undefined {
  return provider.loadBalancer.listeners?.find((listener) => listener.port === port && TCP_LISTENER_PROTOCOLS.has(listener.protocol));
}

/** Where an endpoint interface and port lead on the provider's side, or why that cannot be followed. */
export type ProviderPathResolution = ProviderPath | Unresolved;

function followProviderPath(context: AnalysisContext, path: EndpointPath, port: number): ProviderPathResolution {
  const { provider } = context;
  if (provider.kind !== 'visible') return unseenProvider(context);
  const lb = provider.loadBalancer;
  if (!lb.listeners) return { status: 'unknown', summary: `the listeners of ${lb.name}: ${whyMissing(provider.model, 'listeners')}` };
  const listener = matchingListener(provider, port);
  if (!listener && lb.listenersTruncated) return { status: 'unknown', summary: listenersTruncatedSummary(lb.name, port) };
  if (!listener) return { status: 'not_applicable', summary: `${lb.name} has no TCP listener on ${port} (see service.listener)` };
  const targetGroups = listener.targetGroupArns.flatMap((arn) => provider.model.targetGroups.get(arn) ?? []);
  if (targetGroups.length < listener.targetGroupArns.length) {
    return { status: 'unknown', summary: `the target groups of listener ${listener.port}: ${whyMissing(provider.model, 'targetGroups')}` };
  }
  const targets: ProviderTarget[] = [];
  for (const group of targetGroups) {
    const ofGroup = targetsOf(provider.model, group);
    if (!ofGroup) return { status: 'unknown', summary: `the targets of ${group.name}: ${whyMissing(provider.model, 'targetHealth')}` };
    targets.push(...ofGroup);
  }
  const availabilityZoneId = path.subnet?.availabilityZoneId;
  if (provider.crossZoneEnabled)
    return { provider, listener, targetGroups, nodes: provider.nodes, targets, ...(availabilityZoneId ? { availabilityZoneId } : {}) };
  if (!availabilityZoneId) {
    return { status: 'unknown', summary: `the AZ id of ${path.networkInterfaceId}'s subnet is not known, so its NLB node cannot be matched` };
  }
  const nodes = provider.nodes.filter((node) => node.availabilityZoneId === availabilityZoneId);
  if (nodes.length === 0) return { status: 'unknown', summary: `no node of ${lb.name} is known in ${availabilityZoneId} (matched by AZ id)` };
  return {
    provider,
    listener,
    targetGroups,
    nodes,
    targets: targets.filter((target) => target.servesEveryZone || target.availabilityZoneId === availabilityZoneId),
    availabilityZoneId,
  };
}

/**
 * The provider path, or the check that stands in when it cannot be followed: the provider
 * side is AWS's, not visible, lacks the listener or data, or has no node in the path's AZ.
 * Each path and port is followed once per analysis (in the context's memo), however many
 * provider checks read it.
 */
function resolveProviderPath(context: AnalysisContext, path: EndpointPath, port: number, id: CheckId, scope: Scope): ProviderPath | Check {
  const key = `${path.networkInterfaceId}|${port}`;
  let resolution = context.providerPaths.get(key);
  if (!resolution) {
    resolution = followProviderPath(context, path, port);
    context.providerPaths.set(key, resolution);
  }
  return 'provider' in resolution ? resolution : standIn(resolution, id, scope);
}

/**
 * The rule sets a provider check of the path reads (rule-sets.ts): one direction of the
 * NLB's groups, of the targets' groups or of the targets' subnet NACLs (all of them for
 * `scope`, which no provider check reads). A change to none of them leaves the check as it
 * was (ModelMemo.sharedProviderCheck).
 */
function ruleSetsOfPath(resolved: ProviderPath, id: CheckId): string[] {
  const read = CHECK_RULES_READ[id];
  if (read === 'none') return [];
  const ids = new Set<string>();
  if (read.of === 'nlb-groups' || read.of === 'scope') resolved.provider.loadBalancer.securityGroupIds.forEach((groupId) => ids.add(groupId));
  for (const target of resolved.targets) {
    if (read.of === 'target-groups' || read.of === 'scope') target.networkInterface?.securityGroupIds.forEach((groupId) => ids.add(groupId));
    const acl =
      target.subnetId && (read.of === 'target-nacls' || read.of === 'scope') ? networkAclOfSubnet(resolved.provider.model, target.subnetId) : undefined;
    if (acl) ids.add(acl.id);
  }
  return [...ids].map((resourceId) => ruleSetKey(resourceId, read.direction));
}

/** How many provider checks a model remembers before it stops remembering those judged for one client. */
const MAX_SHARED_PROVIDER_CHECKS = 20_000;

/**
 * A provider check that reads nothing of the client, judged once per load balancer,
 * listener and AZ (the model's memo) and given each path's scope: the judgement keeps only
 * what it adds to a scope (the groups or the NACL it judged). `judgeOnce` gets a scope that
 * names no path, and must not read the path, nor the client unless `client` is given.
 */
function sharedAcrossPaths(
  context: AnalysisContext,
  path: EndpointPath,
  port: number,
  resolved: ProviderPath,
  id: CheckId,
  judgeOnce: (scope: Scope) => Check,
  /** Set when the judgement reads the client after all (a failure that names it): one entry per client. */
  client?: IpAddress,
): Check {
  const memo = memoOf(resolved.provider.model);
  const zone = resolved.provider.crossZoneEnabled ? '*' : (resolved.availabilityZoneId ?? '');
  const key = `${id}|${resolved.provider.loadBalancer.arn}|${resolved.listener.port}|${zone}${client ? `|${client.text}` : ''}`;
  let shared = memo.sharedProviderCheck(key);
  if (!shared) {
    const check = judgeOnce({ endpointId: '' });
    const { endpointId: _unscoped, ...scopeAdded } = check.scope;
    shared = { check, scopeAdded, reads: ruleSetsOfPath(resolved, id) };
    // Entries per client are bounded by the clients seen: past the bound, judged each time instead.
    if (!client || memo.providerPathChecks.size < MAX_SHARED_PROVIDER_CHECKS) memo.providerPathChecks.set(key, shared);
  }
  const { check, scopeAdded } = shared;
  const scope = pathScope(context, path, port, scopeAdded);
  // Field by field: a spread copies slower, and the check is read a hundred thousand times.
  return check.remediation
    ? { id: check.id, status: check.status, scope, summary: check.summary, evidence: check.evidence, remediation: check.remediation }
    : { id: check.id, status: check.status, scope, summary: check.summary, evidence: check.evidence };
}

function targetPorts(target: ProviderTarget): { port: number; label: string }[] {
  return target.healthCheckPort === target.port
    ? [{ port: target.port, label: `${target.port} (traffic and health check)` }]
    : [
        { port: target.port, label: `${target.port}` },
        { port: target.healthCheckPort, label: `${target.healthCheckPort} (health check)` },
      ];
}

function crossZoneText(provider: Visible): string {
  return `cross-zone load balancing ${provider.crossZoneEnabled ? 'on' : 'off'}${provider.crossZoneAssumed ? ' (attribute not captured: the NLB default assumed)' : ''}`;
}

function noTargets(id: CheckId, scope: Scope, resolved: ProviderPath): Check | undefined {
  if (resolved.targets.length > 0) return undefined;
  return {
    id,
    status: 'not_applicable',
    scope,
    summary: `no target ${resolved.availabilityZoneId && !resolved.provider.crossZoneEnabled ? `in ${resolved.availabilityZoneId} ` : ''}is registered behind listener ${resolved.listener.port} (see target.health)`,
    evidence: [],
  };
}

export const checkServiceListener: PathCheck = (context, path, port) => {
  const id = 'service.listener';
  const scope = pathScope(context, path, port);
  const { provider } = context;
  if (provider.kind !== 'visible' || !provider.loadBalancer.listeners) {
    const gate = resolveProviderPath(context, path, port, id, scope);
    if (!('provider' in gate)) return gate;
  }
  const lb = (provider as Visible).loadBalancer;
  const listeners = lb.listeners ?? [];
  const listener = matchingListener(provider as Visible, port);
  const evidence = listeners.map((item) => ({
    kind: 'resource' as const,
    resourceId: item.arn,
    attribute: 'Port/Protocol',
    value: `${item.port}/${item.protocol}`,
    text: `${lb.name} listens on ${item.protocol} ${item.port}`,
  }));
  if (listener) {
    return {
      id,
      status: 'pass',
      scope,
      summary: `${lb.name} has a ${listener.protocol} listener on ${port}`,
      evidence: evidence.filter((item) => item.resourceId === listener.arn),
    };
  }
  if (lb.listenersTruncated) return { id, status: 'unknown', scope, summary: listenersTruncatedSummary(lb.name, port), evidence };
  const existing = listeners.map((item) => `${item.protocol} ${item.port}`).join(', ') || 'none';
  const targetGroupArn = listeners[0]?.targetGroupArns[0];
  const forward = targetGroupArn ? `Type=forward,TargetGroupArn=${targetGroupArn}` : 'Type=forward,TargetGroupArn=TARGET_GROUP_ARN';
  return {
    id,
    status: 'fail',
    scope,
    summary: `${lb.name} has no TCP, TLS or TCP_UDP listener on ${port}; its listeners: ${existing}`,
    evidence,
    remediation: {
      summary: `add a TCP listener on ${port} to ${lb.name}, or connect to a port it listens on`,
      actions: [
        {
          kind: 'create-listener',
          loadBalancerArn: lb.arn,
          protocol: 'TCP',
          port,
          ...(targetGroupArn ? { targetGroupArn } : {}),
          cli: `aws elbv2 create-listener --load-balancer-arn ${lb.arn} --protocol TCP --port ${port} --default-actions ${forward}`,
        },
      ],
    },
  };
};

/**
 * The NLB's inbound rules judge the client's own address, before any listener or target:
 * they need neither listeners nor targets, so missing provider data elsewhere leaves them
 * judged (contract §2a). Only a listener known to be absent ends the path before them.
 */
export const checkLoadBalancerSecurityGroupsInbound: PathCheck = (context, path, port) => {
  const id = 'nlb.sg.inbound';
  const scope = pathScope(context, path, port);
  const { provider } = context;
  if (provider.kind !== 'visible') return standIn(unseenProvider(context), id, scope);
  const lb = provider.loadBalancer;
  if (lb.securityGroupIds.length === 0) {
    return { id, status: 'not_applicable', scope, summary: `${lb.name} has no security groups`, evidence: [] };
  }
  const enforcement = lb.enforceInboundRulesOnPrivateLinkTraffic;
  if (enforcement?.toLowerCase() === 'off') {
    return {
      id,
      status: 'not_applicable',
      scope,
      summary: `${lb.name} does not enforce its inbound rules on PrivateLink traffic (EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic off)`,
      evidence: [
        {
          kind: 'resource',
          resourceId: lb.arn,
          attribute: 'EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic',
          value: 'off',
          text: `${lb.name} enforcement on PrivateLink traffic: off`,
        },
      ],
    };
  }
  if (lb.listeners && !lb.listenersTruncated && !matchingListener(provider, port)) {
    return { id, status: 'not_applicable', scope, summary: `${lb.name} has no TCP listener on ${port} (see service.listener)`, evidence: [] };
  }
  const judged = securityGroupCheck(provider.model, {
    id,
    scope,
    groupIds: lb.securityGroupIds,
    direction: 'ingress',
    port,
    // PrivateLink traffic carries no consumer security group: references never match it.
    peer: { address: context.client.address, groupIds: new Set() },
    traffic: `inbound tcp ${port} from the client ${context.client.address.text} (${enforcement ? 'enforced on PrivateLink traffic' : 'whether enforced on PrivateLink traffic is not captured'})`,
    ruleDescription: `vpce-doctor: PrivateLink client ${context.client.address.text}`,
  });
  if (enforcement || judged.status === 'pass') return judged;
  // Older CLIs drop the field: a denial would matter only if enforcement is on, which the data does not say.
  return {
    id,
    status: 'unknown',
    scope: judged.scope,
    summary: `${lb.name}'s security groups do not admit the client ${context.client.address.text} on ${port}, but whether they apply to PrivateLink traffic is not captured: DescribeLoadBalancers printed no EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic (older AWS CLI versions drop it; capture with a current CLI or the API)`,
    evidence: [
      ...judged.evidence,
      {
        kind: 'resource',
        resourceId: lb.arn,
        attribute: 'EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic',
        value: 'not captured',
        text: `${lb.name} enforcement on PrivateLink traffic: not captured`,
      },
    ],
  };
};

export const checkLoadBalancerSecurityGroupsOutbound: PathCheck = (context, path, port) => {
  const id = 'nlb.sg.outbound';
  const scope = pathScope(context, path, port);
  const { provider } = context;
  // An NLB without security groups has no outbound rules, whatever else is captured.
  if (provider.kind === 'visible' && provider.loadBalancer.securityGroupIds.length === 0) {
    return { id, status: 'not_applicable', scope, summary: `${provider.loadBalancer.name} has no security groups`, evidence: [] };
  }
  const resolved = resolveProviderPath(context, path, port, id, scope);
  if (!('provider' in resolved)) return resolved;
  const none = noTargets(id, scope, resolved);
  if (none) return none;
  const lb = resolved.provider.loadBalancer;
  return sharedAcrossPaths(context, path, port, resolved, id, (unscoped) => {
    const parts = resolved.targets.flatMap((target) =>
      targetPorts(target).map(({ port: targetPort, label }): Check => {
        if (!target.address) return { id, status: 'unknown', scope: unscoped, summary: `the address of target ${target.id} is not known`, evidence: [] };
        return securityGroupCheck(resolved.provider.model, {
          id,
          scope: unscoped,
          groupIds: lb.securityGroupIds,
          direction: 'egress',
          port: targetPort,
          peer: { address: target.address, groupIds: target.networkInterface ? new Set(target.networkInterface.securityGroupIds) : undefined },
          traffic: `outbound tcp ${label} to target ${target.id} (${target.address.text})`,
          ruleDescription: `vpce-doctor: to target ${target.id}`,
        });
      }),
    );
    return combineChecks(
      id,
      { ...unscoped, securityGroupIds: [...lb.securityGroupIds] },
      parts,
      `${lb.securityGroupIds.join(', ')} allow outbound to every target on its traffic and health-check ports (${resolved.targets.length} targets)`,
    );
  });
};

/**
 * The targets' inbound rules against every NLB node of the path. With `client`, a failure
 * also says whether the rules admit the client itself (the classic mistake): only that part
 * reads the client.
 */
function judgeTargetSecurityGroupsInbound(id: CheckId, scope: Scope, resolved: ProviderPath, client?: IpAddress): Check {
  const lb = resolved.provider.loadBalancer;
  const nodeIps = resolved.nodes.map((node) => node.address.text).join(', ');
  const groupIds = new Set<string>();
  const parts = resolved.targets.flatMap((target): Check[] => {
    const eni = target.networkInterface;
    if (!eni) {
      return [
        {
          id,
          status: 'unknown',
          scope,
          summary: `the network interface of target ${target.id} is not in the captured data, so its security groups are not known`,
          evidence: [],
        },
      ];
    }
    eni.securityGroupIds.forEach((groupId) => groupIds.add(groupId));
    return resolved.nodes.flatMap((node) =>
      targetPorts(target).map(({ port: targetPort, label }) => {
        // Asked only of a failing rule set: it names the classic mistake.
        const clientAllowed = (address: IpAddress) =>
          evaluateSecurityGroups(resolved.provider.model, {
            groupIds: eni.securityGroupIds,
            direction: 'ingress',
            port: targetPort,
            peer: { address, groupIds: new Set() },
          }).outcome === 'allow';
        return securityGroupCheck(resolved.provider.model, {
          id,
          scope,
          groupIds: eni.securityGroupIds,
          direction: 'ingress',
          port: targetPort,
          peer: { address: node.address, groupIds: new Set(lb.securityGroupIds) },
          traffic: `inbound tcp ${label} on target ${target.id} from the NLB node ${node.address.text}`,
          ruleDescription: `vpce-doctor: from NLB ${lb.name}`,
          ...(client
            ? {
                failHint: () =>
                  clientAllowed(client)
                    ? `it allows the client ${client.text}, but PrivateLink traffic reaches targets from the NLB's private IPs (${nodeIps}), never from the client`
                    : undefined,
              }
            : {}),
          ...(lb.securityGroupIds[0] ? { remedyByReferencing: lb.securityGroupIds[0] } : {}),
        });
      }),
    );
  });
  return combineChecks(
    id,
    { ...scope, securityGroupIds: [...groupIds] },
    parts,
    `the targets' security groups allow the NLB's private IPs (${nodeIps}) on the traffic and health-check ports (${resolved.targets.length} targets, ${crossZoneText(resolved.provider)})`,
  );
}

export const checkTargetSecurityGroupsInbound: PathCheck = (context, path, port) => {
  const id: CheckId = 'target.sg.inbound';
  const scope = pathScope(context, path, port);
  const resolved = resolveProviderPath(context, path, port, id, scope);
  if (!('provider' in resolved)) return resolved;
  const none = noTargets(id, scope, resolved);
  if (none) return none;
  const shared = sharedAcrossPaths(context, path, port, resolved, id, (unscoped) => judgeTargetSecurityGroupsInbound(id, unscoped, resolved));
  if (shared.status !== 'fail') return shared;
  // A failure's summary names the client when the rules admit it instead of the NLB: judged (and remembered) per client.
  const { address } = context.client;
  return sharedAcrossPaths(context, path, port, resolved, id, (unscoped) => judgeTargetSecurityGroupsInbound(id, unscoped, resolved, address), address);
};

function targetNaclCheck(context: AnalysisContext, path: EndpointPath, port: number, egress: boolean): Check {
  const id = egress ? 'target.nacl.outbound' : 'target.nacl.inbound';
  const scope = pathScope(context, path, port);
  const resolved = resolveProviderPath(context, path, port, id, scope);
  if (!('provider' in resolved)) return resolved;
  const none = noTargets(id, scope, resolved);
  if (none) return none;
  return sharedAcrossPaths(context, path, port, resolved, id, (unscoped) => judgeTargetNacl(id, unscoped, resolved, egress));
}

/** The targets' subnet NACLs against every NLB node of the path, both ways. */
function judgeTargetNacl(id: CheckId, scope: Scope, resolved: ProviderPath, egress: boolean): Check {
  const parts = resolved.targets.flatMap((target): Check[] => {
    const subnetId = target.subnetId;
    if (!subnetId) return [{ id, status: 'unknown', scope, summary: `the subnet of target ${target.id} is not known`, evidence: [] }];
    const acl = networkAclOfSubnet(resolved.provider.model, subnetId);
    return resolved.nodes.flatMap((node): Check[] => {
      const partScope = { ...scope, subnetId };
      // Traffic inside one subnet crosses no NACL: decided before the NACL is needed at all.
      if (node.subnetId === subnetId) {
        return [
          {
            id,
            status: 'not_applicable',
            scope: partScope,
            summary: `target ${target.id} shares the subnet ${subnetId} of the NLB node ${node.address.text}: no NACL is crossed`,
            evidence: [],
          },
        ];
      }
      if (!acl) return [{ id, status: 'unknown', scope: partScope, summary: networkAclUnknownReason(resolved.provider.model, subnetId), evidence: [] }];
      if (egress) {
        return [
          networkAclCheck({
            id,
            scope: partScope,
            acl,
            egress: true,
            peer: node.address,
            ports: NLB_RETURN_PORTS,
            isReturnRange: true,
            traffic: `return traffic from target ${target.id} to the NLB node ${node.address.text} on ${formatRange(NLB_RETURN_PORTS)}`,
          }),
        ];
      }
      return targetPorts(target).map(({ port: targetPort, label }) =>
        networkAclCheck({
          id,
          scope: partScope,
          acl,
          egress: false,
          peer: node.address,
          ports: { from: targetPort, to: targetPort },
          isReturnRange: false,
          traffic: `tcp ${label} to target ${target.id} from the NLB node ${node.address.text}`,
        }),
      );
    });
  });
  const what = egress
    ? `return traffic to the NLB's private IPs on ${formatRange(NLB_RETURN_PORTS)}`
    : "the NLB's private IPs on the traffic and health-check ports";
  const check = combineChecks(id, scope, parts, `the targets' subnet NACLs allow ${what} (${resolved.targets.length} targets)`);
  const acls = [...new Set(parts.flatMap((part) => (part.scope.networkAclId && part.status === check.status ? [part.scope.networkAclId] : [])))];
  return acls.length === 1 ? { ...check, scope: { ...check.scope, networkAclId: acls[0]! } } : check;
}

export const checkTargetNaclInbound: PathCheck = (context, path, port) => targetNaclCheck(context, path, port, false);
export const checkTargetNaclOutbound: PathCheck = (context, path, port) => targetNaclCheck(context, path, port, true);

export const checkTargetHealth: PathCheck = (context, path, port) => {
  const id = 'target.health';
  const resolved = resolveProviderPath(context, path, port, id, pathScope(context, path, port));
  if (!('provider' in resolved)) return resolved;
  return sharedAcrossPaths(context, path, port, resolved, id, (unscoped) => judgeTargetHealth(id, unscoped, resolved, port));
};

/** Whether a target the path's NLB nodes send to is healthy. */
function judgeTargetHealth(id: CheckId, scope: Scope, resolved: ProviderPath, port: number): Check {
  const { provider } = resolved;
  const lb = provider.loadBalancer;
  const evidence = resolved.targets.map((target) => ({
    kind: 'resource' as const,
    resourceId: target.id,
    attribute: 'TargetHealth.State',
    value: target.state,
    text: `${target.targetGroup.name}: ${target.id}${target.availabilityZoneId ? ` (${target.availabilityZoneId})` : ''} is ${target.state}${target.reason ? ` (${target.reason})` : ''}`,
  }));
  const healthy = resolved.targets.filter((target) => target.state === 'healthy');
  const where = provider.crossZoneEnabled ? '' : ` in ${resolved.availabilityZoneId}`;
  if (healthy.length > 0) {
    return {
      id,
      status: 'pass',
      scope,
      summary: `${healthy.length} of ${resolved.targets.length} targets${where} are healthy (${crossZoneText(provider)})`,
      evidence: evidence.filter((item) => item.value === 'healthy'),
    };
  }
  const truncatedGroups = resolved.targetGroups.filter((group) => group.targetsTruncated).map((group) => group.name);
  if (truncatedGroups.length > 0) {
    return {
      id,
      status: 'unknown',
      scope,
      summary: `no healthy target${where} on the captured page, but the target health of ${truncatedGroups.join(', ')} is one page of several (NextToken): targets on the other pages are unknown`,
      evidence,
    };
  }
  const elsewhere = provider.crossZoneEnabled
    ? []
    : resolved.targetGroups.flatMap((group) => targetsOf(provider.model, group) ?? []).filter((target) => target.state === 'healthy');
  if (elsewhere.length > 0 && provider.crossZoneAssumed) {
    return {
      id,
      status: 'unknown',
      scope,
      summary: `no healthy target${where}, but ${elsewhere.length} elsewhere: whether they serve this AZ depends on cross-zone load balancing: ${whyMissing(provider.model, 'loadBalancerAttributes')}`,
      evidence,
    };
  }
  const crossZoneFix = {
    kind: 'modify-load-balancer-attributes' as const,
    loadBalancerArn: lb.arn,
    key: 'load_balancing.cross_zone.enabled',
    value: 'true',
    cli: `aws elbv2 modify-load-balancer-attributes --load-balancer-arn ${lb.arn} --attributes Key=load_balancing.cross_zone.enabled,Value=true`,
  };
  const states = resolved.targets.map((target) => `${target.id} ${target.state}${target.reason ? ` (${target.reason})` : ''}`).join(', ');
  return {
    id,
    status: 'fail',
    scope,
    summary: `no healthy target${where} behind listener ${port}${states ? `: ${states}` : ': none registered'}${elsewhere.length > 0 ? `; ${elsewhere.length} healthy in other AZs are not used with cross-zone load balancing off` : ''}`,
    evidence,
    remediation: {
      summary: `make a target${where} pass its health check (the target SG and NACL must admit the NLB's private IPs on the health-check port)${elsewhere.length > 0 ? ', or turn cross-zone load balancing on' : ''}`,
      actions: [
        {
          kind: 'manual',
          text: `see why each target fails: aws elbv2 describe-target-health --target-group-arn ${resolved.targetGroups[0]?.arn ?? 'TARGET_GROUP_ARN'}`,
        },
        ...(elsewhere.length > 0 ? [crossZoneFix] : []),
      ],
    },
  };
}
