import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEALTHY } from '../support/app.js';
import { HOST, answerOf, awsFakeVariables, get, startServer, stopServer, waitUntilReady, within, type Answer } from '../support/server-process.js';
import { freeLoopbackPort } from '../support/net.js';
import { FakeAwsRegion, regionFromSnapshot } from '../sources/aws/fake-aws.js';
import { queryAnswerFrom, startQueryServer } from '../sources/aws/query-server.js';

/**
 * The real process (`node --import tsx src/server.ts`) on 127.0.0.1: SIGTERM during
 * requests lets every in-flight request finish with its 200, takes no new work (/readyz is
 * never 200 again), and exits 0 within the configured bound; an invalid configuration
 * exits 2 naming every problem.
 */

const SHUTDOWN_TIMEOUT_MS = 5_000;
const TEST_TIMEOUT = 180_000;

const freePort = () => freeLoopbackPort(HOST);

/**
 * An idle keep-alive connection: the server closes it when it starts to stop (Node's
 * server.close() closes idle connections), which tells the test that the signal has
 * been handled without any timing guess.
 */
async function idleKeepAliveConnection(port: number): Promise<{ readonly closed: Promise<unknown>; readonly socket: net.Socket }> {
  const socket = net.connect(port, HOST);
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  let received = '';
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.includes('{"status":"ok"}')) resolve();
    });
  });
  socket.write(`GET /healthz HTTP/1.1\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\n`);
  await within(answered, 30_000, 'GET /healthz on the keep-alive connection');
  assert.match(received, /^HTTP\/1\.1 200/);
  return { closed, socket };
}

interface RawConnection {
  readonly socket: net.Socket;
  /** Everything the server sent so far. */
  readonly received: () => string;
  readonly closed: Promise<unknown>;
}

/** A TCP connection to the server, for requests no HTTP client sends (half a header block). */
async function rawConnection(port: number): Promise<RawConnection> {
  const socket = net.connect(port, HOST);
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}

/** Status, headers (lower-case names) and body of the one HTTP/1.1 response in `text`. */
function parseRawResponse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body };
}

interface InFlight {
  /** The server has parsed the request and run its onRequest hooks: it answered 100 Continue. */
  readonly accepted: Promise<void>;
  readonly answer: Promise<Answer>;
  readonly done: () => boolean;
  /** For a request whose body is held back: send the rest now. */
  readonly finish: () => void;
}

/**
 * A request sent with `Expect: 100-continue`: Node's server writes the 100 and runs the
 * request handler in the same tick, so once the client sees the 100 the request is past
 * routing and the shutdown check, however the signal races with it.
 */
function inFlight(port: number, options: { method: 'GET' | 'POST'; path: string; body?: string; agent?: http.Agent }): InFlight {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: http.OutgoingHttpHeaders = { expect: '100-continue' };
  if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(body.length) });
  const request = http.request({ host: HOST, port, path: options.path, method: options.method, agent: options.agent ?? false, headers });
  let done = false;
  const answer = answerOf(request).finally(() => (done = true));
  const accepted = new Promise<void>((resolve, reject) => {
    request.once('continue', () => resolve());
    request.once('error', reject);
    // A response without a 100 first: the request was answered without being accepted.
    request.once('response', (response) => reject(new Error(`${options.method} ${options.path} answered ${response.statusCode} before 100 Continue`)));
  });
  // The rejection, if any, is asserted through `answer` or `accepted`; never unhandled here.
  accepted.catch(() => undefined);
  answer.catch(() => undefined);
  if (body) {
    request.flushHeaders();
    // Half the body after the 100; the rest only when the test says so: until then the
    // request is certainly in flight.
    void accepted.then(
      () => request.write(body.subarray(0, Math.floor(body.length / 2))),
      () => undefined,
    );
    return { accepted, answer, done: () => done, finish: () => request.end(body.subarray(Math.floor(body.length / 2))) };
  }
  request.end();
  return { accepted, answer, done: () => done, finish: () => undefined };
}

/** /readyz after the signal: refused, reset or 503, never 200. */
async function probeReadyz(port: number): Promise<string> {
  try {
    const answer = await get(port, '/readyz');
    assert.notEqual(answer.status, 200, `/readyz answered 200 after SIGTERM: ${answer.body}`);
    assert.equal(answer.status, 503, `/readyz answered ${answer.status} after SIGTERM: ${answer.body}`);
    return '503';
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    assert.ok(code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE', `unexpected failure of /readyz after SIGTERM: ${String(error)}`);
    return code;
  }
}

describe('the server process', () => {
  it('finishes in-flight requests on SIGTERM, takes no new work, and exits 0 within the bound', { timeout: TEST_TIMEOUT }, async (t) => {
    const port = await freePort();
    const server = startServer({ PORT: String(port), HOST, LOG_LEVEL: 'warn', VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
    const sockets: net.Socket[] = [];
    try {
      await waitUntilReady(server, port);
      const idle = await idleKeepAliveConnection(port);
      sockets.push(idle.socket);

      // 4 POSTs held mid-body (in flight whatever the timing), then 20 GETs that each reload
      // the snapshot (refresh=true); the signal follows as soon as the server has them all.
      const posts = Array.from({ length: 4 }, () =>
        inFlight(port, {
          method: 'POST',
          path: `/v1/endpoints/${HEALTHY.endpointId}/analyses?refresh=true`,
          body: JSON.stringify({ client: { ip: HEALTHY.clientIp }, port: 443 }),
        }),
      );
      await within(Promise.all(posts.map((request) => request.accepted)), 60_000, 'the server accepting the 4 POSTs');
      const analysisPath = `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&refresh=true`;
      const gets = Array.from({ length: 20 }, () => inFlight(port, { method: 'GET', path: analysisPath }));
      const all = [...gets, ...posts];
      await within(Promise.all(gets.map((request) => request.accepted)), 60_000, 'the server accepting the 20 GETs');

      const pendingAtSignal = all.filter((request) => !request.done()).length;
      const signalledAt = Date.now();
      assert.ok(server.child.kill('SIGTERM'), 'SIGTERM could not be sent');

      // The server has begun to stop once it drops the idle connection.
      await within(idle.closed, 30_000, 'the server closing its idle keep-alive connection after SIGTERM');
      const probes = [await probeReadyz(port), await probeReadyz(port)];

      for (const post of posts) post.finish();
      const answers = await within(Promise.all(all.map((request) => request.answer)), 60_000, 'the in-flight requests finishing');
      for (const [index, answer] of answers.entries()) {
        assert.equal(answer.status, 200, `in-flight request ${index} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
        const report = JSON.parse(answer.body) as { endpoint?: { id?: string }; verdict?: string };
        assert.equal(report.endpoint?.id, HEALTHY.endpointId);
        assert.equal(report.verdict, 'reachable');
      }

      const exit = await within(server.exited, SHUTDOWN_TIMEOUT_MS + 30_000, 'the process exiting after SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, `the process did not exit 0 after SIGTERM\n${server.output()}`);
      // closeWithGrace exits 1 when the bound passes; a generous wall-clock check on top.
      assert.ok(Date.now() - signalledAt < SHUTDOWN_TIMEOUT_MS + 20_000, `the process took ${Date.now() - signalledAt} ms to exit`);
      probes.push(await probeReadyz(port));
      t.diagnostic(`${pendingAtSignal} of ${all.length} requests in flight at SIGTERM (4 held mid-body); /readyz after it: ${probes.join(', ')}`);
    } finally {
      for (const socket of sockets) socket.destroy();
      stopServer(server);
    }
  });

  it(
    'with keep-alive clients: Connection: close on every answer after SIGTERM, idle connections closed, a late request answered 503 problem+json, exit 0',
    { timeout: TEST_TIMEOUT },
    async (t) => {
      const port = await freePort();
      const server = startServer({ PORT: String(port), HOST, LOG_LEVEL: 'warn', VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      // The in-flight request's own keep-alive agent: it must not take one of the idle connections above.
      const postAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const sockets: net.Socket[] = [];
      try {
        await waitUntilReady(server, port);
        // A request whose headers are still arriving at the signal: its connection is busy, not
        // idle, so it stays open, and the request completes after the signal.
        const late = await rawConnection(port);
        sockets.push(late.socket);
        late.socket.write(`GET /v1/endpoints HTTP/1.1\r\nHost: ${HOST}\r\n`);
        // Keep-alive connections of an agent, idle once answered (each round trip also lets the server read the late request's first bytes).
        const warmSockets: net.Socket[] = [];
        const warm = await Promise.all(
          Array.from({ length: 4 }, async () => {
            const request = http.request({ host: HOST, port, path: '/healthz', agent });
            request.once('socket', (socket: net.Socket) => warmSockets.push(socket));
            const answer = answerOf(request);
            request.end();
            return answer;
          }),
        );
        assert.ok(warm.every((answer) => answer.status === 200 && answer.headers.connection === 'keep-alive'));
        const warmClosed = Promise.all([...new Set(warmSockets)].map((socket) => (socket.destroyed ? Promise.resolve() : once(socket, 'close'))));
        const idle = await idleKeepAliveConnection(port);
        sockets.push(idle.socket);
        // A request in flight at the signal on a keep-alive connection of the agent, answered after it.
        const post = inFlight(port, {
          method: 'POST',
          path: `/v1/endpoints/${HEALTHY.endpointId}/analyses`,
          body: JSON.stringify({ client: { ip: HEALTHY.clientIp }, port: 443 }),
          agent: postAgent,
        });
        await within(post.accepted, 60_000, 'the server accepting the POST');

        assert.ok(server.child.kill('SIGTERM'), 'SIGTERM could not be sent');
        await within(idle.closed, 30_000, 'the server closing its idle keep-alive connection after SIGTERM');
        await within(warmClosed, 30_000, "the server closing the agent's idle keep-alive connections");

        late.socket.write('Connection: keep-alive\r\n\r\n');
        await within(late.closed, 30_000, 'the server answering the late request and closing its connection');
        const lateAnswer = parseRawResponse(late.received());
        assert.equal(lateAnswer.status, 503, late.received());
        assert.match(lateAnswer.headers['content-type'] ?? '', /^application\/problem\+json/);
        assert.equal(lateAnswer.headers.connection, 'close');
        assert.equal((JSON.parse(lateAnswer.body) as { type: string }).type, 'urn:vpce-doctor:problem:shutting-down');

        post.finish();
        const answer = await within(post.answer, 30_000, 'the in-flight POST finishing');
        assert.equal(answer.status, 200, answer.body.slice(0, 300));
        assert.equal(answer.headers.connection, 'close', 'an answer during shutdown ends its keep-alive connection');

        const exit = await within(server.exited, SHUTDOWN_TIMEOUT_MS + 30_000, 'the process exiting after SIGTERM');
        assert.deepEqual(exit, { code: 0, signal: null }, `the process did not exit 0 after SIGTERM\n${server.output()}`);
        // Every connection ended on its own: none was left for the bound to cut.
        assert.doesNotMatch(server.output(), /shutdown bound near/, server.output());
        t.diagnostic(`exited 0 with ${warm.length} idle keep-alive connections, one in-flight keep-alive request and one late request`);
      } finally {
        agent.destroy();
        postAgent.destroy();
        for (const socket of sockets) socket.destroy();
        stopServer(server);
      }
    },
  );

  it('with a stalled upload: the connection is cut at the shutdown bound, in-flight requests finish, exit 0', { timeout: TEST_TIMEOUT }, async (t) => {
    const port = await freePort();
    const server = startServer({
      PORT: String(port),
      HOST,
      LOG_LEVEL: 'warn',
      VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      // Longer than the shutdown bound: only the bound can end the stalled upload (Node stops checking timeouts once closing).
      VPCE_DOCTOR_REQUEST_TIMEOUT_MS: '60000',
      VPCE_DOCTOR_HEADERS_TIMEOUT_MS: '30000',
    });
    const sockets: net.Socket[] = [];
    try {
      await waitUntilReady(server, port);
      const idle = await idleKeepAliveConnection(port);
      sockets.push(idle.socket);
      // 10 bytes of a declared 100, and the socket left open.
      const stalled = await rawConnection(port);
      sockets.push(stalled.socket);
      stalled.socket.write(
        `POST /v1/endpoints/${HEALTHY.endpointId}/analyses HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"client":`,
      );
      const post = inFlight(port, {
        method: 'POST',
        path: `/v1/endpoints/${HEALTHY.endpointId}/analyses`,
        body: JSON.stringify({ client: { ip: HEALTHY.clientIp }, port: 443 }),
      });
      await within(post.accepted, 60_000, 'the server accepting the POST');

      assert.ok(server.child.kill('SIGTERM'), 'SIGTERM could not be sent');
      await within(idle.closed, 30_000, 'the server closing its idle keep-alive connection after SIGTERM');
      post.finish();
      const answer = await within(post.answer, 30_000, 'the in-flight POST finishing');
      assert.equal(answer.status, 200, answer.body.slice(0, 300));

      const exit = await within(server.exited, SHUTDOWN_TIMEOUT_MS + 30_000, 'the process exiting after SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, `the process did not exit 0 after SIGTERM\n${server.output()}`);
      await within(stalled.closed, 5_000, 'the stalled upload being closed');
      assert.match(server.output(), /shutdown bound near: closing the connections still open/);
      t.diagnostic('exited 0 with a stalled upload, cut at the bound');
    } finally {
      for (const socket of sockets) socket.destroy();
      stopServer(server);
    }
  });

  it('survives AWS calls whose turn comes after the collection deadline, at start and after ?refresh=true', { timeout: TEST_TIMEOUT }, async () => {
    // The reported case: a listing hangs, the deadline ends the collection, and the prefix
    // lists (asked for once the security groups are read) are queued after it. Subnets hang
    // too: a scan lists them first, and whole listings follow when they do not answer.
    const region = new FakeAwsRegion(await regionFromSnapshot(HEALTHY.dir));
    const answer = queryAnswerFrom(region);
    const aws = await startQueryServer((request) =>
      request.action === 'DescribeSubnets' || request.action === 'DescribeSecurityGroups' ? 'never' : answer(request),
    );
    const port = await freePort();
    const server = startServer({
      PORT: String(port),
      HOST,
      LOG_LEVEL: 'warn',
      VPCE_DOCTOR_SOURCE: 'aws',
      VPCE_DOCTOR_AWS_REGION: 'us-east-1',
      VPCE_DOCTOR_AWS_CALL_TIMEOUT_MS: '1000',
      VPCE_DOCTOR_AWS_COLLECTION_DEADLINE_MS: '1000',
      VPCE_DOCTOR_AWS_MAX_ATTEMPTS: '2',
      ...awsFakeVariables(aws.url),
    });
    try {
      await waitUntilReady(server, port);
      const analysis = await get(port, `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}&refresh=true`);
      assert.equal(analysis.status, 200, analysis.body.slice(0, 500));
      assert.ok(aws.actions().filter((action) => action === 'DescribeSubnets').length >= 2, 'the refresh collected again');
      assert.ok(!aws.actions().includes('DescribeManagedPrefixLists'), 'no call was sent after the deadline');
      assert.equal(server.child.exitCode, null, `the process is still running\n${server.output()}`);
      const metrics = (await get(port, '/metrics')).body;
      assert.match(metrics, /^vpce_doctor_unhandled_rejections_total 0$/m, server.output());
    } finally {
      stopServer(server);
      await aws.close();
    }
  });

  it('logs and counts an unhandled rejection, and keeps answering', { timeout: TEST_TIMEOUT }, async () => {
    const port = await freePort();
    // A rejection nothing handles, made inside the server process once the server has started (its handler is in place).
    const rejectOnce = `const timer = setInterval(() => { if (process.listenerCount('unhandledRejection') > 0) { clearInterval(timer); Promise.reject(new Error('a rejection nothing handles')); } }, 20); timer.unref();`;
    const reject = `data:text/javascript,${encodeURIComponent(rejectOnce)}`;
    const server = startServer({ PORT: String(port), HOST, LOG_LEVEL: 'warn' }, ['--import', reject]);
    try {
      await waitUntilReady(server, port);
      let metrics = '';
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !/vpce_doctor_unhandled_rejections_total 1\b/.test(metrics)) {
        metrics = (await get(port, '/metrics')).body;
        if (!/vpce_doctor_unhandled_rejections_total 1\b/.test(metrics)) await sleep(100);
      }
      assert.match(metrics, /vpce_doctor_unhandled_rejections_total 1\b/);
      assert.equal(server.child.exitCode, null, 'the process is still running');
      assert.equal((await get(port, `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`)).status, 200);
      assert.match(server.output(), /unhandled promise rejection/);
    } finally {
      stopServer(server);
    }
  });

  it(
    'drains first on SIGTERM: /readyz 503 at once, requests still served for VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS, then exit 0',
    { timeout: TEST_TIMEOUT },
    async () => {
      const port = await freePort();
      const delaySeconds = 2;
      const server = startServer({
        PORT: String(port),
        HOST,
        LOG_LEVEL: 'info',
        VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS: String(delaySeconds),
        VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      });
      try {
        await waitUntilReady(server, port);
        const signalledAt = Date.now();
        assert.ok(server.child.kill('SIGTERM'), 'SIGTERM could not be sent');
        // /readyz turns 503 while the listener keeps serving: poll until it does.
        let readyz = await get(port, '/readyz');
        while (readyz.status === 200) readyz = await get(port, '/readyz');
        assert.equal(readyz.status, 503, readyz.body);
        assert.match(readyz.body, /shutting down/);
        // Still draining: an analysis on a new connection is answered, not refused.
        const answer = await get(port, `/v1/endpoints/${HEALTHY.endpointId}/analysis?clientIp=${HEALTHY.clientIp}`);
        assert.equal(answer.status, 200, answer.body.slice(0, 300));
        const exit = await within(server.exited, SHUTDOWN_TIMEOUT_MS + 30_000, 'the process exiting after the drain');
        assert.deepEqual(exit, { code: 0, signal: null }, server.output());
        assert.ok(Date.now() - signalledAt >= delaySeconds * 1000, `exited ${Date.now() - signalledAt} ms after SIGTERM, before the drain ended`);
        assert.match(server.output(), /"drainSeconds":2/);
      } finally {
        stopServer(server);
      }
    },
  );

  it('exits 2 naming the snapshot directory when it does not exist', { timeout: TEST_TIMEOUT }, async () => {
    const missing = '/nonexistent/vpce-doctor-snapshot';
    const server = startServer({ PORT: '0', HOST, VPCE_DOCTOR_SNAPSHOT_DIR: missing });
    try {
      const exit = await within(server.exited, 90_000, 'the process exiting on a missing snapshot directory');
      const output = server.output();
      assert.deepEqual(exit, { code: 2, signal: null }, output);
      assert.match(output, /VPCE_DOCTOR_SNAPSHOT_DIR: no such directory: \/nonexistent\/vpce-doctor-snapshot/);
      assert.doesNotMatch(output, /ENOENT/, 'said once, in words');
    } finally {
      stopServer(server);
    }
  });

  it('exits 2 when a watch list is set and probes are off', { timeout: TEST_TIMEOUT }, async () => {
    const server = startServer({ PORT: '0', HOST, VPCE_DOCTOR_WATCH_ENDPOINTS: HEALTHY.endpointId });
    try {
      const exit = await within(server.exited, 90_000, 'the process exiting');
      assert.deepEqual(exit, { code: 2, signal: null }, server.output());
      assert.match(server.output(), /VPCE_DOCTOR_WATCH_ENDPOINTS: the watch list probes, and probes are off \(set VPCE_DOCTOR_PROBES=on\)/);
    } finally {
      stopServer(server);
    }
  });

  it('exits 2 naming every problem when the configuration is invalid', { timeout: TEST_TIMEOUT }, async () => {
    const server = startServer({ PORT: 'abc', LOG_LEVEL: 'loud', HOST, VPCE_DOCTOR_API_TOKENS: ' , ' });
    try {
      const exit = await within(server.exited, 90_000, 'the process exiting on an invalid configuration');
      const output = server.output();
      assert.deepEqual(exit, { code: 2, signal: null }, output);
      const stderr = output.slice(output.indexOf('stderr:\n'));
      assert.match(stderr, /PORT\b.*"abc"/, output);
      assert.match(stderr, /LOG_LEVEL\b.*"loud"/, output);
      assert.match(stderr, /VPCE_DOCTOR_API_TOKENS: set but holds no token/, output);
    } finally {
      stopServer(server);
    }
  });
});
