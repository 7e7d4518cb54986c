import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Doctor } from '../../src/doctor.js';
import { HEALTHY, buildTestApp } from '../support/app.js';
import { loopbackConnector, loopbackProbeApp, loopbackSnapshot } from '../support/loopback-snapshot.js';

/**
 * Probes through the API on a loopback fixture: the endpoint's interfaces are 127.0.0.2
 * (a real listener: open), 127.0.0.3 (nothing listens: refused) and 127.0.0.4 (the injected
 * connector never connects: timeout). Nothing leaves this machine.
 */

let port: number;
let app: FastifyInstance;
let doctor: Doctor;
const dialled: string[] = [];

const loopbackOnly = loopbackConnector(dialled);

let close: () => Promise<void>;

before(async () => {
  ({ app, doctor, port, close } = await loopbackProbeApp(loopbackOnly));
});

after(async () => {
  await close();
});

const probesUrl = `/v1/endpoints/${HEALTHY.endpointId}/probes`;

describe('POST /v1/endpoints/{id}/probes', () => {
  it('reports open, refused and timeout per interface, and the overall result', async () => {
    const response = await app.inject({ method: 'POST', url: probesUrl, payload: { port } });
    assert.equal(response.statusCode, 200, response.body);
    const report = response.json() as {
      overall: string;
      results: { address: string; outcome: string; latencyMs: number; attempts: number; availabilityZone: string; errno?: string }[];
    };
    const byAddress = Object.fromEntries(report.results.map((result) => [result.address, result]));
    assert.equal(byAddress['127.0.0.2']?.outcome, 'open');
    assert.equal(byAddress['127.0.0.3']?.outcome, 'refused');
    assert.equal(byAddress['127.0.0.3']?.errno, 'ECONNREFUSED');
    assert.equal(byAddress['127.0.0.4']?.outcome, 'timeout');
    assert.ok(report.results.every((result) => result.attempts === 1 && result.latencyMs >= 0 && result.availabilityZone));
    assert.equal(report.overall, 'partly-open');
  });

  it("reconciles the probes with the static verdict for the service's own address", async () => {
    const report = (await app.inject({ method: 'POST', url: probesUrl, payload: { port } })).json() as {
      reconciliation: { clientIp: string; staticVerdict: string; findings: { address: string; agrees: boolean; likelyCauses: string[] }[] };
    };
    assert.equal(report.reconciliation.clientIp, HEALTHY.clientIp);
    // The example's endpoint security group admits 443 only; the probes use the listener's port.
    assert.equal(report.reconciliation.staticVerdict, 'blocked');
    const byAddress = Object.fromEntries(report.reconciliation.findings.map((finding) => [finding.address, finding]));
    assert.equal(byAddress['127.0.0.2']?.agrees, false, 'blocked by the rules, yet it connects');
    assert.ok(byAddress['127.0.0.2']?.likelyCauses.some((cause) => /refresh/.test(cause)));
    assert.equal(byAddress['127.0.0.3']?.agrees, true);
    assert.equal(byAddress['127.0.0.4']?.agrees, true);
  });

  it('probes only the interfaces asked for, by id or exact address', async () => {
    const response = await app.inject({ method: 'POST', url: probesUrl, payload: { port, targets: ['127.0.0.2'] } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(
      (response.json() as { results: { address: string }[] }).results.map((result) => result.address),
      ['127.0.0.2'],
    );
  });

  it('dials an interface named many times (by id and by address) once in the round', async () => {
    const first = (await app.inject({ method: 'POST', url: probesUrl, payload: { port, targets: ['127.0.0.2'] } })).json() as {
      results: { networkInterfaceId: string }[];
    };
    const eniId = first.results[0]!.networkInterfaceId;
    const before = dialled.length;
    const response = await app.inject({
      method: 'POST',
      url: probesUrl,
      payload: { port, targets: [...Array.from({ length: 14 }, () => '127.0.0.2'), eniId, eniId] },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(dialled.slice(before), [`127.0.0.2:${port}`], 'one connect, not sixteen');
    assert.deepEqual(
      (response.json() as { results: { address: string }[] }).results.map((result) => result.address),
      ['127.0.0.2'],
    );
  });

  const refusals: [string, object, number][] = [
    ['an address that is not an interface of the endpoint', { port, targets: ['127.0.0.9'] }, 403],
    ['the metadata service', { port, targets: ['169.254.169.254'] }, 403],
    ['an IPv4-mapped IPv6 spelling of an interface', { port, targets: ['::ffff:127.0.0.2'] }, 403],
    ['a decimal spelling', { port, targets: ['2130706434'] }, 403],
    ['an octal spelling', { port, targets: ['0177.0.0.2'] }, 403],
    ['a name', { port, targets: ['localhost'] }, 403],
    ['a port that is neither a service port nor allowed', { port: 22 }, 403],
    ['a timeout over 10 s', { port, timeoutMs: 60_000 }, 400],
    ['too many attempts', { port, attempts: 9 }, 400],
    ['a host field', { host: '127.0.0.2', port }, 400],
  ];
  for (const [what, payload, status] of refusals) {
    it(`refuses ${what} with ${status}, dialling nothing`, async () => {
      const before = dialled.length;
      const response = await app.inject({ method: 'POST', url: probesUrl, payload });
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      assert.equal(dialled.length, before, 'nothing was dialled');
    });
  }

  it('answers 404 for an endpoint not in the data', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/v1/endpoints/vpce-0000000000000000f/probes', payload: { port } })).statusCode, 404);
  });

  it('rate-limits probe rounds per endpoint with 429 and Retry-After', async () => {
    const fixture = await loopbackSnapshot();
    const { app: limited } = await buildTestApp({
      snapshotDir: fixture.dir,
      connector: loopbackOnly,
      probe: { allowedPorts: [port], roundsPerMinute: 1, defaults: { timeoutMs: 100, attempts: 1 } },
    });
    try {
      assert.equal((await limited.inject({ method: 'POST', url: probesUrl, payload: { port, targets: ['127.0.0.2'] } })).statusCode, 200);
      const second = await limited.inject({ method: 'POST', url: probesUrl, payload: { port, targets: ['127.0.0.2'] } });
      assert.equal(second.statusCode, 429);
      assert.match(String(second.headers['retry-after']), /^[1-9]\d*$/);
    } finally {
      await limited.close();
      await fixture.remove();
    }
  });
});

describe('probes elsewhere in the API', () => {
  it('serves the latest probe from memory, 404 before any', async () => {
    const fixture = await loopbackSnapshot();
    const { app: fresh } = await buildTestApp({ snapshotDir: fixture.dir, connector: loopbackOnly, probe: { allowedPorts: [port] } });
    try {
      assert.equal((await fresh.inject({ method: 'GET', url: probesUrl })).statusCode, 404);
      await fresh.inject({ method: 'POST', url: probesUrl, payload: { port, targets: ['127.0.0.2'] } });
      const latest = await fresh.inject({ method: 'GET', url: probesUrl });
      assert.equal(latest.statusCode, 200);
      assert.equal((latest.json() as { results: { outcome: string }[] }).results[0]!.outcome, 'open');
    } finally {
      await fresh.close();
      await fixture.remove();
    }
  });

  it('adds probe.tcp checks to an analysis when asked, and only then', async () => {
    const plain = (
      await app.inject({ method: 'POST', url: `/v1/endpoints/${HEALTHY.endpointId}/analyses`, payload: { client: { ip: HEALTHY.clientIp }, port } })
    ).json() as { checks: { id: string }[] };
    assert.ok(!plain.checks.some((check) => check.id === 'probe.tcp'));
    const probed = await app.inject({
      method: 'POST',
      url: `/v1/endpoints/${HEALTHY.endpointId}/analyses`,
      payload: { client: { ip: HEALTHY.clientIp }, port, probe: true },
    });
    assert.equal(probed.statusCode, 200, probed.body);
    const statuses = (probed.json() as { checks: { id: string; status: string; scope: { ipAddress: string } }[] }).checks
      .filter((check) => check.id === 'probe.tcp')
      .map((check) => `${check.scope.ipAddress}:${check.status}`)
      .sort();
    assert.deepEqual(statuses, ['127.0.0.2:pass', '127.0.0.3:fail', '127.0.0.4:fail']);
  });

  it("exports the watch list's probes with endpoint, AZ and port labels, and no series for a probe a caller asked for", async () => {
    await app.inject({ method: 'POST', url: probesUrl, payload: { port } });
    const before = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.doesNotMatch(before, /^vpce_doctor_probe/m, 'an API probe answers its caller only');
    await doctor.probe(HEALTHY.endpointId, { port }, 'watch');
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, new RegExp(`vpce_doctor_probe_success\\{endpoint="${HEALTHY.endpointId}",az="us-east-1a",port="${port}"\\} 1`));
    assert.match(text, /vpce_doctor_probes_total\{[^}]*outcome="refused"\} \d+/);
    assert.match(text, /vpce_doctor_probe_connect_duration_seconds_bucket\{/);
    assert.match(text, /vpce_doctor_probe_last_timestamp_seconds\{/);
    assert.match(text, /vpce_doctor_static_live_disagreement\{/);
  });

  it('keeps /readyz independent of whether any endpoint answers', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });
});
