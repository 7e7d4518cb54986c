import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { awsSource, EndpointsUnavailableError } from '../../../src/sources/aws/index.js';
import { exampleDir } from './examples.js';
import { FakeAwsRegion, regionFromSnapshot } from './fake-aws.js';
import { ec2Error, elbv2Error, queryAnswerFrom, startQueryServer, type QueryAnswer, type QueryRequest, type QueryServer } from './query-server.js';
import { isolateFromAws, REGION } from './support.js';

/**
 * The whole collector (the real SDK stack: retries, per-call timeouts, pagination, the
 * abort signal) against a loopback AWS whose every operation may answer, answer late, hang,
 * fail, throttle or deny, under random small deadlines and concurrency bounds. Whatever
 * happens, a load settles (a model, or the endpoints' failure) and no rejection goes
 * unhandled: a call whose turn came after the deadline (the prefix lists, queued behind a
 * hanging DescribeSubnets) used to end the process.
 */

isolateFromAws();

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

type Behaviour = { readonly kind: 'answer' | 'hang' | 'fail' | 'throttle' | 'deny' } | { readonly kind: 'late'; readonly afterMs: number };

const OPERATIONS = [
  'DescribeVpcEndpoints',
  'DescribeNetworkInterfaces',
  'DescribeSubnets',
  'DescribeNetworkAcls',
  'DescribeSecurityGroups',
  'DescribeManagedPrefixLists',
  'GetManagedPrefixListEntries',
  'DescribeVpcEndpointServiceConfigurations',
  'DescribeLoadBalancers',
  'DescribeLoadBalancerAttributes',
  'DescribeListeners',
  'DescribeTargetGroups',
  'DescribeTargetHealth',
] as const;

/** healthy-aws-service has prefix lists (asked for only once the security groups are read); provider-healthy an NLB behind its service. */
const EXAMPLES = ['healthy-aws-service', 'provider-healthy'] as const;

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Behaviour>({ kind: 'answer' }) },
  { weight: 2, arbitrary: fc.constant<Behaviour>({ kind: 'hang' }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('late' as const), afterMs: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'fail' }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'throttle' }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'deny' }) },
);

const scenario = fc.record({
  example: fc.constantFrom(...EXAMPLES),
  behaviours: fc.record(
    Object.fromEntries(OPERATIONS.map((operation) => [operation, behaviour])) as Record<(typeof OPERATIONS)[number], fc.Arbitrary<Behaviour>>,
  ),
  deadlineMs: fc.integer({ min: 20, max: 150 }),
  callTimeoutMs: fc.integer({ min: 10, max: 150 }),
  maxAttempts: fc.integer({ min: 1, max: 2 }),
  maxConcurrentCalls: fc.integer({ min: 1, max: 4 }),
});

describe('the AWS collector under random hangs, faults and deadlines', () => {
  let server: QueryServer;
  /** What the loopback AWS does now: each run of the property sets it. */
  let current: { readonly answer: (request: QueryRequest) => Promise<QueryAnswer>; readonly behaviours: Readonly<Record<string, Behaviour>> } | undefined;
  const fakes = new Map<string, FakeAwsRegion>();

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    for (const name of EXAMPLES) fakes.set(name, new FakeAwsRegion(await regionFromSnapshot(exampleDir(name))));
    server = await startQueryServer(async (request) => {
      if (!current) return ec2Error(503, 'Unavailable', 'no scenario');
      const chosen = current.behaviours[request.action] ?? { kind: 'answer' };
      const isElbv2 = request.params.get('Version') === '2015-12-01';
      switch (chosen.kind) {
        case 'hang':
          return 'never';
        case 'fail':
          return (isElbv2 ? elbv2Error : ec2Error)(500, 'InternalError', 'An internal error has occurred');
        case 'throttle':
          return isElbv2 ? elbv2Error(400, 'Throttling', 'Rate exceeded') : ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
        case 'deny':
          return isElbv2
            ? elbv2Error(403, 'AccessDenied', 'not authorized')
            : ec2Error(403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
        case 'late':
          await sleep(chosen.afterMs);
          return current.answer(request);
        case 'answer':
          return current.answer(request);
      }
    });
    process.env.AWS_ENDPOINT_URL = server.url;
  });

  after(async () => {
    await server.close();
    delete process.env.AWS_ENDPOINT_URL;
    process.off('unhandledRejection', onUnhandled);
  });

  it('settles every load and leaves no rejection unhandled', async () => {
    let loaded = 0;
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (run) => {
        const { example, behaviours, deadlineMs, maxAttempts, maxConcurrentCalls } = run;
        current = { answer: queryAnswerFrom(fakes.get(example)!), behaviours };
        const source = awsSource({
          region: REGION,
          callTimeoutMs: Math.min(run.callTimeoutMs, deadlineMs),
          collectionDeadlineMs: deadlineMs,
          maxAttempts,
          maxConcurrentCalls,
        });
        const outcome = await source.load().then(
          (model) => ({ model }),
          (error: unknown) => ({ error }),
        );
        if ('model' in outcome) {
          assert.ok(outcome.model.endpoints.size > 0, 'a model holds the endpoints it listed');
          loaded += 1;
        } else {
          // The only way a load fails here: the endpoints themselves could not be listed.
          assert.ok(outcome.error instanceof EndpointsUnavailableError, `unexpected failure: ${String(outcome.error)}`);
          failed += 1;
        }
        // Unhandled rejections are reported once the microtasks of a turn have run.
        await nextTurn();
        await nextTurn();
        assert.deepEqual(unhandled.map(String), []);
      }),
      { numRuns: 30, includeErrorInReport: true },
    );
    // Calls abandoned at the deadline end when their sockets do: let the last ones fail, then look again.
    current = undefined;
    await sleep(250);
    assert.deepEqual(unhandled.map(String), []);
    assert.ok(loaded > 0 && failed > 0, `both outcomes were exercised (${loaded} loaded, ${failed} failed)`);
  });

  it('survives the reported case: DescribeSubnets hangs past the deadline; the listings that wait for it give up on it first', async () => {
    const earlier = unhandled.length;
    const fake = fakes.get('healthy-aws-service')!;
    const calls: string[] = [];
    current = {
      answer: (request) => {
        calls.push(request.action);
        return queryAnswerFrom(fake)(request);
      },
      behaviours: { DescribeSubnets: { kind: 'hang' } },
    };
    // Each attempt may take as long as the whole collection: the deadline ends DescribeSubnets.
    const model = await awsSource({ region: REGION, callTimeoutMs: 150, collectionDeadlineMs: 150, maxAttempts: 2 }).load();
    await nextTurn();
    await nextTurn();
    assert.deepEqual(unhandled.slice(earlier).map(String), []);
    assert.match(model.failures.get('subnets') ?? '', /ec2:DescribeSubnets did not finish within the collection deadline of 150 ms/);
    // A scan splits the region's listings by the subnets; without them, after a share of the deadline, it lists them whole.
    for (const action of ['DescribeVpcEndpoints', 'DescribeNetworkInterfaces', 'DescribeNetworkAcls', 'DescribeSecurityGroups']) {
      assert.ok(calls.includes(action), `${action} was sent before the deadline`);
    }
  });
});
