import type { EndpointService, Listener, LoadBalancer, RegisteredTarget, TargetGroup } from '../../core/model.js';
import { parseIp, type IpAddress } from '../../core/net.js';
import { assertUniqueIds, type JsonReader } from './json-reader.js';
import { isTruncated } from './truncation.js';

/**
 * The provider's side, as EC2 (`DescribeVpcEndpointServiceConfigurations`) and ELBv2 print
 * it. Per-load-balancer and per-target-group responses come keyed by name, the way the
 * snapshot layout stores them; one that is absent leaves that part not captured.
 */

function readIp(field: JsonReader): IpAddress {
  const address = parseIp(field.asString());
  if (!address) field.fail(`"${String(field.value)}" is not an IP address`);
  return address;
}

/** Each item's id, failing on the first one seen twice. */
function uniqueIds(items: readonly JsonReader[], field: string): string[] {
  const ids = items.map((item) => item.string(field));
  assertUniqueIds(items, ids, field);
  return ids;
}

export function normalizeEndpointServices(root: JsonReader): EndpointService[] {
  const items = root.requiredList('ServiceConfigurations');
  uniqueIds(items, 'ServiceId');
  uniqueIds(items, 'ServiceName');
  return items.map((item) => ({
    id: item.string('ServiceId'),
    serviceName: item.string('ServiceName'),
    networkLoadBalancerArns: item.list('NetworkLoadBalancerArns').map((arn) => arn.asString()),
    acceptanceRequired: item.optionalBoolean('AcceptanceRequired'),
    state: item.optionalString('ServiceState'),
  }));
}

function normalizeListeners(root: JsonReader): Listener[] {
  const items = root.requiredList('Listeners');
  uniqueIds(items, 'ListenerArn');
  return items.map((item) => ({
    arn: item.string('ListenerArn'),
    port: item.integerIn('Port', 1, 65535, 'a port'),
    protocol: item.string('Protocol'),
    targetGroupArns: item.list('DefaultActions').flatMap((action) => {
      const forwarded =
        action
          .optional('ForwardConfig')
          ?.list('TargetGroups')
          .map((group) => group.string('TargetGroupArn')) ?? [];
      const direct = action.optionalString('TargetGroupArn');
      return [...new Set([...(direct ? [direct] : []), ...forwarded])];
    }),
  }));
}

function readCrossZone(root: JsonReader): boolean | undefined {
  const attribute = root.requiredList('Attributes').find((item) => item.optionalString('Key') === 'load_balancing.cross_zone.enabled');
  return attribute ? attribute.string('Value') === 'true' : undefined;
}

export function normalizeLoadBalancers(
  root: JsonReader,
  attributesByName: ReadonlyMap<string, JsonReader>,
  listenersByName: ReadonlyMap<string, JsonReader>,
): LoadBalancer[] {
  const items = root.requiredList('LoadBalancers');
  uniqueIds(items, 'LoadBalancerArn');
  // Names key the per-load-balancer files: two with one name would leave them ambiguous.
  uniqueIds(items, 'LoadBalancerName');
  return items.map((item) => {
    const arn = item.string('LoadBalancerArn');
    const name = item.string('LoadBalancerName');
    const attributes = attributesByName.get(name);
    const listeners = listenersByName.get(name);
    // NLBs default to cross-zone off; an attributes file without the key means the default.
    const crossZoneEnabled = attributes ? (readCrossZone(attributes) ?? false) : undefined;
    const enforce = item.optionalString('EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic');
    const scheme = item.optionalString('Scheme');
    const vpcId = item.optionalString('VpcId');
    return {
      arn,
      name,
      id: arn.slice(arn.lastIndexOf('/') + 1),
      type: item.optionalString('Type') ?? 'network',
      ...(scheme ? { scheme } : {}),
      ...(vpcId ? { vpcId } : {}),
      zones: item.list('AvailabilityZones').map((zone) => {
        const subnetId = zone.optionalString('SubnetId');
        return {
          zoneName: zone.string('ZoneName'),
          ...(subnetId ? { subnetId } : {}),
          privateIpv4Addresses: zone.list('LoadBalancerAddresses').flatMap((address) => {
            const field = address.optional('PrivateIPv4Address');
            return field ? [readIp(field)] : [];
          }),
        };
      }),
      securityGroupIds: item.list('SecurityGroups').map((id) => id.asString()),
      ...(enforce ? { enforceInboundRulesOnPrivateLinkTraffic: enforce } : {}),
      ...(crossZoneEnabled !== undefined ? { crossZoneEnabled } : {}),
      ...(listeners ? { listeners: normalizeListeners(listeners) } : {}),
      ...(listeners && isTruncated(listeners) ? { listenersTruncated: true } : {}),
    };
  });
}

function normalizeTargets(root: JsonReader): RegisteredTarget[] {
  const items = root.requiredList('TargetHealthDescriptions');
  const targets = items.map((item) => item.required('Target'));
  // A target is registered once per port: (Id, Port) twice would be one target read twice.
  assertUniqueIds(
    targets,
    targets.map((target) => {
      const port = target.optionalInteger('Port');
      return port === undefined ? target.string('Id') : `${target.string('Id')}:${port}`;
    }),
    'target (Id and Port)',
  );
  return items.map((item, index) => {
    const target = targets[index]!;
    const health = item.required('TargetHealth');
    const port = target.optionalIntegerIn('Port', 1, 65535, 'a port');
    const availabilityZone = target.optionalString('AvailabilityZone');
    const reason = health.optionalString('Reason');
    const description = health.optionalString('Description');
    return {
      id: target.string('Id'),
      ...(port !== undefined ? { port } : {}),
      ...(availabilityZone ? { availabilityZone } : {}),
      state: health.string('State'),
      ...(reason ? { reason } : {}),
      ...(description ? { description } : {}),
    };
  });
}

export function normalizeTargetGroups(root: JsonReader, healthByName: ReadonlyMap<string, JsonReader>): TargetGroup[] {
  const items = root.requiredList('TargetGroups');
  uniqueIds(items, 'TargetGroupArn');
  // Names key the target health files: two with one name would leave them ambiguous.
  uniqueIds(items, 'TargetGroupName');
  return items.map((item) => {
    const name = item.string('TargetGroupName');
    const health = healthByName.get(name);
    const healthCheckPortField = item.optional('HealthCheckPort');
    const healthCheckPortText = healthCheckPortField?.asString() ?? 'traffic-port';
    const healthCheckPort = healthCheckPortText === 'traffic-port' ? 'traffic-port' : Number(healthCheckPortText);
    if (healthCheckPort !== 'traffic-port' && !(Number.isInteger(healthCheckPort) && healthCheckPort >= 1 && healthCheckPort <= 65535)) {
      healthCheckPortField!.fail(`expected "traffic-port" or a port, found "${healthCheckPortText}"`);
    }
    const protocol = item.optionalString('Protocol');
    const port = item.optionalIntegerIn('Port', 1, 65535, 'a port');
    const vpcId = item.optionalString('VpcId');
    return {
      arn: item.string('TargetGroupArn'),
      name,
      ...(protocol ? { protocol } : {}),
      ...(port !== undefined ? { port } : {}),
      targetType: item.optionalString('TargetType') ?? 'instance',
      healthCheckPort,
      ...(vpcId ? { vpcId } : {}),
      loadBalancerArns: item.list('LoadBalancerArns').map((arn) => arn.asString()),
      ...(health ? { targets: normalizeTargets(health) } : {}),
      ...(health && isTruncated(health) ? { targetsTruncated: true } : {}),
    };
  });
}
