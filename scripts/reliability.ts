/**
 * `npm run reliability`: the service under hostile requests, mutated snapshots, AWS faults,
 * SIGTERM and a soak, each as counts that docs/reliability.md records, so that the next
 * regression shows up as a number. Everything stays on 127.0.0.1 (and the AWS faults run
 * against an in-memory fake). Counts are bounded by the arguments:
 *
 *   --hostile N        hostile raw-socket requests to a listening server        (default 5000)
 *   --mutations N      invalid-value mutations of the example snapshots         (default 2000)
 *   --aws-faults N     collections under random denials, failures and latency   (default 100)
 *   --sigterm N        server processes stopped with SIGTERM under keep-alive load (default 6)
 *   --soak-seconds S   steady load on one server process                        (default 30)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { analyze } from '../src/core/analyze.js';
import { COLLECTION_LIST, isLive } from '../src/core/collections.js';
import type { Report } from '../src/core/report.js';
import { Doctor, snapshotSource } from '../src/doctor.js';
import { buildApp } from '../src/http/app.js';
import { createMetrics } from '../src/metrics/registry.js';
import { awsSource } from '../src/sources/aws/index.js';
import { modelFromAwsResponses } from '../src/sources/normalize/model.js';
import { JsonReader, SnapshotFormatError } from '../src/sources/normalize/json-reader.js';
import { SNAPSHOT_LAYOUT } from '../src/sources/snapshot/layout.js';
import { EXAMPLE_NAMES, exampleDir, exampleRequest } from '../test/sources/aws/examples.js';
import { regionFromSnapshot } from '../test/sources/aws/fake-aws.js';
import { isolateFromAws, mockedRegion } from '../test/sources/aws/support.js';
import { TEST_CONFIG } from '../test/support/app.js';
import { freeLoopbackPort } from '../test/support/net.js';

const HOST = '127.0.0.1';
const ROOT = new URL('../', import.meta.url).pathname;
const HEALTHY = { dir: join(ROOT, 'examples/healthy-aws-service'), endpointId: 'vpce-068e9dcc184a273ab', clientIp: '10.0.1.25' };

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const rows: string[][] = [];
function record(what: string, runs: number, figures: string, target: string): void {
  rows.push([what, String(runs), figures, target]);
  console.error(`${what}: ${figures}`);
}

// ------------------------------------------------------------------ hostile requests

const hostileRequest: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE', 'GARBAGE', 'get').chain((method) =>
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom(
            '/v1/endpoints',
            `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=10.0.1.25`,
            '/v1/analyses',
            '/readyz',
            '/metrics',
            '/v1/units',
            '/v1/report?clientIp=1.2.3.4',
          ),
          fc.string({ maxLength: 200 }).map((text) => `/${encodeURIComponent(text)}`),
          fc.constantFrom('/v1/endpoints/%E0%A4%A', '/../../etc/passwd', '/v1/endpoints/vpce-' + 'f'.repeat(500), '/v1/endpoints?limit=-1', '/%00'),
        ),
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x'),
        fc.array(
          fc.oneof(
            fc.constantFrom(
              'Host: x',
              'Content-Type: application/json',
              'Content-Type: text/plain',
              'Expect: 200-ok',
              'Expect: 100-continue',
              'Transfer-Encoding: chunked',
              'Content-Length: abc',
              'Content-Length: 3',
            ),
            fc.string({ maxLength: 40 }).map((text) => `X-Fuzz: ${text.replace(/[\r\n]/g, '')}`),
            fc.constant(`X-Big: ${'a'.repeat(20_000)}`),
            fc.constant('Bad Header: 1'),
          ),
          { maxLength: 5 },
        ),
        fc.oneof(
          fc.constant(''),
          fc.json().map((json) => json.slice(0, 2000)),
          fc.constantFrom('{"client":{"ip":"10.0.1.25"}}', '{"items":[]}', '{'),
        ),
      )
      .map(([path, version, headers, body]) => {
        const withLength =
          body && !headers.some((header) => header.startsWith('Content-Length') || header.startsWith('Transfer-Encoding'))
            ? [...headers, `Content-Length: ${Buffer.byteLength(body)}`]
            : headers;
        return Buffer.from(`${method} ${path} ${version}\r\n${[...withLength, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`);
      }),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);

interface RawOutcome {
  readonly status: number;
  readonly problem: boolean;
}

async function sendRaw(port: number, bytes: Buffer): Promise<RawOutcome> {
  const socket = net.connect(port, HOST);
  socket.on('error', () => undefined);
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = once(socket, 'close');
  await once(socket, 'connect').catch(() => undefined);
  socket.end(bytes);
  const timer = setTimeout(() => socket.destroy(), 15_000);
  await closed;
  clearTimeout(timer);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0);
  return { status, problem: /content-type: application\/problem\+json/i.test(received.split('\r\n\r\n')[0] ?? '') };
}

async function hostileRequests(count: number): Promise<void> {
  const doctor = new Doctor(snapshotSource(HEALTHY.dir), { cacheTtlMs: 60_000, cacheMaxEntries: 1000 });
  const metrics = createMetrics({ modelLoadedAt: () => doctor.modelLoadedAt(), defaultMetrics: false });
  const app = await buildApp({ doctor, metrics, config: { ...TEST_CONFIG, rateLimitMax: 1_000_000_000, requestTimeoutMs: 2000, headersTimeoutMs: 2000 } });
  await app.listen({ port: 0, host: HOST });
  const port = (app.server.address() as AddressInfo).port;
  const requests = fc.sample(hostileRequest, { numRuns: count, seed: 42 });
  const limit = pLimit(20);
  const outcomes = await Promise.all(requests.map((bytes) => limit(() => sendRaw(port, bytes))));
  await app.close();
  const serverErrors = outcomes.filter((outcome) => outcome.status >= 500).length;
  const clientErrors = outcomes.filter((outcome) => outcome.status >= 400 && outcome.status < 500);
  const notProblem = clientErrors.filter((outcome) => !outcome.problem).length;
  const unanswered = outcomes.filter((outcome) => outcome.status === 0).length;
  record(
    'hostile requests (raw sockets: random methods, paths, versions, headers, bodies, bytes)',
    count,
    `${serverErrors} 5xx; ${clientErrors.length} 4xx, ${notProblem} of them not problem+json; ${unanswered} closed without an answer (bytes that are no HTTP request at all)`,
    '0 5xx, 0 4xx outside problem+json',
  );
}

// ------------------------------------------------------------------ mutated snapshots

type Json = Record<string, unknown>;

/** Values AWS could not have produced, aimed at the data behind the checks. */
const INVALID_MUTATIONS: { readonly name: string; readonly apply: (documents: Map<string, Json>, pick: (n: number) => number) => boolean }[] = [
  {
    name: 'tcp SG rule without FromPort/ToPort',
    apply: (documents, pick) => {
      const rules = ((documents.get('securityGroups')?.['SecurityGroups'] as Json[] | undefined) ?? [])
        .flatMap((group) => [...((group['IpPermissions'] as Json[]) ?? []), ...((group['IpPermissionsEgress'] as Json[]) ?? [])])
        .filter((rule) => rule['IpProtocol'] === 'tcp');
      const rule = rules[pick(rules.length)];
      if (!rule) return false;
      delete rule[pick(2) === 0 ? 'FromPort' : 'ToPort'];
      return true;
    },
  },
  {
    name: 'NACL entry protocol "tcp"',
    apply: (documents, pick) => {
      const entries = ((documents.get('networkAcls')?.['NetworkAcls'] as Json[] | undefined) ?? [])
        .flatMap((acl) => (acl['Entries'] as Json[]) ?? [])
        .filter((entry) => entry['Protocol'] === '6');
      const entry = entries[pick(entries.length)];
      if (!entry) return false;
      entry['Protocol'] = 'tcp';
      return true;
    },
  },
  {
    name: 'NACL RuleNumber 99999 or From > To',
    apply: (documents, pick) => {
      const entries = ((documents.get('networkAcls')?.['NetworkAcls'] as Json[] | undefined) ?? [])
        .flatMap((acl) => (acl['Entries'] as Json[]) ?? [])
        .filter((entry) => entry['PortRange']);
      const entry = entries[pick(entries.length)];
      if (!entry) return false;
      if (pick(2) === 0) entry['RuleNumber'] = 99999;
      else entry['PortRange'] = { From: 65535, To: 1 };
      return true;
    },
  },
  {
    name: 'duplicate id (an object repeated with a change)',
    apply: (documents, pick) => {
      const collections: [string, string][] = [
        ['securityGroups', 'SecurityGroups'],
        ['networkAcls', 'NetworkAcls'],
        ['networkInterfaces', 'NetworkInterfaces'],
        ['subnets', 'Subnets'],
      ];
      const [name, key] = collections[pick(collections.length)]!;
      const list = documents.get(name)?.[key] as Json[] | undefined;
      const item = list?.[pick(list.length)];
      if (!list || !item) return false;
      const copy = structuredClone(item);
      if ('IpPermissions' in copy) copy['IpPermissions'] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
      if ('Entries' in copy)
        copy['Entries'] = [
          { CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'allow', RuleNumber: 1 },
          { CidrBlock: '0.0.0.0/0', Egress: true, Protocol: '-1', RuleAction: 'allow', RuleNumber: 1 },
        ];
      list.push(copy);
      return true;
    },
  },
];

/** The example's files by layout name; a per-resource folder is an object of its files by key. */
function readExampleDocuments(dir: string): Map<string, Json> {
  const documents = new Map<string, Json>();
  for (const [name, entry] of Object.entries(SNAPSHOT_LAYOUT)) {
    try {
      if (entry.keyedBy) {
        const files = readdirSync(join(dir, entry.path)).filter((file) => file.endsWith('.json'));
        documents.set(
          name,
          Object.fromEntries(files.map((file) => [file.slice(0, -5), JSON.parse(readFileSync(join(dir, entry.path, file), 'utf8')) as Json])),
        );
      } else {
        documents.set(name, JSON.parse(readFileSync(join(dir, entry.path), 'utf8')) as Json);
      }
    } catch {
      // Not captured in this example.
    }
  }
  return documents;
}

function modelOf(documents: Map<string, Json>) {
  const responses = Object.fromEntries(
    [...documents].map(([name, document]) => [
      name,
      SNAPSHOT_LAYOUT[name as keyof typeof SNAPSHOT_LAYOUT].keyedBy
        ? new Map(Object.entries(document).map(([key, value]) => [key, new JsonReader(`${name}/${key}.json`, value)]))
        : new JsonReader(`${name}.json`, document),
    ]),
  );
  return modelFromAwsResponses(responses, { kind: 'snapshot', location: 'mutated' });
}

async function mutatedSnapshots(count: number): Promise<void> {
  const random = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { numRuns: count * 4, seed: 7 });
  let next = 0;
  const pick = (n: number) => (n <= 0 ? 0 : random[next++ % random.length]! % n);
  let rejected = 0;
  let unchanged = 0;
  let wrongPasses = 0;
  let crashes = 0;
  let applied = 0;
  const examples = await Promise.all(EXAMPLE_NAMES.map(async (name) => ({ name, dir: exampleDir(name), request: await exampleRequest(name) })));
  for (let run = 0; run < count; run += 1) {
    const example = examples[pick(examples.length)]!;
    const documents = readExampleDocuments(example.dir);
    const mutation = INVALID_MUTATIONS[pick(INVALID_MUTATIONS.length)]!;
    if (!mutation.apply(documents, pick)) continue;
    applied += 1;
    const before: Report = analyze(modelOf(readExampleDocuments(example.dir)), example.request);
    try {
      const after = analyze(modelOf(documents), example.request);
      const passedBefore = new Set(before.checks.filter((check) => check.status === 'pass').map((check) => `${check.id}|${check.scope.networkInterfaceId}`));
      const newPasses = after.checks.filter((check) => check.status === 'pass' && !passedBefore.has(`${check.id}|${check.scope.networkInterfaceId}`));
      if (newPasses.length > 0) wrongPasses += 1;
      else unchanged += 1;
    } catch (error) {
      if (error instanceof SnapshotFormatError) rejected += 1;
      else crashes += 1;
    }
  }
  record(
    `mutated snapshots (${INVALID_MUTATIONS.map((mutation) => mutation.name).join('; ')})`,
    applied,
    `${rejected} refused naming the file and JSON path; ${unchanged} read without a new pass; ${wrongPasses} wrong passes; ${crashes} crashes`,
    '0 wrong passes, 0 crashes',
  );
}

// ------------------------------------------------------------------ AWS faults

/** Every call the live source makes: the collections table's live rows. */
const OPERATIONS: ['ec2' | 'elbv2', string][] = COLLECTION_LIST.filter(isLive).map((entry) => [entry.service, entry.call]);

async function awsFaults(count: number): Promise<void> {
  isolateFromAws();
  let unhandled = 0;
  const onUnhandled = () => (unhandled += 1);
  process.on('unhandledRejection', onUnhandled);
  const examples = EXAMPLE_NAMES.filter((name) => name.startsWith('provider-') || name === 'healthy-aws-service');
  const random = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { numRuns: count * 20, seed: 11 });
  let next = 0;
  const pick = (n: number) => random[next++ % random.length]! % n;
  let wrongPasses = 0;
  let failedLoads = 0;
  let comparisons = 0;
  for (let run = 0; run < count; run += 1) {
    const name = examples[pick(examples.length)]!;
    const data = await regionFromSnapshot(exampleDir(name));
    const request = await exampleRequest(name);
    const complete = analyze(await awsSource({ region: 'us-east-1', clients: mockedRegion(data).clients }).load(), request);
    const faulted = mockedRegion(data, { latencyMs: pick(3) });
    for (const [service, operation] of OPERATIONS) {
      // Without the endpoints there is nothing to analyse: their listing fails less often, so most runs compare.
      const fault = pick(operation === 'DescribeVpcEndpoints' ? 24 : 6);
      if (fault === 0) faulted.region.deny(service, operation);
      else if (fault === 1) faulted.region.failWith(operation, () => faulted.region.throttlingError(service));
      else if (fault === 2) faulted.region.failWith(operation, () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    }
    try {
      const report = analyze(
        await awsSource({ region: 'us-east-1', clients: faulted.clients, collectionDeadlineMs: 1000 + pick(3000), callTimeoutMs: 1000 }).load(),
        request,
      );
      const passedBefore = new Set(complete.checks.filter((check) => check.status === 'pass').map((check) => `${check.id}|${check.scope.networkInterfaceId}`));
      if (report.checks.some((check) => check.status === 'pass' && !passedBefore.has(`${check.id}|${check.scope.networkInterfaceId}`))) wrongPasses += 1;
      comparisons += 1;
    } catch {
      // The endpoints themselves could not be listed: a failed load, served as 503.
      failedLoads += 1;
    }
  }
  await sleep(50);
  process.off('unhandledRejection', onUnhandled);
  record(
    'AWS faults (each call denied, throttled or failing at random; random deadlines)',
    count,
    `${comparisons} analysed, ${failedLoads} failed loads (endpoints unreadable: 503); ${wrongPasses} wrong passes; ${unhandled} unhandled rejections`,
    '0 wrong passes, 0 unhandled rejections',
  );
}

// ------------------------------------------------------------------ SIGTERM and soak (real processes)

function startServer(port: number, variables: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^VPCE_DOCTOR_/.test(name)) env[name] = value;
  const child = spawn(process.execPath, [join(ROOT, 'dist/server.js')], {
    env: { ...env, PORT: String(port), HOST, LOG_LEVEL: 'error', VPCE_DOCTOR_RATE_LIMIT_MAX: '1000000', ...variables },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

function get(agent: http.Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: HOST, port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function waitReady(port: number, server: { stderr: () => string }): Promise<void> {
  const agent = new http.Agent();
  for (let attempt = 0; attempt < 300; attempt += 1) {
    try {
      if ((await get(agent, port, '/readyz')).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`the server never became ready: ${server.stderr()}`);
}

async function sigterm(count: number): Promise<void> {
  let exitedZero = 0;
  let answered = 0;
  let refusedAfterSignal = 0;
  let lost = 0;
  for (let run = 0; run < count; run += 1) {
    const port = await freeLoopbackPort(HOST);
    const server = startServer(port, { VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS: '5000' });
    await waitReady(port, server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let signalled = false;
    const path = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&refresh=true`;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let index = 0; index < 40; index += 1) {
          const sentBeforeSignal = !signalled;
          try {
            const answer = await get(agent, port, path);
            if (answer.status === 200) answered += 1;
            else if (answer.status === 503) refusedAfterSignal += 1;
          } catch {
            // A request on a connection the server closed after the signal; one sent before it must not be lost.
            if (sentBeforeSignal) lost += 1;
            if (signalled) return;
          }
        }
      }),
    );
    await sleep(300);
    signalled = true;
    server.child.kill('SIGTERM');
    await load;
    agent.destroy();
    if ((await server.exited) === 0) exitedZero += 1;
  }
  record(
    'SIGTERM under keep-alive load (8 keep-alive clients, refresh=true analyses)',
    count,
    `${exitedZero} of ${count} exited 0; ${answered} answered 200, ${refusedAfterSignal} answered 503 after the signal, ${lost} requests sent before the signal lost`,
    `all exit 0, 0 lost`,
  );
}

async function soak(seconds: number): Promise<void> {
  const port = await freeLoopbackPort(HOST);
  const server = startServer(port, { VPCE_DOCTOR_CACHE_TTL_SECONDS: '5' });
  await waitReady(port, server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const rss = async () => Number(/process_resident_memory_bytes (\d+)/.exec((await get(agent, port, '/metrics')).body)?.[1] ?? 0) / 1048576;
  const startRss = await rss();
  const statuses = new Map<number, number>();
  const until = Date.now() + seconds * 1000;
  let counter = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (Date.now() < until) {
        counter += 1;
        const clientIp = `10.0.${counter % 3}.${counter % 250}`;
        const path = counter % 5 === 0 ? '/v1/endpoints' : `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${clientIp}`;
        const status = await get(agent, port, path).then(
          (answer) => answer.status,
          () => 0,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const endRss = await rss();
  agent.destroy();
  server.child.kill('SIGTERM');
  await server.exited;
  const total = [...statuses.values()].reduce((sum, value) => sum + value, 0);
  record(
    `soak (${seconds} s, 10 keep-alive clients, 750 distinct clients, cache TTL 5 s)`,
    total,
    `${[...statuses].map(([status, value]) => `${value} × ${status}`).join(', ')}; RSS ${startRss.toFixed(0)} MB → ${endRss.toFixed(0)} MB`,
    '0 5xx, RSS bounded',
  );
}

await hostileRequests(argument('hostile', 5000));
await mutatedSnapshots(argument('mutations', 2000));
await awsFaults(argument('aws-faults', 100));
await sigterm(argument('sigterm', 6));
await soak(argument('soak-seconds', 30));

console.log('| what | runs | measured | target |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
