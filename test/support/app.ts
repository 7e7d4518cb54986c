import type { FastifyInstance } from 'fastify';
import { Doctor, snapshotSource, type ModelSource } from '../../src/doctor.js';
import { buildApp, type AppConfig } from '../../src/http/app.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';

export const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
export const HEALTHY = { dir: `${EXAMPLES}healthy-aws-service`, endpointId: 'vpce-068e9dcc184a273ab', clientIp: '10.0.1.25', instanceId: 'i-0862f03190fbae3bc' };

export const TEST_CONFIG: AppConfig = {
  apiTokens: [],
  rateLimitMax: 10_000,
  rateLimitWindowSeconds: 60,
  batchMaxItems: 5,
  bodyLimitBytes: 16_384,
};

export interface TestApp {
  readonly app: FastifyInstance;
  readonly doctor: Doctor;
  readonly metrics: Metrics;
}

/** The app on a snapshot (the bundled healthy example by default), not listening: use inject or supertest. */
export async function buildTestApp(
  options: { config?: Partial<AppConfig>; source?: ModelSource; snapshotDir?: string; cacheTtlMs?: number; isShuttingDown?: () => boolean } = {},
): Promise<TestApp> {
  const source = options.source ?? snapshotSource(options.snapshotDir ?? HEALTHY.dir);
  const metrics: Metrics = createMetrics({ modelLoadedAt: () => doctor.modelLoadedAt(), defaultMetrics: false });
  const doctor = new Doctor(source, { cacheTtlMs: options.cacheTtlMs ?? 60_000, cacheMaxEntries: 100, metrics });
  const app = await buildApp({
    doctor,
    metrics,
    config: { ...TEST_CONFIG, ...options.config },
    ...(options.isShuttingDown ? { isShuttingDown: options.isShuttingDown } : {}),
  });
  await app.ready();
  return { app, doctor, metrics };
}
