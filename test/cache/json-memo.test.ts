import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonMemo } from '../../src/cache/json-memo.js';

describe('JsonMemo', () => {
  it('serializes a value once, and keeps the text an answer was parsed from', () => {
    const memo = new JsonMemo();
    const value = { verdict: 'reachable', checks: [{ id: 'a' }] };
    const text = memo.of(value);
    assert.equal(text, JSON.stringify(value));
    value.verdict = 'blocked';
    assert.equal(memo.of(value), text, 'answers are immutable: the first text stands');
    const parsed = memo.parse('{"b":1}') as object;
    assert.equal(memo.of(parsed), '{"b":1}');
  });

  it('appends a field, reusing the body while the field is the same', () => {
    const memo = new JsonMemo();
    const value = { verdict: 'reachable' };
    const first = memo.withField(value, 'cache', { status: 'hit', ageSeconds: 1 });
    assert.deepEqual(JSON.parse(first), { verdict: 'reachable', cache: { status: 'hit', ageSeconds: 1 } });
    assert.equal(memo.withField(value, 'cache', { status: 'hit', ageSeconds: 1 }), first);
    const later = memo.withField(value, 'cache', { status: 'hit', ageSeconds: 2 });
    assert.deepEqual(JSON.parse(later), { verdict: 'reachable', cache: { status: 'hit', ageSeconds: 2 } });
    assert.deepEqual(JSON.parse(memo.withField({}, 'cache', 1)), { cache: 1 });
  });

  it('gives the same body as UTF-8 bytes, encoded once per field', () => {
    const memo = new JsonMemo();
    const value = { verdict: 'reachable', note: 'é → ok' };
    const first = memo.bytesWithField(value, 'cache', { status: 'hit', ageSeconds: 1 });
    assert.ok(Buffer.isBuffer(first));
    assert.equal(first.toString('utf8'), memo.withField(value, 'cache', { status: 'hit', ageSeconds: 1 }));
    assert.equal(memo.bytesWithField(value, 'cache', { status: 'hit', ageSeconds: 1 }), first, 'the same field reuses the bytes');
    const later = memo.bytesWithField(value, 'cache', { status: 'hit', ageSeconds: 2 });
    assert.notEqual(later, first);
    assert.deepEqual(JSON.parse(later.toString('utf8')), { verdict: 'reachable', note: 'é → ok', cache: { status: 'hit', ageSeconds: 2 } });
    assert.deepEqual(JSON.parse(memo.bytesWithField({}, 'cache', 1).toString('utf8')), { cache: 1 });
  });
});
