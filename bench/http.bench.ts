/**
 * `npm run bench:http`: the service's cached analysis route against a bare Fastify route.
 *
 * Both servers run in this process on 127.0.0.1 (port 0): the real app (buildApp on the
 * bundled healthy example, metrics on, logger off, a rate limit too high to matter), and a
 * bare Fastify instance whose one GET route sends a pre-serialized string: the analysis
 * response itself, captured once, so that both send the same bytes and the comparison is
 * about the service's per-request overhead (hooks, validation, cache look-up, headers), not
 * payload size nor serialization (the floor any server of these bytes pays). The figures are ratios against the bare route measured
 * in the same run, rounds alternating bare/analysis so that drift on the shared machine hits
 * both, and the median round of each kept.
 *
 * autocannon runs in a child process by default (`node node_modules/autocannon/autocannon.js
 * -j`), so that the load generator has its own event loop instead of taking turns with the
 * servers; `--in-process` runs it in this process instead (programmatic API), for
 * comparison. Besides requests/s and p99, each round records this process's CPU time per
 * request (process.cpuUsage): with autocannon in a child, that is the servers' own cost, a
 * steadier figure than throughput when other jobs share the cores.
 *
 * Options: `--connections N` (10), `--duration S` (5 per round), `--rounds N` (5 of each),
 * `--in-process`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { Doctor, snapshotSource } from '../src/doctor.js';
import { buildApp } from '../src/http/app.js';
import { createMetrics, type Metrics } from '../src/metrics/registry.js';
import { numberOption } from './options.js';

const TARGET_RATIO = 0.8;
const SNAPSHOT_DIR = fileURLToPath(new URL('../examples/healthy-aws-service/', import.meta.url));
const ANALYSIS_PATH = '/v1/endpoints/vpce-068e9dcc184a273ab/analysis?clientIp=10.0.1.25';
const BARE_PATH = '/constant';
const AUTOCANNON_CLI = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));
const LOAD_SCRIPT = fileURLToPath(new URL('./http-load.mjs', import.meta.url));
/** Uncached analyses on these examples: a random client address per request. */
const UNCACHED = [
  { example: 'healthy-aws-service', endpointId: 'vpce-068e9dcc184a273ab' },
  { example: 'provider-healthy', endpointId: 'vpce-0c5df4b356e4e567d' },
];

const CONNECTIONS = numberOption('connections', 10);
const DURATION_SECONDS = numberOption('duration', 5);
const ROUNDS = Math.max(2, Math.floor(numberOption('rounds', 5)));
const IN_PROCESS = process.argv.includes('--in-process');

/** The part of autocannon's result (programmatic, or `-j` output) this benchmark reads. */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p99: number; readonly average: number };
  readonly throughput: { readonly average: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

type AutocannonRun = (options: { url: string; connections: number; duration: number }) => Promise<AutocannonResult>;

interface Round {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly meanLatencyMs: number;
  readonly bytesPerSecond: number;
  /** CPU time of this process (both servers, and autocannon when in-process) per request answered. */
  readonly cpuMicrosecondsPerRequest: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** autocannon ships no type declarations: loaded through require, typed by the interface above. */
function loadAutocannon(): AutocannonRun {
  const require = createRequire(import.meta.url);
  return require('autocannon') as AutocannonRun;
}

/** A load generator in a child process of its own, printing autocannon's result as JSON. */
function runInChild(args: readonly string[], what: string): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${what} exited ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as AutocannonResult);
      } catch (error) {
        reject(new Error(`${what} printed no JSON: ${(error as Error).message}\n${stdout}\n${stderr}`));
      }
    });
  });
}

async function measure(url: string, duration: number, pathTemplate?: string): Promise<Round> {
  const cpuBefore = process.cpuUsage();
  // With a path template, bench/http-load.mjs makes each request's path; else autocannon's own CLI.
  const result = pathTemplate
    ? await runInChild([LOAD_SCRIPT, JSON.stringify({ url, connections: CONNECTIONS, duration, pathTemplate })], 'http-load')
    : IN_PROCESS
      ? await loadAutocannon()({ url, connections: CONNECTIONS, duration })
      : await runInChild([AUTOCANNON_CLI, '-j', '-n', '-c', String(CONNECTIONS), '-d', String(duration), url], 'autocannon');
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses: the figures would not be of the route`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    meanLatencyMs: result.latency.average,
    bytesPerSecond: result.throughput.average,
    cpuMicrosecondsPerRequest: (cpu.user + cpu.system) / Math.max(result.requests.total, 1),
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** The service as server.ts builds it on a snapshot, logger off, a rate limit too high to matter. */
async function serviceOn(dir: string): Promise<FastifyInstance> {
  const metrics: Metrics = createMetrics({ modelLoadedAt: () => doctor.modelLoadedAt() });
  const doctor = new Doctor(snapshotSource(dir), { cacheTtlMs: 3_600_000, cacheMaxEntries: 100, metrics });
  return buildApp({
    doctor,
    metrics,
    logger: false,
    config: {
      apiTokens: [],
      rateLimitMax: 1_000_000_000,
      rateLimitWindowSeconds: 60,
      batchMaxItems: 5,
      bodyLimitBytes: 16_384,
      requestTimeoutMs: 10_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 5_000,
    },
  });
}

const service = await serviceOn(SNAPSHOT_DIR);
const bare = Fastify({ logger: false });
const uncachedServices = await Promise.all(
  UNCACHED.map(async ({ example, endpointId }) => {
    const app = await serviceOn(fileURLToPath(new URL(`../examples/${example}/`, import.meta.url)));
    return { example, endpointId, app };
  }),
);

try {
  const serviceUrl = await listen(service);
  const analysisUrl = `${serviceUrl}${ANALYSIS_PATH}`;

  // Warm the cache (model and analysis) with one request; the cached answer's body is the bare route's constant.
  const first = await fetch(analysisUrl);
  if (first.status !== 200) throw new Error(`warm-up request answered ${first.status}: ${await first.text()}`);
  await first.arrayBuffer();
  const cached = await fetch(analysisUrl);
  if (!cached.headers.get('cache-status')?.endsWith('hit'))
    throw new Error(`the analysis is not served from the cache: cache-status ${cached.headers.get('cache-status')}`);
  const cachedBody = await cached.text();
  const analysisBytes = Buffer.byteLength(cachedBody);
  bare.get(BARE_PATH, (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(cachedBody);
  });
  const bareUrl = `${await listen(bare)}${BARE_PATH}`;
  const bareBytes = (await (await fetch(bareUrl)).arrayBuffer()).byteLength;

  // A short unrecorded round on each, so that both are JIT-warm before the first recorded round.
  await measure(bareUrl, 1);
  await measure(analysisUrl, 1);

  const bareRounds: Round[] = [];
  const analysisRounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareRounds.push(await measure(bareUrl, DURATION_SECONDS));
    analysisRounds.push(await measure(analysisUrl, DURATION_SECONDS));
  }

  const summarize = (rounds: Round[], bytes: number) => ({
    requestsPerSecond: Math.round(median(rounds.map((round) => round.requestsPerSecond))),
    p99Ms: median(rounds.map((round) => round.p99Ms)),
    meanLatencyMs: +median(rounds.map((round) => round.meanLatencyMs)).toFixed(2),
    responseBytes: bytes,
    serverCpuMicrosecondsPerRequest: +median(rounds.map((round) => round.cpuMicrosecondsPerRequest)).toFixed(1),
    roundsRequestsPerSecond: rounds.map((round) => Math.round(round.requestsPerSecond)),
    roundsCpuMicrosecondsPerRequest: rounds.map((round) => Math.round(round.cpuMicrosecondsPerRequest)),
  });
  const bareFigures = summarize(bareRounds, bareBytes);
  const analysisFigures = summarize(analysisRounds, analysisBytes);
  const ratio = analysisFigures.requestsPerSecond / bareFigures.requestsPerSecond;
  const figures = {
    route: `GET ${ANALYSIS_PATH} (cached)`,
    loadGenerator: IN_PROCESS
      ? "autocannon in the servers' process (programmatic): it shares the event loop with both servers"
      : "autocannon in a child process (-j): its own event loop, sharing the machine's cores with the servers' process",
    cpus: availableParallelism(),
    connections: CONNECTIONS,
    durationSecondsPerRound: DURATION_SECONDS,
    roundsEach: ROUNDS,
    bare: bareFigures,
    analysis: analysisFigures,
    analysisOverBare: +ratio.toFixed(2),
    p99AnalysisOverBare: +(analysisFigures.p99Ms / Math.max(bareFigures.p99Ms, 1)).toFixed(2),
    // Server CPU per request is steadier than requests/s when other jobs share the cores: the
    // throughput ratio a CPU-bound server could reach is at most bare CPU / analysis CPU.
    cpuBareOverAnalysis: +(bareFigures.serverCpuMicrosecondsPerRequest / analysisFigures.serverCpuMicrosecondsPerRequest).toFixed(2),
    note: 'requests/s compares the routes only while the servers, not autocannon or other jobs on the machine, are the bottleneck; the CPU ratio bounds what the throughput ratio can reach',
  };
  // Uncached: every request a client address the cache has not seen, on each example, next to the same bare route.
  const uncached = [];
  for (const { example, endpointId, app } of uncachedServices) {
    const base = await listen(app);
    const pathTemplate = `/v1/endpoints/${endpointId}/analysis?clientIp={ip}`;
    const warm = await fetch(`${base}${pathTemplate.replace('{ip}', '10.0.1.25')}`);
    if (warm.status !== 200) throw new Error(`${example}: warm-up answered ${warm.status}: ${await warm.text()}`);
    await warm.arrayBuffer();
    await measure(base, 1, pathTemplate);
    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await measure(base, DURATION_SECONDS, pathTemplate));
    const summary = summarize(rounds, Buffer.byteLength(await (await fetch(`${base}${pathTemplate.replace('{ip}', '10.0.1.25')}`)).text()));
    uncached.push({
      example,
      route: `GET ${pathTemplate} (a random 10.0.0.0/16 client each request: uncached)`,
      ...summary,
      overBare: +(summary.requestsPerSecond / bareFigures.requestsPerSecond).toFixed(2),
    });
  }
  console.log(JSON.stringify({ ...figures, uncached }, null, 2));
  console.log(
    `\ncached analysis = ${Math.round(ratio * 100)}% of the bare route's requests/s (target >= ${TARGET_RATIO * 100}%): ` +
      `${analysisFigures.requestsPerSecond} vs ${bareFigures.requestsPerSecond} req/s, p99 ${analysisFigures.p99Ms} vs ${bareFigures.p99Ms} ms, ` +
      `server CPU ${analysisFigures.serverCpuMicrosecondsPerRequest} vs ${bareFigures.serverCpuMicrosecondsPerRequest} µs/request (bare/analysis ${figures.cpuBareOverAnalysis}${IN_PROCESS ? ', load generator included' : ''}); ` +
      `${CONNECTIONS} connections, median of ${ROUNDS} x ${DURATION_SECONDS} s rounds each; ${figures.loadGenerator}, ${figures.cpus} CPUs`,
  );
  for (const entry of uncached) {
    console.log(
      `uncached analysis on ${entry.example}: ${entry.requestsPerSecond} req/s (${Math.round(entry.overBare * 100)}% of the bare route), p99 ${entry.p99Ms} ms (bare ${bareFigures.p99Ms} ms), ${entry.responseBytes} bytes`,
    );
  }
  if (ratio < TARGET_RATIO) {
    console.log(`MISSED: cached analysis at ${Math.round(ratio * 100)}% of the bare route, target >= ${TARGET_RATIO * 100}%`);
    process.exitCode = 1;
  }
} finally {
  await Promise.all([service.close(), bare.close(), ...uncachedServices.map(({ app }) => app.close())]);
}
