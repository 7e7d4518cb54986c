import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import type { Doctor } from '../doctor.js';
import type { Metrics } from '../metrics/registry.js';
import { httpMetricsPlugin } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { requireBearerToken } from './plugins/auth.js';
import { createAnalysisBudget } from './plugins/analysis-budget.js';
import { classifyError, clientErrorProblem, PROBLEM_CONTENT_TYPE, ProblemError, rawProblemResponse, registerProblemHandlers, sendProblem } from './problem.js';
import { analysisRoutes } from './routes/analyses.js';
import { clientRoutes } from './routes/clients.js';
import { webRoutes } from './routes/web.js';
import { endpointRoutes } from './routes/endpoints.js';
import { fleetRoutes } from './routes/fleet.js';
import { healthRoutes } from './routes/health.js';
import { probeRoutes } from './routes/probes.js';
import { probeExporterRoutes } from './routes/probe-exporter.js';
import { snapshotRoutes } from './routes/snapshot.js';
import { whatIfRoutes } from './routes/what-if.js';
import { reachabilityRoutes } from './routes/reachability.js';
import type { SharedRedis } from '../shared/redis.js';
import { sharedRateLimitStore } from '../shared/rate-limit-store.js';

/**
 * The app as a plugin tree that never listens: server.ts and the tests build it, with the
 * doctor, the configuration and the metrics as plain options.
 */

export type AppConfig = Pick<
  Config,
  'apiTokens' | 'rateLimitMax' | 'rateLimitWindowSeconds' | 'batchMaxItems' | 'bodyLimitBytes' | 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs'
>;

export interface AppOptions {
  readonly doctor: Doctor;
  readonly config: AppConfig;
  readonly metrics: Metrics;
  /** Fastify's logger option: pino options (the server's), or false. */
  readonly logger?: FastifyServerOptions['logger'];
  /** A ready pino logger instead, for tests that read what is logged. */
  readonly loggerInstance?: FastifyBaseLogger;
  /** Stopping: new /v1 requests are refused, every answer closes its connection. */
  readonly isShuttingDown?: () => boolean;
  /** Told to stop, still serving: /readyz is 503 so that traffic goes elsewhere first. */
  readonly isDraining?: () => boolean;
  /** Replicas' shared Redis: the analysis budget is then one per caller across replicas. */
  readonly sharedRedis?: SharedRedis;
  /** Where the built web page is (dist/web by default). */
  readonly webDir?: string;
}

/** Authorization and tokens never reach the logs. */
export const LOG_REDACTIONS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', '*.token', '*.apiTokens'];

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { doctor, config, metrics } = options;
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // A URL fastify cannot even route still gets a problem+json answer.
    frameworkErrors: (error, request, reply) => sendProblem(reply, request, classifyError(error)),
    routerOptions: { maxParamLength: 200 },
    // Requests arriving on kept-alive connections during shutdown get our problem+json 503.
    return503OnClosing: false,
    // A client gets this long to send a whole request: a stalled upload holds no connection for ever.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node checks the request and headers timeouts this often (its default, 30 s, would let a stalled upload outlive them).
      connectionsCheckingInterval: 1000,
      // Node answers a missing Host with a bare 400; the onRequest hook answers it in problem+json.
      requireHostHeader: false,
    },
    // Errors of Node's HTTP parser (400, 408, 431) are answered in the API's problem+json.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      // A reset connection has no one to answer (as Node and Fastify do).
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const problem = clientErrorProblem(error);
      // Most are scanners or load balancer probes: debug, not a warning per stray packet.
      app.log.debug({ problem: problem.code, errorCode: error.code }, 'client error before routing');
      // As Node does: answer unless a response has already begun on this socket.
      const pending = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (socket.writable && !pending?.headersSent) {
        const { head, body } = rawProblemResponse(problem.code, problem.detail);
        socket.end(head + body);
      } else {
        socket.destroy(error);
      }
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Node answers an Expect other than 100-continue with a bare 417; the API answers it in problem+json.
  app.server.on('checkExpectation', (_request, response: ServerResponse) => {
    const { status, body } = rawProblemResponse('expectation-failed', `only "Expect: 100-continue" is understood`);
    response.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  });

  // Query strings and paths are text, so their numbers and booleans are coerced; a JSON body
  // says what it means, so `"port": true` or `"port": "443"` is refused, not read as 1 or 443.
  const textParts = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false });
  // A union with a discriminator (a change's `kind`) validates the one branch its tag names.
  const jsonBodies = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, discriminator: true });
  // Named request examples for the OpenAPI document (@fastify/swagger reads them): an annotation, never validated.
  for (const ajv of [textParts, jsonBodies]) ajv.addKeyword({ keyword: 'x-examples', schemaType: 'object' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? jsonBodies : textParts).compile(schema));
  // A JSON API: any other body is 415, not a string for the schema to trip over.
  app.removeContentTypeParser(['text/plain']);
  const isShuttingDown = options.isShuttingDown ?? (() => false);
  // The hooks on every request take Fastify's callback form: an async hook costs a promise and a microtask per request.
  app.addHook('onSend', (request, reply, _payload, done) => {
    reply.header('x-request-id', request.id);
    // While stopping, every answer ends its connection: keep-alive clients reconnect elsewhere.
    if (isShuttingDown()) reply.header('connection', 'close');
    done();
  });
  registerProblemHandlers(app);
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.raw.httpVersion === '1.1' && !request.headers.host)
      return done(new ProblemError('malformed-request', 'an HTTP/1.1 request needs a Host header'));
    if (isShuttingDown() && request.url.startsWith('/v1/')) return done(new ProblemError('shutting-down', 'the service is stopping; retry on another replica'));
    done();
  });
  await app.register(httpMetricsPlugin, { metrics });
  await app.register(openApiPlugin);
  // No per-route limits: the plugin only keeps the counters of the one analysis budget below.
  await app.register(rateLimit, { global: false, ...(options.sharedRedis ? { store: sharedRateLimitStore(options.sharedRedis) } : {}) });
  const isDraining = options.isDraining ?? (() => false);
  await app.register(healthRoutes, { doctor, metrics, isShuttingDown: () => isDraining() || isShuttingDown() });
  // The page for people: its HTML and assets only; what it shows comes from /v1 with the caller's token.
  await app.register(webRoutes, options.webDir !== undefined ? { dir: options.webDir } : {});
  // One budget for the /v1 analyses and the probe scrapes.
  const spendBudget = createAnalysisBudget(
    app,
    { max: config.rateLimitMax, timeWindowMs: config.rateLimitWindowSeconds * 1000, sharedStore: options.sharedRedis !== undefined },
    config.apiTokens.length > 0,
  );
  // It dials the network, so it takes a token like /v1 when auth is on (Prometheus sends one with `authorization`).
  await app.register(async (scrapes) => {
    if (config.apiTokens.length > 0) requireBearerToken(scrapes, config.apiTokens);
    await scrapes.register(probeExporterRoutes, { doctor, spendBudget });
  });
  await app.register(
    async (v1) => {
      if (config.apiTokens.length > 0) requireBearerToken(v1, config.apiTokens);
      await v1.register(endpointRoutes, { doctor });
      await v1.register(clientRoutes, { doctor });
      await v1.register(analysisRoutes, { doctor, batchMaxItems: config.batchMaxItems, spendBudget });
      await v1.register(whatIfRoutes, { doctor, spendBudget, budgetMax: config.rateLimitMax });
      await v1.register(reachabilityRoutes, { doctor, spendBudget, budgetMax: config.rateLimitMax });
      await v1.register(probeRoutes, { doctor, spendBudget });
      await v1.register(snapshotRoutes, { doctor });
      await v1.register(fleetRoutes, { doctor, spendBudget });
    },
    { prefix: '/v1' },
  );
  return app;
}
