import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { buildTestApp, HEALTHY, type TestApp } from '../support/app.js';

/**
 * What Node's HTTP layer refuses before any route runs — a request it cannot parse, headers
 * over the limit, a missing Host, an unknown Expect, a request that never finishes arriving —
 * is answered in the API's own problem+json, and the connection is closed. Raw sockets on
 * 127.0.0.1, since no HTTP client sends such requests.
 */

const HOST = '127.0.0.1';

interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** The server closed the connection after answering. */
  readonly closed: boolean;
}

async function raw(port: number, bytes: string | Buffer, options: { keepOpenMs?: number } = {}): Promise<RawAnswer> {
  const socket = net.connect(port, HOST);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = once(socket, 'close');
  socket.write(bytes);
  if (options.keepOpenMs === undefined) socket.end();
  const timer = setTimeout(() => socket.destroy(), 20_000);
  await closed;
  clearTimeout(timer);
  const [head = '', body = ''] = received.split('\r\n\r\n', 2);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, headers: head, body, closed: true };
}

function assertProblem(answer: RawAnswer, status: number, type: string): void {
  assert.equal(answer.status, status, `${answer.headers}\n${answer.body}`);
  assert.match(answer.headers, /content-type: application\/problem\+json/i);
  const problem = JSON.parse(answer.body) as { type: string; status: number };
  assert.equal(problem.type, `urn:vpce-doctor:problem:${type}`);
  assert.equal(problem.status, status);
}

describe('connection timeouts', () => {
  it('are the configured request, headers and keep-alive timeouts (Node and Fastify wait for ever by default)', async () => {
    const { app } = await buildTestApp({ config: { requestTimeoutMs: 7000, headersTimeoutMs: 3000, keepAliveTimeoutMs: 4000 } });
    try {
      assert.equal(app.server.requestTimeout, 7000);
      assert.equal(app.server.headersTimeout, 3000);
      assert.equal(app.server.keepAliveTimeout, 4000);
    } finally {
      await app.close();
    }
  });
});

describe('errors raised while the request is parsed', () => {
  let test: TestApp;
  let port: number;

  before(async () => {
    test = await buildTestApp({ config: { requestTimeoutMs: 1000, headersTimeoutMs: 1000 } });
    await test.app.listen({ port: 0, host: HOST });
    port = (test.app.server.address() as AddressInfo).port;
  });

  after(async () => {
    await test.app.close();
  });

  it('answers a request line Node cannot parse with 400 problem+json', async () => {
    assertProblem(await raw(port, 'GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n'), 400, 'malformed-request');
    assertProblem(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n'), 400, 'malformed-request');
  });

  it('answers a malformed Content-Length or chunked body with 400 problem+json', async () => {
    const post = `POST /v1/endpoints/${HEALTHY.endpointId}/analyses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`;
    assertProblem(await raw(port, `${post}Content-Length: abc\r\n\r\n{}`), 400, 'malformed-request');
    assertProblem(await raw(port, `${post}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`), 400, 'malformed-request');
    assertProblem(await raw(port, `${post}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`), 400, 'malformed-request');
  });

  it('answers a URL that cannot be decoded with 400 problem+json', async () => {
    assertProblem(await raw(port, 'GET /v1/endpoints/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 400, 'invalid-url');
  });

  it('answers headers over the size limit with 431 problem+json', async () => {
    assertProblem(await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'headers-too-large');
  });

  it('answers an HTTP/1.1 request without Host with 400 problem+json, whatever the route', async () => {
    assertProblem(await raw(port, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'malformed-request');
    assertProblem(await raw(port, 'GET /no/such/route HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'malformed-request');
    assertProblem(
      await raw(
        port,
        `POST /v1/endpoints/${HEALTHY.endpointId}/analyses HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      ),
      400,
      'malformed-request',
    );
    // HTTP/1.0 has no Host requirement.
    assert.equal((await raw(port, 'GET /healthz HTTP/1.0\r\n\r\n')).status, 200);
  });

  it('answers an Expect other than 100-continue with 417 problem+json', async () => {
    assertProblem(await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n'), 417, 'expectation-failed');
  });

  it('closes a connection whose headers never end with 408 problem+json once the headers timeout passes', async () => {
    // Half a header block, and the socket left open: only the server can end this.
    const answer = await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n`, { keepOpenMs: 60_000 });
    assertProblem(answer, 408, 'request-timeout');
    assert.ok(answer.closed);
  });

  it('closes a stalled upload with 408 problem+json once the request timeout passes', async () => {
    const head = `POST /v1/endpoints/${HEALTHY.endpointId}/analyses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    // 10 bytes of the declared 100, and the socket left open: only the server can end this.
    const answer = await raw(port, `${head}{"client":`, { keepOpenMs: 60_000 });
    assertProblem(answer, 408, 'request-timeout');
    assert.ok(answer.closed);
  });
});
