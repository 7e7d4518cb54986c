import { CONSUMER_PATH_CHECKS, ENDPOINT_CHECKS, PROVIDER_PATH_CHECKS } from './checks/index.js';
import { checkProbeTcp } from './checks/live.js';
import { endpointWideProviderChecks } from './checks/provider.js';
import type { ProbeObservation } from './live.js';
import type { AnalysisContext } from './checks/context.js';
import { AnalysisError } from './errors.js';
import { whyMissing, type NetworkModel } from './model.js';
import { endpointPaths, resolveClient, type ClientSpec } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, isValidPort, type PortRange } from './ports.js';
import type { Check, Report } from './report.js';
import { listenerPorts, resolveProvider, type ProviderView } from './provider.js';
import { AWS_SERVICE_DEFAULT_PORT, endpointServiceOwner } from './service.js';
import { decideVerdict, judgePath } from './verdict.js';

export interface AnalysisRequest {
  readonly endpointId: string;
  readonly client: ClientSpec;
  readonly port?: number;
  readonly clientEphemeralPorts?: PortRange;
}

function resolvePorts(request: AnalysisRequest, serviceName: string, provider: ProviderView): { ports: number[]; portSource: Report['portSource'] } {
  if (request.port !== undefined) {
    if (!isValidPort(request.port)) throw new AnalysisError('port_invalid', `port ${request.port} is not an integer from 1 to 65535`, 'port');
    return { ports: [request.port], portSource: 'request' };
  }
  if (provider.kind === 'aws') return { ports: [AWS_SERVICE_DEFAULT_PORT], portSource: 'aws-service-default' };
  const inferred = listenerPorts(provider);
  if (inferred.length > 0) return { ports: inferred, portSource: 'service-listeners' };
  const why = provider.kind === 'visible' ? 'its NLB shows no TCP listener' : 'its NLB is not in the captured data';
  throw new AnalysisError('port_required', `${serviceName} is a customer endpoint service and ${why}: give the port`, 'port');
}

function providerSummary(provider: ProviderView): Report['provider'] {
  if (provider.kind === 'aws') return { visibility: 'aws', note: 'an AWS service: the provider side is run by AWS' };
  if (provider.kind === 'not-visible') return { visibility: 'not-visible', note: provider.reason };
  const lb = provider.loadBalancer;
  return {
    visibility: 'visible',
    serviceId: provider.service.id,
    loadBalancerArn: lb.arn,
    loadBalancerNodeIps: provider.nodes.map((node) => node.address.text),
    loadBalancerSecurityGroupIds: [...lb.securityGroupIds],
    crossZoneEnabled: provider.crossZoneEnabled,
    ...(provider.crossZoneAssumed ? { note: 'cross-zone attribute not captured: the NLB default (off) is assumed' } : {}),
  };
}

function validateEphemeralPorts(range: PortRange): PortRange {
  if (!isValidPort(range.from) || !isValidPort(range.to) || range.from > range.to) {
    throw new AnalysisError('ephemeral_ports_invalid', `client ephemeral ports ${range.from}-${range.to} are not a range within 1-65535`, 'clientEphemeralPorts');
  }
  return range;
}

/**
 * Judges whether the client can open TCP connections to the endpoint: every check on every
 * endpoint network interface, and the verdict. Pure: the same model and request always
 * give the same report.
 */
export function analyze(model: NetworkModel, request: AnalysisRequest, probes?: readonly ProbeObservation[]): Report {
  const endpoint = model.endpoints.get(request.endpointId);
  if (!endpoint) {
    const why = model.captured.has('vpcEndpoints') ? 'is not in the captured data' : `cannot be found: ${whyMissing(model, 'vpcEndpoints')}`;
    throw new AnalysisError('endpoint_not_found', `endpoint ${request.endpointId} ${why}`, 'endpointId');
  }
  const provider = resolveProvider(model, endpoint);
  const { ports, portSource } = resolvePorts(request, endpoint.serviceName, provider);
  const clientEphemeralPorts = validateEphemeralPorts(request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS);
  const client = resolveClient(model, request.client);
  const context: AnalysisContext = { model, endpoint, client, clientEphemeralPorts, provider, ...(probes ? { probes } : {}) };

  const endpointChecks = [...ENDPOINT_CHECKS.values()].map((check) => check(context));
  const providerWide = new Map(ports.map((port) => [port, endpointWideProviderChecks(context, port)]));
  const pathCheckFunctions = [
    ...CONSUMER_PATH_CHECKS.values(),
    ...(provider.kind === 'visible' ? PROVIDER_PATH_CHECKS.values() : []),
    // probe.tcp appears only when probes were requested.
    ...(probes ? [checkProbeTcp] : []),
  ];
  const pathChecks: Check[] = [];
  const paths = endpointPaths(model, endpoint, client).flatMap((path) =>
    ports.map((port) => {
      const checks = pathCheckFunctions.map((check) => check(context, path, port));
      pathChecks.push(...checks);
      return judgePath({
        path: {
          networkInterfaceId: path.networkInterfaceId,
          ...(path.address ? { ipAddress: path.address.text } : {}),
          ...(path.subnetId ? { subnetId: path.subnetId } : {}),
          ...(path.subnet ? { availabilityZone: path.subnet.availabilityZone } : {}),
          ...(path.subnet?.availabilityZoneId ? { availabilityZoneId: path.subnet.availabilityZoneId } : {}),
          port,
        },
        checks: [...endpointChecks, ...(providerWide.get(port) ?? []), ...checks],
      });
    }),
  );
  const endpointWideChecks = [...endpointChecks, ...[...providerWide.values()].flatMap((checks) => checks ?? [])];
  const { verdict, summary } = decideVerdict(paths, endpointWideChecks);
  const eni = client.networkInterface;
  return {
    reportVersion: 1,
    verdict,
    verdictSummary: summary,
    endpoint: {
      id: endpoint.id,
      serviceName: endpoint.serviceName,
      serviceOwner: endpointServiceOwner(endpoint.serviceName),
      type: endpoint.type,
      state: endpoint.state,
      vpcId: endpoint.vpcId,
    },
    client: {
      ipAddress: client.address.text,
      location: client.location,
      ...(eni ? { networkInterfaceId: eni.id } : {}),
      ...(client.instanceId ? { instanceId: client.instanceId } : {}),
      ...(client.subnet ? { subnetId: client.subnet.id, vpcId: client.subnet.vpcId } : {}),
      securityGroupIds: eni ? [...eni.securityGroupIds] : [],
      ...(client.note ? { note: client.note } : {}),
    },
    ports,
    portSource,
    clientEphemeralPorts,
    provider: providerSummary(provider),
    paths,
    checks: [...endpointWideChecks, ...pathChecks],
    source: { kind: model.source.kind, location: model.source.location },
  };
}
