import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WatchList, type WatchOptions, type WatchTurn } from '../../src/probe/watch.js';
import { FakeClock } from '../support/fake-clock.js';

/**
 * The watch list's schedule, on a fake clock and with an injected random: each endpoint is
 * probed at its interval plus jitter, the first round within the jitter window, a failing
 * round is reported and the schedule goes on, and stop() ends everything. No socket and no
 * real wait here: the probe function only records its calls, and time moves when the test
 * advances the clock, so every round lands at its exact time.
 */

const started: WatchList[] = [];

function watch(clock: FakeClock, options: Omit<WatchOptions, 'clock'>): WatchList {
  const list = new WatchList({ ...options, clock });
  started.push(list);
  list.start();
  return list;
}

afterEach(() => {
  for (const list of started.splice(0)) list.stop();
});

function recorder(clock: FakeClock) {
  const origin = clock.now();
  const calls: { endpointId: string; at: number }[] = [];
  return {
    calls,
    probe: async (endpointId: string) => {
      calls.push({ endpointId, at: clock.now() - origin });
    },
    of: (endpointId: string) => calls.filter((call) => call.endpointId === endpointId).map((call) => call.at),
  };
}

const gaps = (times: number[]) => times.slice(1).map((time, index) => time - times[index]!);

describe('WatchList', () => {
  it('probes every configured endpoint, again and again, at the interval plus jitter', async () => {
    const clock = new FakeClock();
    const record = recorder(clock);
    // interval 40 ms, jitter ratio 0.5, random 0.5: the first round after 10 ms, then every 50 ms.
    watch(clock, {
      endpointIds: ['vpce-0aaaaaaaaaaaaaaa1', 'vpce-0aaaaaaaaaaaaaaa2', 'vpce-0aaaaaaaaaaaaaaa3'],
      intervalMs: 40,
      jitterRatio: 0.5,
      random: () => 0.5,
      probe: record.probe,
    });
    await clock.advance(330);
    for (const endpointId of ['vpce-0aaaaaaaaaaaaaaa1', 'vpce-0aaaaaaaaaaaaaaa2', 'vpce-0aaaaaaaaaaaaaaa3']) {
      assert.deepEqual(record.of(endpointId), [10, 60, 110, 160, 210, 260, 310], endpointId);
    }
  });

  it('adds up to jitterRatio x interval: random 0 waits the bare interval, random near 1 nearly 1.5 intervals', async () => {
    const clock = new FakeClock();
    const bare = recorder(clock);
    const full = recorder(clock);
    watch(clock, { endpointIds: ['vpce-0bbbbbbbbbbbbbbb1'], intervalMs: 60, jitterRatio: 0.5, random: () => 0, probe: bare.probe });
    watch(clock, { endpointIds: ['vpce-0bbbbbbbbbbbbbbb2'], intervalMs: 60, jitterRatio: 0.5, random: () => 0.999, probe: full.probe });
    await clock.advance(400);
    assert.deepEqual(bare.of('vpce-0bbbbbbbbbbbbbbb1'), [0, 60, 120, 180, 240, 300, 360]);
    const fullTimes = full.of('vpce-0bbbbbbbbbbbbbbb2');
    assert.equal(fullTimes.length, 5, fullTimes.join(', '));
    // 60 x 0.5 x 0.999 = 29.97 ms of jitter: the first round then, each next one 89.97 ms later.
    assert.ok(Math.abs(fullTimes[0]! - 29.97) < 1e-3, `first round at ${fullTimes[0]}`);
    for (const gap of gaps(fullTimes)) assert.ok(Math.abs(gap - 89.97) < 1e-3, `rounds ${gap} ms apart`);
  });

  it('starts the first round within the jitter window, not a whole interval later', async () => {
    const clock = new FakeClock();
    const record = recorder(clock);
    const draws: number[] = [];
    // A long interval makes "within the window" unmistakable: the window is 0-500 ms, the interval 1 s.
    watch(clock, {
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
    await clock.advance(300);
    // 1000 x 0.5 x 0.1 = 50 ms and 1000 x 0.5 x 0.2 = 100 ms.
    assert.deepEqual(record.of('vpce-0ccccccccccccccc1'), [50]);
    assert.deepEqual(record.of('vpce-0ccccccccccccccc2'), [100]);
    // Each endpoint draws its own jitter, so replicas and endpoints do not probe in step.
    assert.deepEqual(draws.slice(0, 2), [0.1, 0.2]);
  });

  it('keeps going after a probe throws or rejects, and reports each error with its endpoint', async () => {
    const clock = new FakeClock();
    const errors: [string, unknown][] = [];
    const calls = new Map<string, number>();
    const boom = new Error('probe round failed');
    watch(clock, {
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
    // Rounds at 5, 30, 55 … 230 ms: ten of each.
    await clock.advance(250);
    assert.equal(calls.get('vpce-0ddddddddddddddd1'), 10);
    assert.equal(calls.get('vpce-0ddddddddddddddd2'), 10);
    const failingErrors = errors.filter(([endpointId]) => endpointId === 'vpce-0ddddddddddddddd1');
    assert.equal(failingErrors.length, 10);
    assert.ok(failingErrors.every(([, error]) => error === boom));
    const mixedErrors = errors.filter(([endpointId]) => endpointId === 'vpce-0ddddddddddddddd2');
    assert.deepEqual(
      mixedErrors.map(([, error]) => (error as Error).message),
      ['round 1', 'round 3', 'round 5', 'round 7', 'round 9'],
    );
  });

  it('keeps going without an onError', async () => {
    const clock = new FakeClock();
    let count = 0;
    watch(clock, {
      endpointIds: ['vpce-0ddddddddddddddd3'],
      intervalMs: 20,
      jitterRatio: 0,
      probe: async () => {
        count++;
        throw new Error('nobody listens');
      },
    });
    await clock.advance(150);
    assert.equal(count, 8, 'rounds at 0, 20 … 140 ms');
  });

  it('waits for a slow round before scheduling the next: never two rounds of one endpoint at once', async () => {
    const clock = new FakeClock();
    let inFlight = 0;
    let maxInFlight = 0;
    const starts: number[] = [];
    const origin = clock.now();
    watch(clock, {
      endpointIds: ['vpce-0eeeeeeeeeeeeeee1'],
      intervalMs: 10,
      jitterRatio: 0,
      probe: async () => {
        starts.push(clock.now() - origin);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await clock.sleep(40);
        inFlight--;
      },
    });
    await clock.advance(245);
    // A round of 40 ms, then the interval of 10 ms from its end.
    assert.deepEqual(starts, [0, 50, 100, 150, 200]);
    assert.equal(maxInFlight, 1);
  });

  it('stop() halts every timer: no call after stop', async () => {
    const clock = new FakeClock();
    const record = recorder(clock);
    const list = watch(clock, {
      endpointIds: ['vpce-0fffffffffffffff1', 'vpce-0fffffffffffffff2'],
      intervalMs: 40,
      jitterRatio: 0.5,
      random: () => 0.5,
      probe: record.probe,
    });
    await clock.advance(130);
    assert.equal(record.calls.length, 6, 'rounds at 10, 60 and 110 ms, of each endpoint');
    list.stop();
    assert.equal(clock.timers, 0, 'no timer left');
    await clock.advance(200);
    assert.equal(record.calls.length, 6);
  });

  it('stop() before the first round means no round at all', async () => {
    const clock = new FakeClock();
    const record = recorder(clock);
    const list = watch(clock, { endpointIds: ['vpce-0fffffffffffffff3'], intervalMs: 40, jitterRatio: 0.5, random: () => 0.9, probe: record.probe });
    list.stop();
    await clock.advance(150);
    assert.equal(record.calls.length, 0);
    assert.equal(clock.timers, 0);
  });

  it('stop() during a round: the round finishes, and none follows', async () => {
    const clock = new FakeClock();
    let rounds = 0;
    let finished = 0;
    const list = watch(clock, {
      endpointIds: ['vpce-0fffffffffffffff4'],
      intervalMs: 20,
      jitterRatio: 0,
      probe: async () => {
        rounds++;
        await clock.sleep(60);
        finished++;
      },
    });
    await clock.advance(30);
    assert.equal(rounds, 1, 'the first round is in flight');
    list.stop();
    await clock.advance(200);
    assert.equal(finished, 1);
    assert.equal(rounds, 1);
    assert.equal(clock.timers, 0);
  });

  it('start() twice does not double the schedule', async () => {
    const clock = new FakeClock();
    const record = recorder(clock);
    const list = watch(clock, { endpointIds: ['vpce-0fffffffffffffff5'], intervalMs: 50, jitterRatio: 0, probe: record.probe });
    list.start();
    await clock.advance(30);
    assert.equal(record.calls.length, 1);
    assert.equal(clock.timers, 1, 'one timer: the next round');
  });

  it('stop() then start() while a round is in flight keeps one schedule, and a later stop() ends it', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const origin = clock.now();
    let inFlight = 0;
    let maxInFlight = 0;
    const list = watch(clock, {
      endpointIds: ['vpce-0fffffffffffffff6'],
      intervalMs: 40,
      jitterRatio: 0,
      probe: async () => {
        starts.push(clock.now() - origin);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await clock.sleep(30);
        inFlight--;
      },
    });
    await clock.advance(10);
    assert.equal(starts.length, 1, 'the first round is in flight');
    list.stop();
    list.start();
    await clock.advance(400);
    // The restarted schedule finds the first round in flight at 10 ms and looks again an
    // interval later; the first round's own follow-up is dropped. One chain: a round of
    // 30 ms, then a wait of 40 ms.
    assert.deepEqual(starts, [0, 50, 120, 190, 260, 330, 400]);
    list.stop();
    await clock.advance(150);
    assert.equal(starts.length, 7, 'a round ran after stop()');
    assert.equal(maxInFlight, 1);
    assert.equal(clock.timers, 0);
  });

  it('asks its coordinator each round: probes when told, leaves the endpoint (and says so) when another replica has it, waits when not yet due', async () => {
    const clock = new FakeClock();
    const record = recorder(clock);
    const left: string[] = [];
    const turns: WatchTurn[] = [
      { probe: false, nextInMs: 5, elsewhere: true },
      { probe: false, nextInMs: 5, elsewhere: false },
      { probe: true, mode: 'holder' },
    ];
    const origin = clock.now();
    const asked: number[] = [];
    watch(clock, {
      endpointIds: ['vpce-0aaaaaaaaaaaaaaa1'],
      intervalMs: 10_000,
      jitterRatio: 0,
      probe: record.probe,
      coordinator: {
        turn: async () => {
          asked.push(clock.now() - origin);
          return turns.shift() ?? { probe: false, nextInMs: 10_000, elsewhere: true };
        },
      },
      onLeft: (endpointId) => left.push(endpointId),
    });
    await clock.advance(9_000);
    // Turns at 0, 5 and 10 ms (the next ones as the coordinator says, not a whole interval later); a probe at the third.
    assert.deepEqual(asked, [0, 5, 10]);
    assert.deepEqual(record.calls, [{ endpointId: 'vpce-0aaaaaaaaaaaaaaa1', at: 10 }]);
    assert.deepEqual(left, ['vpce-0aaaaaaaaaaaaaaa1'], 'told once: the second turn was its own, not yet due');
  });

  it('runs on the process clock when given none', async (context) => {
    // The global timers, mocked: no real wait here either.
    context.mock.timers.enable({ apis: ['setTimeout'] });
    const calls: string[] = [];
    const list = new WatchList({
      endpointIds: ['vpce-0aaaaaaaaaaaaaaa9'],
      intervalMs: 1000,
      jitterRatio: 0,
      probe: async (endpointId) => void calls.push(endpointId),
    });
    started.push(list);
    list.start();
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    context.mock.timers.tick(0);
    await settle();
    assert.deepEqual(calls, ['vpce-0aaaaaaaaaaaaaaa9']);
    context.mock.timers.tick(999);
    await settle();
    assert.equal(calls.length, 1);
    context.mock.timers.tick(1);
    await settle();
    assert.equal(calls.length, 2);
    list.stop();
    context.mock.timers.tick(5000);
    await settle();
    assert.equal(calls.length, 2);
  });
});
