import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { HEALTHY, buildTestApp } from '../support/app.js';

/**
 * Property-based fuzzing of the whole HTTP surface through `inject` (nothing listens).
 * Whatever arrives, the service never answers 5xx, every 4xx is an RFC 9457
 * application/problem+json document of this API, and every 200 is JSON; valid requests
 * get their 200.
 */

const ID = HEALTHY.endpointId;
const CLIENT_IP = HEALTHY.clientIp;
const INSTANCE_ID = HEALTHY.instanceId;
const UNKNOWN_ID = 'vpce-0000000000000000f';
const PROBLEM_TYPE_PREFIX = 'urn:vpce-doctor:problem:';

/** The only routes whose 200 is not JSON; they are reachable only through path tricks. */
// The metrics, the API docs, and the web page (its HTML at / and /endpoints/{id}, its assets).
const NON_JSON_ROUTES = /^\/(metrics|docs|assets)(\/|$)|^\/$|^\/endpoints\/[^/]*$/;

/** Routes with a schema'd body; requests to them are parsed up to the body limit. */
const BODY_ROUTES = [`/v1/endpoints/${ID}/analyses`, `/v1/endpoints/${UNKNOWN_ID}/analyses`, '/v1/analyses'];

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';

interface FuzzRequest {
  readonly method: Method;
  readonly url: string;
  /** undefined: no Content-Type header at all. */
  readonly contentType?: string | undefined;
  readonly payload?: string | Buffer | undefined;
  /** Send the payload as a stream: no Content-Length, the limit is enforced while reading. */
  readonly streamed?: boolean;
}

interface ProblemBody {
  readonly type: unknown;
  readonly title: unknown;
  readonly status: unknown;
}

// ---------------------------------------------------------------------------------------
// The contract every response keeps.

function describeRequest(request: FuzzRequest): string {
  const payload = request.payload === undefined ? '' : String(request.payload);
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  return `${request.method} ${clip(request.url, 300)} content-type=${JSON.stringify(request.contentType)} payload=${JSON.stringify(clip(payload, 300))}`;
}

function toInject(request: FuzzRequest): InjectOptions {
  const headers: Record<string, string> = {};
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const payload = request.payload === undefined ? undefined : request.streamed ? Readable.from([Buffer.from(request.payload)]) : request.payload;
  return { method: request.method, url: request.url, headers, ...(payload === undefined ? {} : { payload }) };
}

function pathnameOf(url: string): string {
  try {
    return new URL(url, 'http://127.0.0.1').pathname;
  } catch {
    return url;
  }
}

function assertProblem(body: unknown, status: number, where: string): void {
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `problem is not a JSON object: ${where}`);
  const problem = body as ProblemBody;
  assert.equal(typeof problem.type, 'string', `problem.type is not a string: ${where}`);
  assert.ok((problem.type as string).startsWith(PROBLEM_TYPE_PREFIX), `problem.type ${String(problem.type)} is not ${PROBLEM_TYPE_PREFIX}…: ${where}`);
  assert.equal(typeof problem.title, 'string', `problem.title is not a string: ${where}`);
  assert.ok((problem.title as string).length > 0, `problem.title is empty: ${where}`);
  assert.equal(problem.status, status, `problem.status ${String(problem.status)} is not the HTTP status ${status}: ${where}`);
}

/** Fires the request and checks the contract; returns the response for stronger checks. */
async function fire(app: FastifyInstance, request: FuzzRequest) {
  const response = await app.inject(toInject(request));
  const status = response.statusCode;
  const contentType = String(response.headers['content-type'] ?? '');
  const where = `${describeRequest(request)} -> ${status} ${contentType} ${response.body.slice(0, 300)}`;

  assert.ok(status < 500, `5xx: ${where}`);
  if (status >= 400) {
    assert.match(contentType, /^application\/problem\+json(;|$)/, `4xx without application/problem+json: ${where}`);
    let body: unknown;
    assert.doesNotThrow(() => (body = JSON.parse(response.body)), `4xx body is not JSON: ${where}`);
    assertProblem(body, status, where);
    if (status === 429 || status === 503) assert.ok(response.headers['retry-after'], `${status} without Retry-After: ${where}`);
  }
  if (status === 200 && !NON_JSON_ROUTES.test(pathnameOf(request.url))) {
    assert.match(contentType, /^application\/json(;|$)/, `200 that is not application/json: ${where}`);
    assert.doesNotThrow(() => JSON.parse(response.body), `200 body is not JSON: ${where}`);
  }
  return { response, status, where };
}

// ---------------------------------------------------------------------------------------
// Building blocks.

const EMOJI = ['😀', '🔥', '👩‍💻', '🇺🇸', '🏳️‍🌈', '\u202e', '\u200b', '\ufeff', 'é', 'e\u0301', 'ﬀ', 'İ', 'Ω', '中文', '١٢٣', '１０'];

const unicode = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const huge = fc.oneof(
  fc.integer({ min: 1_000, max: 120_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 100, max: 20_000 }).map((n) => '😀'.repeat(n)),
  fc.integer({ min: 100, max: 20_000 }).map((n) => '10.0.1.25'.repeat(n)),
);

/** Endpoint ids, valid and not, safe to put in a path: escapes are well formed, at most 200 characters. */
const idSegment = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ID) },
  fc.constantFrom(
    UNKNOWN_ID,
    ID.toUpperCase(),
    `${ID}0`,
    'vpce-',
    'vpce-0',
    'vpce-0123456',
    'vpce-012345678901234567',
    'vpce-zzzzzzzz',
    `${ID}%00`,
    `${ID}%20`,
    `%20${ID}`,
    `${ID}%2f..`,
    `${ID};x=1`,
    `${ID}%23`,
    `${ID}%3F`,
    '..',
    '.',
    '%2e%2e',
    '%2E%2E',
    '..%2f..%2fhealthz',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%00',
    '%2525',
    ':id',
    '{id}',
    '*',
  ),
  fc.stringMatching(/^vpce-[0-9a-f]{8,17}$/),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,200}$/),
  unicode(12)
    .map(encodeURIComponent)
    .filter((segment) => segment.length <= 200),
  fc.constantFrom(...EMOJI).map(encodeURIComponent),
  fc.constantFrom(...EMOJI),
);

/** Any path segment: the routes' own, tricks, unicode; well-formed escapes, at most 200 characters. */
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('v1', 'endpoints', 'analyses', 'analysis', 'healthz', 'readyz', ID) },
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2e',
    '%2e%2e',
    '%2E%2E',
    '.%2e',
    '%2f',
    '%2F',
    '%5c',
    '%00',
    '%20',
    ';',
    '~',
    'V1',
    'ENDPOINTS',
    'openapi.json',
    'docs',
    'metrics',
  ),
  idSegment,
  fc.stringMatching(/^[a-z0-9-]{1,200}$/),
);

const junkPath = fc.array(segment, { maxLength: 8 }).map((segments) => `/${segments.join('/')}`);

const ROUTE_TEMPLATES = [
  '/v1/endpoints',
  '/v1/endpoints/{id}',
  '/v1/endpoints/{id}/analyses',
  '/v1/endpoints/{id}/analysis',
  '/v1/analyses',
  '/healthz',
  '/readyz',
];

const routePath = fc
  .record({
    template: fc.constantFrom(...ROUTE_TEMPLATES),
    id: idSegment,
    prefix: fc.constantFrom('', '', '', '/', '/.', '/x/..', '/%2e', '/v1/..', '//'),
    suffix: fc.constantFrom('', '', '', '/', '//', '/.', '/..', '%00', '%20', '.json', ';', '/%2e%2e', '/x'),
    doubleSlashes: fc.boolean(),
  })
  .map(({ template, id, prefix, suffix, doubleSlashes }) => {
    const path = template.replace('{id}', id);
    return `${prefix}${doubleSlashes ? path.replaceAll('/', '//') : path}${suffix}`;
  });

const anyPath = fc.oneof({ weight: 3, arbitrary: routePath }, { weight: 2, arbitrary: junkPath });

const QUERY_KEYS = ['clientIp', 'clientEniId', 'clientInstanceId', 'port', 'clientEphemeralPorts', 'refresh', 'vpcId', 'serviceName', 'limit', 'nextToken'];

const ipLike = fc.oneof(
  fc.constantFrom(
    CLIENT_IP,
    '010.0.0.1',
    '10.1',
    '10',
    '1e3',
    '0x0a.0.0.1',
    '10.0.1.256',
    '10.0.1.25/32',
    '10.0.0.0/8',
    ' 10.0.1.25',
    '10.0.1.25 ',
    '10.0.1.25\u0000',
    '10.0.1.25.',
    '1.2.3.4.5',
    '::ffff:10.0.1.25',
    '::ffff:0a00:0119',
    '::ffff:999.0.0.1',
    '::ffff:010.0.1.25',
    'fe80::1%eth0',
    '::',
    '::1',
    ':::',
    '2001:db8::1',
    '2001:db8::g',
    '[::1]',
    'localhost',
    '0',
    '-1',
    '4294967295',
    '１０.0.1.25',
    '10。0.1.25',
    '',
    'x',
  ),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
);

const portLike = fc.oneof(
  fc.constantFrom(
    '0',
    '65536',
    '-1',
    '1.5',
    '443',
    '0443',
    '0x1bb',
    '1e3',
    '443abc',
    ' 443',
    '',
    'NaN',
    'Infinity',
    '-0',
    '99999999999999999999',
    'true',
    'null',
    '[]',
    '{}',
    '٤٤٣',
  ),
  fc.integer({ min: -70_000, max: 140_000 }).map(String),
  fc.double().map(String),
);

const ephemeralLike = fc.oneof(
  fc.constantFrom(
    'linux',
    'LINUX',
    'windows',
    'nat-gateway',
    'nlb',
    'default',
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    '1024-65535',
    '1024',
    '0-0',
    '0-1024',
    '5-1',
    '1-65536',
    '-1-5',
    '1024-',
    '-1024',
    '1024--2048',
    '1 - 2',
    '１-２',
    '1-2-3',
    'a-b',
    '1e3-2e3',
    '0x10-0x20',
    '65535-65535',
    '',
  ),
  fc.tuple(fc.integer({ min: -5, max: 70_000 }), fc.integer({ min: -5, max: 70_000 })).map(([from, to]) => `${from}-${to}`),
);

const booleanLike = fc.constantFrom('true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'on', '', 'null');

const queryValue = fc.oneof(
  { weight: 3, arbitrary: ipLike },
  { weight: 2, arbitrary: portLike },
  { weight: 2, arbitrary: ephemeralLike },
  booleanLike,
  fc.constantFrom(...EMOJI),
  unicode(30),
  fc.string({ maxLength: 30 }),
  fc.stringMatching(/^(vpc|eni|i|vpce)-[0-9a-f]{8,17}$/),
  { weight: 1, arbitrary: huge },
);

const queryKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...QUERY_KEYS) },
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'port[]', 'client[ip]', 'a[0]', '', 'CLIENTIP', 'x'),
  unicode(8),
);

/** `?k=v&…`: repeated keys, keys without values, values encoded or raw. */
const queryString = fc.array(fc.tuple(queryKey, fc.option(queryValue, { nil: undefined }), fc.boolean()), { maxLength: 6 }).map((pairs) => {
  if (pairs.length === 0) return '';
  const parts = pairs.map(([key, value, raw]) => {
    const encode = (text: string) => (raw ? text.replaceAll('%', '%25').replaceAll('#', '%23') : encodeURIComponent(text));
    return value === undefined ? encode(key) : `${encode(key)}=${encode(value)}`;
  });
  return `?${parts.join('&')}`;
});

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json;;',
  'application/json, text/plain',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/xml',
  'application/octet-stream',
  'application/problem+json',
  'application/vnd.api+json',
  'text/html',
  'json',
  '*/*',
  ';',
  '',
];
const contentType = fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined, freq: 4 });
const jsonContentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON');

/** JSON values of every type for fields that want something specific. */
const wrongJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    65536,
    -1,
    1.5,
    1e3,
    1e308,
    -0,
    Number.MAX_SAFE_INTEGER + 2,
    '443',
    '',
    true,
    false,
    null,
    [],
    [443],
    ['10.0.1.25'],
    {},
    { ip: '10.0.1.25' },
    'linux',
    '1-2',
    [[['x']]],
  ),
  fc.jsonValue({ maxDepth: 3 }),
  ipLike,
  portLike,
  ephemeralLike,
  unicode(20),
);

const clientJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        ip: fc.oneof({ weight: 3, arbitrary: ipLike }, wrongJson),
        eniId: fc.oneof(fc.stringMatching(/^eni-[0-9a-f]{8,17}$/), wrongJson),
        instanceId: fc.oneof(fc.constant(INSTANCE_ID), fc.stringMatching(/^i-[0-9a-f]{8,17}$/), wrongJson),
        extra: wrongJson,
      },
      { requiredKeys: [] },
    ),
  },
  wrongJson,
);

const analysisJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        client: clientJson,
        port: fc.oneof(fc.integer({ min: -10, max: 70_000 }), wrongJson),
        clientEphemeralPorts: fc.oneof(ephemeralLike, wrongJson),
        refresh: wrongJson,
        constructor: wrongJson,
      },
      { requiredKeys: [] },
    ),
  },
  wrongJson,
);

const batchJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        items: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.array(
              fc.oneof(
                fc.record(
                  {
                    endpointId: fc.oneof(fc.constant(ID), fc.constant(UNKNOWN_ID), fc.stringMatching(/^vpce-[0-9a-f]{8,17}$/), wrongJson),
                    client: clientJson,
                    port: fc.oneof(fc.integer({ min: -10, max: 70_000 }), wrongJson),
                    clientEphemeralPorts: fc.oneof(ephemeralLike, wrongJson),
                  },
                  { requiredKeys: [] },
                ),
                wrongJson,
              ),
              { maxLength: 8 },
            ),
          },
          wrongJson,
        ),
        extra: wrongJson,
      },
      { requiredKeys: [] },
    ),
  },
  wrongJson,
);

/** JSON nested `depth` deep in one spot of an otherwise plausible body. */
const deepJson = fc
  .record({
    depth: fc.integer({ min: 100, max: 20_000 }),
    kind: fc.constantFrom('array', 'object'),
    at: fc.constantFrom('root', 'client', 'ip', 'port', 'items'),
  })
  .map(({ depth, kind, at }) => {
    const open = kind === 'array' ? '[' : '{"a":';
    const close = kind === 'array' ? ']' : '}';
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    switch (at) {
      case 'root':
        return nested;
      case 'client':
        return `{"client":${nested}}`;
      case 'ip':
        return `{"client":{"ip":${nested}}}`;
      case 'port':
        return `{"client":{"ip":"${CLIENT_IP}"},"port":${nested}}`;
      default:
        return `{"items":[${nested}]}`;
    }
  });

const BAD_JSON = [
  '{',
  '}',
  '{"client":',
  "{'client':{'ip':'10.0.1.25'}}",
  '{"client":{"ip":"10.0.1.25",}}',
  '{"client":{"ip":10.0.1.25}}',
  '{client:{ip:"10.0.1.25"}}',
  'NaN',
  'undefined',
  '\ufeff{"client":{"ip":"10.0.1.25"}}',
  '{"client":{"ip":"10.0.1.25"}}{"client":{}}',
  '{"client":{"ip":"10.0.1.25"}} trailing',
  '01',
  '"\\u0000"',
  '\u0000',
  '"\\ud800"',
  '{"client":{"ip":"\\ud800"}}',
  '{"__proto__":{"polluted":true},"client":{"ip":"10.0.1.25"}}',
  '{"constructor":{"prototype":{"polluted":true}},"client":{"ip":"10.0.1.25"}}',
  '{"client":{"ip":"10.0.1.25"},"client":{"ip":"x"}}',
  'client[ip]=10.0.1.25&port=443',
  '------fuzz\r\nContent-Disposition: form-data; name="client"\r\n\r\n10.0.1.25\r\n------fuzz--\r\n',
  '<analysis><client ip="10.0.1.25"/></analysis>',
  '',
  ' ',
  'null',
  'true',
  '[]',
  '0',
  '""',
];

const payload: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 3, arbitrary: analysisJson.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: batchJson.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_JSON) },
  fc.jsonValue().map((value) => JSON.stringify(value)),
  unicode(60),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  { weight: 1, arbitrary: deepJson },
  huge.map((text) => `{"client":{"ip":${JSON.stringify(text)}}}`),
  huge.map((text) => JSON.stringify({ items: [{ endpointId: ID, client: { ip: CLIENT_IP }, clientEphemeralPorts: text }] })),
);

const method = fc.constantFrom<Method>('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');

// Valid inputs: each of these must be a 200.
const validIp = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(CLIENT_IP, `::ffff:${CLIENT_IP}`, '10.0.1.26', '192.168.1.1', '2001:db8::1') },
  fc.ipV4(),
  fc.ipV6(),
);
const validPort = fc.integer({ min: 1, max: 65535 });
const validEphemeral = fc.oneof(
  fc.constantFrom('linux', 'windows', 'nat-gateway', 'nlb', 'LINUX', '1024-65535', '32768-60999'),
  fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 })).map(([a, b]) => (a === b ? `${a}` : `${Math.min(a, b)}-${Math.max(a, b)}`)),
);
const validClient: fc.Arbitrary<{ ip?: string; instanceId?: string }> = fc.oneof(
  { weight: 3, arbitrary: validIp.map((ip) => ({ ip })) },
  fc.constant({ instanceId: INSTANCE_ID }),
  fc.constant({ ip: CLIENT_IP, instanceId: INSTANCE_ID }),
);
const validAnalysis = fc.record({ client: validClient, port: validPort, clientEphemeralPorts: validEphemeral }, { requiredKeys: ['client'] });

interface ValidCase {
  readonly request: FuzzRequest;
  readonly check: (body: unknown) => void;
}

function checkAnalysis(body: unknown): void {
  const analysis = body as { endpoint?: { id?: unknown }; verdict?: unknown; cache?: { status?: unknown } };
  assert.equal(analysis.endpoint?.id, ID);
  assert.equal(typeof analysis.verdict, 'string');
  assert.equal(typeof analysis.cache?.status, 'string');
}

const validCase: fc.Arbitrary<ValidCase> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ analysis: validAnalysis, refresh: fc.option(fc.boolean(), { freq: 2, nil: undefined }), json: jsonContentType })
      .map(({ analysis, refresh, json }) => ({
        request: {
          method: 'POST' as const,
          url: `/v1/endpoints/${ID}/analyses${refresh === undefined ? '' : `?refresh=${refresh}`}`,
          contentType: json,
          payload: JSON.stringify(analysis),
        },
        check: checkAnalysis,
      })),
  },
  {
    weight: 3,
    arbitrary: fc.record({ analysis: validAnalysis }).map(({ analysis }) => {
      const query = new URLSearchParams();
      if (analysis.client.ip !== undefined) query.set('clientIp', analysis.client.ip);
      if (analysis.client.instanceId !== undefined) query.set('clientInstanceId', analysis.client.instanceId);
      if (analysis.port !== undefined) query.set('port', String(analysis.port));
      if (analysis.clientEphemeralPorts !== undefined) query.set('clientEphemeralPorts', analysis.clientEphemeralPorts);
      return { request: { method: 'GET' as const, url: `/v1/endpoints/${ID}/analysis?${query.toString()}` }, check: checkAnalysis };
    }),
  },
  {
    weight: 2,
    arbitrary: fc.array(validAnalysis, { minLength: 1, maxLength: 5 }).map((items) => ({
      request: {
        method: 'POST' as const,
        url: '/v1/analyses',
        contentType: 'application/json',
        payload: JSON.stringify({ items: items.map((item) => ({ endpointId: ID, ...item })) }),
      },
      check: (body: unknown) => {
        const { results } = body as { results: { index: number; status: number; analysis?: unknown }[] };
        assert.equal(results.length, items.length);
        for (const [index, result] of results.entries()) {
          assert.equal(result.index, index);
          assert.equal(result.status, 200);
          checkAnalysis(result.analysis);
        }
      },
    })),
  },
  fc
    .record(
      { vpcId: fc.stringMatching(/^vpc-[0-9a-f]{8,17}$/), serviceName: unicode(40), limit: fc.integer({ min: 1, max: 500 }), refresh: fc.boolean() },
      { requiredKeys: [] },
    )
    .map((query) => ({
      request: {
        method: 'GET' as const,
        url: `/v1/endpoints?${new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)])).toString()}`,
      },
      check: (body: unknown) => assert.ok(Array.isArray((body as { items?: unknown }).items)),
    })),
  fc.constantFrom<ValidCase>(
    { request: { method: 'GET', url: `/v1/endpoints/${ID}` }, check: (body) => assert.equal((body as { id?: unknown }).id, ID) },
    { request: { method: 'GET', url: `/v1/endpoints/${ID}?refresh=false` }, check: (body) => assert.equal((body as { id?: unknown }).id, ID) },
    { request: { method: 'GET', url: '/healthz' }, check: (body) => assert.equal((body as { status?: unknown }).status, 'ok') },
    { request: { method: 'GET', url: '/readyz' }, check: (body) => assert.equal((body as { status?: unknown }).status, 'ready') },
  ),
);

// ---------------------------------------------------------------------------------------

const GENEROUS_LIMIT = 2 * 1024 * 1024;
const SMALL_LIMIT = 1024;
/** FUZZ_SCALE=10 for a longer hunt; the default keeps the file well under a minute on 2 cores. */
const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? '1') || 1);
const TEST_TIMEOUT = 120_000 * SCALE;
const runsOf = (runs: number) => Math.round(runs * SCALE);

describe('fuzz: random and malformed requests never get a 5xx, and every 4xx is problem+json', () => {
  let app: FastifyInstance;
  let small: FastifyInstance;
  let runs = 0;
  const statuses = new Set<number>();

  before(async () => {
    // No rate limit to trip over: the fuzz is about input, not load.
    ({ app } = await buildTestApp({ config: { bodyLimitBytes: GENEROUS_LIMIT, rateLimitMax: 1_000_000 } }));
    ({ app: small } = await buildTestApp({ config: { bodyLimitBytes: SMALL_LIMIT, rateLimitMax: 1_000_000 } }));
  });
  after(async () => {
    await app.close();
    await small.close();
  });

  async function check(numRuns: number, arbitrary: fc.Arbitrary<FuzzRequest>, target: () => FastifyInstance = () => app): Promise<void> {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (request) => {
        runs++;
        statuses.add((await fire(target(), request)).status);
      }),
      { numRuns: runsOf(numRuns) },
    );
  }

  it('any method, any path (routes, path tricks, junk), any query, any body', { timeout: TEST_TIMEOUT }, async () => {
    await check(
      1200,
      fc
        .record({ method, path: anyPath, query: queryString, contentType, payload: fc.option(payload, { nil: undefined, freq: 3 }) })
        .map(({ method, path, query, contentType, payload }) => ({ method, url: `${path}${query}`, contentType, payload })),
    );
  });

  it('GET /v1/endpoints/{id}/analysis: wrong types, repeated keys, invalid IPs and ports, malformed ranges', { timeout: TEST_TIMEOUT }, async () => {
    await check(
      700,
      fc.record({ id: idSegment, query: queryString }).map(({ id, query }) => ({ method: 'GET' as const, url: `/v1/endpoints/${id}/analysis${query}` })),
    );
  });

  it('GET /v1/endpoints and /v1/endpoints/{id}: filters, limits and tokens of every kind', { timeout: TEST_TIMEOUT }, async () => {
    await check(
      300,
      fc
        .record({
          path: fc.oneof(
            fc.constant('/v1/endpoints'),
            idSegment.map((id) => `/v1/endpoints/${id}`),
          ),
          query: queryString,
        })
        .map(({ path, query }) => ({ method: 'GET' as const, url: `${path}${query}` })),
    );
  });

  it('POST /v1/endpoints/{id}/analyses: bad JSON, wrong types, huge strings, deep nesting, wrong content types', { timeout: TEST_TIMEOUT }, async () => {
    await check(
      900,
      fc
        .record({
          id: idSegment,
          query: fc.oneof(fc.constant(''), queryString),
          contentType: fc.oneof({ weight: 3, arbitrary: jsonContentType }, contentType),
          payload,
        })
        .map(({ id, query, contentType, payload }) => ({ method: 'POST' as const, url: `/v1/endpoints/${id}/analyses${query}`, contentType, payload })),
    );
  });

  it('POST /v1/analyses: batches of the wrong shape, size and types', { timeout: TEST_TIMEOUT }, async () => {
    await check(
      400,
      fc
        .record({
          contentType: fc.oneof({ weight: 3, arbitrary: jsonContentType }, contentType),
          payload: fc.oneof({ weight: 3, arbitrary: batchJson.map((value) => JSON.stringify(value)) }, payload),
        })
        .map(({ contentType, payload }) => ({ method: 'POST' as const, url: '/v1/analyses', contentType, payload })),
    );
  });

  it('the per-item problems of a 200 batch are problem documents too', { timeout: TEST_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(batchJson, async (body) => {
        runs++;
        const request: FuzzRequest = { method: 'POST', url: '/v1/analyses', contentType: 'application/json', payload: JSON.stringify(body) };
        const { response, status, where } = await fire(app, request);
        statuses.add(status);
        if (status !== 200) return;
        const { results } = response.json() as { results: { index: number; status: number; analysis?: unknown; problem?: unknown }[] };
        for (const result of results) {
          assert.ok(result.status < 500, `item ${result.index} has status ${result.status}: ${where}`);
          if (result.status === 200) assert.ok(result.analysis, `item ${result.index} is 200 without an analysis: ${where}`);
          else assertProblem(result.problem, result.status, `item ${result.index}: ${where}`);
        }
      }),
      { numRuns: runsOf(300) },
    );
  });

  it('valid requests (client 10.0.1.25 and others, endpoint vpce-068e9dcc184a273ab) are answered 200', { timeout: TEST_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(validCase, async ({ request, check: checkBody }) => {
        runs++;
        const { response, status, where } = await fire(app, request);
        statuses.add(status);
        assert.equal(status, 200, `a valid request was refused: ${where}`);
        checkBody(response.json());
      }),
      { numRuns: runsOf(400) },
    );
  });

  it(`bodies over the limit (${SMALL_LIMIT} bytes here) are 413 problem+json, bodies within it are not`, { timeout: TEST_TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          route: fc.constantFrom(...BODY_ROUTES),
          contentType: jsonContentType,
          size: fc.oneof(
            fc.integer({ min: 0, max: 4 * SMALL_LIMIT }),
            fc.integer({ min: SMALL_LIMIT - 8, max: SMALL_LIMIT + 8 }),
            fc.integer({ min: 4 * SMALL_LIMIT, max: 200_000 }),
          ),
          filler: fc.constantFrom('a', 'é', '😀', '"'),
          junk: fc.boolean(),
          streamed: fc.boolean(),
        }),
        async ({ route, contentType, size, filler, junk, streamed }) => {
          runs++;
          const pad = filler.repeat(Math.ceil(size / Buffer.byteLength(filler)));
          const body = junk ? `{${pad}` : JSON.stringify({ client: { ip: CLIENT_IP }, pad });
          const request: FuzzRequest = { method: 'POST', url: route, contentType, payload: body, streamed };
          const { response, status, where } = await fire(small, request);
          statuses.add(status);
          if (Buffer.byteLength(body) > SMALL_LIMIT) {
            assert.equal(status, 413, `over the limit but not 413: ${where}`);
            assert.equal((response.json() as ProblemBody).type, `${PROBLEM_TYPE_PREFIX}body-too-large`, where);
          } else {
            assert.notEqual(status, 413, `within the limit but 413: ${where}`);
          }
        },
      ),
      { numRuns: runsOf(300) },
    );
  });

  it('any method with a body over the limit to any path is refused with a problem, never a 5xx', { timeout: TEST_TIMEOUT }, async () => {
    await check(
      100,
      fc
        .record({ method, path: anyPath, contentType, size: fc.integer({ min: SMALL_LIMIT + 1, max: 20 * SMALL_LIMIT }), streamed: fc.boolean() })
        .map(({ method, path, contentType, size, streamed }) => ({
          method,
          url: path,
          contentType,
          payload: `{"client":{"ip":"${'x'.repeat(size)}"}}`,
          streamed,
        })),
      () => small,
    );
  });

  it('fired thousands of requests, and the random ones met every kind of answer', () => {
    assert.ok(runs >= 3000, `only ${runs} requests were fired`);
    for (const status of [200, 400, 404, 413, 415])
      assert.ok(statuses.has(status), `no random request got a ${status}: saw ${[...statuses].sort().join(', ')}`);
  });
});

describe('fuzz: malformed percent-encoding and over-long path parameters', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await buildTestApp({ config: { bodyLimitBytes: GENEROUS_LIMIT, rateLimitMax: 1_000_000 } }));
  });
  after(async () => {
    await app.close();
  });

  const badEscape = fc.constantFrom('%', '%z', '%zz', '%g0', '%ff', '%80', '%c0%af', '%e0%a4%a', '%ed%a0%80', '%f0%9f%98', '%%', '%2');
  const badPath = fc.oneof(
    fc
      .record({ template: fc.constantFrom(...ROUTE_TEMPLATES, '/junk/{id}'), escape: badEscape, at: fc.constantFrom('id', 'end', 'segment', 'start') })
      .map(({ template, escape, at }) => {
        if (at === 'id' && template.includes('{id}')) return template.replace('{id}', `${ID}${escape}`);
        const path = template.replace('{id}', ID);
        return at === 'start' ? `/${escape}${path}` : at === 'segment' ? `${path}/${escape}` : `${path}${escape}`;
      }),
    fc
      .record({ length: fc.integer({ min: 201, max: 5_000 }), suffix: fc.constantFrom('', '/analysis', '/analyses'), char: fc.constantFrom('a', '0', '%41') })
      .map(({ length, suffix, char }) => `/v1/endpoints/vpce-${char.repeat(length)}${suffix}`),
  );

  it('still answer problem+json', { timeout: TEST_TIMEOUT }, async () => {
    // fc.check, not fc.assert: the counterexample can be kilobytes of path; report it clipped.
    const details = await fc.check(
      fc.asyncProperty(method, badPath, async (method, url) => {
        await fire(app, { method, url });
      }),
      { numRuns: 200, endOnFailure: true },
    );
    if (details.failed)
      assert.fail(
        `seed ${details.seed}: ${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance).slice(0, 600)}`,
      );
  });
});
