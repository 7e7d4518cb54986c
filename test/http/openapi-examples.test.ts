import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { buildTestApp } from '../support/app.js';

/**
 * "Try it out" on the bundled example: for every operation of the OpenAPI document, the
 * request the UI builds from the document alone (path and query parameters from their
 * examples, the body from its first named example) gets an answer, not an error. And the
 * document's errors are one shared problem component, as application/problem+json, with
 * the token asked for on /v1 only.
 */

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema: { readonly examples?: readonly unknown[]; readonly example?: unknown; readonly default?: unknown };
  readonly example?: unknown;
}
interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Record<string, { readonly examples?: Record<string, { readonly value: unknown }>; readonly example?: unknown }> };
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: { readonly $ref?: string } }> }>;
  readonly security?: readonly unknown[];
}

const document = JSON.parse(await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method]! })),
);

/** What the UI pre-fills: a parameter's example (its own, or its schema's first). */
function prefilled(parameter: Parameter): unknown {
  return parameter.example ?? parameter.schema.example ?? parameter.schema.examples?.[0];
}

/** Operations whose answer on the bundled example is not a 2xx by nature, with the answer the document declares. */
const NOT_2XX: Record<string, { status: number; why: string }> = {
  latestProbe: { status: 404, why: 'nothing has been probed yet' },
  exportSnapshot: { status: 409, why: 'the example is a snapshot: there is no live fetch to export' },
};
/** Never sent: they would dial the example's 10.x addresses (were probes on). */
const NEVER_SENT = new Set(['probeEndpoint', 'probeScrape']);

describe('the OpenAPI document on the bundled example', () => {
  it('has an example for every path parameter, and every request body, that works in "Try it out"', async () => {
    const { app } = await buildTestApp({ config: { rateLimitMax: 100_000 } });
    let sent = 0;
    for (const { path, method, operation } of operations) {
      if (NEVER_SENT.has(operation.operationId)) continue;
      let url = path;
      const query = new URLSearchParams();
      for (const parameter of operation.parameters ?? []) {
        const value = prefilled(parameter);
        if (parameter.in === 'path') {
          assert.ok(value !== undefined, `${operation.operationId}: path parameter ${parameter.name} has no example`);
          url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
        } else if (parameter.in === 'query' && value !== undefined) query.set(parameter.name, String(value));
        else assert.ok(!parameter.required, `${operation.operationId}: required ${parameter.in} parameter ${parameter.name} has no example`);
      }
      let payload: unknown;
      if (operation.requestBody) {
        const json = operation.requestBody.content['application/json'];
        assert.ok(json, `${operation.operationId}: a JSON body`);
        const first = json.examples ? Object.values(json.examples)[0]?.value : json.example;
        assert.ok(first !== undefined, `${operation.operationId}: the request body has no example, so the UI would send "string" and 1`);
        assert.ok(!JSON.stringify(first).includes('"probe":true'), `${operation.operationId}: an example never probes`);
        payload = first;
      }
      const response = await app.inject({
        method: method.toUpperCase() as 'GET',
        url: `${url}${query.size > 0 ? `?${query}` : ''}`,
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      const expected = NOT_2XX[operation.operationId];
      const where = `${operation.operationId}: ${method.toUpperCase()} ${url}?${query} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
      if (expected) {
        assert.equal(response.statusCode, expected.status, `${where} (${expected.why})`);
        assert.ok(operation.responses[String(expected.status)], `${where}: ${expected.status} is declared`);
      } else assert.ok(response.statusCode >= 200 && response.statusCode < 300, where);
      sent++;
    }
    assert.ok(sent >= 14, `only ${sent} operations tried`);
    await app.close();
  });

  it('pre-fills nothing that asks another question than the defaults', () => {
    for (const { operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        if (['clientEphemeralPorts', 'fixScope', 'format', 'probe', 'refresh'].includes(parameter.name)) {
          assert.equal(prefilled(parameter), undefined, `${operation.operationId}: ${parameter.name} is pre-filled`);
        }
      }
    }
  });

  it('declares every error as application/problem+json of one shared Problem schema, and asks for a token on /v1 and /probe only', () => {
    assert.ok(document.components.schemas['Problem'], 'components.schemas.Problem');
    let errors = 0;
    for (const { path, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || !response.content) continue;
        if (path === '/readyz') continue;
        assert.deepEqual(Object.keys(response.content), ['application/problem+json'], `${operation.operationId} ${status}`);
        assert.equal(response.content['application/problem+json']!.schema?.$ref, '#/components/schemas/Problem');
        errors++;
      }
      assert.deepEqual(operation.security, path.startsWith('/v1/') || path === '/probe' ? [{ bearerAuth: [] }, {}] : [], `${operation.operationId}: security`);
    }
    assert.ok(errors > 100, `${errors} error responses`);
    assert.equal((document as unknown as { security?: unknown }).security, undefined, 'no document-wide security');
  });
});
