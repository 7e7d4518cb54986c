import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEFAULT_SNAPSHOT_DIR } from '../../src/sources/snapshot/bundled.js';
import { EXAMPLES, HEALTHY, buildTestApp } from '../support/app.js';

/** POST /v1/endpoints/{id}/what-if and POST /v1/blast-radius (contract §7), through fastify.inject. */

/** The endpoint security group admits only tcp 80: blocked on 443 until the plan's rule is added. */
const SG_MISSING = { dir: `${EXAMPLES}endpoint-sg-missing-port`, endpointId: 'vpce-04d16890aa090a0c4', clientIp: '10.0.1.25', groupId: 'sg-0d3885bab18906d3d' };
/** The bundled example: the endpoint group admits the app servers' group; the endpoint subnets share one NACL. */
const BUNDLED = { endpointGroupId: 'sg-0d3885bab18906d3d', clientGroupId: 'sg-0c44172a126845ea3', endpointAclId: 'acl-008be4887e6e3c374' };

interface Change {
  readonly op: string;
  readonly kind: string;
  readonly [field: string]: unknown;
}
interface MovedCheck {
  readonly id: string;
  readonly before: string;
  readonly after: string;
  readonly scope: { readonly networkInterfaceId?: string };
}
interface WhatIf {
  readonly endpointId: string;
  readonly client: string;
  readonly changes: Change[];
  readonly verdictBefore: string;
  readonly verdictAfter: string;
  readonly moved: MovedCheck[];
  readonly after: { readonly verdict: string; readonly fixPlan: { readonly changes: Change[] } };
}
interface BlastRadius {
  readonly pairsAnalysed: number;
  readonly pairsMoved: number;
  readonly breaks: number;
  readonly endpoints: {
    endpointId: string;
    pairs: { client: { ipAddress: string; networkInterfaceId?: string }; verdictBefore: string; verdictAfter: string; breaks: boolean; moved: MovedCheck[] }[];
  }[];
  readonly skipped: unknown[];
}
interface Problem {
  readonly type: string;
  readonly status: number;
  readonly detail?: string;
  readonly 'invalid-params'?: { name: string; reason: string }[];
}

const removeAppServersRule: Change = {
  op: 'remove',
  kind: 'sg-rule',
  groupId: BUNDLED.endpointGroupId,
  direction: 'inbound',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  peerGroupId: BUNDLED.clientGroupId,
};

function problem(response: LightMyRequestResponse, status: number, code: string): Problem {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json() as Problem;
  assert.equal(body.type, `urn:vpce-doctor:problem:${code}`);
  assert.equal(body.status, status);
  return body;
}

let app: FastifyInstance;
let healthy: FastifyInstance;
/** The fix plan of the blocked pair, from its analysis. */
let planChanges: Change[];

before(async () => {
  ({ app } = await buildTestApp({ snapshotDir: SG_MISSING.dir }));
  ({ app: healthy } = await buildTestApp());
  const analysis = await app.inject({
    method: 'POST',
    url: `/v1/endpoints/${SG_MISSING.endpointId}/analyses`,
    payload: { client: { ip: SG_MISSING.clientIp }, port: 443 },
  });
  planChanges = (analysis.json() as { fixPlan: { changes: Change[] } }).fixPlan.changes;
});
after(async () => {
  await app.close();
  await healthy.close();
});

const whatIfUrl = `/v1/endpoints/${SG_MISSING.endpointId}/what-if`;
const whatIf = (target: FastifyInstance, url: string, payload: object) => target.inject({ method: 'POST', url, payload });

describe('POST /v1/endpoints/{id}/what-if', () => {
  it("proves the analysis' own fix plan: fed back, it gives reachable, and the checks it fixes move", async () => {
    assert.ok(planChanges.length > 0, 'the blocked pair has a plan');
    const response = await whatIf(app, whatIfUrl, { client: { ip: SG_MISSING.clientIp }, port: 443, changes: planChanges });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['cache-status']), /^vpce-doctor; fwd=miss/, 'never from a cache');
    const body = response.json() as WhatIf;
    assert.equal(body.endpointId, SG_MISSING.endpointId);
    assert.equal(body.client, SG_MISSING.clientIp);
    assert.deepEqual(body.changes, planChanges);
    assert.equal(body.verdictBefore, 'blocked');
    assert.equal(body.verdictAfter, 'reachable');
    assert.equal(body.after.verdict, 'reachable');
    assert.deepEqual(body.after.fixPlan.changes, [], 'nothing is left to change after the plan');
    const sgMoves = body.moved.filter((check) => check.id === 'endpoint.sg.inbound');
    assert.equal(sgMoves.length, 3, 'one per endpoint network interface');
    assert.ok(sgMoves.every((check) => check.before === 'fail' && check.after === 'pass' && check.scope.networkInterfaceId));
    assert.ok(body.moved.every((check) => check.before !== check.after));
  });

  it('with no changes gives the analysis verdict before and after, and no check moves', async () => {
    const analysis = (
      await app.inject({ method: 'GET', url: `/v1/endpoints/${SG_MISSING.endpointId}/analysis?clientIp=${SG_MISSING.clientIp}&port=443` })
    ).json() as { verdict: string };
    const response = await whatIf(app, whatIfUrl, { client: { ip: SG_MISSING.clientIp }, port: 443, changes: [] });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as WhatIf;
    assert.equal(analysis.verdict, 'blocked');
    assert.equal(body.verdictBefore, analysis.verdict);
    assert.equal(body.verdictAfter, analysis.verdict);
    assert.deepEqual(body.moved, []);
    assert.deepEqual(body.after.fixPlan.changes, planChanges, 'the report after is the analysis itself, with the same plan');
  });

  it('takes fixScope for the plan of the report after', async () => {
    const response = await whatIf(app, whatIfUrl, { client: { ip: SG_MISSING.clientIp }, port: 443, fixScope: 'subnet', changes: [] });
    const body = response.json() as WhatIf & { after: { fixPlan: { scope: string } } };
    assert.equal(body.after.fixPlan.scope, 'subnet');
    assert.deepEqual(
      body.after.fixPlan.changes.map((change) => change.cidr),
      ['10.0.1.0/24'],
    );
  });

  it('shows what a harmful change does: removing the rule that admits the client blocks it', async () => {
    const response = await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, {
      client: { instanceId: HEALTHY.instanceId },
      changes: [removeAppServersRule],
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as WhatIf;
    assert.equal(body.verdictBefore, 'reachable');
    assert.equal(body.verdictAfter, 'blocked');
    assert.deepEqual([...new Set(body.moved.map((check) => `${check.id} ${check.before}->${check.after}`))], ['endpoint.sg.inbound pass->fail']);
  });

  it('answers 422 invalid-change naming every change at fault by index and field, prefixed body.', async () => {
    const admitSubnet: Change = {
      op: 'add',
      kind: 'sg-rule',
      groupId: BUNDLED.endpointGroupId,
      direction: 'inbound',
      protocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidr: '10.0.1.0/24',
    };
    const changes: Change[] = [
      { ...admitSubnet, groupId: 'sg-0000000000000000f' }, // 0: a group not in the data
      admitSubnet, // 1: applies
      {
        op: 'add',
        kind: 'nacl-entry',
        networkAclId: BUNDLED.endpointAclId,
        egress: false,
        ruleNumber: 100,
        protocol: '6',
        fromPort: 443,
        toPort: 443,
        cidr: '10.0.1.25/32',
        action: 'deny',
      }, // 2: rule number taken
      admitSubnet, // 3: a duplicate of change 1
      { ...removeAppServersRule, op: 'add' }, // 4: a rule the group already has
      { op: 'remove', kind: 'nacl-entry', networkAclId: 'acl-0000000000000000f', egress: true, ruleNumber: 100 }, // 5: a NACL not in the data
    ];
    const response = await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, { client: { ip: HEALTHY.clientIp }, changes });
    const body = problem(response, 422, 'invalid-change');
    assert.deepEqual(
      body['invalid-params']!.map((param) => param.name),
      ['body.changes.0.groupId', 'body.changes.2.ruleNumber', 'body.changes.3.groupId', 'body.changes.4.groupId', 'body.changes.5.networkAclId'],
    );
    const reasons = Object.fromEntries(body['invalid-params']!.map((param) => [param.name, param.reason]));
    assert.match(reasons['body.changes.0.groupId']!, /sg-0000000000000000f is not in the data/);
    assert.match(reasons['body.changes.2.ruleNumber']!, /rule number 100 is taken/);
    assert.match(reasons['body.changes.3.groupId']!, /duplicate/);
    assert.match(body.detail!, /^body\.changes\.0\.groupId: /);
  });

  it('refuses a change of the wrong shape with 400, naming its field', async () => {
    const unknownKind = problem(
      await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, {
        client: { ip: HEALTHY.clientIp },
        changes: [removeAppServersRule, { op: 'add', kind: 'route' }],
      }),
      400,
      'validation-failed',
    );
    assert.equal(unknownKind['invalid-params']![0]!.name, 'body.changes.1.kind');
    const badRuleNumber = {
      op: 'add',
      kind: 'nacl-entry',
      networkAclId: BUNDLED.endpointAclId,
      egress: false,
      ruleNumber: 0,
      protocol: '6',
      cidr: '10.0.1.25/32',
      action: 'deny',
    };
    const outOfRange = problem(
      await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, { client: { ip: HEALTHY.clientIp }, changes: [badRuleNumber] }),
      400,
      'validation-failed',
    );
    assert.deepEqual(
      outOfRange['invalid-params']!.map((param) => param.name),
      ['body.changes.0.ruleNumber'],
    );
    const missing = problem(
      await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, { client: { ip: HEALTHY.clientIp } }),
      400,
      'validation-failed',
    );
    assert.equal(missing['invalid-params']![0]!.name, 'body.changes');
    const probe = problem(
      await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, { client: { ip: HEALTHY.clientIp }, probe: true, changes: [] }),
      400,
      'validation-failed',
    );
    assert.equal(probe['invalid-params']![0]!.name, 'body.probe');
  });

  it('refuses more than 200 changes', async () => {
    const { app: roomy } = await buildTestApp({ config: { bodyLimitBytes: 1_000_000 } });
    try {
      const ok = await whatIf(roomy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, {
        client: { ip: HEALTHY.clientIp },
        changes: Array.from({ length: 200 }, (_, index) => ({
          ...removeAppServersRule,
          op: 'add',
          cidr: `10.${Math.floor(index / 250)}.${index % 250}.0/24`,
          peerGroupId: undefined,
        })),
      });
      assert.equal(ok.statusCode, 200, ok.body);
      const body = problem(
        await whatIf(roomy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, {
          client: { ip: HEALTHY.clientIp },
          changes: Array.from({ length: 201 }, () => removeAppServersRule),
        }),
        400,
        'validation-failed',
      );
      assert.equal(body['invalid-params']![0]!.name, 'body.changes');
    } finally {
      await roomy.close();
    }
  });

  it('answers the analysis problems: an endpoint or client not in the data, a bad client IP', async () => {
    problem(
      await whatIf(healthy, '/v1/endpoints/vpce-0000000000000000f/what-if', { client: { ip: HEALTHY.clientIp }, changes: [] }),
      404,
      'endpoint-not-found',
    );
    problem(
      await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, { client: { eniId: 'eni-0000000000000000f' }, changes: [] }),
      404,
      'client-not-found',
    );
    const badIp = problem(
      await whatIf(healthy, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, { client: { ip: '010.0.1.25' }, changes: [] }),
      400,
      'invalid-ip',
    );
    assert.equal(badIp['invalid-params']![0]!.name, 'body.client.ip');
  });
});

describe('POST /v1/blast-radius', () => {
  const blast = (target: FastifyInstance, payload: object) => target.inject({ method: 'POST', url: '/v1/blast-radius', payload });

  it('finds the pair a change breaks', async () => {
    const response = await blast(healthy, { changes: [removeAppServersRule] });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as BlastRadius;
    assert.equal(body.breaks, 1);
    assert.equal(body.pairsMoved, 1);
    assert.deepEqual(
      body.endpoints.map((endpoint) => endpoint.endpointId),
      [HEALTHY.endpointId],
    );
    const pair = body.endpoints[0]!.pairs[0]!;
    assert.equal(pair.client.ipAddress, HEALTHY.clientIp);
    assert.equal(pair.verdictBefore, 'reachable');
    assert.equal(pair.verdictAfter, 'blocked');
    assert.equal(pair.breaks, true);
    assert.ok(pair.moved.length > 0 && pair.moved.every((check) => check.id === 'endpoint.sg.inbound'));
  });

  it('finds the pair a fix plan repairs, and judges the client IPs asked for', async () => {
    const subnetPlan = (
      (
        await app.inject({ method: 'GET', url: `/v1/endpoints/${SG_MISSING.endpointId}/analysis?clientIp=${SG_MISSING.clientIp}&port=443&fixScope=subnet` })
      ).json() as { fixPlan: { changes: Change[] } }
    ).fixPlan.changes;
    assert.deepEqual(
      subnetPlan.map((change) => change.cidr),
      ['10.0.1.0/24'],
      'admits 10.0.1.26 too',
    );
    const response = await blast(app, { changes: subnetPlan, clientIps: ['10.0.1.26'], port: 443 });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as BlastRadius;
    assert.equal(body.breaks, 0);
    const pairs = body.endpoints.flatMap((endpoint) => endpoint.pairs);
    const repaired = pairs.find((pair) => pair.client.ipAddress === SG_MISSING.clientIp);
    assert.equal(repaired?.verdictBefore, 'blocked');
    assert.equal(repaired?.verdictAfter, 'reachable');
    const extra = pairs.find((pair) => pair.client.ipAddress === '10.0.1.26');
    assert.ok(extra, 'the extra client IP is judged too');
    assert.equal(extra.client.networkInterfaceId, undefined);
    assert.ok(extra.moved.some((check) => check.id === 'endpoint.sg.inbound' && check.after === 'pass'));
    const without = (await blast(app, { changes: subnetPlan, port: 443 })).json() as BlastRadius;
    assert.ok(!without.endpoints.flatMap((endpoint) => endpoint.pairs).some((pair) => pair.client.ipAddress === '10.0.1.26'), 'only when asked for');
  });

  it('with no changes, or changes that move nothing, lists no endpoint', async () => {
    const empty = await blast(healthy, { changes: [] });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), { changes: [], pairsAnalysed: 0, pairsMoved: 0, breaks: 0, endpoints: [], skipped: [] });
    const unrelated = await blast(healthy, {
      changes: [
        { op: 'add', kind: 'sg-rule', groupId: 'sg-0420e291bc62e8af7', direction: 'inbound', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/16' },
      ],
    });
    assert.equal(unrelated.statusCode, 200, unrelated.body);
    assert.deepEqual((unrelated.json() as BlastRadius).endpoints, []);
  });

  it('answers 422 invalid-change naming the change, and 400 invalid-ip naming each bad client IP', async () => {
    const invalid = problem(
      await blast(healthy, { changes: [removeAppServersRule, { ...removeAppServersRule, groupId: 'sg-0000000000000000f' }] }),
      422,
      'invalid-change',
    );
    assert.deepEqual(
      invalid['invalid-params']!.map((param) => param.name),
      ['body.changes.1.groupId'],
    );
    const badIps = problem(await blast(healthy, { changes: [], clientIps: ['10.0.1.26', '10.1', 'fe80::1', 'localhost'] }), 400, 'invalid-ip');
    assert.deepEqual(
      badIps['invalid-params']!.map((param) => param.name),
      ['body.clientIps.1', 'body.clientIps.3'],
    );
    const short = problem(await blast(healthy, { changes: [], clientIps: ['x'] }), 400, 'invalid-ip');
    assert.equal(short['invalid-params']![0]!.name, 'body.clientIps.0');
    const noChanges = problem(await blast(healthy, { clientIps: ['10.0.1.26'] }), 400, 'validation-failed');
    assert.equal(noChanges['invalid-params']![0]!.name, 'body.changes');
  });
});

describe('the analysis budget', () => {
  it('a what-if spends 2 units and a blast radius 10, from the one budget of the analysis routes', async () => {
    const analysisUrl = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`;
    const whatIfBody = { client: { ip: HEALTHY.clientIp }, changes: [] };
    const { app: four } = await buildTestApp({ config: { rateLimitMax: 4 } });
    try {
      assert.equal((await whatIf(four, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, whatIfBody)).statusCode, 200);
      assert.equal((await whatIf(four, `/v1/endpoints/${HEALTHY.endpointId}/what-if`, whatIfBody)).statusCode, 200);
      const refused = await four.inject({ method: 'GET', url: analysisUrl });
      problem(refused, 429, 'too-many-requests');
      assert.ok(refused.headers['retry-after']);
    } finally {
      await four.close();
    }
    const { app: twenty } = await buildTestApp({ config: { rateLimitMax: 21 } });
    try {
      assert.equal((await blast20(twenty)).statusCode, 200);
      assert.equal((await blast20(twenty)).statusCode, 200);
      assert.equal((await twenty.inject({ method: 'GET', url: analysisUrl })).statusCode, 200, 'the 21st unit');
      problem(await twenty.inject({ method: 'GET', url: analysisUrl }), 429, 'too-many-requests');
    } finally {
      await twenty.close();
    }
    // A budget smaller than the price: the call takes the whole budget, and can still be made.
    const { app: three } = await buildTestApp({ config: { rateLimitMax: 3 } });
    try {
      assert.equal((await blast20(three)).statusCode, 200);
      problem(await three.inject({ method: 'GET', url: analysisUrl }), 429, 'too-many-requests');
    } finally {
      await three.close();
    }
  });

  function blast20(target: FastifyInstance) {
    return target.inject({ method: 'POST', url: '/v1/blast-radius', payload: { changes: [] } });
  }
});

describe('concurrency', () => {
  it('interleaved what-ifs, blast radii and analyses each see only their own changes', async () => {
    const subnetPlan = (
      (
        await app.inject({ method: 'GET', url: `/v1/endpoints/${SG_MISSING.endpointId}/analysis?clientIp=${SG_MISSING.clientIp}&port=443&fixScope=vpc` })
      ).json() as { fixPlan: { changes: Change[] } }
    ).fixPlan.changes;
    assert.notDeepEqual(subnetPlan, planChanges);
    const analysisUrl = `/v1/endpoints/${SG_MISSING.endpointId}/analysis?clientIp=${SG_MISSING.clientIp}&port=443`;
    const kinds = ['analysis', 'plan', 'vpc-plan', 'none', 'blast', 'post-analysis'] as const;
    const requests = Array.from({ length: 60 }, (_, index) => kinds[index % kinds.length]!);
    const answers = await Promise.all(
      requests.map(async (kind, index) => {
        // Fresh analyses now and then, so some are computed while what-ifs run.
        const refresh = index % 7 === 0 ? '&refresh=true' : '';
        switch (kind) {
          case 'analysis':
            return { kind, body: (await app.inject({ method: 'GET', url: `${analysisUrl}${refresh}` })).json() as { verdict: string } };
          case 'post-analysis':
            return {
              kind,
              body: (
                await app.inject({
                  method: 'POST',
                  url: `/v1/endpoints/${SG_MISSING.endpointId}/analyses`,
                  payload: { client: { ip: SG_MISSING.clientIp }, port: 443 },
                })
              ).json() as { verdict: string },
            };
          case 'plan':
            return { kind, body: (await whatIf(app, whatIfUrl, { client: { ip: SG_MISSING.clientIp }, port: 443, changes: planChanges })).json() as WhatIf };
          case 'vpc-plan':
            return { kind, body: (await whatIf(app, whatIfUrl, { client: { ip: SG_MISSING.clientIp }, port: 443, changes: subnetPlan })).json() as WhatIf };
          case 'none':
            return { kind, body: (await whatIf(app, whatIfUrl, { client: { ip: SG_MISSING.clientIp }, port: 443, changes: [] })).json() as WhatIf };
          case 'blast':
            return {
              kind,
              body: (await app.inject({ method: 'POST', url: '/v1/blast-radius', payload: { changes: planChanges, port: 443 } })).json() as BlastRadius,
            };
        }
      }),
    );
    for (const { kind, body } of answers) {
      if (kind === 'analysis' || kind === 'post-analysis') {
        assert.equal((body as { verdict: string }).verdict, 'blocked', 'the data itself never changes');
      } else if (kind === 'blast') {
        const pairs = (body as BlastRadius).endpoints.flatMap((endpoint) => endpoint.pairs);
        assert.ok(pairs.some((pair) => pair.client.ipAddress === SG_MISSING.clientIp && pair.verdictBefore === 'blocked' && pair.verdictAfter === 'reachable'));
      } else {
        const result = body as WhatIf;
        const own = kind === 'plan' ? planChanges : kind === 'vpc-plan' ? subnetPlan : [];
        assert.deepEqual(result.changes, own);
        assert.equal(result.verdictBefore, 'blocked');
        assert.equal(result.verdictAfter, kind === 'none' ? 'blocked' : 'reachable');
        assert.equal(result.moved.length === 0, kind === 'none');
      }
    }
    const afterwards = (await app.inject({ method: 'GET', url: `${analysisUrl}&refresh=true` })).json() as { verdict: string };
    assert.equal(afterwards.verdict, 'blocked');
  });
});

describe('the OpenAPI request examples', () => {
  const document = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; in: string; example?: unknown; schema: { examples?: unknown[] } }[];
          requestBody?: { content: Record<string, { examples?: Record<string, { summary: string; value: object }> }> };
        }
      >
    >;
  };

  it('run as they are against the bundled example the service serves by default', async () => {
    const { app: bundled } = await buildTestApp({ snapshotDir: DEFAULT_SNAPSHOT_DIR });
    try {
      const whatIfExamples = document.paths['/v1/endpoints/{id}/what-if']!.post!.requestBody!.content['application/json']!.examples!;
      const idExample = document.paths['/v1/endpoints/{id}/what-if']!.post!.parameters!.find((parameter) => parameter.name === 'id')!.example;
      assert.ok(Object.keys(whatIfExamples).length >= 2);
      for (const [name, { value }] of Object.entries(whatIfExamples)) {
        const response = await whatIf(bundled, `/v1/endpoints/${String(idExample)}/what-if`, value);
        assert.equal(response.statusCode, 200, `${name}: ${response.body}`);
        const body = response.json() as WhatIf;
        assert.equal(body.verdictAfter, body.changes.length === 0 ? body.verdictBefore : 'blocked', name);
      }
      const blastExamples = document.paths['/v1/blast-radius']!.post!.requestBody!.content['application/json']!.examples!;
      assert.ok(Object.keys(blastExamples).length >= 1);
      for (const [name, { value }] of Object.entries(blastExamples)) {
        const response = await bundled.inject({ method: 'POST', url: '/v1/blast-radius', payload: value });
        assert.equal(response.statusCode, 200, `${name}: ${response.body}`);
        assert.ok((response.json() as BlastRadius).pairsMoved > 0, `${name} moves a pair`);
      }
      // GET …/analysis with the parameters "Try it out" pre-fills (clientIp; nothing that changes the question),
      // then the same question as a script (format=sh, chosen, not pre-filled).
      const analysisParameters = document.paths['/v1/endpoints/{id}/analysis']!.get!.parameters!;
      const prefilled = analysisParameters.flatMap((parameter) => {
        const example = parameter.example ?? parameter.schema.examples?.[0];
        return parameter.in === 'query' && example !== undefined ? [`${parameter.name}=${String(example)}`] : [];
      });
      assert.ok(prefilled.includes('clientIp=10.0.1.25'), prefilled.join('&'));
      assert.ok(!prefilled.some((pair) => /^(format|fixScope|clientEphemeralPorts)=/.test(pair)), prefilled.join('&'));
      const report = await bundled.inject({ method: 'GET', url: `/v1/endpoints/${String(idExample)}/analysis?${prefilled.join('&')}` });
      assert.equal(report.statusCode, 200, report.body);
      const script = await bundled.inject({ method: 'GET', url: `/v1/endpoints/${String(idExample)}/analysis?${prefilled.join('&')}&format=sh` });
      assert.equal(script.statusCode, 200, script.body);
      assert.equal(script.headers['content-type'], 'text/x-shellscript; charset=utf-8');
    } finally {
      await bundled.close();
    }
  });
});
