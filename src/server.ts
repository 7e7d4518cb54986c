import closeWithGrace from 'close-with-grace';
import { statSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig, ConfigError, VARIABLES, type Config } from './config.js';
import { packageVersion } from './version.js';
import { Doctor } from './doctor.js';
import { buildApp, LOG_REDACTIONS } from './http/app.js';
import { registerAwsMetrics, registerAwsUnitMetrics } from './metrics/aws.js';
import { createMetrics, forgetProbeSeries, forgetVanishedEndpoint, recordProbeReport } from './metrics/registry.js';
import { sourceFromConfig } from './sources/from-config.js';
import { Prober } from './probe/run.js';
import { discoverSelfIp } from './probe/self.js';
import { ProbeService } from './probe/service.js';
import { WatchList } from './probe/watch.js';
import { SharedCollections } from './shared/collection.js';
import { SharedRedis } from './shared/redis.js';
import { SharedProbes } from './shared/probes.js';
import { SharedResultCache } from './shared/result-cache.js';

/**
 * The process: configuration -> doctor -> app -> listen, and a graceful stop on SIGTERM or
 * SIGINT: /readyz turns 503, in-flight requests finish, then the process exits 0 within
 * the configured bound.
 */

/** A snapshot directory that is not there is a setting to fix, not a source to wait for. */
function checkSnapshotDir(config: Config): void {
  if (config.source !== 'snapshot') return;
  let isDirectory = false;
  try {
    isDirectory = statSync(config.snapshotDir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([
      `${VARIABLES.snapshotDir.name}: ${code === 'ENOENT' ? 'no such directory' : `cannot be read (${code ?? (error as Error).message})`}: ${config.snapshotDir}`,
    ]);
  }
  if (!isDirectory) throw new ConfigError([`${VARIABLES.snapshotDir.name}: not a directory: ${config.snapshotDir}`]);
}

async function start(config: Config): Promise<void> {
  checkSnapshotDir(config);
  // SIGTERM first drains (/readyz 503, requests still served) so that endpoint controllers
  // stop routing here, then shuts down (new /v1 requests refused, in-flight ones finish).
  let draining = false;
  let shuttingDown = false;
  // Replicas share collections and the analysis budget through Redis, when one is configured;
  // its state changes are logged by the app's logger, which exists only later.
  const log: { current?: { info: (object: object, message: string) => void; warn: (object: object, message: string) => void } } = {};
  const sharedRedis = config.redisUrl
    ? new SharedRedis({
        url: config.redisUrl,
        ...(config.redisPassword ? { password: config.redisPassword } : {}),
        prefix: config.redisPrefix,
        commandTimeoutMs: config.redisCommandTimeoutMs,
        // Told once per change of state, not once per failed command.
        onStateChange: (up, reason) =>
          up
            ? log.current?.info({ redis: 'up' }, 'Redis answers: shared collections and limits')
            : log.current?.warn({ redis: 'down', reason }, 'Redis does not answer: this replica collects and limits on its own'),
      })
    : undefined;
  // Shared from the first request on when Redis answers within a connect timeout; alone otherwise, until it does.
  await sharedRedis?.ready();
  const sharedCollections = sharedRedis
    ? new SharedCollections(sharedRedis, { ttlMs: config.cacheTtlSeconds * 1000, waitMs: config.awsCollectionDeadlineMs })
    : undefined;
  // Each watched endpoint probed by one replica; every replica answers with the latest report.
  const sharedProbes = sharedRedis ? new SharedProbes(sharedRedis, { intervalMs: config.watchIntervalSeconds * 1000 }) : undefined;
  // The gauge reads the doctor only when scraped, after both exist.
  const metrics = createMetrics({
    version: packageVersion(),
    modelLoadedAt: () => doctor.modelLoadedAt(),
    endpointExposure: () => doctor.exposureSeries(),
    ...(sharedRedis ? { redisUp: () => sharedRedis.isUp() } : {}),
  });
  // Off unless the operator turns them on: a probe dials the data's addresses from here.
  const probes = config.probesEnabled
    ? new ProbeService({
        prober: new Prober({
          concurrency: config.probeConcurrency,
          perEndpointConcurrency: config.probeEndpointConcurrency,
          roundsPerMinute: config.probeRoundsPerMinute,
        }),
        allowedPorts: config.probePorts,
        defaults: { timeoutMs: config.probeTimeoutMs, attempts: config.probeAttempts },
        selfIp: (model) => discoverSelfIp(model, config.probeSelfIp),
        // /metrics carries the watched endpoints only; API probes answer their caller, scrapes their own registry.
        onReport: (report, purpose) => {
          if (purpose === 'watch') recordProbeReport(metrics, report);
        },
      })
    : undefined;
  const doctor = new Doctor(
    sourceFromConfig(config, registerAwsMetrics(metrics.registry), undefined, registerAwsUnitMetrics(metrics.registry), sharedCollections),
    {
      cacheTtlMs: config.cacheTtlSeconds * 1000,
      cacheMaxEntries: config.cacheMaxEntries,
      metrics,
      ...(probes ? { probes } : { probesDisabled: true }),
      trustedCidrs: config.trustedCidrs,
      ...(sharedRedis
        ? { shared: { results: new SharedResultCache(sharedRedis, config.cacheTtlSeconds * 1000), ...(sharedProbes ? { probes: sharedProbes } : {}) } }
        : {}),
    },
  );
  const app = await buildApp({
    doctor,
    config,
    metrics,
    loggerInstance: pino({ level: config.logLevel, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } }),
    isShuttingDown: () => shuttingDown,
    isDraining: () => draining,
    ...(sharedRedis ? { sharedRedis } : {}),
  });
  log.current = app.log;

  const watch = new WatchList({
    endpointIds: config.watchEndpoints,
    intervalMs: config.watchIntervalSeconds * 1000,
    jitterRatio: 0.2,
    probe: async (endpointId) => {
      await doctor.probe(endpointId, {}, 'watch');
    },
    onError: (endpointId, error) => {
      app.log.warn({ endpointId, err: error }, 'watch-list probe failed');
      void forgetVanishedEndpoint(metrics, endpointId, error);
    },
    ...(sharedProbes ? { coordinator: sharedProbes, onLeft: (endpointId: string) => void forgetProbeSeries(metrics, endpointId) } : {}),
  });

  // A rejection nothing handled is a bug, but not a reason to drop every request in flight:
  // it is logged and counted, and the service keeps answering.
  process.on('unhandledRejection', (reason) => {
    metrics.unhandledRejectionsTotal.inc();
    app.log.error({ err: reason }, 'unhandled promise rejection (a bug: please report it); the service keeps running');
  });
  const drainMs = config.shutdownDelaySeconds * 1000;
  closeWithGrace({ delay: drainMs + config.shutdownTimeoutMs, skip: ['unhandledRejection'] }, async ({ signal, err }) => {
    watch.stop();
    if (err) {
      app.log.error({ err }, 'stopping after an uncaught error');
    } else if (drainMs > 0) {
      // Kubernetes removes the pod from its Services while it keeps serving: no request meets a closed port.
      draining = true;
      app.log.info(
        { signal, drainSeconds: config.shutdownDelaySeconds },
        'stopping: /readyz is 503, still serving while endpoints controllers stop routing here',
      );
      await new Promise((resolve) => setTimeout(resolve, drainMs));
    }
    shuttingDown = true;
    if (!err) app.log.info({ signal }, 'stopping: finishing in-flight requests');
    // Idle keep-alive connections go now; busy ones close after their answer (Connection: close).
    app.server.closeIdleConnections();
    // What is still open just before the bound (a stalled upload, a client that never reads)
    // is cut, so that the process always stops with 0 within VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS.
    const cut = setTimeout(
      () => {
        app.log.warn('shutdown bound near: closing the connections still open');
        app.server.closeAllConnections();
      },
      Math.max(0, config.shutdownTimeoutMs - Math.min(1000, config.shutdownTimeoutMs / 5)),
    );
    cut.unref();
    await app.close();
    // The endpoints this replica probed go to the others at their next look.
    await sharedProbes?.releaseAll();
    await sharedRedis?.close();
    clearTimeout(cut);
  });

  // Warm the model so that the first request and /readyz do not wait; failure is not fatal.
  try {
    await doctor.fleet();
  } catch (error) {
    app.log.warn({ err: error }, 'the source cannot be loaded yet; /readyz stays 503 until it can');
  }
  await app.listen({ port: config.port, host: config.host });
  watch.start();
}

try {
  await start(loadConfig());
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`vpce-doctor: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
