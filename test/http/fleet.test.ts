import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { FleetReportResponse, UnitsResponse } from '../../src/http/schemas.js';
import { buildTestApp, EXAMPLES, type TestApp } from '../support/app.js';

/** The fleet over HTTP (issue: many accounts and regions): units, filters, unit-named analyses, the report. */

const FLEET = `${EXAMPLES}fleet-cross-account`;
const ENDPOINT = 'vpce-0c5df4b356e4e567d';

describe('fleet routes', () => {
  let test: TestApp;

  before(async () => {
    test = await buildTestApp({ snapshotDir: FLEET });
  });

  after(async () => {
    await test.app.close();
  });

  it('GET /v1/units lists each account and region with its state and counts', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/v1/units' });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.ok(Value.Check(UnitsResponse, body), JSON.stringify([...Value.Errors(UnitsResponse, body)].slice(0, 3)));
    assert.deepEqual(
      body.units.map((unit: { key: string; state: string; endpoints: number; loadBalancers: number }) => [
        unit.key,
        unit.state,
        unit.endpoints,
        unit.loadBalancers,
      ]),
      [
        ['111122223333/us-east-1', 'loaded', 1, 0],
        ['444455556666/us-east-1', 'loaded', 0, 1],
      ],
    );
  });

  it('GET /v1/endpoints names each endpoint unit and filters by accountId and region', async () => {
    const all = (await test.app.inject({ method: 'GET', url: '/v1/endpoints' })).json();
    assert.deepEqual(
      all.items.map((item: { id: string; accountId: string; region: string }) => [item.id, item.accountId, item.region]),
      [[ENDPOINT, '111122223333', 'us-east-1']],
    );
    const provider = (await test.app.inject({ method: 'GET', url: '/v1/endpoints?accountId=444455556666' })).json();
    assert.deepEqual(provider.items, []);
    const bad = await test.app.inject({ method: 'GET', url: '/v1/endpoints?accountId=12' });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers['content-type']), /application\/problem\+json/);
  });

  it('analyses join the provider account and accept the unit', async () => {
    const response = await test.app.inject({
      method: 'GET',
      url: `/v1/endpoints/${ENDPOINT}/analysis?clientIp=10.0.1.25&port=443&accountId=111122223333&region=us-east-1`,
    });
    assert.equal(response.statusCode, 200, response.body);
    const report = response.json();
    assert.equal(report.verdict, 'blocked');
    assert.equal(report.provider.accountId, '444455556666');
    const wrongUnit = await test.app.inject({ method: 'GET', url: `/v1/endpoints/${ENDPOINT}/analysis?clientIp=10.0.1.25&port=443&accountId=444455556666` });
    assert.equal(wrongUnit.statusCode, 404);
  });

  it('GET /v1/report gives a row per endpoint, paginated', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/v1/report?clientIp=10.0.1.25&limit=1' });
    assert.equal(response.statusCode, 200, response.body);
    const body: unknown = response.json();
    assert.ok(Value.Check(FleetReportResponse, body));
    assert.equal(body.total, 1);
    assert.equal(body.nextToken, undefined);
    assert.deepEqual(
      body.items.map((row) => ('failing' in row ? [row.endpointId, row.verdict, row.failing, row.providerAccountId] : row)),
      [[ENDPOINT, 'blocked', ['target.sg.inbound'], '444455556666']],
    );
    const noClient = await test.app.inject({ method: 'GET', url: '/v1/report' });
    assert.equal(noClient.statusCode, 400);
    const badToken = await test.app.inject({ method: 'GET', url: '/v1/report?clientIp=10.0.1.25&nextToken=xyz' });
    assert.equal(badToken.statusCode, 400);
  });
});

describe('ambiguous ids over HTTP', () => {
  it('answers 409 problem+json listing both units', async () => {
    const { cp, mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'vpce-doctor-ambiguous-'));
    try {
      await cp(FLEET, dir, { recursive: true });
      await cp(join(dir, '111122223333'), join(dir, '999988887777'), { recursive: true });
      const test = await buildTestApp({ snapshotDir: dir });
      const response = await test.app.inject({ method: 'GET', url: `/v1/endpoints/${ENDPOINT}/analysis?clientIp=10.0.1.25&port=443` });
      assert.equal(response.statusCode, 409, response.body);
      const problem = response.json();
      assert.equal(problem.type, 'urn:vpce-doctor:problem:ambiguous-id');
      assert.match(problem.detail, /111122223333\/us-east-1.*999988887777\/us-east-1/);
      const named = await test.app.inject({ method: 'GET', url: `/v1/endpoints/${ENDPOINT}?accountId=999988887777` });
      assert.equal(named.statusCode, 200);
      assert.equal(named.json().accountId, '999988887777');
      await test.app.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
