import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ListSplitter, NotSplittable } from '../../../src/sources/snapshot/split.js';

/** What the splitter makes of a text fed in chunks of the given sizes: the items and the head, or why it gave up. */
function split(text: string, key: string, chunkSizes: readonly number[] = [1 << 20]): { items: unknown[]; head: Record<string, unknown> } | NotSplittable {
  const bytes = Buffer.from(text);
  const items: unknown[] = [];
  const splitter = new ListSplitter(key, (item, index) => {
    assert.equal(index, items.length);
    items.push(item);
  });
  try {
    // One reused buffer, as the reader does: the splitter must copy what it keeps.
    const scratch = Buffer.alloc(Math.max(...chunkSizes));
    for (let offset = 0, turn = 0; offset < bytes.length; turn++) {
      const size = Math.min(chunkSizes[turn % chunkSizes.length]!, bytes.length - offset);
      bytes.copy(scratch, 0, offset, offset + size);
      splitter.push(scratch.subarray(0, size));
      scratch.fill(0x21);
      offset += size;
    }
    return { items, head: splitter.end() };
  } catch (error) {
    if (error instanceof NotSplittable) return error;
    throw error;
  }
}

/** The reference: JSON.parse of the whole text, and the head the splitter should make of it. */
function expectAgreesWithJsonParse(text: string, key: string, result: ReturnType<typeof split>): void {
  assert.ok(!(result instanceof NotSplittable), `refused a file it should split: ${String(result)}`);
  const whole = JSON.parse(text) as Record<string, unknown[]>;
  assert.deepEqual(result.items, whole[key]);
  assert.deepEqual(result.head, { ...whole, [key]: whole[key]!.map(() => ({})) });
}

const GROUP = { GroupId: 'sg-0aaaaaaaaaaaaaaa1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] };

// Strings with what a scanner gets wrong: quotes, backslashes, brackets, multi-byte UTF-8 (split across chunks).
const trickyString = fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('"', '\\', '\\"', '{', '}]', '[{"', 'é', '𝄞', '\u2028', 'a"b\\c'));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    trickyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
})).value;
const item = fc.dictionary(trickyString, jsonValue, { maxKeys: 5 });
const plainKey = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,12}$/).filter((name) => name !== 'Items' && name !== '__proto__');
const response = fc.record({
  before: fc.dictionary(plainKey, jsonValue, { maxKeys: 3 }),
  items: fc.array(item, { maxLength: 8 }),
  after: fc.dictionary(plainKey, fc.oneof(fc.constant('token=='), fc.integer(), fc.constant(null)), { maxKeys: 2 }),
  indent: fc.constantFrom(0, 2, 4, '\t'),
  chunks: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
});

function textOf(value: { before: object; items: unknown[]; after: object; indent: number | string }): string {
  const before = Object.fromEntries(Object.entries(value.before).filter(([name]) => !Object.hasOwn(value.after, name)));
  return JSON.stringify({ ...before, Items: value.items, ...value.after }, null, value.indent);
}

describe('ListSplitter', () => {
  it('splits a response into its items, in chunks of any size, as JSON.parse reads it (property)', () => {
    fc.assert(
      fc.property(response, (value) => {
        const text = textOf(value);
        expectAgreesWithJsonParse(text, 'Items', split(text, 'Items', value.chunks));
      }),
      { numRuns: 400 },
    );
  });

  it('never accepts a text JSON.parse refuses, and agrees with it on any it accepts (property)', () => {
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('delete', 'insert', 'truncate', 'replace'),
      byte: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', 'x', ' ', '0'),
    });
    fc.assert(
      fc.property(response, mutation, (value, change) => {
        const original = textOf(value);
        const at = change.at % (original.length + 1);
        // As bytes on disk: a change that splits a surrogate pair leaves U+FFFD, as a file would.
        const changed =
          change.kind === 'delete'
            ? original.slice(0, at) + original.slice(at + 1)
            : change.kind === 'insert'
              ? original.slice(0, at) + change.byte + original.slice(at)
              : change.kind === 'truncate'
                ? original.slice(0, at)
                : original.slice(0, at) + change.byte + original.slice(at + 1);
        const text = Buffer.from(changed).toString('utf8');
        const result = split(text, 'Items', value.chunks);
        let whole: unknown;
        try {
          whole = JSON.parse(text);
        } catch {
          assert.ok(result instanceof NotSplittable, `accepted what JSON.parse refuses: ${JSON.stringify(text)}`);
          return;
        }
        if (result instanceof NotSplittable) return; // giving up is always allowed: the file is then read whole
        const list = (whole as Record<string, unknown>).Items;
        assert.ok(Array.isArray(list));
        expectAgreesWithJsonParse(text, 'Items', result);
      }),
      { numRuns: 1500 },
    );
  });

  it('splits the AWS CLI output of a large call and keeps the page token in the head', () => {
    const text = JSON.stringify({ SecurityGroups: [GROUP, { ...GROUP, GroupId: 'sg-2' }], NextToken: 'eyJ2IjoxfQ==' }, null, 4);
    const result = split(text, 'SecurityGroups', [7]);
    expectAgreesWithJsonParse(text, 'SecurityGroups', result);
    assert.ok(!(result instanceof NotSplittable));
    assert.equal(result.head.NextToken, 'eyJ2IjoxfQ==');
  });

  for (const [why, text] of [
    ['a top-level array', JSON.stringify([{ SecurityGroups: [GROUP] }])],
    ['an item that is not an object', JSON.stringify({ SecurityGroups: [GROUP, 'sg-1'] })],
    ['an item that is an array', JSON.stringify({ SecurityGroups: [[GROUP]] })],
    ['the list twice', `{"SecurityGroups": [${JSON.stringify(GROUP)}], "SecurityGroups": []}`],
    ['a top-level key with an escape', `{"Note\\"s": 1, "SecurityGroups": [${JSON.stringify(GROUP)}]}`],
    ['the list once escaped, once not', `{"SecurityGroups": [${JSON.stringify(GROUP)}], "Security\\u0047roups": []}`],
    ['no list', JSON.stringify({ NetworkInterfaces: [] })],
    ['a list that is not an array', JSON.stringify({ SecurityGroups: null })],
    ['a file cut short', JSON.stringify({ SecurityGroups: [GROUP, GROUP] }).slice(0, -3)],
    ['a file cut short after the list', JSON.stringify({ SecurityGroups: [GROUP] }).slice(0, -1)],
    ['two items without a comma', `{"SecurityGroups": [${JSON.stringify(GROUP)} ${JSON.stringify(GROUP)}]}`],
    ['text after the object', `${JSON.stringify({ SecurityGroups: [GROUP] })} x`],
    ['an item that is not JSON inside', `{"SecurityGroups": [{"GroupId": 'sg-1'}]}`],
    ['whitespace only', '   \n'],
    ['nothing', ''],
  ] as const) {
    it(`gives up on ${why}, for the file to be read whole`, () => {
      assert.ok(split(text, 'SecurityGroups') instanceof NotSplittable);
      assert.ok(split(text, 'SecurityGroups', [1]) instanceof NotSplittable);
    });
  }

  it('reads top-level values with escapes: only keys are compared as bytes', () => {
    const text = JSON.stringify({ Note: 'a "quoted" \\ value', SecurityGroups: [GROUP], NextToken: 'a/b+c==' }, null, 4);
    expectAgreesWithJsonParse(text, 'SecurityGroups', split(text, 'SecurityGroups', [2]));
  });

  it('reads a list that is there once besides other keys with the same start', () => {
    const text = JSON.stringify({ SecurityGroupsExtra: [1], SecurityGroups: [GROUP], Security: 'x' }, null, 2);
    expectAgreesWithJsonParse(text, 'SecurityGroups', split(text, 'SecurityGroups', [3, 5]));
  });
});
