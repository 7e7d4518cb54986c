import type { FastifyInstance } from 'fastify';
import { Doctor, snapshotSource, type ModelSource } from '../../src/doctor.js';
import { buildApp, type AppConfig } from '../../src/http/app.js';
import { createMetrics, recordProbeReport, type Metrics } from '../../src/metrics/registry.js';
import { Prober } from '../../src/probe/run.js';
import { ProbeService, type ProbeServiceOptions } from '../../src/probe/service.js';
import type { Connector } from '../../src/probe/tcp.js';
import type { SharedRedis } from '../../src/shared/redis.js';
import { SharedResultCache } from '../../src/shared/result-cache.js';

export const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
export const HEALTHY = {
  dir: `${EXAMPLES}healthy-aws-service`,
  endpointId: 'vpce-068e9dcc184a273ab',
  clientIp: '10.0.1.25',
  instanceId: 'i-0862f03190fbae3bc',
};

export const TEST_CONFIG: AppConfig = {
  apiTokens: [],
  rateLimitMax: 10_000,
  rateLimitWindowSeconds: 60,
  batchMaxItems: 5,
  bodyLimitBytes: 16_384,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
};

export interface TestApp {
  readonly app: FastifyInstance;
  readonly doctor: Doctor;
  readonly metrics: Metrics;
}

/** The app on a snapshot (the bundled healthy example by default), not listening: use inject or supertest. */
export interface TestAppOptions {
  readonly config?: Partial<AppConfig>;
  readonly source?: ModelSource;
  readonly snapshotDir?: string;
  readonly cacheTtlMs?: number;
  readonly isShuttingDown?: () => boolean;
  /** The prober's connector; the default refuses to dial, so no test reaches the network by accident. */
  readonly connector?: Connector;
  readonly probe?: Partial<Omit<ProbeServiceOptions, 'prober'>> & { roundsPerMinute?: number };
  /** VPCE_DOCTOR_TRUSTED_CIDRS. */
  readonly trustedCidrs?: readonly string[];
  /** The replicas' shared Redis. */
  readonly sharedRedis?: SharedRedis;
  /** VPCE_DOCTOR_PROBES=off: no prober at all. */
  readonly probesDisabled?: true;
}

const refuseToDial: Connector = () => {
  throw Object.assign(new Error('tests inject a connector to probe'), { code: 'EPERM' });
};

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const source = options.source ?? snapshotSource(options.snapshotDir ?? HEALTHY.dir);
  const metrics: Metrics = createMetrics({
    modelLoadedAt: () => doctor.modelLoadedAt(),
    endpointExposure: () => doctor.exposureSeries(),
    defaultMetrics: false,
  });
  const probes = new ProbeService({
    prober: new Prober({
      concurrency: 20,
      perEndpointConcurrency: 4,
      roundsPerMinute: options.probe?.roundsPerMinute ?? 600,
      connector: options.connector ?? refuseToDial,
    }),
    allowedPorts: options.probe?.allowedPorts ?? [],
    defaults: options.probe?.defaults ?? { timeoutMs: 500, attempts: 1 },
    selfIp: options.probe?.selfIp ?? (() => undefined),
    ...(options.probe?.resolver ? { resolver: options.probe.resolver } : {}),
    // As the server does: the service's own series are the watch list's.
    onReport: (report, purpose) => {
      if (purpose === 'watch') recordProbeReport(metrics, report);
    },
  });
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const doctor = new Doctor(source, {
    cacheTtlMs,
    cacheMaxEntries: 100,
    metrics,
    ...(options.probesDisabled ? { probesDisabled: true } : { probes }),
    ...(options.trustedCidrs ? { trustedCidrs: options.trustedCidrs } : {}),
    ...(options.sharedRedis ? { shared: { results: new SharedResultCache(options.sharedRedis, cacheTtlMs) } } : {}),
  });
  const app = await buildApp({
    doctor,
    metrics,
    config: { ...TEST_CONFIG, ...options.config },
    ...(options.isShuttingDown ? { isShuttingDown: options.isShuttingDown } : {}),
    ...(options.sharedRedis ? { sharedRedis: options.sharedRedis } : {}),
  });
  await app.ready();
  return { app, doctor, metrics };
}
