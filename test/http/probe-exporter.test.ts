import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { scrapeDeadlineMs } from '../../src/http/routes/probe-exporter.js';
import { HEALTHY, buildTestApp } from '../support/app.js';
import { loopbackConnector, loopbackProbeApp, loopbackSnapshot } from '../support/loopback-snapshot.js';
import { promtoolCheck } from '../support/promtool.js';

/**
 * GET /probe, the blackbox_exporter way, on the loopback fixture: the endpoint's interfaces
 * are 127.0.0.2 (a listener: open), 127.0.0.3 (nothing listens: refused) and 127.0.0.4 (the
 * connector never connects: timeout). Nothing leaves this machine.
 */

let port: number;
let app: FastifyInstance;
const dialled: string[] = [];

const loopbackOnly = loopbackConnector(dialled);

/** The series of an exposition as `name{labels} value` lines, comments left out. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

let close: () => Promise<void>;

before(async () => {
  ({ app, port, close } = await loopbackProbeApp(loopbackOnly));
});

after(async () => {
  await close();
});

const probeUrl = (query: string) => `/probe?endpoint=${HEALTHY.endpointId}&${query}`;

describe('GET /probe (multi-target exporter)', () => {
  it("answers one scrape's series: probe_success, its duration, each interface's outcome and failure reason, the static verdict", async () => {
    const response = await app.inject({ method: 'GET', url: probeUrl(`port=${port}`) });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const series = samples(response.body);
    assert.equal(series.get('probe_success'), 0, 'two of three interfaces fail');
    assert.ok(series.get('probe_duration_seconds')! > 0);
    const eniOf = (address: string) => {
      const match = new RegExp(`"networkInterfaceId":"(eni-[0-9a-f]+)","address":"${address.replace(/\./g, '\\.')}"`).exec(response.body);
      return match?.[1];
    };
    assert.equal(eniOf('127.0.0.2'), undefined, 'an exposition, not JSON');
    const success = [...series].filter(([name]) => name.startsWith('vpce_doctor_probe_tcp_success{'));
    assert.equal(success.length, 3, 'one series per interface');
    assert.deepEqual(success.map(([, value]) => value).sort(), [0, 0, 1]);
    for (const [name] of success) assert.match(name, /^vpce_doctor_probe_tcp_success\{eni="eni-[0-9a-f]+",az="us-east-1[a-z]"\}$/);
    const failing = [...series]
      .filter(([name, value]) => name.startsWith('vpce_doctor_probe_tcp_failure{') && value === 1)
      .map(([name]) => /reason="(\w+)"/.exec(name)![1]);
    assert.deepEqual(failing.sort(), ['refused', 'timeout']);
    // The example's endpoint group admits 443 only: the rules say blocked on the listener's port.
    assert.equal(series.get('vpce_doctor_probe_static_verdict{verdict="blocked"}'), 1);
    assert.equal(series.get('vpce_doctor_probe_static_verdict{verdict="reachable"}'), 0);
    assert.equal(series.get('vpce_doctor_probe_static_live_disagreement'), 1, 'blocked by the rules, yet one interface connects');
  });

  it('passes promtool check metrics', async (context) => {
    const response = await app.inject({ method: 'GET', url: probeUrl(`port=${port}`) });
    const check = promtoolCheck(response.body);
    if (check === 'missing') return context.skip('promtool is not installed (CI installs it)');
    assert.equal(check.status, 0, check.output);
    assert.equal(check.output.trim(), '', 'no lint finding');
  });

  it('makes a registry per scrape: nothing accumulates, and /metrics gains no series for a scraped endpoint', async () => {
    await app.inject({ method: 'GET', url: probeUrl(`port=${port}`) });
    const second = await app.inject({ method: 'GET', url: probeUrl(`port=${port}&region=us-east-1`) });
    const names = [...samples(second.body).keys()];
    assert.equal(names.filter((name) => name === 'probe_success').length, 1);
    assert.equal(names.filter((name) => name.startsWith('vpce_doctor_probe_tcp_success{')).length, 3);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.doesNotMatch(metrics, /^(probe_success|vpce_doctor_probe_tcp_success|vpce_doctor_probe_success)\b/m);
  });

  it('ends the connects within the scrape timeout Prometheus sends, less 0.5 s', async () => {
    const fixture = await loopbackSnapshot();
    const { app: slow } = await buildTestApp({
      snapshotDir: fixture.dir,
      connector: loopbackOnly,
      probe: { allowedPorts: [port], defaults: { timeoutMs: 10_000, attempts: 1 } },
    });
    try {
      const response = await slow.inject({ method: 'GET', url: probeUrl(`port=${port}`), headers: { 'x-prometheus-scrape-timeout-seconds': '1.2' } });
      assert.equal(response.statusCode, 200, response.body);
      const series = samples(response.body);
      // The hanging connect was given 700 ms, not the default 10 s.
      assert.ok(series.get('probe_duration_seconds')! < 1.2, `took ${series.get('probe_duration_seconds')} s`);
      const timedOut = [...series].find(([name, value]) => name.includes('reason="timeout"') && value === 1);
      assert.ok(timedOut, 'the hanging interface timed out');
    } finally {
      await slow.close();
      await fixture.remove();
    }
  });

  it('reads the scrape timeout header as blackbox_exporter does', () => {
    assert.equal(scrapeDeadlineMs('10'), 9500);
    assert.equal(scrapeDeadlineMs('0.4'), 0);
    assert.equal(scrapeDeadlineMs(undefined), undefined);
    assert.equal(scrapeDeadlineMs('soon'), undefined);
    assert.equal(scrapeDeadlineMs(['3', '9']), 2500);
  });

  const refusals: [string, string, number, string][] = [
    ['no endpoint', '/probe', 400, 'query.endpoint'],
    ['a malformed endpoint id', '/probe?endpoint=vpce-xyz', 400, 'query.endpoint'],
    ['an address as the target', `/probe?target=10.0.0.1`, 400, 'query.target'],
    ['two different endpoints', `/probe?endpoint=${HEALTHY.endpointId}&target=vpce-0000000000000000f`, 400, 'query.endpoint'],
    ['an unknown query field', `/probe?endpoint=${HEALTHY.endpointId}&module=tcp`, 400, 'query.module'],
    ['a port neither the service port nor allowed', probeUrl('port=22'), 403, 'probe-target-forbidden'],
    ['an endpoint not in the data', '/probe?endpoint=vpce-0000000000000000f', 404, 'endpoint-not-found'],
    ['a malformed account', probeUrl('accountId=12'), 400, 'query.accountId'],
  ];
  for (const [what, url, status, named] of refusals) {
    it(`refuses ${what} with ${status} problem+json, dialling nothing`, async () => {
      const before = dialled.length;
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      assert.ok(response.body.includes(named), `${response.body} names ${named}`);
      assert.equal(dialled.length, before, 'nothing was dialled');
    });
  }

  it('takes the endpoint as `target`, the name a Prometheus Operator Probe sends', async () => {
    const response = await app.inject({ method: 'GET', url: `/probe?target=${HEALTHY.endpointId}&port=${port}` });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(response.body, /^probe_success 0$/m);
  });

  it("probes the endpoint's one service port when no port is given", async () => {
    const before = dialled.length;
    const response = await app.inject({ method: 'GET', url: `/probe?endpoint=${HEALTHY.endpointId}` });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      dialled.slice(before).map((target) => target.split(':')[1]),
      ['443', '443', '443'],
    );
  });

  it('answers 403 probes-disabled when probes are off, dialling nothing', async () => {
    const { app: off } = await buildTestApp({ probesDisabled: true });
    try {
      const response = await off.inject({ method: 'GET', url: `/probe?endpoint=${HEALTHY.endpointId}&port=443` });
      assert.equal(response.statusCode, 403, response.body);
      assert.equal((response.json() as { type: string }).type, 'urn:vpce-doctor:problem:probes-disabled');
      const post = await off.inject({ method: 'POST', url: `/v1/endpoints/${HEALTHY.endpointId}/probes`, payload: {} });
      assert.equal(post.statusCode, 403, post.body);
      assert.equal((post.json() as { type: string }).type, 'urn:vpce-doctor:problem:probes-disabled');
      const analysis = await off.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&probe=true` });
      assert.equal(analysis.statusCode, 403, analysis.body);
      const plain = await off.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}` });
      assert.equal(plain.statusCode, 200, 'analyses without probes still work');
    } finally {
      await off.close();
    }
  });

  it('takes a bearer token when auth is on', async () => {
    const fixture = await loopbackSnapshot();
    const token = 'scrape-token-0123456789';
    const { app: guarded } = await buildTestApp({
      snapshotDir: fixture.dir,
      connector: loopbackOnly,
      config: { apiTokens: [token] },
      probe: { allowedPorts: [port] },
    });
    try {
      assert.equal((await guarded.inject({ method: 'GET', url: probeUrl(`port=${port}`) })).statusCode, 401);
      const ok = await guarded.inject({ method: 'GET', url: probeUrl(`port=${port}`), headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, '/metrics stays open');
    } finally {
      await guarded.close();
      await fixture.remove();
    }
  });
});

// promtool is a real binary: make sure the check above is not vacuous.
describe('promtool itself', () => {
  it('refuses a gauge named _total', (context) => {
    const check = promtoolCheck('# HELP x_total a gauge\n# TYPE x_total gauge\nx_total 1\n');
    if (check === 'missing') return context.skip('promtool is not installed (CI installs it)');
    assert.match(check.output, /non-counter metrics should not have "_total" suffix/);
  });
});
