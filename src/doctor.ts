import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { JsonMemo } from './cache/json-memo.js';
import { SingleFlightCache, type Cached, type CacheObserver } from './cache/single-flight-cache.js';
import type { AnalysisRequest } from './core/analyze.js';
import type { Change } from './core/change.js';
import { clientSuggestions, type ClientSuggestion } from './core/clients.js';
import { listInterfaceEndpoints, summarizeEndpoint, type EndpointFilter, type EndpointSummary } from './core/inventory.js';
import { analyze as analyzeData, locateRequestedEndpoint } from './core/analyze.js';
import type { Fleet, FleetUnit, UnitRef } from './core/fleet.js';
import type { UnitStatus } from './http/schemas.js';
import { formatRange } from './core/ports.js';
import { ReportSchema, type Report } from './core/report.js';
import { blastRadius as blastRadiusOf, whatIf as whatIfOf, type BlastRadiusRequest, type BlastRadiusResult, type WhatIfResult } from './core/what-if.js';
import {
  fleetExposure,
  reachability as reachabilityOf,
  ReachabilitySchema,
  type EndpointExposure,
  type Reachability,
  type ReachabilityRequest,
} from './core/reachability.js';
import { parseCidr, type Cidr } from './core/net.js';
import { recordAnalysis } from './metrics/record.js';
import type { Metrics } from './metrics/registry.js';
import type { ProbePurpose, ProbeReport, ProbeRequest, ProbeService } from './probe/service.js';
import { readFleetSnapshot } from './sources/snapshot/fleet.js';
import type { AwsResponsesJson } from './sources/aws/responses.js';
import type { SharedResultCache, SharedResultKind } from './shared/result-cache.js';
import { probedAt } from './probe/report.js';

/**
 * Where the data comes from: a snapshot directory (one unit, or a fleet of accounts and
 * regions), or live AWS. Every source yields a fleet; one unit is a fleet of one.
 */
export interface ModelSource {
  readonly description: string;
  /** `refresh`: a reload the caller asked for; a source that shares data with other replicas then collects anew. */
  load(options?: { readonly refresh?: boolean }): Promise<Fleet>;
  /** Per-unit state, when the source keeps its own (a live fleet: freshness, errors, calls). */
  units?(): UnitStatus[];
}

/** A live source as the doctor reads it: a fleet, and what was fetched for the export, by unit (`account/region`). */
export interface ExportableSource extends ModelSource {
  lastResponses(): ReadonlyMap<string, AwsResponsesJson>;
}

/** True for a source that can export what it fetched in the snapshot layout. */
export function isExportable(source: ModelSource): source is ExportableSource {
  return typeof (source as Partial<ExportableSource>).lastResponses === 'function';
}

export function snapshotSource(dir: string): ModelSource {
  return {
    description: `snapshot ${dir}`,
    load: async () => {
      const { fleet } = await readFleetSnapshot(dir);
      if (!fleet.units.some((unit) => unit.model)) {
        throw new Error(`no unit of ${dir} could be read: ${fleet.units.map((unit) => `${unit.key}: ${unit.failure ?? 'empty'}`).join('; ')}`);
      }
      return fleet;
    },
  };
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
  /** The operator left probes off (VPCE_DOCTOR_PROBES): asking for one is refused as such, not as a missing prober. */
  readonly probesDisabled?: boolean;
  /** VPCE_DOCTOR_TRUSTED_CIDRS: ranges beyond an endpoint's VPC that may reach it. */
  readonly trustedCidrs?: readonly string[];
  /**
   * Replicas sharing collections and answers through Redis: the answers computed from shared
   * data are looked up there behind the local cache, and stored there; and past the TTL the
   * previous data is served (marked stale) while the shared collection runs.
   */
  readonly shared?: { readonly results: SharedResultCache; readonly probes?: SharedProbeReports };
}

/** The latest probe reports of every replica (Redis). */
export interface SharedProbeReports {
  latest(endpointId: string): Promise<ProbeReport | undefined>;
  storeLatest(report: ProbeReport): Promise<void>;
}

/** Probes were asked for, and this doctor has no prober. */
export class ProbesUnavailableError extends Error {}

/** Probes were asked for, and the operator left them off. */
export class ProbesDisabledError extends Error {}

const CLI_DEFAULTS: DoctorOptions = { cacheTtlMs: 60_000, cacheMaxEntries: 100 };

/** A fleet and what keys the analyses made from it. */
interface LoadedFleet {
  readonly fleet: Fleet;
  /** The number of its load in this process. */
  readonly generation: number;
  /**
   * Its data's identity across replicas: the units' shared generations, digested; absent when
   * some unit's data is this process's alone (collected without Redis, or failed).
   */
  readonly sharedDataKey?: string;
}

/** The units' shared generations as one short key: equal on every replica that holds the same data. */
function sharedDataKeyOf(fleet: Fleet): string | undefined {
  const parts: string[] = [];
  for (const unit of fleet.units) {
    if (unit.dataGeneration === undefined) return undefined;
    parts.push(`${unit.key}#${unit.dataGeneration}`);
  }
  return createHash('sha256').update(parts.sort().join(',')).digest('base64url').slice(0, 22);
}

/** An answer, and whether the replicas' shared cache held it. */
interface Answer<V> {
  readonly value: V;
  readonly shared?: 'hit' | 'miss' | 'unavailable';
}

/** A schema's validator, compiled when first needed: only replicas sharing Redis check values, and compiling costs start-up time. */
function lazyCheck<T>(schema: TSchema): (value: unknown) => value is T {
  let compiled: { Check(value: unknown): boolean } | undefined;
  return (value: unknown): value is T => (compiled ??= Compile(schema)).Check(value);
}

const reportIsValid = lazyCheck<Report>(ReportSchema);
const reachabilityIsValid = lazyCheck<Reachability>(ReachabilitySchema);
const SHARED_KINDS = {
  analysis: { name: 'analysis', accepts: reportIsValid } satisfies SharedResultKind<Report>,
  reachability: { name: 'reachability', accepts: reachabilityIsValid } satisfies SharedResultKind<Reachability>,
};

interface AnalysisJob {
  readonly fleet: Fleet;
  readonly request: AnalysisRequest;
  /** The key of the answer in the shared cache, when the data is shared. */
  readonly sharedKey?: string;
  readonly refresh: boolean;
}

interface ReachabilityJob {
  readonly fleet: Fleet;
  readonly request: ReachabilityRequest;
  readonly sharedKey?: string;
  readonly refresh: boolean;
}

/** What keys an answer: the shared data key when there is one (the same on every replica), else this process's load number. */
function dataKeyOf(loaded: LoadedFleet): string {
  return loaded.sharedDataKey ?? `local-${loaded.generation}`;
}

function reachabilityKey(generation: string, request: ReachabilityRequest): string {
  const ephemeral = request.clientEphemeralPorts ? formatRange(request.clientEphemeralPorts) : '';
  return [
    generation,
    request.endpointId,
    request.accountId ?? '',
    request.region ?? '',
    request.port ?? '',
    ephemeral,
    request.fixScope ?? '',
    request.plans ?? true,
  ].join('|');
}

function analysisKey(generation: string, request: AnalysisRequest): string {
  const { client } = request;
  const ephemeral = request.clientEphemeralPorts ? formatRange(request.clientEphemeralPorts) : '';
  return [
    generation,
    request.endpointId,
    request.accountId ?? '',
    request.region ?? '',
    client.ip ?? '',
    client.eniId ?? '',
    client.instanceId ?? '',
    request.port ?? '',
    ephemeral,
    // The fix plan depends on it; no scope is the default scope, one entry for both.
    request.fixScope ?? 'client',
  ].join('|');
}

function observer(metrics: Metrics | undefined, cache: 'model' | 'analysis' | 'reachability'): CacheObserver | undefined {
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
  private readonly models: SingleFlightCache<'model', LoadedFleet, { readonly refresh: boolean }>;
  private readonly analyses: SingleFlightCache<string, Answer<Report>, AnalysisJob>;
  private readonly reachabilities: SingleFlightCache<string, Answer<Reachability>, ReachabilityJob>;
  /** The JSON of each answer, made once (sent many times, stored in the shared cache once). */
  readonly json = new JsonMemo();
  private readonly trustedCidrs: readonly Cidr[];
  private generation = 0;
  /** The fleet last loaded, for what is read from it between requests (the exposure gauge). */
  private latest: LoadedFleet | undefined;
  private exposure: { readonly generation: number; readonly series: readonly EndpointExposure[] } | undefined;

  constructor(
    readonly source: ModelSource,
    private readonly options: DoctorOptions = CLI_DEFAULTS,
  ) {
    const { metrics } = options;
    this.models = new SingleFlightCache(
      async (_key, context) => {
        try {
          const fleet = await source.load({ refresh: context.refresh });
          metrics?.modelLoadsTotal.inc({ outcome: 'success' });
          const sharedDataKey = options.shared ? sharedDataKeyOf(fleet) : undefined;
          this.latest = { fleet, generation: ++this.generation, ...(sharedDataKey !== undefined ? { sharedDataKey } : {}) };
          return this.latest;
        } catch (error) {
          metrics?.modelLoadsTotal.inc({ outcome: 'failure' });
          throw error;
        }
      },
      // Replicas waiting for a shared collection serve their previous data meanwhile, marked stale.
      { ttlMs: options.cacheTtlMs, max: 1, staleWhileRevalidate: options.shared !== undefined, ...(metrics ? { observer: observer(metrics, 'model')! } : {}) },
    );
    this.analyses = new SingleFlightCache<string, Answer<Report>, AnalysisJob>(
      async (_key, job) => this.answer(SHARED_KINDS.analysis, job.sharedKey, job.refresh, () => this.compute(job)),
      {
        ttlMs: options.cacheTtlMs,
        max: options.cacheMaxEntries,
        ...(metrics ? { observer: observer(metrics, 'analysis')! } : {}),
      },
    );
    this.reachabilities = new SingleFlightCache<string, Answer<Reachability>, ReachabilityJob>(
      async (_key, job) => this.answer(SHARED_KINDS.reachability, job.sharedKey, job.refresh, async () => reachabilityOf(job.fleet, job.request)),
      {
        ttlMs: options.cacheTtlMs,
        max: options.cacheMaxEntries,
        ...(metrics ? { observer: observer(metrics, 'reachability')! } : {}),
      },
    );
    this.trustedCidrs = (options.trustedCidrs ?? []).map((text) => parseCidr(text)!);
  }

  /**
   * An answer missing from the local cache: from the replicas' shared cache when the data is
   * shared and it holds one, else computed (and stored there for the other replicas).
   */
  private async answer<V extends object>(
    kind: SharedResultKind<V>,
    sharedKey: string | undefined,
    refresh: boolean,
    compute: () => Promise<V>,
  ): Promise<Answer<V>> {
    const results = this.options.shared?.results;
    if (!results || sharedKey === undefined) return { value: await compute() };
    // A refresh asked for is computed anew, and replaces the shared answer.
    const found = refresh ? ({ found: 'miss' } as const) : await results.get(kind, sharedKey, (text) => this.json.parse(text));
    if (found.found === 'hit') return { value: found.value, shared: 'hit' };
    const value = await compute();
    if (found.found === 'unavailable') return { value, shared: 'unavailable' };
    return { value, shared: (await results.set(kind, sharedKey, this.json.of(value))) ? 'miss' : 'unavailable' };
  }

  private async compute(job: AnalysisJob): Promise<Report> {
    const started = performance.now();
    const report = analyzeData(job.fleet, job.request);
    if (this.options.metrics) recordAnalysis(this.options.metrics, report, (performance.now() - started) / 1000);
    return report;
  }

  /** The data, loaded or from memory; rejects when the source fails with nothing to fall back on. */
  async fleet(options: { readonly refresh?: boolean } = {}): Promise<Cached<Fleet>> {
    const loaded = await this.loadModel(options);
    return { ...loaded, value: loaded.value.fleet };
  }

  private async loadModel(options: { readonly refresh?: boolean }): Promise<Cached<LoadedFleet>> {
    try {
      return await this.models.get('model', { ...options, context: { refresh: options.refresh ?? false } });
    } catch (error) {
      throw new SourceUnavailableError(`${this.source.description} cannot be loaded: ${(error as Error).message}`, { cause: error });
    }
  }

  /** When the model being served was loaded, if one was. */
  modelLoadedAt(): number | undefined {
    return this.models.peekLoadedAt('model');
  }

  /**
   * The analysis when the model and it are both in memory and fresh, with no load under way:
   * what `analyze` answers as a hit, found without a promise (the HTTP route's common case).
   * Undefined otherwise, with nothing recorded: `analyze` then answers.
   */
  cachedAnalysis(request: AnalysisRequest): Cached<Report> | undefined {
    const loaded = this.models.fresh('model');
    if (!loaded) return undefined;
    const result = this.analyses.fresh(analysisKey(dataKeyOf(loaded.value), request));
    if (!result) return undefined;
    // Both lookups are counted as `analyze` counts them: the model's, then the analysis's.
    this.models.recordHit();
    this.analyses.recordHit();
    return answered(result, loaded, {});
  }

  async analyze(request: AnalysisRequest, options: { readonly refresh?: boolean } = {}): Promise<Cached<Report>> {
    const loaded = await this.loadModel(options);
    const key = analysisKey(dataKeyOf(loaded.value), request);
    const sharedKey = loaded.value.sharedDataKey !== undefined ? key : undefined;
    const result = await this.analyses.get(key, {
      ...options,
      context: { fleet: loaded.value.fleet, request, refresh: options.refresh ?? false, ...(sharedKey !== undefined ? { sharedKey } : {}) },
    });
    return answered(result, loaded, options);
  }

  /**
   * The analysis with live probes of the endpoint's interfaces: computed afresh every time
   * (a probe's answer is only as old as the probe), over the cached model.
   */
  async analyzeWithProbes(request: AnalysisRequest, probe: ProbeRequest = {}): Promise<Cached<Report>> {
    const probes = this.requireProbes();
    const loaded = await this.fleet();
    const { results } = await probes.observe(loaded.value, request.endpointId, {
      ...probe,
      ...(request.port !== undefined ? { port: request.port } : {}),
      ...(request.accountId !== undefined ? { accountId: request.accountId } : {}),
      ...(request.region !== undefined ? { region: request.region } : {}),
    });
    const started = performance.now();
    const report = analyzeData(loaded.value, request, results);
    if (this.options.metrics) recordAnalysis(this.options.metrics, report, (performance.now() - started) / 1000);
    return { ...loaded, value: report, result: 'miss', joined: false };
  }

  /**
   * One analysis before and after the changes, over the cached model (which the changes
   * never touch: they apply to an overlay). Computed afresh every time: the changes are
   * the caller's own, so no other caller could share the answer.
   */
  async whatIf(request: AnalysisRequest, changes: readonly Change[]): Promise<Cached<WhatIfResult>> {
    const loaded = await this.fleet();
    return { ...loaded, value: whatIfOf(loaded.value, request, changes), result: 'miss', joined: false };
  }

  /** Every (endpoint, client) pair of the cached model whose verdict or a check moves under the changes; not cached. */
  async blastRadius(request: BlastRadiusRequest): Promise<Cached<BlastRadiusResult>> {
    const loaded = await this.fleet();
    return { ...loaded, value: blastRadiusOf(loaded.value, request), result: 'miss', joined: false };
  }

  /** Who can reach the endpoint (contract §8): its source sets, the workloads, the exposure; cached like an analysis. */
  async reachability(request: Omit<ReachabilityRequest, 'trustedCidrs'>, options: { readonly refresh?: boolean } = {}): Promise<Cached<Reachability>> {
    const loaded = await this.loadModel(options);
    const full: ReachabilityRequest = { ...request, trustedCidrs: this.trustedCidrs };
    const key = reachabilityKey(dataKeyOf(loaded.value), full);
    const sharedKey = loaded.value.sharedDataKey !== undefined ? key : undefined;
    const result = await this.reachabilities.get(key, {
      ...options,
      context: { fleet: loaded.value.fleet, request: full, refresh: options.refresh ?? false, ...(sharedKey !== undefined ? { sharedKey } : {}) },
    });
    return answered(result, loaded, options);
  }

  /**
   * Whether each endpoint of the data last loaded admits addresses it should not, per
   * service port: computed once per load, when first asked (a scrape), never loading data.
   */
  exposureSeries(): readonly EndpointExposure[] {
    const latest = this.latest;
    if (!latest) return [];
    if (this.exposure?.generation !== latest.generation)
      this.exposure = { generation: latest.generation, series: fleetExposure(latest.fleet, this.trustedCidrs) };
    return this.exposure.series;
  }

  async probe(endpointId: string, request: ProbeRequest = {}, purpose: ProbePurpose = 'api'): Promise<ProbeReport> {
    const probes = this.requireProbes();
    const loaded = await this.fleet();
    const report = await probes.probe(loaded.value, endpointId, request, purpose);
    // Every replica answers GET …/probes with it.
    await this.options.shared?.probes?.storeLatest(report);
    return report;
  }

  /** A probe of one endpoint on one port for a Prometheus scrape (GET /probe): not kept in the service's own series. */
  async probeScrape(endpointId: string, request: ProbeRequest): Promise<ProbeReport> {
    const probes = this.requireProbes();
    const loaded = await this.fleet();
    return probes.scrape(loaded.value, endpointId, request);
  }

  /** The latest probe report of an endpoint, whichever replica made it: the newer of Redis's and this process's. */
  async latestProbe(endpointId: string): Promise<ProbeReport | undefined> {
    const local = this.options.probes?.latest(endpointId);
    const shared = await this.options.shared?.probes?.latest(endpointId);
    if (!shared || !local) return shared ?? local;
    return (probedAt(local) ?? 0) > (probedAt(shared) ?? 0) ? local : shared;
  }

  private requireProbes(): ProbeService {
    if (this.options.probesDisabled) throw new ProbesDisabledError('live probes are off in this service: VPCE_DOCTOR_PROBES=on turns them on');
    if (!this.options.probes) throw new ProbesUnavailableError('live probes are not enabled in this process');
    return this.options.probes;
  }

  /**
   * Each unit's state: the source's own account of it when it keeps one (live), else what the
   * loaded fleet shows (a snapshot: loaded, or failed with the reason).
   */
  async units(now = Date.now()): Promise<UnitStatus[]> {
    const loaded = await this.fleet();
    if (this.source.units) return this.source.units();
    const age = Math.max(0, Math.floor((now - loaded.loadedAt) / 1000));
    return loaded.value.units.map((unit) => unitStatusOf(unit, loaded.stale, new Date(loaded.loadedAt).toISOString(), age));
  }

  async listEndpoints(options: { readonly refresh?: boolean; readonly filter?: EndpointFilter } = {}): Promise<Cached<EndpointSummary[]>> {
    const loaded = await this.fleet(options);
    return { ...loaded, value: listInterfaceEndpoints(loaded.value, options.filter) };
  }

  /** The clients a person may pick for the endpoint: the interfaces of its VPC in its unit's data. */
  async clients(endpointId: string, unit: UnitRef = {}): Promise<Cached<ClientSuggestion[]>> {
    const loaded = await this.fleet();
    const located = locateRequestedEndpoint(loaded.value, { endpointId, ...unit });
    return { ...loaded, value: clientSuggestions(located.model, located.endpoint.vpcId) };
  }

  async endpoint(endpointId: string, unit: UnitRef = {}): Promise<Cached<EndpointSummary>> {
    const loaded = await this.fleet();
    const located = locateRequestedEndpoint(loaded.value, { endpointId, ...unit });
    return { ...loaded, value: summarizeEndpoint(located.model, located.endpoint, located.unit) };
  }
}

/**
 * An answer as the caller sees it: as old as its data, stale when its data is, and saying
 * whether the shared cache was asked (only when the local one had no answer).
 */
function answered<V>(result: Cached<Answer<V>>, loaded: Cached<LoadedFleet>, options: { readonly refresh?: boolean }): Cached<V> {
  const { value, shared } = result.value;
  const fromLocal = result.result === 'hit' || result.joined;
  return {
    value,
    result: options.refresh ? 'refresh' : result.result,
    joined: result.joined,
    stale: loaded.stale,
    loadedAt: loaded.loadedAt,
    ...(loaded.revalidating ? { revalidating: true } : {}),
    ...(shared !== undefined && !fromLocal ? { shared } : {}),
  };
}

/** What a loaded fleet says of one unit, for sources that keep no state of their own. */
export function unitStatusOf(unit: FleetUnit, stale: boolean, loadedAt: string, dataAgeSeconds: number): UnitStatus {
  const model = unit.model;
  return {
    key: unit.key,
    ...(unit.accountId ? { accountId: unit.accountId } : {}),
    ...(unit.region ? { region: unit.region } : {}),
    state: model ? (unit.failure || stale ? 'stale' : 'loaded') : 'failed',
    ...(model ? { loadedAt, dataAgeSeconds } : {}),
    ...(unit.failure ? { lastError: unit.failure } : {}),
    ...(model && model.failures.size > 0 ? { failures: Object.fromEntries(model.failures) } : {}),
    endpoints: model?.endpoints.size ?? 0,
    services: model?.endpointServicesByName.size ?? 0,
    loadBalancers: model?.loadBalancers.size ?? 0,
  };
}
