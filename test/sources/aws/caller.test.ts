import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { AwsCallError, AwsCaller } from '../../../src/sources/aws/caller.js';

/**
 * No rejection of a collection may go unhandled, whatever the calls do around the deadline:
 * hang, answer or fail before it, after it, or start only once it has passed. An unhandled
 * rejection ends the process (Node's default), so the test listens for one and fails on it.
 */

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

before(() => process.on('unhandledRejection', onUnhandled));
after(() => process.off('unhandledRejection', onUnhandled));

type Behaviour = { kind: 'hang' } | { kind: 'answer'; afterMs: number } | { kind: 'fail'; afterMs: number } | { kind: 'throw' };

function callOf(behaviour: Behaviour): () => Promise<string> {
  switch (behaviour.kind) {
    case 'hang':
      return () => new Promise<string>(() => undefined);
    case 'answer':
      return async () => {
        await sleep(behaviour.afterMs);
        return 'ok';
      };
    case 'fail':
      return async () => {
        await sleep(behaviour.afterMs);
        throw Object.assign(new Error('ThrottlingException: Rate exceeded'), { name: 'ThrottlingException' });
      };
    case 'throw':
      return () => {
        throw new Error('the SDK refused the input');
      };
  }
}

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constant<Behaviour>({ kind: 'hang' }),
  fc.record({ kind: fc.constant('answer' as const), afterMs: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('fail' as const), afterMs: fc.integer({ min: 0, max: 12 }) }),
  fc.constant<Behaviour>({ kind: 'throw' }),
);

describe('AwsCaller', () => {
  it('settles every call and leaves no rejection unhandled under random hangs, failures and deadlines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ startAfterMs: fc.integer({ min: 0, max: 15 }), behaviour }), { minLength: 1, maxLength: 12 }),
        async (deadlineMs, maxConcurrentCalls, calls) => {
          const caller = new AwsCaller({ deadlineMs, maxConcurrentCalls, callTimeoutMs: 1000 });
          try {
            const outcomes = await Promise.allSettled(
              calls.map(async (call) => {
                // Some calls start only after the deadline has passed: the case that used to crash.
                await sleep(call.startAfterMs);
                return caller.run('subnets', callOf(call.behaviour));
              }),
            );
            for (const outcome of outcomes) {
              if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof AwsCallError, String(outcome.reason));
            }
          } finally {
            caller.close();
          }
          // Let late failures of abandoned calls surface, then look for unhandled ones.
          await sleep(15);
          assert.deepEqual(unhandled, []);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a call whose turn comes after the deadline without starting it', async () => {
    const caller = new AwsCaller({ deadlineMs: 1, maxConcurrentCalls: 1, callTimeoutMs: 1000 });
    await sleep(5);
    let started = false;
    await assert.rejects(
      caller.run('subnets', async () => {
        started = true;
        return 'ok';
      }),
      (error: unknown) => error instanceof AwsCallError && /1 ms|deadline/i.test(error.reason),
    );
    caller.close();
    assert.equal(started, false);
    await sleep(5);
    assert.deepEqual(unhandled, []);
  });
});
