/**
 * `npm run bench`: the core on a large generated snapshot. Figures are ratios against a
 * baseline measured in the same run (reading and JSON.parse-ing the same files), because
 * the machines are shared and noisy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyze, judge } from '../src/core/analyze.js';
import { planFix } from '../src/core/plan.js';
import type { Change } from '../src/core/change.js';
import { singleUnitFleet } from '../src/core/fleet.js';
import type { NetworkModel, SecurityGroupRule } from '../src/core/model.js';
import { blastRadius } from '../src/core/what-if.js';
import { listInterfaceEndpoints } from '../src/core/inventory.js';
import { readSnapshot } from '../src/sources/snapshot/read.js';
import { seededRandom } from './options.js';

const ROUNDS = 5;
const RANDOM_ANALYSES = 5000;

/** An existing rule as the change that removes it. */
function removalOf(rule: SecurityGroupRule): Change {
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr.family === 4
        ? { cidr: rule.peer.cidr.text }
        : { ipv6Cidr: rule.peer.cidr.text }
      : rule.peer.kind === 'prefix-list'
        ? { prefixListId: rule.peer.prefixListId }
        : { peerGroupId: rule.peer.groupId };
  return {
    op: 'remove',
    kind: 'sg-rule',
    groupId: rule.groupId,
    direction: rule.direction === 'ingress' ? 'inbound' : 'outbound',
    protocol: rule.protocol,
    ...(rule.portRange ? { fromPort: rule.portRange.from, toPort: rule.portRange.to } : {}),
    ...peer,
  };
}

/** The group carried by the most of the given interfaces' owners (endpoints or clients). */
function mostCarried(groupLists: readonly (readonly string[])[]): string {
  const counts = new Map<string, number>();
  for (const groups of groupLists) for (const id of groups) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

/** The changes a blast radius is measured on: one security group change each, the busiest groups of each side. */
function blastCases(model: NetworkModel): { name: string; changes: Change[] }[] {
  const endpoints = [...model.endpoints.values()];
  const endpointVpcs = new Set(endpoints.map((endpoint) => endpoint.vpcId));
  const endpointInterfaces = new Set(endpoints.flatMap((endpoint) => endpoint.networkInterfaceIds));
  const clients = [...model.networkInterfaces.values()].filter(
    (eni) => endpointVpcs.has(eni.vpcId) && !endpointInterfaces.has(eni.id) && !eni.description.startsWith('ELB '),
  );
  const endpointGroup = model.securityGroups.get(mostCarried(endpoints.map((endpoint) => endpoint.securityGroupIds)))!;
  const clientGroup = model.securityGroups.get(mostCarried(clients.map((eni) => eni.securityGroupIds)))!;
  const inboundRule = endpointGroup.ingress.find((rule) => rule.peer.kind === 'cidr') ?? endpointGroup.ingress[0]!;
  const outboundRule = clientGroup.egress.find((rule) => rule.peer.kind === 'cidr') ?? clientGroup.egress[0]!;
  return [
    { name: `remove an inbound rule of the endpoint group carried most (${endpointGroup.id})`, changes: [removalOf(inboundRule)] },
    {
      name: `add an inbound rule to it`,
      changes: [
        { op: 'add', kind: 'sg-rule', groupId: endpointGroup.id, direction: 'inbound', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '192.0.2.0/24' },
      ],
    },
    { name: `remove an outbound rule of the client group carried most (${clientGroup.id})`, changes: [removalOf(outboundRule)] },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(run: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await run();
  return { ms: performance.now() - start, result };
}

/**
 * `--peak-rss DIR CLIENT`: load the snapshot and analyse every endpoint once, then print
 * this process's peak RSS. Run as a child, so that the figure is the job's alone, not the
 * benchmark's repeated loads and baseline parses.
 */
if (process.argv[2] === '--peak-rss') {
  const model = await readSnapshot(process.argv[3]!);
  const fleet = singleUnitFleet(model);
  for (const endpoint of listInterfaceEndpoints(model)) judge(fleet, { endpointId: endpoint.id, client: { ip: process.argv[4]! }, port: 443 });
  console.log(process.resourceUsage().maxRSS / 1024);
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-bench-'));
try {
  // Generated in another process, so that this one's peak RSS is the loader's and analyser's.
  const generator = spawnSync(process.execPath, ['--import', 'tsx', 'bench/generate-snapshot.ts', dir, '--json'], { encoding: 'utf8' });
  if (generator.status !== 0) throw new Error(`generator failed: ${generator.stderr}`);
  const generated = JSON.parse(generator.stdout.trim().split('\n').pop()!) as { files: string[]; bytes: number; clientIps: string[]; endpointIds: string[] };

  const parseOnce = async () => {
    for (const file of generated.files) JSON.parse(await readFile(file, 'utf8'));
  };
  const analyseEveryEndpoint = async () => {
    const model = await readSnapshot(dir);
    const client = generated.clientIps[0]!;
    let verdicts = 0;
    const wholeFleet = singleUnitFleet(model);
    // As the fleet report does: a verdict per endpoint, no fix plan (its cost is measured below).
    for (const endpoint of listInterfaceEndpoints(model)) {
      judge(wholeFleet, { endpointId: endpoint.id, client: { ip: client }, port: 443 });
      verdicts++;
    }
    return verdicts;
  };

  await parseOnce();
  await analyseEveryEndpoint();
  const parseTimes: number[] = [];
  const loadTimes: number[] = [];
  const wholeTimes: number[] = [];
  let analysed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    parseTimes.push((await timed(parseOnce)).ms);
    loadTimes.push((await timed(() => readSnapshot(dir))).ms);
    const whole = await timed(analyseEveryEndpoint);
    wholeTimes.push(whole.ms);
    analysed = whole.result;
  }

  const model = await readSnapshot(dir);
  const random = seededRandom(7);
  const pairs = Array.from({ length: RANDOM_ANALYSES }, () => ({
    endpointId: generated.endpointIds[Math.floor(random() * generated.endpointIds.length)]!,
    ip: generated.clientIps[Math.floor(random() * generated.clientIps.length)]!,
  }));
  const { ms: randomMs } = await timed(() => {
    for (const pair of pairs) analyze(model, { endpointId: pair.endpointId, client: { ip: pair.ip }, port: 443 });
  });

  // The fix plan: made and proven (one more analysis, on the data with the plan applied) for
  // every report; the figure is what it adds, in analyses.
  const fleet = singleUnitFleet(model);
  const planPairs = pairs.slice(0, 2000);
  const judgeOnly = await timed(() => {
    for (const pair of planPairs) judge(fleet, { endpointId: pair.endpointId, client: { ip: pair.ip }, port: 443 });
  });
  // The plan made but not proven: what the proof adds is the rest.
  const unproven = await timed(() => {
    for (const pair of planPairs) {
      const request = { endpointId: pair.endpointId, client: { ip: pair.ip }, port: 443 };
      const { report, located, context } = judge(fleet, request);
      planFix({ fleet, located, client: context.client, report, scope: 'client', reanalyze: () => report });
    }
  });
  let planned = 0;
  const withPlan = await timed(() => {
    for (const pair of planPairs) if (analyze(fleet, { endpointId: pair.endpointId, client: { ip: pair.ip }, port: 443 }).fixPlan.changes.length > 0) planned++;
  });
  const fullReport = await timed(() => {
    for (const endpointId of generated.endpointIds) judge(fleet, { endpointId, client: { ip: generated.clientIps[0]! }, port: 443 });
  });
  const blast = blastCases(model).map((item) => {
    const times: number[] = [];
    let result: ReturnType<typeof blastRadius> | undefined;
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      result = blastRadius(fleet, { changes: item.changes, port: 443 });
      times.push(performance.now() - start);
    }
    const ms = median(times);
    return {
      case: item.name,
      pairsAnalysed: result!.pairsAnalysed,
      pairsMoved: result!.pairsMoved,
      breaks: result!.breaks,
      ms: +ms.toFixed(1),
      overOneFullReport: +(ms / fullReport.ms).toFixed(2),
    };
  });

  const parseMs = median(parseTimes);
  const loadMs = median(loadTimes);
  const wholeMs = median(wholeTimes);
  const job = spawnSync(process.execPath, ['--import', 'tsx', 'bench/core.bench.ts', '--peak-rss', dir, generated.clientIps[0]!], { encoding: 'utf8' });
  if (job.status !== 0) throw new Error(`peak RSS run failed: ${job.stderr}`);
  const peakRssMb = Number(job.stdout.trim().split('\n').pop());
  const figures = {
    snapshotMegabytes: +(generated.bytes / 1e6).toFixed(1),
    files: generated.files.length,
    endpoints: generated.endpointIds.length,
    parseBaselineMs: +parseMs.toFixed(1),
    loadMs: +loadMs.toFixed(1),
    loadOverParse: +(loadMs / parseMs).toFixed(2),
    loadAndAnalyseEveryEndpointMs: +wholeMs.toFixed(1),
    endpointsAnalysed: analysed,
    wholeRunOverParse: +(wholeMs / parseMs).toFixed(2),
    randomAnalysesPerSecond: Math.round(RANDOM_ANALYSES / (randomMs / 1000)),
    peakRssMegabytes: Math.round(peakRssMb),
    planExtraAnalysesPerReport: +((withPlan.ms - judgeOnly.ms) / judgeOnly.ms).toFixed(2),
    proofExtraAnalysesPerReport: +((withPlan.ms - unproven.ms) / judgeOnly.ms).toFixed(2),
    reportsWithChanges: `${planned}/${planPairs.length}`,
    oneFullReportMs: +fullReport.ms.toFixed(1),
    blastRadius: blast,
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `\nload + analyse every endpoint = ${figures.wholeRunOverParse}x JSON.parse of the snapshot (target <= 2x); ` +
      `peak RSS ${figures.peakRssMegabytes} MB (target < 300 MB); ${figures.randomAnalysesPerSecond} analyses/s on random pairs;\n` +
      `the fix plan adds ${figures.planExtraAnalysesPerReport} analyses per report, its proof ${figures.proofExtraAnalysesPerReport} (target <= 1); ` +
      `blast radius of one SG change: ${blast.map((item) => `${item.ms} ms = ${item.overOneFullReport}x one full report`).join(', ')} (target < 2000 ms)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
