/**
 * `npm run bench:probe`: 2,000 TCP probes (a fifth to a refused port) at concurrency 100
 * against a loopback listener in another process, next to a raw net.connect loop at the
 * same concurrency in the same run; then a batch of probes that all time out, against
 * ceil(timeouts / concurrency) x timeout. Loopback only.
 */
import { spawn } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeTarget } from '../src/probe/guard.js';
import { Prober } from '../src/probe/run.js';

const PROBES = 2000;
const CONCURRENCY = 100;
const REFUSED_SHARE = 0.2;
const ROUNDS = 3;
const TIMEOUT_BATCH = 300;
const TIMEOUT_MS = 200;
const LISTENER_HOST = '127.0.0.2';
const REFUSED_HOST = '127.0.0.3';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The listener lives in its own process: in this one it would compete with the connects it answers. */
async function startListener(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-e', `const s=require('net').createServer(c=>c.destroy());s.listen({host:'${LISTENER_HOST}',port:0,backlog:4096},()=>console.log(s.address().port))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim()))));
  return { port, stop: () => child.kill() };
}

function targetsFor(port: number): ProbeTarget[] {
  return Array.from({ length: PROBES }, (_, index) => ({
    networkInterfaceId: `eni-${String(index).padStart(17, '0')}`,
    address: index % Math.round(1 / REFUSED_SHARE) === 0 ? REFUSED_HOST : LISTENER_HOST,
    port,
  }));
}

/** The baseline: connect and close, nothing else, with a plain worker pool of the same width. */
async function rawConnectLoop(targets: readonly ProbeTarget[]): Promise<{ totalMs: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const target = targets[next++]!;
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const socket = connect({ host: target.address, port: target.port });
        const done = () => {
          socket.destroy();
          resolve();
        };
        socket.once('connect', done);
        socket.once('error', done);
      });
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { totalMs: performance.now() - started, latencies };
}

async function proberRun(targets: readonly ProbeTarget[]): Promise<{ totalMs: number; latencies: number[]; outcomes: Record<string, number> }> {
  const prober = new Prober({ concurrency: CONCURRENCY, perEndpointConcurrency: CONCURRENCY, roundsPerMinute: 1_000_000 });
  const started = performance.now();
  const results = await prober.probeEndpoint('vpce-0000000000000bench', targets, { timeoutMs: 5000, attempts: 1 });
  const outcomes: Record<string, number> = {};
  for (const result of results) outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
  return { totalMs: performance.now() - started, latencies: results.map((result) => result.latencyMs), outcomes };
}

const listener = await startListener();
try {
  const targets = targetsFor(listener.port);
  await rawConnectLoop(targets.slice(0, 200));
  const raw: { totalMs: number; latencies: number[] }[] = [];
  const probed: { totalMs: number; latencies: number[]; outcomes: Record<string, number> }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rawConnectLoop(targets));
    probed.push(await proberRun(targets));
  }
  const rawTotal = median(raw.map((run) => run.totalMs));
  const probeTotal = median(probed.map((run) => run.totalMs));
  const rawMedian = median(raw.flatMap((run) => run.latencies));
  const probeMedian = median(probed.flatMap((run) => run.latencies));

  // Every connect of this batch hangs: the batch should take ceil(n / concurrency) timeouts, not n.
  const hanging = new Prober({ concurrency: CONCURRENCY, perEndpointConcurrency: CONCURRENCY, roundsPerMinute: 1_000_000, connector: () => new Socket() });
  const hangingTargets = targetsFor(listener.port).slice(0, TIMEOUT_BATCH);
  const timeoutStarted = performance.now();
  await hanging.probeEndpoint('vpce-000000000000hang', hangingTargets, { timeoutMs: TIMEOUT_MS, attempts: 1 });
  const timeoutBatchMs = performance.now() - timeoutStarted;
  const expectedTimeoutMs = Math.ceil(TIMEOUT_BATCH / CONCURRENCY) * TIMEOUT_MS;

  const figures = {
    probes: PROBES,
    concurrency: CONCURRENCY,
    outcomes: probed[0]!.outcomes,
    rawTotalMs: +rawTotal.toFixed(1),
    probeTotalMs: +probeTotal.toFixed(1),
    probesPerSecond: Math.round(PROBES / (probeTotal / 1000)),
    rawMedianConnectMs: +rawMedian.toFixed(3),
    probeMedianConnectMs: +probeMedian.toFixed(3),
    medianOverheadRatio: +(probeMedian / rawMedian).toFixed(2),
    totalTimeRatio: +(probeTotal / rawTotal).toFixed(2),
    timeoutBatch: {
      probes: TIMEOUT_BATCH,
      timeoutMs: TIMEOUT_MS,
      expectedMs: expectedTimeoutMs,
      measuredMs: Math.round(timeoutBatchMs),
      ratio: +(timeoutBatchMs / expectedTimeoutMs).toFixed(2),
    },
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `\nprobe median connect = ${figures.medianOverheadRatio}x raw net.connect (target <= 1.5x); ${figures.probesPerSecond} probes/s; ` +
      `${TIMEOUT_BATCH} hanging probes took ${figures.timeoutBatch.measuredMs} ms against ${expectedTimeoutMs} ms = ceil(${TIMEOUT_BATCH}/${CONCURRENCY}) x ${TIMEOUT_MS} ms`,
  );
} finally {
  listener.stop();
}
