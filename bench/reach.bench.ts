/**
 * `npm run bench:reach` (part of `npm run bench`): who can reach (contract §8) on the
 * 1,000-endpoint benchmark snapshot. Figures are ratios measured in the same run: to
 * JSON.parse of the snapshot's files, and to getting the same answers by point analyses.
 *
 * - Source sets: every endpoint's, from one engine. By point analyses, the fewest that
 *   could give them is one analysis per piece of the answer (each admitted or excluded
 *   range of each interface and family, where the answer does not change): measured on a
 *   sample of endpoints, extrapolated per endpoint.
 * - Every endpoint x every workload group: the fleet report with all workloads. By point
 *   analyses, one per (endpoint, workload interface) — a group's verdict needs each
 *   member's, since members can differ: measured on a sample, extrapolated per pair.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { judge } from '../src/core/analyze.js';
import { fleetReportTargets } from '../src/core/fleet-report.js';
import { singleUnitFleet } from '../src/core/fleet.js';
import { ReachEngine } from '../src/core/reach.js';
import { fleetWorkloadRows, prepareReachability, workloadGroups } from '../src/core/reachability.js';
import { readSnapshot } from '../src/sources/snapshot/read.js';

const ROUNDS = 3;
const SAMPLE_ENDPOINTS = 12;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = run();
  return { ms: performance.now() - start, result };
}

function addressText(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-bench-reach-'));
try {
  const generator = spawnSync(process.execPath, ['--import', 'tsx', 'bench/generate-snapshot.ts', dir, '--json'], { encoding: 'utf8' });
  if (generator.status !== 0) throw new Error(`generator failed: ${generator.stderr}`);
  const generated = JSON.parse(generator.stdout.trim().split('\n').pop()!) as { files: string[]; bytes: number; endpointIds: string[] };
  const parseOnce = async () => {
    for (const file of generated.files) JSON.parse(await readFile(file, 'utf8'));
  };
  await parseOnce();
  const parseTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await parseOnce();
    parseTimes.push(performance.now() - start);
  }
  const parseMs = median(parseTimes);

  const model = await readSnapshot(dir);
  const fleet = singleUnitFleet(model);
  const targets = fleetReportTargets(fleet, {});

  // Every endpoint's source sets, as CIDR lists: one engine, so endpoints that share groups and subnets share the work.
  const setsTimes: number[] = [];
  let cidrs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const { ms, result } = timed(() => {
      const engine = new ReachEngine(fleet);
      let count = 0;
      for (const target of targets)
        for (const set of engine.sourceSets({ ...target, port: 443 })) count += set.ipv4.length + set.ipv6.length + set.excluded.length;
      return count;
    });
    setsTimes.push(ms);
    cidrs = result;
  }
  const setsMs = median(setsTimes);

  // The same by point analyses: one per piece of the answer, on a sample of endpoints.
  const sample = Array.from({ length: SAMPLE_ENDPOINTS }, (_, index) => targets[Math.floor((index * targets.length) / SAMPLE_ENDPOINTS)]!);
  const sampleEngine = new ReachEngine(fleet);
  let samplePieces = 0;
  const pointSets = timed(() => {
    for (const target of sample) {
      const { located } = prepareReachability(sampleEngine, { ...target, port: 443 });
      const starts = new Map<string, 4 | 6>();
      for (const reach of sampleEngine.interfaces(located.model, located.endpoint, 443)) {
        for (const family of [4, 6] as const) for (const segment of reach.byFamily[family]) starts.set(`${family}|${segment.start}`, family);
      }
      for (const [key, family] of starts) {
        judge(fleet, { ...target, client: { ip: addressText(BigInt(key.split('|')[1]!), family) }, port: 443 });
        samplePieces++;
      }
    }
  });
  const pointSetsPerEndpointMs = pointSets.ms / sample.length;

  // Every endpoint x every workload group.
  const workloadTimes: number[] = [];
  let rows = 0;
  let pairs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const { ms, result } = timed(() => {
      let rowCount = 0;
      let pairCount = 0;
      for (const row of fleetWorkloadRows(fleet, targets, { port: 443 })) {
        rowCount++;
        pairCount += row.workload?.eniIds.length ?? 0;
      }
      return { rowCount, pairCount };
    });
    workloadTimes.push(ms);
    rows = result.rowCount;
    pairs = result.pairCount;
  }
  const workloadsMs = median(workloadTimes);

  // The same by point analyses: one per (endpoint, workload interface), on the sample.
  let samplePairs = 0;
  const pointWorkloads = timed(() => {
    const engine = new ReachEngine(fleet);
    for (const target of sample) {
      for (const group of workloadGroups(prepareReachability(engine, { ...target, port: 443 }))) {
        for (const member of group.members) {
          judge(fleet, { ...target, client: member.client, port: 443 });
          samplePairs++;
        }
      }
    }
  });
  const perPairMs = pointWorkloads.ms / Math.max(1, samplePairs);

  const figures = {
    snapshotMegabytes: +(generated.bytes / 1e6).toFixed(1),
    endpoints: targets.length,
    parseBaselineMs: +parseMs.toFixed(1),
    sourceSets: {
      everyEndpointMs: +setsMs.toFixed(1),
      cidrsListed: cidrs,
      overParse: +(setsMs / parseMs).toFixed(2),
      pointAnalysesPerEndpoint: +(samplePieces / sample.length).toFixed(1),
      byPointAnalysesMs: +(pointSetsPerEndpointMs * targets.length).toFixed(0),
      fasterThanPointAnalyses: +((pointSetsPerEndpointMs * targets.length) / setsMs).toFixed(1),
    },
    everyWorkload: {
      everyEndpointMs: +workloadsMs.toFixed(1),
      rows,
      endpointInterfacePairs: pairs,
      overParse: +(workloadsMs / parseMs).toFixed(2),
      byPointAnalysesMs: +(perPairMs * pairs).toFixed(0),
      fasterThanPointAnalyses: +((perPairMs * pairs) / workloadsMs).toFixed(1),
    },
    sample: { endpoints: sample.length, pointAnalysesForSets: samplePieces, pointAnalysesForWorkloads: samplePairs },
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `\nsource sets of every endpoint: ${figures.sourceSets.overParse}x JSON.parse, ${figures.sourceSets.fasterThanPointAnalyses}x faster than point analyses (target >= 10x); ` +
      `every endpoint x every workload group: ${figures.everyWorkload.overParse}x JSON.parse, ${figures.everyWorkload.fasterThanPointAnalyses}x faster than point analyses (target >= 10x)`,
  );
  const missed = [figures.sourceSets.fasterThanPointAnalyses, figures.everyWorkload.fasterThanPointAnalyses].some((ratio) => ratio < 10);
  if (missed) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
