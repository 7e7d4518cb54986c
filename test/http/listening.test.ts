import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { buildTestApp, HEALTHY, type TestApp } from '../support/app.js';

/**
 * The API through a real socket, as clients meet it: supertest against the app listening on
 * 127.0.0.1. Route behaviour is tested through fastify's inject (no socket, faster); what
 * only a real connection shows is here: Node's own framing and headers, the request id
 * round trip, bodies refused before they reach a route, the token check.
 */

const TOKEN = 'listening-test-token-0123';
let test: TestApp;
let base: string;

before(async () => {
  test = await buildTestApp({ config: { apiTokens: [TOKEN], bodyLimitBytes: 2048 }, probesDisabled: true });
  await test.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}`;
});

after(async () => {
  await test.app.close();
});

describe('the API over a real connection (supertest)', () => {
  it('answers an analysis as JSON with its length, and echoes the request id it was given', async () => {
    const response = await request(base)
      .get(`/v1/endpoints/${HEALTHY.endpointId}/analysis`)
      .query({ clientIp: HEALTHY.clientIp })
      .set('authorization', `Bearer ${TOKEN}`)
      .set('x-request-id', 'runbook-42')
      .expect(200)
      .expect('content-type', /^application\/json/)
      .expect('x-request-id', 'runbook-42');
    assert.equal(Number(response.headers['content-length']), Buffer.byteLength(response.text));
    assert.equal((response.body as { verdict: string }).verdict, 'reachable');
  });

  it('makes up a request id when none is given', async () => {
    const response = await request(base).get('/healthz').expect(200);
    assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('asks for the token with 401, WWW-Authenticate and problem+json; /metrics and the page stay open', async () => {
    const refused = await request(base)
      .get('/v1/endpoints')
      .expect(401)
      .expect('www-authenticate', /^Bearer realm="vpce-doctor"/);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(JSON.parse(refused.text).type, 'urn:vpce-doctor:problem:unauthorized');
    await request(base)
      .get('/metrics')
      .expect(200)
      .expect('content-type', /^text\/plain/);
    await request(base).get('/probe').query({ endpoint: HEALTHY.endpointId }).expect(401);
  });

  it('refuses a body over the limit with 413 and one that is not JSON with 415, before any route', async () => {
    const url = `/v1/endpoints/${HEALTHY.endpointId}/analyses`;
    const tooLarge = await request(base)
      .post(url)
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ client: { ip: HEALTHY.clientIp }, pad: 'x'.repeat(4096) }))
      .expect(413);
    assert.equal(JSON.parse(tooLarge.text).type, 'urn:vpce-doctor:problem:body-too-large');
    const notJson = await request(base)
      .post(url)
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', 'text/plain')
      .send('client=10.0.1.25')
      .expect(415);
    assert.equal(JSON.parse(notJson.text).type, 'urn:vpce-doctor:problem:unsupported-media-type');
  });

  it('says 405 with Allow for a known path and a method it does not take', async () => {
    await request(base).delete('/healthz').expect(405).expect('allow', /GET/);
  });

  it('refuses probes with 403 probes-disabled when they are off', async () => {
    const response = await request(base).get('/probe').query({ endpoint: HEALTHY.endpointId }).set('authorization', `Bearer ${TOKEN}`).expect(403);
    assert.equal(JSON.parse(response.text).type, 'urn:vpce-doctor:problem:probes-disabled');
  });
});
