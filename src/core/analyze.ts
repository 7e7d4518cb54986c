import { ENDPOINT_CHECKS, PATH_CHECKS } from './checks/index.js';
import type { AnalysisContext } from './checks/context.js';
import { AnalysisError } from './errors.js';
import type { NetworkModel } from './model.js';
import { endpointPaths, resolveClient, type ClientSpec } from './path.js';
import { DEFAULT_EPHEMERAL_PORTS, isValidPort, type PortRange } from './ports.js';
import type { Check, Report } from './report.js';
import { AWS_SERVICE_DEFAULT_PORT, endpointServiceOwner } from './service.js';
import { decideVerdict, judgePath } from './verdict.js';

export interface AnalysisRequest {
  readonly endpointId: string;
  readonly client: ClientSpec;
  readonly port?: number;
  readonly clientEphemeralPorts?: PortRange;
}

function resolvePort(request: AnalysisRequest, serviceName: string): { ports: number[]; portSource: Report['portSource'] } {
  if (request.port !== undefined) {
    if (!isValidPort(request.port)) throw new AnalysisError('port_invalid', `port ${request.port} is not an integer from 1 to 65535`, 'port');
    return { ports: [request.port], portSource: 'request' };
  }
  if (endpointServiceOwner(serviceName) === 'aws') return { ports: [AWS_SERVICE_DEFAULT_PORT], portSource: 'aws-service-default' };
  throw new AnalysisError('port_required', `${serviceName} is a customer endpoint service: give the port its listener uses`, 'port');
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
export function analyze(model: NetworkModel, request: AnalysisRequest): Report {
  const endpoint = model.endpoints.get(request.endpointId);
  if (!endpoint) {
    const why = model.captured.has('vpcEndpoints') ? 'is not in the captured data' : 'cannot be found: VPC endpoints were not captured';
    throw new AnalysisError('endpoint_not_found', `endpoint ${request.endpointId} ${why}`, 'endpointId');
  }
  const { ports, portSource } = resolvePort(request, endpoint.serviceName);
  const clientEphemeralPorts = validateEphemeralPorts(request.clientEphemeralPorts ?? DEFAULT_EPHEMERAL_PORTS);
  const client = resolveClient(model, request.client);
  const context: AnalysisContext = { model, endpoint, client, clientEphemeralPorts };

  const endpointChecks = [...ENDPOINT_CHECKS.values()].map((check) => check(context));
  const pathChecks: Check[] = [];
  const paths = endpointPaths(model, endpoint, client).flatMap((path) =>
    ports.map((port) => {
      const checks = [...PATH_CHECKS.values()].map((check) => check(context, path, port));
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
        checks: [...endpointChecks, ...checks],
      });
    }),
  );
  const { verdict, summary } = decideVerdict(paths, endpointChecks);
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
    paths,
    checks: [...endpointChecks, ...pathChecks],
    source: { kind: model.source.kind, location: model.source.location },
  };
}
