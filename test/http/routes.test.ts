import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { HEALTHY, buildTestApp, EXAMPLES } from '../support/app.js';

/** Every route of the API and every error it documents, through fastify.inject. */

let app: FastifyInstance;

before(async () => {
  ({ app } = await buildTestApp());
});
after(async () => {
  await app.close();
});

async function problem(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, code: string) {
  assert.equal(response.statusCode, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json() as { type: string; title: string; status: number; detail?: string; 'invalid-params'?: { name: string; reason: string }[] };
  assert.equal(body.type, `urn:vpce-doctor:problem:${code}`);
  assert.equal(body.status, status);
  assert.ok(body.title.length > 0);
  return body;
}

describe('GET /v1/endpoints', () => {
  it('lists the interface endpoints with their per-AZ interfaces', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/endpoints' });
    assert.equal(response.statusCode, 200);
    const body = response.json() as { items: { id: string; networkInterfaces: { ipAddresses: string[]; availabilityZone: string }[] }[] };
    assert.deepEqual(
      body.items.map((item) => item.id),
      [HEALTHY.endpointId],
    );
    assert.ok(body.items[0]!.networkInterfaces.every((eni) => eni.ipAddresses.length > 0 && eni.availabilityZone));
  });

  it('filters by VPC and service name', async () => {
    const none = await app.inject({ method: 'GET', url: '/v1/endpoints?vpcId=vpc-00000000000000000' });
    assert.deepEqual((none.json() as { items: unknown[] }).items, []);
    const byService = await app.inject({ method: 'GET', url: '/v1/endpoints?serviceName=com.amazonaws.us-east-1.secretsmanager' });
    assert.equal((byService.json() as { items: unknown[] }).items.length, 1);
  });

  it('paginates with limit and nextToken', async () => {
    const { app: many } = await buildTestApp({ snapshotDir: `${EXAMPLES}nacl-differs-per-subnet` });
    try {
      const first = (await many.inject({ method: 'GET', url: '/v1/endpoints?limit=1' })).json() as { items: { id: string }[]; nextToken?: string };
      assert.equal(first.items.length, 1);
      if (first.nextToken) {
        const second = (await many.inject({ method: 'GET', url: `/v1/endpoints?limit=1&nextToken=${first.nextToken}` })).json() as { items: { id: string }[] };
        assert.ok(second.items.every((item) => item.id > first.items[0]!.id));
      }
      await problem(await many.inject({ method: 'GET', url: '/v1/endpoints?nextToken=bm90LWEtdG9rZW4' }), 400, 'validation-failed');
      await problem(await many.inject({ method: 'GET', url: '/v1/endpoints?limit=0' }), 400, 'validation-failed');
    } finally {
      await many.close();
    }
  });
});

describe('GET /v1/endpoints/{id}', () => {
  it('returns one endpoint with its path components', async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}` });
    assert.equal(response.statusCode, 200);
    assert.equal((response.json() as { id: string }).id, HEALTHY.endpointId);
  });

  it('answers 404 problem+json naming an endpoint not in the data', async () => {
    const body = await problem(await app.inject({ method: 'GET', url: '/v1/endpoints/vpce-0000000000000000f' }), 404, 'endpoint-not-found');
    assert.match(body.detail!, /vpce-0000000000000000f/);
  });

  it('answers 400 naming the field for an id that is not vpce- and hex', async () => {
    const body = await problem(await app.inject({ method: 'GET', url: '/v1/endpoints/vpce-XYZ' }), 400, 'invalid-endpoint-id');
    assert.equal(body['invalid-params']![0]!.name, 'params.id');
  });
});

describe('analyses', () => {
  const url = `/v1/endpoints/${HEALTHY.endpointId}/analyses`;

  it('POST returns the core report unchanged, plus how fresh it is', async () => {
    const response = await app.inject({ method: 'POST', url, payload: { client: { instanceId: HEALTHY.instanceId } } });
    assert.equal(response.statusCode, 200);
    const body = response.json() as {
      verdict: string;
      reportVersion: number;
      checks: unknown[];
      cache: { status: string; ageSeconds: number; stale: boolean };
    };
    assert.equal(body.verdict, 'reachable');
    assert.equal(body.reportVersion, 1);
    assert.ok(body.checks.length > 0);
    assert.equal(typeof body.cache.ageSeconds, 'number');
    assert.match(String(response.headers['cache-status']), /^vpce-doctor; /);
    assert.match(String(response.headers.age), /^\d+$/);
  });

  it('GET .../analysis works for curl, from the query string', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&port=443&clientEphemeralPorts=linux`,
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual((response.json() as { clientEphemeralPorts: unknown }).clientEphemeralPorts, { from: 32768, to: 60999 });
  });

  it('serves the second identical request from the cache, and ?refresh=true bypasses it', async () => {
    const query = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=10.0.1.26`;
    await app.inject({ method: 'GET', url: query });
    const cached = await app.inject({ method: 'GET', url: query });
    assert.equal(cached.headers['cache-status'], 'vpce-doctor; hit');
    assert.equal((cached.json() as { cache: { status: string } }).cache.status, 'hit');
    const refreshed = await app.inject({ method: 'GET', url: `${query}&refresh=true` });
    assert.equal(refreshed.headers['cache-status'], 'vpce-doctor; fwd=request');
  });

  const invalid: [string, unknown, number, string, string][] = [
    ['an IP in octal spelling', { client: { ip: '010.0.1.25' } }, 400, 'invalid-ip', 'body.client.ip'],
    ['an IP that is a name', { client: { ip: 'localhost' } }, 400, 'invalid-ip', 'body.client.ip'],
    ['a port of 0', { client: { ip: HEALTHY.clientIp }, port: 0 }, 400, 'invalid-port', 'body.port'],
    ['a port over 65535', { client: { ip: HEALTHY.clientIp }, port: 65536 }, 400, 'invalid-port', 'body.port'],
    [
      'a malformed ephemeral range',
      { client: { ip: HEALTHY.clientIp }, clientEphemeralPorts: '60000-1024' },
      400,
      'invalid-ephemeral-ports',
      'body.clientEphemeralPorts',
    ],
    ['no client', { client: {} }, 400, 'invalid-client', 'body.client'],
    ['an unknown field', { client: { ip: HEALTHY.clientIp }, colour: 'red' }, 400, 'validation-failed', 'body.colour'],
    ['an ENI not in the data', { client: { eniId: 'eni-0000000000000000f' } }, 404, 'client-not-found', 'client.eniId'],
  ];
  for (const [what, payload, status, code, field] of invalid) {
    it(`answers ${status} ${code} naming ${field} for ${what}`, async () => {
      const body = await problem(await app.inject({ method: 'POST', url, payload: payload as object }), status, code);
      assert.ok(
        body['invalid-params']?.some((param) => param.name === field),
        JSON.stringify(body),
      );
    });
  }

  it('answers 422 when a customer service has no visible listener to take the port from', async () => {
    const { app: pending } = await buildTestApp({ snapshotDir: `${EXAMPLES}endpoint-pending-acceptance` });
    try {
      const endpoints = (await pending.inject({ method: 'GET', url: '/v1/endpoints' })).json() as { items: { id: string }[] };
      await problem(
        await pending.inject({ method: 'POST', url: `/v1/endpoints/${endpoints.items[0]!.id}/analyses`, payload: { client: { ip: '10.0.1.25' } } }),
        422,
        'port-required',
      );
    } finally {
      await pending.close();
    }
  });

  it('answers 404 for an unknown endpoint on analysis', async () => {
    await problem(
      await app.inject({ method: 'POST', url: '/v1/endpoints/vpce-0000000000000000f/analyses', payload: { client: { ip: HEALTHY.clientIp } } }),
      404,
      'endpoint-not-found',
    );
  });

  it('answers 400 malformed-body for bad JSON, 415 for another media type, 413 for a body over the limit', async () => {
    await problem(await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"client": ' }), 400, 'malformed-body');
    await problem(
      await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'client=10.0.1.25' }),
      415,
      'unsupported-media-type',
    );
    await problem(await app.inject({ method: 'POST', url, payload: { client: { ip: HEALTHY.clientIp }, pad: 'x'.repeat(20_000) } }), 413, 'body-too-large');
  });

  it('answers 404 problem+json for a route that does not exist', async () => {
    await problem(await app.inject({ method: 'GET', url: '/v1/nothing-here' }), 404, 'route-not-found');
  });

  it('answers 405 with Allow for a wrong method on a route that exists, and 404 for a path that is none', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/v1/endpoints', 'GET, HEAD'],
      ['DELETE', `/v1/endpoints/${HEALTHY.endpointId}/analysis`, 'GET, HEAD'],
      ['GET', '/v1/analyses', 'POST'],
      ['PUT', '/healthz', 'GET, HEAD'],
      ['PATCH', `/v1/endpoints/${HEALTHY.endpointId}/probes`, 'GET, HEAD, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await app.inject({ method: method as 'GET', url: path });
      await problem(response, 405, 'method-not-allowed');
      assert.equal(response.headers['allow'], allow, `${method} ${path}`);
    }
    const none = await app.inject({ method: 'POST', url: '/v1/endpoints/vpce-068e9dcc184a273ab/nothing' });
    await problem(none, 404, 'route-not-found');
    assert.equal(none.headers['allow'], undefined);
  });
});

describe('POST /v1/analyses', () => {
  it('answers each item with its own status: analyses and problems side by side', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/analyses',
      payload: {
        items: [
          { endpointId: HEALTHY.endpointId, client: { ip: HEALTHY.clientIp } },
          { endpointId: 'vpce-0000000000000000f', client: { ip: HEALTHY.clientIp } },
          { endpointId: HEALTHY.endpointId, client: { ip: '10.1' } },
        ],
      },
    });
    assert.equal(response.statusCode, 200);
    const { results } = response.json() as { results: { index: number; status: number; analysis?: { verdict: string }; problem?: { type: string } }[] };
    assert.deepEqual(
      results.map((result) => result.status),
      [200, 404, 400],
    );
    assert.equal(results[0]!.analysis!.verdict, 'reachable');
    assert.equal(results[1]!.problem!.type, 'urn:vpce-doctor:problem:endpoint-not-found');
    assert.equal(results[2]!.problem!.type, 'urn:vpce-doctor:problem:invalid-ip');
  });

  it('refuses more items than the configured bound', async () => {
    const items = Array.from({ length: 6 }, () => ({ endpointId: HEALTHY.endpointId, client: { ip: HEALTHY.clientIp } }));
    const body = await problem(await app.inject({ method: 'POST', url: '/v1/analyses', payload: { items } }), 400, 'validation-failed');
    assert.equal(body['invalid-params']![0]!.name, 'body.items');
  });
});

describe('operations routes', () => {
  it('/healthz and /readyz answer 200 when the source loads', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });

  it('/readyz answers 503 when the source cannot be loaded, and analyses answer 503 source-unavailable with Retry-After', async () => {
    const { app: broken } = await buildTestApp({ snapshotDir: '/nonexistent/snapshot' });
    try {
      const ready = await broken.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      const response = await broken.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}` });
      await problem(response, 503, 'source-unavailable');
      assert.equal(response.headers['retry-after'], '30');
      assert.equal((await broken.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness does not depend on the source');
    } finally {
      await broken.close();
    }
  });

  it('/readyz answers 503 while shutting down', async () => {
    const { app: stopping } = await buildTestApp({ isShuttingDown: () => true });
    try {
      assert.equal((await stopping.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    } finally {
      await stopping.close();
    }
  });

  it('/metrics exposes the service metrics with bounded labels', async () => {
    await app.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}` });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of [
      'vpce_doctor_http_request_duration_seconds_bucket{',
      'vpce_doctor_analysis_duration_seconds_bucket{',
      'vpce_doctor_analyses_total{verdict="reachable"}',
      'vpce_doctor_check_results_total{check="endpoint.sg.inbound",status="pass"}',
      'vpce_doctor_cache_requests_total{cache="analysis",result=',
      'vpce_doctor_model_age_seconds ',
    ]) {
      assert.ok(text.includes(name), name);
    }
    assert.ok(!text.includes(HEALTHY.clientIp), 'no client IP in any label');
    assert.match(text, /route="\/v1\/endpoints\/:id\/analysis"/);
  });

  it('/openapi.json and /docs are served', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, unknown> };
    assert.equal(spec.openapi, '3.1.0');
    assert.ok(spec.paths['/v1/endpoints/{id}/analyses']);
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /<html/i);
  });
});

describe('shutdown', () => {
  it('answers /v1 requests that arrive while stopping with 503 shutting-down and Retry-After', async () => {
    const { app: stopping } = await buildTestApp({ isShuttingDown: () => true });
    try {
      const response = await stopping.inject({ method: 'GET', url: '/v1/endpoints' });
      await problem(response, 503, 'shutting-down');
      assert.ok(response.headers['retry-after']);
      assert.equal((await stopping.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await stopping.close();
    }
  });
});

describe('bugs found by the fuzz test', () => {
  it('answers an undecodable URL or an overlong path segment with problem+json', async () => {
    await problem(await app.inject({ method: 'GET', url: '/v1/endpoints/%zz' }), 400, 'invalid-url');
    await problem(await app.inject({ method: 'GET', url: `/v1/endpoints/vpce-${'a'.repeat(201)}` }), 400, 'invalid-url');
  });

  it('refuses a JSON body whose types are wrong instead of coercing them', async () => {
    const url = `/v1/endpoints/${HEALTHY.endpointId}/analyses`;
    await problem(await app.inject({ method: 'POST', url, payload: { client: { ip: HEALTHY.clientIp }, port: true } }), 400, 'invalid-port');
    await problem(await app.inject({ method: 'POST', url, payload: { client: { ip: HEALTHY.clientIp }, port: '443' } }), 400, 'invalid-port');
    await problem(await app.inject({ method: 'POST', url, payload: { client: { ip: [HEALTHY.clientIp] } } }), 400, 'invalid-ip');
  });

  it('reads named ephemeral ranges from own keys only: constructor is no range', async () => {
    const body = await problem(
      await app.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&clientEphemeralPorts=constructor` }),
      400,
      'invalid-ephemeral-ports',
    );
    assert.equal(body['invalid-params']![0]!.name, 'query.clientEphemeralPorts');
  });

  it('refuses an IPv6 address with a zone id', async () => {
    await problem(await app.inject({ method: 'GET', url: `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=fe80::1%25eth0` }), 400, 'invalid-ip');
  });
});

describe('GET /v1/snapshot', () => {
  it('answers 409 when the service reads a snapshot: there is no live fetch to export', async () => {
    await problem(await app.inject({ method: 'GET', url: '/v1/snapshot' }), 409, 'snapshot-not-available');
  });
});

describe('the analysis response', () => {
  it('matches the documented schema exactly, though it is sent pre-serialized', async () => {
    const { Value } = await import('typebox/value');
    const { AnalysisResponse } = await import('../../src/http/schemas.js');
    for (const url of [
      `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`,
      `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`,
    ]) {
      const body = (await app.inject({ method: 'GET', url })).json();
      assert.ok(Value.Check(AnalysisResponse, body), JSON.stringify([...Value.Errors(AnalysisResponse, body)].slice(0, 3)));
    }
  });
});
