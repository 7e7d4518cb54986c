import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WatchList, type WatchOptions, type WatchTurn } from '../../src/probe/watch.js';

/**
 * The watch list's schedule, with real timers and an injected random: each endpoint is
 * probed at its interval plus jitter, the first round within the jitter window, a failing
 * round is reported and the schedule goes on, and stop() ends everything. No socket here:
 * the probe function only records its calls.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const started: WatchList[] = [];

function watch(options: WatchOptions): WatchList {
  const list = new WatchList(options);
  started.push(list);
  list.start();
  return list;
}

afterEach(() => {
  for (const list of started.splice(0)) list.stop();
});

function recorder() {
  const origin = performance.now();
  const calls: { endpointId: string; at: number }[] = [];
  return {
    calls,
    probe: async (endpointId: string) => {
      calls.push({ endpointId, at: performance.now() - origin });
    },
    of: (endpointId: string) => calls.filter((call) => call.endpointId === endpointId).map((call) => call.at),
  };
}

describe('WatchList', () => {
  it('probes every configured endpoint, again and again, at the interval plus jitter', async () => {
    const record = recorder();
    // interval 40 ms, jitter ratio 0.5, random 0.5: the first round after 10 ms, then every 50 ms.
    watch({ endpointIds: ['vpce-0aaaaaaaaaaaaaaa1', 'vpce-0aaaaaaaaaaaaaaa2', 'vpce-0aaaaaaaaaaaaaaa3'], intervalMs: 40, jitterRatio: 0.5, random: () => 0.5, probe: record.probe });
    await sleep(330);
    for (const endpointId of ['vpce-0aaaaaaaaaaaaaaa1', 'vpce-0aaaaaaaaaaaaaaa2', 'vpce-0aaaaaaaaaaaaaaa3']) {
      const times = record.of(endpointId);
      // 10, 60, 110, 160, 210, 260, 310 ms on an idle machine; at least 3 on a busy one.
      assert.ok(times.length >= 3 && times.length <= 7, `${endpointId}: ${times.length} rounds at ${times.map((t) => t.toFixed(0)).join(', ')}`);
      for (let index = 1; index < times.length; index++) {
        const gap = times[index]! - times[index - 1]!;
        assert.ok(gap >= 48, `${endpointId}: rounds ${gap.toFixed(1)} ms apart, below interval + jitter (50 ms)`);
      }
    }
  });

  it('adds up to jitterRatio x interval: random 0 waits the bare interval, random near 1 nearly 1.5 intervals', async () => {
    const bare = recorder();
    const full = recorder();
    watch({ endpointIds: ['vpce-0bbbbbbbbbbbbbbb1'], intervalMs: 60, jitterRatio: 0.5, random: () => 0, probe: bare.probe });
    watch({ endpointIds: ['vpce-0bbbbbbbbbbbbbbb2'], intervalMs: 60, jitterRatio: 0.5, random: () => 0.999, probe: full.probe });
    await sleep(400);
    const gaps = (times: number[]) => times.slice(1).map((time, index) => time - times[index]!);
    const bareGaps = gaps(bare.of('vpce-0bbbbbbbbbbbbbbb1'));
    const fullGaps = gaps(full.of('vpce-0bbbbbbbbbbbbbbb2'));
    assert.ok(bareGaps.length >= 2 && fullGaps.length >= 2, `${bareGaps.length} and ${fullGaps.length} gaps`);
    assert.ok(bareGaps.every((gap) => gap >= 58), bareGaps.join(', '));
    assert.ok(fullGaps.every((gap) => gap >= 88), fullGaps.join(', '));
    assert.ok(bare.of('vpce-0bbbbbbbbbbbbbbb1').length > full.of('vpce-0bbbbbbbbbbbbbbb2').length);
  });

  it('starts the first round within the jitter window, not a whole interval later', async () => {
    const record = recorder();
    const draws: number[] = [];
    // A long interval makes "within the window" unmistakable: the window is 0-500 ms, the interval 1 s.
    watch({
      endpointIds: ['vpce-0ccccccccccccccc1', 'vpce-0ccccccccccccccc2'],
      intervalMs: 1000,
      jitterRatio: 0.5,
      random: () => {
        const value = draws.length === 0 ? 0.1 : 0.2;
        draws.push(value);
        return value;
      },
      probe: record.probe,
    });
    await sleep(300);
    const first = record.of('vpce-0ccccccccccccccc1');
    const second = record.of('vpce-0ccccccccccccccc2');
    assert.equal(first.length, 1);
    assert.equal(second.length, 1);
    // 1000 x 0.5 x 0.1 = 50 ms and 1000 x 0.5 x 0.2 = 100 ms.
    assert.ok(first[0]! >= 48 && first[0]! < 250, `first round at ${first[0]} ms`);
    assert.ok(second[0]! >= 98 && second[0]! < 300, `first round at ${second[0]} ms`);
    // Each endpoint draws its own jitter, so replicas and endpoints do not probe in step.
    assert.deepEqual(draws.slice(0, 2), [0.1, 0.2]);
  });

  it('keeps going after a probe throws or rejects, and reports each error with its endpoint', async () => {
    const errors: [string, unknown][] = [];
    const calls = new Map<string, number>();
    const boom = new Error('probe round failed');
    watch({
      endpointIds: ['vpce-0ddddddddddddddd1', 'vpce-0ddddddddddddddd2'],
      intervalMs: 20,
      jitterRatio: 0.5,
      random: () => 0.5,
      probe: (endpointId) => {
        const count = (calls.get(endpointId) ?? 0) + 1;
        calls.set(endpointId, count);
        if (endpointId === 'vpce-0ddddddddddddddd1') return Promise.reject(boom);
        // The second endpoint throws synchronously on every other round.
        if (count % 2 === 1) throw new Error(`round ${count}`);
        return Promise.resolve();
      },
      onError: (endpointId, error) => errors.push([endpointId, error]),
    });
    await sleep(250);
    const failing = calls.get('vpce-0ddddddddddddddd1') ?? 0;
    const mixed = calls.get('vpce-0ddddddddddddddd2') ?? 0;
    assert.ok(failing >= 3, `the always-failing endpoint was probed ${failing} times`);
    assert.ok(mixed >= 3, `the sometimes-failing endpoint was probed ${mixed} times`);
    const failingErrors = errors.filter(([endpointId]) => endpointId === 'vpce-0ddddddddddddddd1');
    assert.ok(failingErrors.length >= failing - 1, `${failingErrors.length} errors for ${failing} rounds`);
    assert.ok(failingErrors.every(([, error]) => error === boom));
    const mixedErrors = errors.filter(([endpointId]) => endpointId === 'vpce-0ddddddddddddddd2');
    assert.ok(mixedErrors.length >= 1 && mixedErrors.length < mixed, `${mixedErrors.length} errors for ${mixed} rounds`);
  });

  it('keeps going without an onError', async () => {
    let count = 0;
    watch({
      endpointIds: ['vpce-0ddddddddddddddd3'],
      intervalMs: 20,
      jitterRatio: 0,
      probe: async () => {
        count++;
        throw new Error('nobody listens');
      },
    });
    await sleep(150);
    assert.ok(count >= 3, `${count} rounds`);
  });

  it('waits for a slow round before scheduling the next: never two rounds of one endpoint at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let rounds = 0;
    watch({
      endpointIds: ['vpce-0eeeeeeeeeeeeeee1'],
      intervalMs: 10,
      jitterRatio: 0,
      probe: async () => {
        rounds++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(40);
        inFlight--;
      },
    });
    await sleep(250);
    assert.ok(rounds >= 2, `${rounds} rounds`);
    assert.equal(maxInFlight, 1);
  });

  it('stop() halts every timer: no call after stop', async () => {
    const record = recorder();
    const list = watch({ endpointIds: ['vpce-0fffffffffffffff1', 'vpce-0fffffffffffffff2'], intervalMs: 40, jitterRatio: 0.5, random: () => 0.5, probe: record.probe });
    await sleep(130);
    assert.ok(record.calls.length >= 2, `${record.calls.length} calls before stop`);
    list.stop();
    const atStop = record.calls.length;
    await sleep(200);
    assert.equal(record.calls.length, atStop);
  });

  it('stop() before the first round means no round at all', async () => {
    const record = recorder();
    const list = watch({ endpointIds: ['vpce-0fffffffffffffff3'], intervalMs: 40, jitterRatio: 0.5, random: () => 0.9, probe: record.probe });
    list.stop();
    await sleep(150);
    assert.equal(record.calls.length, 0);
  });

  it('stop() during a round: the round finishes, and none follows', async () => {
    let rounds = 0;
    let finished = 0;
    const list = watch({
      endpointIds: ['vpce-0fffffffffffffff4'],
      intervalMs: 20,
      jitterRatio: 0,
      probe: async () => {
        rounds++;
        await sleep(60);
        finished++;
      },
    });
    await sleep(30);
    assert.equal(rounds, 1, 'the first round is in flight');
    list.stop();
    await sleep(200);
    assert.equal(finished, 1);
    assert.equal(rounds, 1);
  });

  it('start() twice does not double the schedule', async () => {
    const record = recorder();
    const list = watch({ endpointIds: ['vpce-0fffffffffffffff5'], intervalMs: 50, jitterRatio: 0, probe: record.probe });
    list.start();
    await sleep(30);
    assert.equal(record.calls.length, 1);
  });

  it(
    'stop() then start() while a round is in flight keeps one schedule, and a later stop() ends it',
    {},
    async () => {
      let rounds = 0;
      let inFlight = 0;
      let maxInFlight = 0;
      const list = watch({
        endpointIds: ['vpce-0fffffffffffffff6'],
        intervalMs: 40,
        jitterRatio: 0,
        probe: async () => {
          rounds++;
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(30);
          inFlight--;
        },
      });
      await sleep(10);
      assert.equal(rounds, 1, 'the first round is in flight');
      list.stop();
      list.start();
      await sleep(400);
      // One chain: a round of 30 ms then a wait of 40 ms, about 6 rounds in 410 ms; two chains give twice that.
      assert.ok(rounds <= 8, `${rounds} rounds in 410 ms`);
      list.stop();
      const atStop = rounds;
      await sleep(150);
      assert.equal(rounds, atStop, 'a round ran after stop()');
      assert.equal(maxInFlight, 1);
    },
  );

  it('asks its coordinator each round: probes when told, leaves the endpoint (and says so) when another replica has it, waits when not yet due', async () => {
    const record = recorder();
    const left: string[] = [];
    const turns: WatchTurn[] = [
      { probe: false, nextInMs: 5, elsewhere: true },
      { probe: false, nextInMs: 5, elsewhere: false },
      { probe: true, mode: 'holder' },
    ];
    const asked: number[] = [];
    watch({
      endpointIds: ['vpce-0aaaaaaaaaaaaaaa1'],
      intervalMs: 10_000,
      jitterRatio: 0,
      probe: record.probe,
      coordinator: {
        turn: async () => {
          asked.push(performance.now());
          return turns.shift() ?? { probe: false, nextInMs: 10_000, elsewhere: true };
        },
      },
      onLeft: (endpointId) => left.push(endpointId),
    });
    // Turns at 0, 5 and 10 ms (the next ones as the coordinator says, not a whole interval later); a probe at the third.
    for (let waited = 0; record.calls.length === 0 && waited < 2000; waited += 5) await sleep(5);
    assert.equal(record.calls.length, 1);
    assert.equal(asked.length, 3);
    assert.deepEqual(left, ['vpce-0aaaaaaaaaaaaaaa1'], 'told once: the second turn was its own, not yet due');
  });
});
