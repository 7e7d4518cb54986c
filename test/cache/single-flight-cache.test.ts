import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SingleFlightCache } from '../../src/cache/single-flight-cache.js';
import { FakeClock } from '../support/fake-clock.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlightCache', () => {
  it('loads a key once however many callers ask at the same time', async () => {
    let loads = 0;
    const gate = deferred<string>();
    const cache = new SingleFlightCache<string, string>(
      async () => {
        loads++;
        return gate.promise;
      },
      { ttlMs: 60_000, max: 10 },
    );
    const pending = Array.from({ length: 100 }, () => cache.get('k'));
    gate.resolve('v');
    const results = await Promise.all(pending);
    assert.equal(loads, 1);
    assert.ok(results.every((result) => result.value === 'v'));
    assert.equal(results.filter((result) => result.joined).length, 99);
    assert.equal((await cache.get('k')).result, 'hit');
  });

  it('reloads after the TTL, and on refresh', async () => {
    const clock = new FakeClock();
    let loads = 0;
    const cache = new SingleFlightCache<string, number>(async () => ++loads, { ttlMs: 50, max: 10, clock });
    const first = await cache.get('k');
    assert.deepEqual([first.result, loads, first.loadedAt], ['miss', 1, clock.now()]);
    assert.equal((await cache.get('k', { refresh: true })).result, 'refresh');
    assert.equal(loads, 2);
    await clock.advance(50);
    assert.deepEqual([(await cache.get('k')).result, loads], ['hit', 2], 'fresh until its TTL has passed');
    await clock.advance(1);
    const expired = await cache.get('k');
    assert.deepEqual([expired.result, expired.value, expired.loadedAt], ['miss', 3, clock.now()]);
    assert.equal(cache.peekLoadedAt('k'), clock.now());
  });

  it('reads load times and the TTL from the injected clock, and sets no timer on it', async () => {
    const clock = new FakeClock();
    let loads = 0;
    const cache = new SingleFlightCache<string, number>(async () => ++loads, { ttlMs: 1000, max: 10, clock });
    const loadedAt = clock.now();
    await cache.get('k');
    await clock.advance(999);
    const fresh = await cache.get('k');
    assert.deepEqual([fresh.result, fresh.loadedAt], ['hit', loadedAt]);
    assert.equal(clock.timers, 0);
    await clock.advance(2);
    const reloaded = await cache.get('k');
    assert.deepEqual([reloaded.result, reloaded.loadedAt, loads], ['miss', loadedAt + 1001, 2]);
  });

  it('still takes the separate now and ttlClock options, before the clock', async () => {
    const clock = new FakeClock();
    let ttlNow = 5000;
    let loads = 0;
    const cache = new SingleFlightCache<string, number>(async () => ++loads, { ttlMs: 100, max: 10, clock, now: () => 42, ttlClock: () => ttlNow });
    assert.equal((await cache.get('k')).loadedAt, 42);
    await clock.advance(1000);
    assert.equal((await cache.get('k')).result, 'hit', 'the TTL runs on ttlClock, not on the clock');
    ttlNow += 101;
    assert.equal((await cache.get('k')).result, 'miss');
  });

  it('serves the previous value marked stale when a reload fails, and rejects when nothing is cached', async () => {
    let fail = false;
    const cache = new SingleFlightCache<string, string>(
      async () => {
        if (fail) throw new Error('source down');
        return 'good';
      },
      { ttlMs: 60_000, max: 10 },
    );
    await cache.get('k');
    fail = true;
    const served = await cache.get('k', { refresh: true });
    assert.deepEqual([served.value, served.stale], ['good', true]);
    await assert.rejects(cache.get('other'), /source down/);
  });

  it('evicts the least recently used beyond its size', async () => {
    let loads = 0;
    const cache = new SingleFlightCache<string, number>(async () => ++loads, { ttlMs: 60_000, max: 2 });
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    assert.equal((await cache.get('a')).result, 'hit');
    assert.equal((await cache.get('b')).result, 'miss');
  });

  it('serves an expired value, marked stale, while one reload runs, when so configured', async () => {
    // Not 0: lru-cache reads a start time of 0 as "no TTL".
    let clock = 5000;
    let loads = 0;
    let gate = deferred<number>();
    const cache = new SingleFlightCache<string, number>(
      async () => {
        loads++;
        return loads === 1 ? 1 : gate.promise;
      },
      { ttlMs: 1000, max: 10, ttlClock: () => clock, staleWhileRevalidate: true },
    );
    assert.deepEqual([(await cache.get('k')).value, loads], [1, 1]);
    clock += 1001;
    const during = await Promise.all([cache.get('k'), cache.get('k')]);
    assert.equal(loads, 2, 'one reload');
    for (const result of during) assert.deepEqual([result.value, result.stale, result.revalidating, result.result], [1, true, true, 'hit']);
    gate.resolve(2);
    await new Promise((resolve) => setImmediate(resolve));
    const after = await cache.get('k');
    assert.deepEqual([after.value, after.stale, after.revalidating], [2, false, undefined]);
    // A refresh asked for waits for the new value.
    gate = deferred<number>();
    const refreshing = cache.get('k', { refresh: true });
    gate.resolve(3);
    assert.deepEqual([(await refreshing).value, (await refreshing).stale], [3, false]);
    // Without the option, an expired value is never served: callers wait for the reload.
    const strict = new SingleFlightCache<string, number>(async () => ++loads, { ttlMs: 1000, max: 10, ttlClock: () => clock });
    const first = (await strict.get('k')).value;
    clock += 1001;
    assert.equal((await strict.get('k')).value, first + 1);
  });

  it('finds a fresh value without a promise, never one being loaded, refreshed or past its TTL', async () => {
    let clock = 1000;
    let loads = 0;
    let gate = deferred<number>();
    const lookups: string[] = [];
    const cache = new SingleFlightCache<string, number>(
      async () => {
        loads++;
        return loads === 1 ? 1 : gate.promise;
      },
      {
        ttlMs: 1000,
        max: 10,
        ttlClock: () => clock,
        observer: { onLookup: (result, stale, joined) => lookups.push(`${result}${stale ? ' stale' : ''}${joined ? ' joined' : ''}`) },
      },
    );
    assert.equal(cache.fresh('k'), undefined, 'nothing loaded yet');
    const loading = cache.get('k');
    assert.equal(cache.fresh('k'), undefined, 'a load under way');
    await loading;
    const hit = cache.fresh('k');
    assert.deepEqual(hit && [hit.value, hit.result, hit.stale, hit.joined], [1, 'hit', false, false]);
    assert.deepEqual(lookups, ['miss'], 'fresh records nothing');
    cache.recordHit();
    assert.equal((await cache.get('k')).result, 'hit');
    assert.deepEqual(lookups, ['miss', 'hit', 'hit']);
    // A refresh under way: callers join it rather than being served the value it replaces.
    const refreshing = cache.get('k', { refresh: true });
    assert.equal(cache.fresh('k'), undefined);
    const joining = cache.get('k');
    gate.resolve(2);
    assert.deepEqual([(await refreshing).value, (await refreshing).result], [2, 'refresh']);
    assert.deepEqual([(await joining).value, (await joining).joined], [2, true]);
    assert.equal(cache.fresh('k')?.value, 2);
    clock += 1001;
    assert.equal(cache.fresh('k'), undefined, 'past its TTL');
    gate = deferred<number>();
    const reloading = cache.get('k');
    gate.resolve(3);
    assert.deepEqual([(await reloading).value, (await reloading).result], [3, 'miss']);
  });
});
