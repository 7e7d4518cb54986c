import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateOpenApiDocument } from '../../src/http/openapi-document.js';
import { PROBLEMS } from '../../src/errors.js';

describe('the committed OpenAPI document', () => {
  it('is what the code generates (run `npm run openapi` after changing a route schema)', async () => {
    const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    assert.equal(committed, await generateOpenApiDocument());
  });
});

describe('docs/errors.md', () => {
  it('documents every problem code, and no other', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^## `([a-z-]+)`/gm)].map((match) => match[1]).sort();
    assert.deepEqual(documented, Object.keys(PROBLEMS).sort());
    for (const [code, { status }] of Object.entries(PROBLEMS)) {
      assert.match(doc, new RegExp(`## \`${code}\`\\n\\nHTTP ${status}\\b`), `${code} is documented with its status ${status}`);
    }
  });
});
