import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { singleUnitFleet } from '../../src/core/fleet.js';
import { ReachabilityResponse, REACHABILITY_COST } from '../../src/http/routes/reachability.js';
import { FleetReportResponse } from '../../src/http/schemas.js';
import { HEALTHY, buildTestApp, type TestApp } from '../support/app.js';
import { REACH, reachModel } from '../support/reach-fixture.js';

/** GET /v1/endpoints/{id}/reachability, the exposure gauge and the fleet report with every workload, through fastify.inject. */

const reachSource = { description: 'the who-can-reach fixture', load: async () => singleUnitFleet(reachModel()) };

describe('GET /v1/endpoints/{id}/reachability', () => {
  let test: TestApp;
  before(async () => {
    test = await buildTestApp({ source: reachSource, trustedCidrs: ['192.168.0.0/16'] });
  });
  after(async () => test.app.close());

  it('answers the source sets, workloads and exposure, cached like an analysis', async () => {
    const url = `/v1/endpoints/${REACH.endpointId}/reachability`;
    const first = await test.app.inject({ method: 'GET', url });
    assert.equal(first.statusCode, 200, first.body);
    const body: unknown = first.json();
    assert.ok(Value.Check(ReachabilityResponse, body), JSON.stringify([...Value.Errors(ReachabilityResponse, body)].slice(0, 3)));
    assert.equal(body.port, 443);
    assert.equal(body.clientEphemeralPorts, '1024-65535');
    assert.equal(body.interfaces.length, 3);
    assert.deepEqual(
      body.workloads.map((group) => [group.verdict, group.eniIds.length, group.fixPlan?.provenForGroup]),
      [
        ['partial', 3, true],
        ['blocked', 1, true],
      ],
    );
    assert.deepEqual(
      body.exposure.findings.map((finding) => finding.kind),
      ['any-address', 'outside-trusted'],
    );
    assert.deepEqual(body.exposure.trustedCidrs, ['192.168.0.0/16']);
    assert.equal(first.headers['cache-status'], 'vpce-doctor; fwd=miss');
    const second = await test.app.inject({ method: 'GET', url });
    assert.equal(second.headers['cache-status'], 'vpce-doctor; hit');
    const otherRange = await test.app.inject({ method: 'GET', url: `${url}?clientEphemeralPorts=32768-65535&plans=false` });
    assert.equal(otherRange.headers['cache-status'], 'vpce-doctor; fwd=miss');
    const narrowed = otherRange.json();
    // With the return range the NACL allows, nothing warns; without plans, no group carries one.
    assert.equal(
      narrowed.interfaces[0].ipv4.some((item: { status: string }) => item.status === 'warn'),
      false,
    );
    assert.equal(
      narrowed.workloads.some((group: { fixPlan?: unknown }) => group.fixPlan),
      false,
    );
  });

  it('exports vpce_doctor_endpoint_exposed per endpoint and service port', async () => {
    const metrics = await test.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, new RegExp(`^vpce_doctor_endpoint_exposed\\{endpoint="${REACH.endpointId}",port="443"\\} 1$`, 'm'));
  });

  it('refuses bad input with problem+json naming the field', async () => {
    const cases: [string, number, string][] = [
      [`/v1/endpoints/${REACH.endpointId}/reachability?port=70000`, 400, 'query.port'],
      [`/v1/endpoints/${REACH.endpointId}/reachability?clientEphemeralPorts=9-3`, 400, 'query.clientEphemeralPorts'],
      [`/v1/endpoints/${REACH.endpointId}/reachability?fixScope=planet`, 400, 'query.fixScope'],
      ['/v1/endpoints/vpce-00000000000000000/reachability', 404, 'endpointId'],
    ];
    for (const [url, status, field] of cases) {
      const response = await test.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, status, `${url}: ${response.body}`);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.ok(JSON.stringify(response.json()).includes(field), `${url}: ${response.body}`);
    }
  });

  it('the fleet report with allWorkloads gives a row per (endpoint, workload group), and refuses a client beside it', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/v1/report?allWorkloads=true' });
    assert.equal(response.statusCode, 200, response.body);
    const body: unknown = response.json();
    assert.ok(Value.Check(FleetReportResponse, body));
    assert.deepEqual(
      body.items.map((row) => ('workload' in row ? [row.endpointId, row.verdict, row.workload?.eniIds.length] : row)),
      [
        [REACH.endpointId, 'partial', 3],
        [REACH.endpointId, 'blocked', 1],
      ],
    );
    const both = await test.app.inject({ method: 'GET', url: '/v1/report?allWorkloads=true&clientIp=10.0.1.25' });
    assert.equal(both.statusCode, 400);
    assert.equal(both.json()['invalid-params'][0].name, 'query.clientIp');
  });
});

describe('the reachability budget', () => {
  it(`costs ${REACHABILITY_COST} units of the caller's analysis budget`, async () => {
    const test = await buildTestApp({ config: { rateLimitMax: REACHABILITY_COST * 2 } });
    try {
      const url = `/v1/endpoints/${HEALTHY.endpointId}/reachability?plans=false`;
      assert.equal((await test.app.inject({ method: 'GET', url })).statusCode, 200);
      assert.equal((await test.app.inject({ method: 'GET', url })).statusCode, 200);
      const third = await test.app.inject({ method: 'GET', url });
      assert.equal(third.statusCode, 429, third.body);
    } finally {
      await test.app.close();
    }
  });
});
