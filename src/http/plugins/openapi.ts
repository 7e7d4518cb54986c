import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemSchema } from '../schemas.js';

/** The OpenAPI 3.1 document, generated from the route schemas, at /openapi.json, and its UI at /docs. */

export const OPENAPI_INFO = {
  title: 'vpce-doctor',
  description:
    'Whether a client can reach an AWS VPC interface endpoint, which security group or network ACL rule (or which part of the provider NLB path) stops it, and the exact rule to add.',
  version: '1',
};

/**
 * The request schemas validate a change by its `kind` (an Ajv `discriminator`). OpenAPI's
 * discriminator selects only named ($ref) schemas, and the change's kinds are inline: the
 * document keeps the plain `oneOf`, which means the same, since each kind is a constant.
 */
export function withoutDiscriminators(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDiscriminators);
  if (value === null || typeof value !== 'object') return value;
  const schemaWithOneOf = 'oneOf' in value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !(schemaWithOneOf && key === 'discriminator'))
      .map(([key, item]) => [key, withoutDiscriminators(item)]),
  );
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** A response schema that is the problem document (the routes inline ProblemSchema). */
function isProblemSchema(schema: unknown): boolean {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties !== undefined && 'invalid-params' in properties && 'title' in properties && 'type' in properties;
}

/** The value with every inlined problem schema (an error response's, a batch result's) replaced by the reference. */
function withProblemRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withProblemRefs);
  if (value === null || typeof value !== 'object') return value;
  if (isProblemSchema(value)) return PROBLEM_REF;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withProblemRefs(item)]));
}

/**
 * The document as readers and tools expect it: the problem schema is one component that
 * every error response refers to, as `application/problem+json` (RFC 9457), and only the
 * /v1 routes carry the bearer-token requirement (health, readiness and metrics take none).
 */
export function withSharedProblems(document: Record<string, unknown>): Record<string, unknown> {
  const paths = (document['paths'] ?? {}) as Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown }>
  >;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // An empty list says "no authentication" (no padlock); /v1 takes a token when tokens are configured.
      operation.security = path.startsWith('/v1/') || path === '/probe' ? [{ bearerAuth: [] }, {}] : [];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json && isProblemSchema(json.schema)) response.content = { 'application/problem+json': { schema: PROBLEM_REF } };
      }
    }
  }
  const components = (document['components'] ?? {}) as Record<string, unknown>;
  const schemas = (components['schemas'] ?? {}) as Record<string, unknown>;
  const { security: _global, ...rest } = document;
  return { ...rest, paths: withProblemRefs(paths), components: { ...components, schemas: { ...schemas, Problem: ProblemSchema } } };
}

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { ...OPENAPI_INFO, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
        servers: [{ url: '/', description: 'This service' }],
        tags: [
          { name: 'endpoints', description: 'Interface endpoints in the data' },
          { name: 'analyses', description: 'Reachability analyses' },
          {
            name: 'changes',
            description: 'What-if and blast radius: the analyses before and after a list of changes (contract §7 format), on an overlay of the data',
          },
          { name: 'probes', description: 'Live TCP probes from this service to endpoint interfaces' },
          { name: 'fleet', description: 'Many accounts and regions: the units of the data, and a report over every endpoint' },
          { name: 'operations', description: 'Health, readiness and metrics' },
        ],
        // On each /v1 operation (withSharedProblems), optional: required only when the service has API tokens.
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'Required on /v1 and /probe when the service has API tokens configured' },
          },
        },
      },
      transformObject: (documents) =>
        withSharedProblems(
          withoutDiscriminators('openapiObject' in documents ? documents.openapiObject : documents.swaggerObject) as Record<string, unknown>,
        ) as never,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'vpce-doctor-openapi' },
);
