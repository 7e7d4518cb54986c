import { performance } from 'node:perf_hooks';
import { SingleFlightCache, type Cached, type CacheObserver } from './cache/single-flight-cache.js';
import { analyze, type AnalysisRequest } from './core/analyze.js';
import { AnalysisError } from './core/errors.js';
import { listInterfaceEndpoints, summarizeEndpoint, type EndpointSummary } from './core/inventory.js';
import type { NetworkModel } from './core/model.js';
import { formatRange } from './core/ports.js';
import type { Report } from './core/report.js';
import { recordAnalysis, type Metrics } from './metrics/registry.js';
import type { ProbeReport, ProbeRequest, ProbeService } from './probe/service.js';
import { readSnapshot } from './sources/snapshot/read.js';

/** Where the model comes from: a snapshot directory, or live AWS. */
export interface ModelSource {
  readonly description: string;
  load(): Promise<NetworkModel>;
}

export function snapshotSource(dir: string): ModelSource {
  return { description: `snapshot ${dir}`, load: () => readSnapshot(dir) };
}

/** The source failed and no earlier model can stand in: the service answers 503. */
export class SourceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceUnavailableError';
  }
}

export interface DoctorOptions {
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly metrics?: Metrics;
  /** Live probes; without it the doctor answers from the rules alone. */
  readonly probes?: ProbeService;
}

/** Probes were asked for, and this doctor has no prober. */
export class ProbesUnavailableError extends Error {}

const CLI_DEFAULTS: DoctorOptions = { cacheTtlMs: 60_000, cacheMaxEntries: 100 };

/** A model and the number of its load, which keys the analyses made from it. */
interface LoadedModel {
  readonly model: NetworkModel;
  readonly generation: number;
}

interface AnalysisJob {
  readonly model: NetworkModel;
  readonly request: AnalysisRequest;
}

function analysisKey(generation: number, request: AnalysisRequest): string {
  const { client } = request;
  const ephemeral = request.clientEphemeralPorts ? formatRange(request.clientEphemeralPorts) : '';
  return [generation, request.endpointId, client.ip ?? '', client.eniId ?? '', client.instanceId ?? '', request.port ?? '', ephemeral].join('|');
}

function observer(metrics: Metrics | undefined, cache: 'model' | 'analysis'): CacheObserver | undefined {
  if (!metrics) return undefined;
  return {
    onLookup(result, stale, joined) {
      metrics.cacheRequestsTotal.inc({ cache, result: stale ? 'stale' : result });
      if (joined) metrics.cacheSingleFlightJoinsTotal.inc({ cache });
    },
  };
}

/**
 * The one place where source -> model -> analysis -> report runs, for the CLI and the
 * HTTP service alike. The model and the analyses are cached: concurrent requests share
 * one load and one computation, and a failed reload serves the previous model, marked
 * stale.
 */
export class Doctor {
  private readonly models: SingleFlightCache<'model', LoadedModel>;
  private readonly analyses: SingleFlightCache<string, Report, AnalysisJob>;
  private generation = 0;

  constructor(
    readonly source: ModelSource,
    private readonly options: DoctorOptions = CLI_DEFAULTS,
  ) {
    const { metrics } = options;
    this.models = new SingleFlightCache(
      async () => {
        try {
          const model = await source.load();
          metrics?.modelLoadsTotal.inc({ outcome: 'success' });
          return { model, generation: ++this.generation };
        } catch (error) {
          metrics?.modelLoadsTotal.inc({ outcome: 'failure' });
          throw error;
        }
      },
      { ttlMs: options.cacheTtlMs, max: 1, ...(metrics ? { observer: observer(metrics, 'model')! } : {}) },
    );
    this.analyses = new SingleFlightCache<string, Report, AnalysisJob>(async (_key, job) => this.compute(job), {
      ttlMs: options.cacheTtlMs,
      max: options.cacheMaxEntries,
      ...(metrics ? { observer: observer(metrics, 'analysis')! } : {}),
    });
  }

  private async compute(job: AnalysisJob): Promise<Report> {
    const started = performance.now();
    const report = analyze(job.model, job.request);
    if (this.options.metrics) recordAnalysis(this.options.metrics, report, (performance.now() - started) / 1000);
    return report;
  }

  /** The model, loaded or from memory; rejects when the source fails with no model to fall back on. */
  async model(options: { readonly refresh?: boolean } = {}): Promise<Cached<NetworkModel>> {
    const loaded = await this.loadModel(options);
    return { ...loaded, value: loaded.value.model };
  }

  private async loadModel(options: { readonly refresh?: boolean }): Promise<Cached<LoadedModel>> {
    try {
      return await this.models.get('model', options);
    } catch (error) {
      throw new SourceUnavailableError(`${this.source.description} cannot be loaded: ${(error as Error).message}`, { cause: error });
    }
  }

  /** When the model being served was loaded, if one was. */
  modelLoadedAt(): number | undefined {
    return this.models.peekLoadedAt('model');
  }

  async analyze(request: AnalysisRequest, options: { readonly refresh?: boolean } = {}): Promise<Cached<Report>> {
    const loaded = await this.loadModel(options);
    const key = analysisKey(loaded.value.generation, request);
    const result = await this.analyses.get(key, { ...options, context: { model: loaded.value.model, request } });
    // An analysis is as old as its model, and stale when its model is.
    return { ...result, result: options.refresh ? 'refresh' : result.result, stale: loaded.stale, loadedAt: loaded.loadedAt };
  }

  /**
   * The analysis with live probes of the endpoint's interfaces: computed afresh every time
   * (a probe's answer is only as old as the probe), over the cached model.
   */
  async analyzeWithProbes(request: AnalysisRequest, probe: ProbeRequest = {}): Promise<Cached<Report>> {
    const probes = this.requireProbes();
    const loaded = await this.model();
    const { results } = await probes.observe(loaded.value, request.endpointId, { ...probe, ...(request.port !== undefined ? { port: request.port } : {}) });
    const started = performance.now();
    const report = analyze(loaded.value, request, results);
    if (this.options.metrics) recordAnalysis(this.options.metrics, report, (performance.now() - started) / 1000);
    return { ...loaded, value: report, result: 'miss', joined: false };
  }

  async probe(endpointId: string, request: ProbeRequest = {}): Promise<ProbeReport> {
    const probes = this.requireProbes();
    const loaded = await this.model();
    return probes.probe(loaded.value, endpointId, request);
  }

  /** The latest probe report of an endpoint, from memory. */
  latestProbe(endpointId: string): ProbeReport | undefined {
    return this.options.probes?.latest(endpointId);
  }

  private requireProbes(): ProbeService {
    if (!this.options.probes) throw new ProbesUnavailableError('live probes are not enabled in this process');
    return this.options.probes;
  }

  async listEndpoints(options: { readonly refresh?: boolean } = {}): Promise<Cached<EndpointSummary[]>> {
    const loaded = await this.model(options);
    return { ...loaded, value: listInterfaceEndpoints(loaded.value) };
  }

  async endpoint(endpointId: string): Promise<Cached<EndpointSummary>> {
    const loaded = await this.model();
    const endpoint = loaded.value.endpoints.get(endpointId);
    if (!endpoint) throw new AnalysisError('endpoint_not_found', `endpoint ${endpointId} is not in the captured data`, 'endpointId');
    return { ...loaded, value: summarizeEndpoint(loaded.value, endpoint) };
  }
}
