import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Doctor, snapshotSource } from '../../src/doctor.js';
import { buildApp, LOG_REDACTIONS } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { HEALTHY, TEST_CONFIG, buildTestApp } from '../support/app.js';

const TOKEN = 'test-token-0123456789abcdef';
const ANALYSIS = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`;

describe('bearer-token auth', () => {
  it('requires a valid token on every /v1 route when tokens are configured', async () => {
    const { app } = await buildTestApp({ config: { apiTokens: [TOKEN, 'another-token-0123456789'] } });
    try {
      for (const url of ['/v1/endpoints', `/v1/endpoints/${HEALTHY.endpointId}`, ANALYSIS]) {
        const missing = await app.inject({ method: 'GET', url });
        assert.equal(missing.statusCode, 401, url);
        assert.match(String(missing.headers['content-type']), /application\/problem\+json/);
        assert.equal((missing.json() as { type: string }).type, 'urn:vpce-doctor:problem:unauthorized');
        assert.match(String(missing.headers['www-authenticate']), /^Bearer/);
        const wrong = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}x` } });
        assert.equal(wrong.statusCode, 401, url);
        const basic = await app.inject({ method: 'GET', url, headers: { authorization: `Basic ${TOKEN}` } });
        assert.equal(basic.statusCode, 401, url);
        const good = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(good.statusCode, 200, url);
      }
      const batch = await app.inject({ method: 'POST', url: '/v1/analyses', payload: { items: [] } });
      assert.equal(batch.statusCode, 401, 'auth comes before validation');
    } finally {
      await app.close();
    }
  });

  it('leaves /healthz, /readyz and /metrics open', async () => {
    const { app } = await buildTestApp({ config: { apiTokens: [TOKEN] } });
    try {
      for (const url of ['/healthz', '/readyz', '/metrics']) assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
    } finally {
      await app.close();
    }
  });

  it('never writes the Authorization header to the logs, and logs a request id', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const metrics = createMetrics({ modelLoadedAt: () => undefined, defaultMetrics: false });
    const doctor = new Doctor(snapshotSource(HEALTHY.dir), { cacheTtlMs: 60_000, cacheMaxEntries: 10, metrics });
    const logger = pino(
      {
        level: 'info',
        redact: { paths: LOG_REDACTIONS, censor: '[redacted]' },
        serializers: { req: (req: { headers: unknown; method: string; url: string }) => ({ method: req.method, url: req.url, headers: req.headers }) },
      },
      sink,
    );
    const app = await buildApp({ doctor, metrics, config: { ...TEST_CONFIG, apiTokens: [TOKEN] }, loggerInstance: logger });
    try {
      const response = await app.inject({ method: 'GET', url: ANALYSIS, headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'runbook-42' } });
      assert.equal(response.headers['x-request-id'], 'runbook-42');
      const log = lines.join('');
      assert.ok(log.length > 0);
      assert.ok(!log.includes(TOKEN), 'the token never reaches the log');
      assert.match(log, /"reqId":"runbook-42"/);
      assert.match(log, /\[redacted\]/);
    } finally {
      await app.close();
    }
  });
});

describe('rate limiting', () => {
  it('answers 429 problem+json with Retry-After past the limit on analysis routes, not on listings', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 3 } });
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 5; i++) {
        last = await app.inject({ method: 'GET', url: ANALYSIS });
        statuses.push(last.statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      assert.match(String(last!.headers['content-type']), /application\/problem\+json/);
      assert.equal((last!.json() as { type: string }).type, 'urn:vpce-doctor:problem:too-many-requests');
      assert.match(String(last!.headers['retry-after']), /^\d+$/);
      for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: 'GET', url: '/v1/endpoints' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});

describe('one analysis budget per client', () => {
  const post = { method: 'POST' as const, url: `/v1/endpoints/${HEALTHY.endpointId}/analyses`, payload: { client: { ip: HEALTHY.clientIp } } };
  const batch = (items: number) => ({
    method: 'POST' as const,
    url: '/v1/analyses',
    payload: { items: Array.from({ length: items }, () => ({ endpointId: HEALTHY.endpointId, client: { ip: HEALTHY.clientIp } })) },
  });

  it('is shared by GET, HEAD and POST analyses and the batch: no route or method escapes it', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 4, batchMaxItems: 5 } });
    try {
      const statuses = [
        (await app.inject({ method: 'GET', url: ANALYSIS })).statusCode,
        (await app.inject({ method: 'HEAD', url: ANALYSIS })).statusCode,
        (await app.inject(post)).statusCode,
        (await app.inject(batch(1))).statusCode,
        (await app.inject({ method: 'GET', url: ANALYSIS })).statusCode,
        (await app.inject({ method: 'HEAD', url: ANALYSIS })).statusCode,
        (await app.inject(post)).statusCode,
        (await app.inject(batch(1))).statusCode,
      ];
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    } finally {
      await app.close();
    }
  });

  it('counts each item of a batch', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 6, batchMaxItems: 5 } });
    try {
      assert.equal((await app.inject(batch(5))).statusCode, 200);
      assert.equal((await app.inject(batch(2))).statusCode, 429, 'the 6th and 7th analyses are over the budget');
      const refused = await app.inject({ method: 'GET', url: ANALYSIS });
      assert.equal(refused.statusCode, 429);
      assert.match((refused.json() as { detail: string }).detail, /a batch counts each item/);
    } finally {
      await app.close();
    }
  });

  it('covers the probes and the fleet report: a page of the report or a probe round spends from the same budget', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 3 } });
    try {
      const report = { method: 'GET' as const, url: `/v1/report?clientIp=${HEALTHY.clientIp}` };
      const statuses = [
        (await app.inject(report)).statusCode,
        (await app.inject({ method: 'GET', url: ANALYSIS })).statusCode,
        // The default connector refuses to dial: whatever the probe's answer, it was counted.
        (await app.inject({ method: 'POST', url: `/v1/endpoints/${HEALTHY.endpointId}/probes`, payload: {} })).statusCode !== 429,
        (await app.inject(report)).statusCode,
        (await app.inject({ method: 'POST', url: `/v1/endpoints/${HEALTHY.endpointId}/probes`, payload: {} })).statusCode,
      ];
      assert.deepEqual(statuses, [200, 200, true, 429, 429]);
      // Listings and single endpoints are not analyses: never refused by the budget.
      assert.equal((await app.inject({ method: 'GET', url: '/v1/endpoints' })).statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/units' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('keeps a budget per token too when auth is on: a token used from two addresses shares it', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 2, apiTokens: [TOKEN] } });
    try {
      const from = (remoteAddress: string) => app.inject({ method: 'GET', url: ANALYSIS, remoteAddress, headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal((await from('127.0.0.2')).statusCode, 200);
      assert.equal((await from('127.0.0.3')).statusCode, 200);
      assert.equal((await from('127.0.0.4')).statusCode, 429);
    } finally {
      await app.close();
    }
  });
});

describe('cache', () => {
  it('computes once for 100 concurrent identical requests (single flight)', async () => {
    let loads = 0;
    const source = {
      description: 'counting snapshot',
      load: async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return snapshotSource(HEALTHY.dir).load();
      },
    };
    const { app, metrics } = await buildTestApp({ source });
    try {
      const responses = await Promise.all(Array.from({ length: 100 }, () => app.inject({ method: 'GET', url: ANALYSIS })));
      assert.ok(responses.every((response) => response.statusCode === 200));
      assert.equal(loads, 1, 'one model load');
      const analyses = (await metrics.analysesTotal.get()).values.reduce((sum, value) => sum + value.value, 0);
      assert.equal(analyses, 1, 'one analysis computed');
      const joins = (await metrics.cacheSingleFlightJoinsTotal.get()).values;
      assert.ok(joins.some((value) => value.labels.cache === 'model' && value.value === 99));
      assert.equal(responses.filter((response) => String(response.headers['cache-status']).includes('collapsed')).length, 99);
    } finally {
      await app.close();
    }
  });

  it('serves the stale analysis, marked stale, when a refresh fails', async () => {
    let fail = false;
    const source = {
      description: 'flaky snapshot',
      load: async () => {
        if (fail) throw new Error('DescribeNetworkAcls throttled');
        return snapshotSource(HEALTHY.dir).load();
      },
    };
    const { app } = await buildTestApp({ source });
    try {
      assert.equal((await app.inject({ method: 'GET', url: ANALYSIS })).statusCode, 200);
      fail = true;
      const stale = await app.inject({ method: 'GET', url: `${ANALYSIS}&refresh=true` });
      assert.equal(stale.statusCode, 200);
      assert.match(String(stale.headers['cache-status']), /detail=stale-if-error/);
      assert.equal((stale.json() as { cache: { stale: boolean } }).cache.stale, true);
    } finally {
      await app.close();
    }
  });
});
