import { analyze } from '../core/analyze.js';
import type { ProbeObservation } from '../core/live.js';
import type { NetworkModel } from '../core/model.js';
import { listenerPorts, resolveProvider } from '../core/provider.js';
import { asFleet, type Fleet, type LocatedEndpoint } from '../core/fleet.js';
import { locateRequestedEndpoint } from '../core/analyze.js';
import { AnalysisError } from '../core/errors.js';
import { reconcile, type Finding } from '../core/reconcile.js';
import type { Verdict } from '../core/report.js';
import { AWS_SERVICE_DEFAULT_PORT } from '../core/service.js';
import { checkEndpointDns, systemResolver, type Resolver } from './dns.js';
import { endpointInterfaceTargets, ProbeRefusedError, selectProbeTargets } from './guard.js';
import type { ProbeReport } from './report.js';
import type { Prober, ProbeSettings } from './run.js';

export type { ProbeReport };

/** A connect shorter than this tells nothing about a network: a deadline never cuts one below it. */
const MIN_CONNECT_TIMEOUT_MS = 100;

/** Probes of one endpoint: the guard, the prober, the DNS check and the reconciliation together. */

export interface ProbeRequest {
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly attempts?: number;
  /** Interface ids or their exact IPs, to probe only some. */
  readonly targets?: readonly string[];
  readonly dns?: boolean;
  /** Which unit holds the endpoint, when its id is in several accounts or regions. */
  readonly accountId?: string;
  readonly region?: string;
  /**
   * The whole probe must end within this (a Prometheus scrape's timeout): each connect then
   * gets at most its share, per attempt.
   */
  readonly deadlineMs?: number;
}

/**
 * Who asked: the watch list's reports feed the service's own probe series; an API call's and
 * a Prometheus scrape's (GET /probe, its own registry) do not, so /metrics holds the watched
 * endpoints only and never a series per endpoint some caller once probed.
 */
export type ProbePurpose = 'api' | 'watch' | 'scrape';

export interface ProbeServiceOptions {
  readonly prober: Prober;
  /** Ports that may be probed besides each endpoint's own service ports. */
  readonly allowedPorts: readonly number[];
  readonly defaults: ProbeSettings;
  readonly selfIp: (model: NetworkModel) => string | undefined;
  readonly resolver?: Resolver;
  readonly onReport?: (report: ProbeReport, purpose: ProbePurpose) => void;
}

export class ProbeService {
  private readonly latestReports = new Map<string, ProbeReport>();

  constructor(private readonly options: ProbeServiceOptions) {}

  /** The newest report of an endpoint: kept for the endpoints of the data, one each. */
  latest(endpointId: string): ProbeReport | undefined {
    return this.latestReports.get(endpointId);
  }

  /** The endpoint and its unit's model; a fleet's provider may be in another unit. */
  private locate(data: NetworkModel | Fleet, endpointId: string, where: Pick<ProbeRequest, 'accountId' | 'region'> = {}): LocatedEndpoint {
    return locateRequestedEndpoint(asFleet(data), {
      endpointId,
      ...(where.accountId !== undefined ? { accountId: where.accountId } : {}),
      ...(where.region !== undefined ? { region: where.region } : {}),
    });
  }

  /** The endpoint's own service ports: 443 for AWS services, the NLB's TCP listeners for visible customer services. */
  servicePorts(data: NetworkModel | Fleet, endpointId: string, where: Pick<ProbeRequest, 'accountId' | 'region'> = {}): number[] {
    const provider = resolveProvider(asFleet(data), this.locate(data, endpointId, where));
    return provider.kind === 'aws' ? [AWS_SERVICE_DEFAULT_PORT] : listenerPorts(provider);
  }

  /** Dials the endpoint's interfaces: only those, only on allowed ports. */
  async observe(data: NetworkModel | Fleet, endpointId: string, request: ProbeRequest): Promise<{ ports: number[]; results: ProbeObservation[] }> {
    const { model, endpoint } = this.locate(data, endpointId, request);
    const servicePorts = this.servicePorts(data, endpointId, request);
    const allowed = new Set([...servicePorts, ...this.options.allowedPorts]);
    const ports = request.port !== undefined ? [request.port] : servicePorts.length > 0 ? servicePorts : [...this.options.allowedPorts];
    if (ports.length === 0)
      throw new ProbeRefusedError(`the service ports of ${endpointId} are not known and no probe ports are configured: give the port`, 'body.port');
    const targets = selectProbeTargets(endpointInterfaceTargets(model, endpoint), request.targets, ports, allowed);
    const attempts = request.attempts ?? this.options.defaults.attempts;
    const timeoutMs = request.timeoutMs ?? this.options.defaults.timeoutMs;
    // Interfaces are dialled in waves of the per-endpoint concurrency, each connect up to `attempts` times.
    const waves = Math.ceil(targets.length / this.options.prober.perEndpointConcurrency);
    const share = request.deadlineMs !== undefined ? Math.floor(request.deadlineMs / (attempts * Math.max(1, waves))) : timeoutMs;
    const settings = { timeoutMs: Math.max(MIN_CONNECT_TIMEOUT_MS, Math.min(timeoutMs, share)), attempts };
    const results = await this.options.prober.probeEndpoint(endpointId, targets, settings);
    return { ports, results };
  }

  /**
   * A probe on one port, for a Prometheus scrape (whose series name interfaces, not ports): the
   * port asked for, else the endpoint's one service port; several and none asked is refused.
   */
  async scrape(data: NetworkModel | Fleet, endpointId: string, request: ProbeRequest): Promise<ProbeReport> {
    if (request.port === undefined) {
      const ports = this.servicePorts(data, endpointId, request);
      if (ports.length !== 1) {
        const why = ports.length === 0 ? 'its service ports are not known' : `it has several service ports (${ports.join(', ')})`;
        throw new AnalysisError('port_required', `give the port to probe ${endpointId}: ${why}`, 'query.port');
      }
      return this.probe(data, endpointId, { ...request, port: ports[0]! }, 'scrape');
    }
    return this.probe(data, endpointId, request, 'scrape');
  }

  async probe(data: NetworkModel | Fleet, endpointId: string, request: ProbeRequest = {}, purpose: ProbePurpose = 'api'): Promise<ProbeReport> {
    const { model, endpoint, unit } = this.locate(data, endpointId, request);
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
      reconciliation: this.reconcile(data, model, { endpointId, accountId: unit.accountId, region: unit.region }, ports, results),
    };
    this.latestReports.set(endpointId, report);
    this.options.onReport?.(report, purpose);
    return report;
  }

  private reconcile(
    data: NetworkModel | Fleet,
    model: NetworkModel,
    where: { readonly endpointId: string; readonly accountId?: string | undefined; readonly region?: string | undefined },
    ports: readonly number[],
    results: readonly ProbeObservation[],
  ): ProbeReport['reconciliation'] {
    const { endpointId } = where;
    const clientIp = this.options.selfIp(model);
    if (!clientIp)
      return { findings: [], note: "this service's own address is not known: set VPCE_DOCTOR_PROBE_SELF_IP, or run it on a network interface in the data" };
    const findings: Finding[] = [];
    let staticVerdict: Verdict | undefined;
    try {
      for (const port of ports) {
        const report = analyze(data, {
          endpointId,
          ...(where.accountId !== undefined ? { accountId: where.accountId } : {}),
          ...(where.region !== undefined ? { region: where.region } : {}),
          client: { ip: clientIp },
          port,
        });
        staticVerdict = staticVerdict === undefined || staticVerdict === report.verdict ? report.verdict : 'partial';
        findings.push(
          ...reconcile(
            report,
            results.filter((result) => result.port === port),
          ),
        );
      }
    } catch (error) {
      return { clientIp, findings: [], note: `the static analysis for ${clientIp} could not run: ${(error as Error).message}` };
    }
    return { clientIp, ...(staticVerdict ? { staticVerdict } : {}), findings };
  }
}
