import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric in one place. Names carry their unit (`_seconds`, `_total`); labels take
 * values from small closed sets (route templates, status classes, check ids, verdicts),
 * never client IPs or free text.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly analysisDuration: Histogram;
  readonly analysesTotal: Counter<'verdict'>;
  readonly checkResultsTotal: Counter<'check' | 'status'>;
  readonly cacheRequestsTotal: Counter<'cache' | 'result'>;
  readonly cacheSingleFlightJoinsTotal: Counter<'cache'>;
  readonly modelLoadsTotal: Counter<'outcome'>;
  readonly unhandledRejectionsTotal: Counter;
  readonly modelAgeSeconds: Gauge;
  readonly probeSuccess: Gauge<'endpoint' | 'az' | 'port'>;
  readonly probeConnectDuration: Histogram<'endpoint' | 'az' | 'port'>;
  readonly probesTotal: Counter<'endpoint' | 'az' | 'port' | 'outcome'>;
  readonly probeLastTimestamp: Gauge<'endpoint' | 'az' | 'port'>;
  readonly staticLiveDisagreement: Gauge<'endpoint' | 'az' | 'port'>;
  readonly endpointExposed: Gauge<'endpoint' | 'port'>;
}

/** One series of the exposure gauge. */
export interface ExposureSeries {
  readonly endpointId: string;
  readonly port: number;
  readonly exposed: boolean;
}

/** prom-client's default gauges whose names end in `_total`. */
const DEFAULT_GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Analyses take microseconds on a small account and seconds on a large fleet's provider side. */
const ANALYSIS_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: {
  modelLoadedAt: () => number | undefined;
  /** Every endpoint and service port of the data loaded, read when scraped. */
  endpointExposure?: () => readonly ExposureSeries[];
  /** Whether the replicas' shared Redis answers; absent: no Redis configured, no series. */
  redisUp?: () => boolean;
  defaultMetrics?: boolean;
  /** vpce_doctor_build_info's version label; absent: no build_info series. */
  version?: string;
}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    // Unprefixed, as every Node exporter names them, so stock dashboards work.
    collectDefaultMetrics({ register: registry });
    // Gauges named `_total` read as counters to Prometheus (promtool refuses them); the
    // per-type gauges without the suffix carry the same counts.
    for (const name of DEFAULT_GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
  }
  if (options.version !== undefined) {
    new Gauge({
      name: 'vpce_doctor_build_info',
      help: 'Always 1: the version of vpce-doctor and of Node.js running it',
      labelNames: ['version', 'node'],
      registers: [registry],
    }).set({ version: options.version, node: process.versions.node }, 1);
  }
  const { redisUp } = options;
  if (redisUp) {
    new Gauge({
      name: 'vpce_doctor_redis_up',
      help: "1 when the replicas' shared Redis answers; 0 while this replica collects, caches and limits on its own",
      registers: [registry],
      collect() {
        this.set(redisUp() ? 1 : 0);
      },
    });
  }
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'vpce_doctor_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    analysisDuration: new Histogram({
      name: 'vpce_doctor_analysis_duration_seconds',
      help: 'Time to analyse one endpoint for one client, model loaded',
      buckets: ANALYSIS_DURATION_BUCKETS,
      registers: [registry],
    }),
    analysesTotal: new Counter({ name: 'vpce_doctor_analyses_total', help: 'Analyses computed, by verdict', labelNames: ['verdict'], registers: [registry] }),
    checkResultsTotal: new Counter({
      name: 'vpce_doctor_check_results_total',
      help: 'Check results of computed analyses, by check id and status',
      labelNames: ['check', 'status'],
      registers: [registry],
    }),
    cacheRequestsTotal: new Counter({
      name: 'vpce_doctor_cache_requests_total',
      help: 'Cache look-ups by cache (model, analysis) and result (hit, miss, stale, refresh)',
      labelNames: ['cache', 'result'],
      registers: [registry],
    }),
    cacheSingleFlightJoinsTotal: new Counter({
      name: 'vpce_doctor_cache_single_flight_joins_total',
      help: 'Requests that joined a computation already under way instead of starting their own',
      labelNames: ['cache'],
      registers: [registry],
    }),
    modelLoadsTotal: new Counter({
      name: 'vpce_doctor_model_loads_total',
      help: 'Model loads from the source, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    unhandledRejectionsTotal: new Counter({
      name: 'vpce_doctor_unhandled_rejections_total',
      help: 'Promise rejections nothing handled: logged and counted, never fatal (each is a bug to report)',
      registers: [registry],
    }),
    modelAgeSeconds: new Gauge({
      name: 'vpce_doctor_model_age_seconds',
      help: 'Age of the network model being served (time since it was loaded from the source)',
      registers: [registry],
      collect() {
        const loadedAt = options.modelLoadedAt();
        if (loadedAt !== undefined) this.set((Date.now() - loadedAt) / 1000);
      },
    }),
    // Probe labels name endpoints and AZs of the data, a set bounded by the account's endpoints.
    probeSuccess: new Gauge({
      name: 'vpce_doctor_probe_success',
      help: '1 when the last TCP connect to the endpoint interface succeeded, else 0',
      labelNames: ['endpoint', 'az', 'port'],
      registers: [registry],
    }),
    probeConnectDuration: new Histogram({
      name: 'vpce_doctor_probe_connect_duration_seconds',
      help: 'TCP connect time to endpoint interfaces',
      labelNames: ['endpoint', 'az', 'port'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    probesTotal: new Counter({
      name: 'vpce_doctor_probes_total',
      help: 'TCP probes by outcome',
      labelNames: ['endpoint', 'az', 'port', 'outcome'],
      registers: [registry],
    }),
    probeLastTimestamp: new Gauge({
      name: 'vpce_doctor_probe_last_timestamp_seconds',
      help: 'When the endpoint interface was last probed (unix time)',
      labelNames: ['endpoint', 'az', 'port'],
      registers: [registry],
    }),
    staticLiveDisagreement: new Gauge({
      name: 'vpce_doctor_static_live_disagreement',
      help: "1 when the static verdict for this service's own address and its probe disagree",
      labelNames: ['endpoint', 'az', 'port'],
      registers: [registry],
    }),
    // One series per interface endpoint and service port of the data: bounded by the data.
    endpointExposed: new Gauge({
      name: 'vpce_doctor_endpoint_exposed',
      help: '1 when the endpoint admits 0.0.0.0/0 or ::/0 (or, with VPCE_DOCTOR_TRUSTED_CIDRS, addresses outside its VPC and those ranges) on the port, else 0',
      labelNames: ['endpoint', 'port'],
      registers: [registry],
      collect() {
        if (!options.endpointExposure) return;
        // Rebuilt each scrape: an endpoint gone from the data leaves no series behind.
        this.reset();
        for (const series of options.endpointExposure()) this.set({ endpoint: series.endpointId, port: String(series.port) }, series.exposed ? 1 : 0);
      },
    }),
  };
}

export { forgetProbeSeries, forgetVanishedEndpoint, recordAnalysis, recordProbeReport } from './record.js';
