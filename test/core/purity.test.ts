import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

/**
 * src/core is pure: it imports only itself, ipaddr.js and typebox — no I/O, no SDK, no server;
 * and it holds no module-level mutable state: a memo at module level, keyed by a resource
 * object, answers for every model that shares the object (an overlay, another fleet), so
 * memos live in the model (memo.ts) or in the analysis context.
 */

const CORE = new URL('../../src/core/', import.meta.url).pathname;
const ALLOWED_PACKAGES = new Set(['cidr-tools', 'ipaddr.js', 'typebox']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('src/core', () => {
  it('imports nothing outside itself but ipaddr.js and typebox', () => {
    const offences: string[] = [];
    for (const file of sourceFiles(CORE)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const specifier = match[1] ?? match[2]!;
        if (specifier.startsWith('.')) {
          const target = join(file, '..', specifier);
          if (relative(CORE, target).startsWith('..')) offences.push(`${relative(CORE, file)} imports ${specifier}`);
        } else if (!ALLOWED_PACKAGES.has(specifier.split('/')[0]!)) {
          offences.push(`${relative(CORE, file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(offences, []);
  });

  it('declares no module-level mutable state: no top-level let or var, no top-level new Map, Set, WeakMap or WeakSet', () => {
    const offences = sourceFiles(CORE).flatMap((file) => moduleLevelState(relative(CORE, file), readFileSync(file, 'utf8')));
    assert.deepEqual(offences, []);
  });

  it('(the state check itself) catches module-level memos and counters, and lets constant tables and per-call state be', () => {
    const offences = (text: string) => moduleLevelState('sample.ts', text).map((offence) => offence.replace(/^sample\.ts:\d+ /, ''));
    assert.deepEqual(offences('const followed = new WeakMap<object, Map<string, number>>();'), ['const followed = new WeakMap']);
    assert.deepEqual(offences('export const seen = new Set<string>();'), ['const seen = new Set']);
    assert.deepEqual(offences('const byKey: Map<string, number> = new Map();'), ['const byKey = new Map']);
    assert.deepEqual(offences('const memo = { answers: new Map<string, boolean>() };'), ['const memo = new Map']);
    assert.deepEqual(offences('let calls = 0;'), ['let calls']);
    assert.deepEqual(offences('export let last: string | undefined;'), ['let last']);
    assert.deepEqual(offences('var legacy = 1;'), ['var legacy']);
    // Read-only tables the compiler keeps from being changed, and state made per call or per instance.
    assert.deepEqual(offences("export const PROTOCOLS: ReadonlySet<string> = new Set(['TCP']);"), []);
    assert.deepEqual(offences("const TABLE: ReadonlyMap<string, number> = new Map([['a', 1]]);"), []);
    assert.deepEqual(offences('function f() { let n = 0; const m = new Map(); return [n++, m]; }'), []);
    assert.deepEqual(offences('const f = () => new Map<string, number>();'), []);
    assert.deepEqual(offences("export const IDS: readonly string[] = Object.freeze([...new Set(['a', 'a'])]);"), []);
    assert.deepEqual(offences('export class Memo { readonly answers = new WeakMap<object, boolean>(); }'), []);
    assert.deepEqual(offences('for (let i = 0; i < 1; i++) {}'), ['let i']);
  });
});

const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);

/**
 * What a module keeps from one call to the next: a top-level `let` or `var`, or a Map, Set,
 * WeakMap or WeakSet made at load time (outside any function or class) and kept (not just
 * spread out into an array). A Map or Set bound
 * directly to a const typed `ReadonlyMap`/`ReadonlySet` is a constant table (the compiler
 * refuses writes to it), so it is let be; a WeakMap or WeakSet never is: at module level it
 * can only be a memo.
 */
function moduleLevelState(name: string, text: string): string[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const offences: string[] = [];
  const where = (node: ts.Node) => `${name}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const isReadonlyTable = (declaration: ts.VariableDeclaration, expression: ts.NewExpression) =>
    declaration.initializer === expression &&
    declaration.type !== undefined &&
    ts.isTypeReferenceNode(declaration.type) &&
    ['ReadonlyMap', 'ReadonlySet'].includes(declaration.type.typeName.getText(source)) &&
    ['Map', 'Set'].includes(expression.expression.getText(source));
  /** `new Map()` and the like made when the module loads: not inside a function or class body. */
  const findCollections = (node: ts.Node, declaration: ts.VariableDeclaration, label: string) => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    // `[...new Set(list)]` copies the collection out and drops it: nothing is kept.
    const spreadOut = ts.isSpreadElement(node.parent) || (ts.isParenthesizedExpression(node.parent) && ts.isSpreadElement(node.parent.parent));
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      COLLECTIONS.has(node.expression.text) &&
      !spreadOut &&
      !isReadonlyTable(declaration, node)
    ) {
      offences.push(`${where(node)} ${label} = new ${node.expression.text}`);
    }
    ts.forEachChild(node, (child) => findCollections(child, declaration, label));
  };
  const visitList = (list: ts.VariableDeclarationList) => {
    const mutable =
      (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const | ts.NodeFlags.Using)) === 0 ? 'var' : list.flags & ts.NodeFlags.Let ? 'let' : undefined;
    for (const declaration of list.declarations) {
      const label = declaration.name.getText(source);
      if (mutable) offences.push(`${where(declaration)} ${mutable} ${label}`);
      else if (declaration.initializer) findCollections(declaration.initializer, declaration, `const ${label}`);
    }
  };
  /** Top-level statements, and the blocks and loops at top level (they run once, at load). */
  const visitStatement = (statement: ts.Node) => {
    if (ts.isVariableStatement(statement)) visitList(statement.declarationList);
    else if (
      (ts.isForStatement(statement) || ts.isForOfStatement(statement) || ts.isForInStatement(statement)) &&
      statement.initializer &&
      ts.isVariableDeclarationList(statement.initializer)
    ) {
      visitList(statement.initializer);
    }
    if (ts.isBlock(statement) || ts.isIfStatement(statement) || ts.isIterationStatement(statement, false) || ts.isTryStatement(statement))
      ts.forEachChild(statement, visitStatement);
  };
  source.statements.forEach(visitStatement);
  return offences;
}
