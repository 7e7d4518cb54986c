import { analyze } from '../core/analyze.js';
import type { ProbeObservation } from '../core/live.js';
import type { NetworkModel } from '../core/model.js';
import { listenerPorts, resolveProvider } from '../core/provider.js';
import { asFleet, type Fleet, type LocatedEndpoint } from '../core/fleet.js';
import { locateRequestedEndpoint } from '../core/analyze.js';
import { reconcile, type Finding } from '../core/reconcile.js';
import type { Verdict } from '../core/report.js';
import { AWS_SERVICE_DEFAULT_PORT } from '../core/service.js';
import { checkEndpointDns, systemResolver, type Resolver } from './dns.js';
import { endpointInterfaceTargets, ProbeRefusedError, selectProbeTargets } from './guard.js';
import type { ProbeReport } from './report.js';
import type { Prober, ProbeSettings } from './run.js';

export type { ProbeReport };

/** Probes of one endpoint: the guard, the prober, the DNS check and the reconciliation together. */

export interface ProbeRequest {
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly attempts?: number;
  /** Interface ids or their exact IPs, to probe only some. */
  readonly targets?: readonly string[];
  readonly dns?: boolean;
}

export interface ProbeServiceOptions {
  readonly prober: Prober;
  /** Ports that may be probed besides each endpoint's own service ports. */
  readonly allowedPorts: readonly number[];
  readonly defaults: ProbeSettings;
  readonly selfIp: (model: NetworkModel) => string | undefined;
  readonly resolver?: Resolver;
  readonly onReport?: (report: ProbeReport) => void;
}

export class ProbeService {
  private readonly latestReports = new Map<string, ProbeReport>();

  constructor(private readonly options: ProbeServiceOptions) {}

  /** The newest report of an endpoint: kept for the endpoints of the data, one each. */
  latest(endpointId: string): ProbeReport | undefined {
    return this.latestReports.get(endpointId);
  }

  /** The endpoint and its unit's model; a fleet's provider may be in another unit. */
  private locate(data: NetworkModel | Fleet, endpointId: string): LocatedEndpoint {
    return locateRequestedEndpoint(asFleet(data), { endpointId });
  }

  /** The endpoint's own service ports: 443 for AWS services, the NLB's TCP listeners for visible customer services. */
  servicePorts(data: NetworkModel | Fleet, endpointId: string): number[] {
    const provider = resolveProvider(asFleet(data), this.locate(data, endpointId));
    return provider.kind === 'aws' ? [AWS_SERVICE_DEFAULT_PORT] : listenerPorts(provider);
  }

  /** Dials the endpoint's interfaces: only those, only on allowed ports. */
  async observe(data: NetworkModel | Fleet, endpointId: string, request: ProbeRequest): Promise<{ ports: number[]; results: ProbeObservation[] }> {
    const { model, endpoint } = this.locate(data, endpointId);
    const servicePorts = this.servicePorts(data, endpointId);
    const allowed = new Set([...servicePorts, ...this.options.allowedPorts]);
    const ports = request.port !== undefined ? [request.port] : servicePorts.length > 0 ? servicePorts : [...this.options.allowedPorts];
    if (ports.length === 0) throw new ProbeRefusedError(`the service ports of ${endpointId} are not known and no probe ports are configured: give the port`, 'body.port');
    const targets = selectProbeTargets(endpointInterfaceTargets(model, endpoint), request.targets, ports, allowed);
    const settings = { timeoutMs: request.timeoutMs ?? this.options.defaults.timeoutMs, attempts: request.attempts ?? this.options.defaults.attempts };
    const results = await this.options.prober.probeEndpoint(endpointId, targets, settings);
    return { ports, results };
  }

  async probe(data: NetworkModel | Fleet, endpointId: string, request: ProbeRequest = {}): Promise<ProbeReport> {
    const { model, endpoint } = this.locate(data, endpointId);
    const { ports, results } = await this.observe(data, endpointId, request);
    const open = results.filter((result) => result.outcome === 'open').length;
    // The names must answer every interface of the endpoint, whichever were probed.
    const interfaces = endpointInterfaceTargets(model, endpoint);
    const dns = request.dns ? await checkEndpointDns(endpoint.dnsNames, interfaces, this.options.resolver ?? systemResolver) : undefined;
    const report: ProbeReport = {
      endpointId,
      ports,
      overall: open === results.length ? 'all-open' : open > 0 ? 'partly-open' : 'none-open',
      results,
      ...(dns ? { dns } : {}),
      reconciliation: this.reconcile(data, model, endpointId, ports, results),
    };
    this.latestReports.set(endpointId, report);
    this.options.onReport?.(report);
    return report;
  }

  private reconcile(data: NetworkModel | Fleet, model: NetworkModel, endpointId: string, ports: readonly number[], results: readonly ProbeObservation[]): ProbeReport['reconciliation'] {
    const clientIp = this.options.selfIp(model);
    if (!clientIp) return { findings: [], note: "this service's own address is not known: set VPCE_DOCTOR_PROBE_SELF_IP, or run it on a network interface in the data" };
    const findings: Finding[] = [];
    let staticVerdict: Verdict | undefined;
    try {
      for (const port of ports) {
        const report = analyze(data, { endpointId, client: { ip: clientIp }, port });
        staticVerdict = staticVerdict === undefined || staticVerdict === report.verdict ? report.verdict : 'partial';
        findings.push(...reconcile(report, results.filter((result) => result.port === port)));
      }
    } catch (error) {
      return { clientIp, findings: [], note: `the static analysis for ${clientIp} could not run: ${(error as Error).message}` };
    }
    return { clientIp, ...(staticVerdict ? { staticVerdict } : {}), findings };
  }
}
