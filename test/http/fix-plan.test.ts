import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { EXAMPLES, HEALTHY, buildTestApp } from '../support/app.js';

/** The fix plan over HTTP: `fixScope` on every analysis (and in the cache key), and `format=sh`. */

/** The endpoint security group admits only tcp 80: the plan adds tcp 443 from the client (scope client) or its subnet (scope subnet). */
const SG_MISSING = { dir: `${EXAMPLES}endpoint-sg-missing-port`, endpointId: 'vpce-04d16890aa090a0c4', clientIp: '10.0.1.25', groupId: 'sg-0d3885bab18906d3d' };

interface PlanChange {
  readonly kind: string;
  readonly groupId?: string;
  readonly cidr?: string;
}
interface Report {
  readonly verdict: string;
  readonly fixPlan: {
    readonly scope: string;
    readonly changes: PlanChange[];
    readonly script: string;
    readonly verified: boolean;
    readonly verdictAfter: string;
  };
  readonly cache: { readonly status: string };
}

let app: FastifyInstance;

before(async () => {
  ({ app } = await buildTestApp({ snapshotDir: SG_MISSING.dir }));
});
after(async () => {
  await app.close();
});

const analysisUrl = (query: string) => `/v1/endpoints/${SG_MISSING.endpointId}/analysis?clientIp=${SG_MISSING.clientIp}&port=443${query}`;

function cidrsOf(report: Report): string[] {
  return report.fixPlan.changes.map((change) => `${change.kind} ${change.groupId ?? ''} ${change.cidr ?? ''}`);
}

describe('fixScope', () => {
  it('widens the peer of the plan from the client /32 to its subnet (POST body)', async () => {
    const post = async (fixScope?: string) => {
      const response = await app.inject({
        method: 'POST',
        url: `/v1/endpoints/${SG_MISSING.endpointId}/analyses`,
        payload: { client: { ip: SG_MISSING.clientIp }, port: 443, ...(fixScope ? { fixScope } : {}) },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as Report;
    };
    const byDefault = await post();
    const client = await post('client');
    const subnet = await post('subnet');
    assert.equal(byDefault.verdict, 'blocked');
    assert.equal(byDefault.fixPlan.scope, 'client');
    assert.deepEqual(cidrsOf(byDefault), [`sg-rule ${SG_MISSING.groupId} 10.0.1.25/32`]);
    assert.deepEqual(cidrsOf(client), cidrsOf(byDefault));
    assert.equal(subnet.fixPlan.scope, 'subnet');
    assert.deepEqual(cidrsOf(subnet), [`sg-rule ${SG_MISSING.groupId} 10.0.1.0/24`]);
    assert.ok(subnet.fixPlan.verified && client.fixPlan.verified);
  });

  it('is read from the query string of GET …/analysis', async () => {
    const vpc = (await app.inject({ method: 'GET', url: analysisUrl('&fixScope=vpc') })).json() as Report;
    assert.equal(vpc.fixPlan.scope, 'vpc');
    assert.ok(vpc.fixPlan.changes.length > 1, 'scope vpc admits every captured subnet of the VPC');
    assert.ok(vpc.fixPlan.changes.some((change) => change.cidr === '10.0.1.0/24'));
  });

  it('is part of the cache key: two scopes are two analyses, each cached on its own', async () => {
    const url = (scope: string) => analysisUrl(`&clientEphemeralPorts=linux&fixScope=${scope}`);
    const first = await app.inject({ method: 'GET', url: url('client') });
    const other = await app.inject({ method: 'GET', url: url('subnet') });
    const again = await app.inject({ method: 'GET', url: url('client') });
    assert.equal(first.headers['cache-status'], 'vpce-doctor; fwd=miss');
    assert.equal(other.headers['cache-status'], 'vpce-doctor; fwd=miss', 'another scope is not served the first scope’s report');
    assert.equal(again.headers['cache-status'], 'vpce-doctor; hit');
    assert.notDeepEqual(cidrsOf(first.json() as Report), cidrsOf(other.json() as Report));
    assert.deepEqual(cidrsOf(again.json() as Report), cidrsOf(first.json() as Report));
    assert.equal((other.json() as Report).fixPlan.scope, 'subnet');
  });

  it('no scope and scope client are the same analysis, served from one cache entry', async () => {
    await app.inject({ method: 'GET', url: analysisUrl('&clientEphemeralPorts=windows') });
    const explicit = await app.inject({ method: 'GET', url: analysisUrl('&clientEphemeralPorts=windows&fixScope=client') });
    assert.equal(explicit.headers['cache-status'], 'vpce-doctor; hit');
  });

  it('is taken per item of POST /v1/analyses', async () => {
    const item = { endpointId: SG_MISSING.endpointId, client: { ip: SG_MISSING.clientIp }, port: 443 };
    const response = await app.inject({
      method: 'POST',
      url: '/v1/analyses',
      payload: { items: [{ ...item, fixScope: 'subnet' }, { ...item, fixScope: 'client' }, item] },
    });
    assert.equal(response.statusCode, 200);
    const { results } = response.json() as { results: { status: number; analysis: Report }[] };
    assert.deepEqual(
      results.map((result) => result.analysis.fixPlan.scope),
      ['subnet', 'client', 'client'],
    );
    assert.deepEqual(cidrsOf(results[0]!.analysis), [`sg-rule ${SG_MISSING.groupId} 10.0.1.0/24`]);
    assert.deepEqual(cidrsOf(results[1]!.analysis), [`sg-rule ${SG_MISSING.groupId} 10.0.1.25/32`]);
  });

  it('refuses a scope that is not client, subnet or vpc, naming the field', async () => {
    const fromBody = await app.inject({
      method: 'POST',
      url: `/v1/endpoints/${SG_MISSING.endpointId}/analyses`,
      payload: { client: { ip: SG_MISSING.clientIp }, fixScope: 'account' },
    });
    assert.equal(fromBody.statusCode, 400);
    assert.equal((fromBody.json() as { 'invalid-params': { name: string }[] })['invalid-params'][0]!.name, 'body.fixScope');
    const fromQuery = await app.inject({ method: 'GET', url: analysisUrl('&fixScope=everyone') });
    assert.equal(fromQuery.statusCode, 400);
    assert.equal((fromQuery.json() as { 'invalid-params': { name: string }[] })['invalid-params'][0]!.name, 'query.fixScope');
    const fromBatch = await app.inject({
      method: 'POST',
      url: '/v1/analyses',
      payload: { items: [{ endpointId: SG_MISSING.endpointId, client: { ip: SG_MISSING.clientIp }, fixScope: 'x' }] },
    });
    assert.equal(fromBatch.statusCode, 400);
    assert.equal((fromBatch.json() as { 'invalid-params': { name: string }[] })['invalid-params'][0]!.name, 'body.items.0.fixScope');
  });
});

describe('format=sh', () => {
  it('answers the fix plan as a shell script: the JSON report’s fixPlan.script, byte for byte', async () => {
    const json = await app.inject({ method: 'GET', url: analysisUrl('&fixScope=subnet') });
    const script = await app.inject({ method: 'GET', url: analysisUrl('&fixScope=subnet&format=sh') });
    assert.equal(script.statusCode, 200);
    assert.equal(script.headers['content-type'], 'text/x-shellscript; charset=utf-8');
    const report = json.json() as Report;
    assert.equal(script.body, report.fixPlan.script);
    assert.match(script.body, /^#!\/usr\/bin\/env bash\n/);
    assert.match(script.body, /^set -euo pipefail$/m);
    assert.match(script.body, /^aws .* ec2 authorize-security-group-ingress --group-id sg-0d3885bab18906d3d /m);
    assert.match(script.body, /10\.0\.1\.0\/24/, 'the script is the plan of the scope asked for');
    assert.doesNotMatch(script.body, /10\.0\.1\.25\/32/);
  });

  it('keeps the cache headers of the JSON answer: the same cached analysis', async () => {
    const url = analysisUrl('&clientEphemeralPorts=nlb');
    const first = await app.inject({ method: 'GET', url: `${url}&format=sh` });
    assert.equal(first.headers['cache-status'], 'vpce-doctor; fwd=miss');
    assert.match(String(first.headers.age), /^\d+$/);
    const json = await app.inject({ method: 'GET', url: `${url}&format=json` });
    assert.equal(json.headers['cache-status'], 'vpce-doctor; hit', 'format is not part of the cache key: one analysis, two renderings');
    assert.match(String(json.headers['content-type']), /^application\/json/);
    const again = await app.inject({ method: 'GET', url: `${url}&format=sh` });
    assert.equal(again.headers['cache-status'], 'vpce-doctor; hit');
    assert.match(String(again.headers.age), /^\d+$/);
    assert.equal(again.body, first.body);
  });

  it('format=json is the default, unchanged', async () => {
    const plain = await app.inject({ method: 'GET', url: analysisUrl('&clientEphemeralPorts=32768-60999') });
    const json = await app.inject({ method: 'GET', url: analysisUrl('&clientEphemeralPorts=32768-60999&format=json') });
    assert.match(String(json.headers['content-type']), /^application\/json; charset=utf-8/);
    const { cache: _ignored, ...withoutCache } = json.json() as Report;
    const { cache: _plain, ...plainWithoutCache } = plain.json() as Report;
    assert.deepEqual(withoutCache, plainWithoutCache);
  });

  it('HEAD answers the script’s content type and length, without the body', async () => {
    const get = await app.inject({ method: 'GET', url: analysisUrl('&format=sh') });
    const head = await app.inject({ method: 'HEAD', url: analysisUrl('&format=sh') });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-type'], 'text/x-shellscript; charset=utf-8');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)));
    assert.equal(head.body, '');
  });

  it('a reachable pair gets a script that changes nothing', async () => {
    const { app: healthy } = await buildTestApp();
    try {
      const response = await healthy.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&format=sh` });
      assert.equal(response.statusCode, 200);
      assert.match(response.body, /^set -euo pipefail$/m);
      assert.match(response.body, /Nothing to change/);
      assert.doesNotMatch(response.body, / ec2 /);
    } finally {
      await healthy.close();
    }
  });

  it('refuses another format, and errors stay problem+json', async () => {
    const bad = await app.inject({ method: 'GET', url: analysisUrl('&format=yaml') });
    assert.equal(bad.statusCode, 400);
    assert.equal((bad.json() as { 'invalid-params': { name: string }[] })['invalid-params'][0]!.name, 'query.format');
    const missing = await app.inject({ method: 'GET', url: `/v1/endpoints/vpce-0000000000000000f/analysis?clientIp=${SG_MISSING.clientIp}&format=sh` });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
  });
});
