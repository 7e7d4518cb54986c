import type { EndpointService, Listener, LoadBalancer, RegisteredTarget, TargetGroup } from '../../core/model.js';
import { parseIp, type IpAddress } from '../../core/net.js';
import type { JsonReader } from './json-reader.js';

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

export function normalizeEndpointServices(root: JsonReader): EndpointService[] {
  return root.requiredList('ServiceConfigurations').map((item) => ({
    id: item.string('ServiceId'),
    serviceName: item.string('ServiceName'),
    networkLoadBalancerArns: item.list('NetworkLoadBalancerArns').map((arn) => arn.asString()),
    acceptanceRequired: item.optionalBoolean('AcceptanceRequired'),
    state: item.optionalString('ServiceState'),
  }));
}

function normalizeListeners(root: JsonReader): Listener[] {
  return root.requiredList('Listeners').map((item) => ({
    arn: item.string('ListenerArn'),
    port: item.required('Port').asInteger(),
    protocol: item.string('Protocol'),
    targetGroupArns: item.list('DefaultActions').flatMap((action) => {
      const forwarded = action.optional('ForwardConfig')?.list('TargetGroups').map((group) => group.string('TargetGroupArn')) ?? [];
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
  return root.requiredList('LoadBalancers').map((item) => {
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
    };
  });
}

function normalizeTargets(root: JsonReader): RegisteredTarget[] {
  return root.requiredList('TargetHealthDescriptions').map((item) => {
    const target = item.required('Target');
    const health = item.required('TargetHealth');
    const port = target.optionalInteger('Port');
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
  return root.requiredList('TargetGroups').map((item) => {
    const name = item.string('TargetGroupName');
    const health = healthByName.get(name);
    const healthCheckPortField = item.optional('HealthCheckPort');
    const healthCheckPortText = healthCheckPortField?.asString() ?? 'traffic-port';
    const healthCheckPort = healthCheckPortText === 'traffic-port' ? 'traffic-port' : Number(healthCheckPortText);
    if (healthCheckPort !== 'traffic-port' && !(Number.isInteger(healthCheckPort) && healthCheckPort >= 1 && healthCheckPort <= 65535)) {
      healthCheckPortField!.fail(`expected "traffic-port" or a port, found "${healthCheckPortText}"`);
    }
    const protocol = item.optionalString('Protocol');
    const port = item.optionalInteger('Port');
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
    };
  });
}
