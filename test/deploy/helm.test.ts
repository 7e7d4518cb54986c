import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { ConfigError, loadConfig, VARIABLES } from '../../src/config.js';
import { createMetrics } from '../../src/metrics/registry.js';

/**
 * The Helm chart without helm. No helm binary exists here, so this file:
 *
 *   - validates values.yaml (and every values variant below) against values.schema.json
 *     with ajv (draft-07, the dialect helm checks), and checks that the schema refuses
 *     unsafe or mistyped values;
 *   - checks that every `.Values.x.y` the templates reference exists in values.yaml, and
 *     that every value in values.yaml is used by a template;
 *   - renders every template with a renderer of the Go-template subset the chart keeps to
 *     (see _helpers.tpl; the renderer refuses anything else, naming it, and fails on a
 *     missing value like `helm lint --strict`), for the default values and for variants
 *     with every optional feature on, and parses each manifest as YAML 1.1 (what
 *     Kubernetes reads) with duplicate keys refused;
 *   - asserts what the manifests must say: kinds and API versions, the probes' paths, the
 *     securityContext, the /tmp emptyDir, the IRSA annotation, the tokens Secret mounted
 *     as a file, the ConfigMap covering every variable of src/config.ts and accepted by
 *     the service's own loadConfig, and alert expressions naming real metrics.
 *
 * What it cannot check without helm and a cluster: helm's own template engine and Sprig
 * beyond the functions re-implemented here (helm lint, helm template), the manifests
 * against the Kubernetes API schemas and the Prometheus Operator CRDs (kubeconform, a
 * dry-run apply), the alerts firing (their syntax goes through promtool check rules), the pod actually
 * starting under the restricted Pod Security Standard, IRSA credentials being injected by
 * the EKS webhook, and the NetworkPolicy being enforced by the cluster's CNI.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const CHART = join(ROOT, 'helm', 'vpce-doctor');
const TEMPLATES = join(CHART, 'templates');

// --- A renderer for the Go-template subset the chart uses ----------------------------------

/** Go's int (template literals, `int`): printed as is. JS numbers stand for helm's float64 values. */
type GoInt = bigint;

interface Pipe {
  readonly commands: readonly (readonly Operand[])[];
  readonly where: string;
}

type Operand =
  | { readonly kind: 'field'; readonly root: 'dot' | 'root'; readonly path: readonly string[] }
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'pipe'; readonly pipe: Pipe };

type Node =
  | { readonly kind: 'text'; text: string }
  | { readonly kind: 'action'; readonly pipe: Pipe }
  | { readonly kind: 'if'; readonly branches: { readonly condition: Pipe; readonly body: Node[] }[]; otherwise: Node[] | undefined };

interface RawItem {
  readonly type: 'text' | 'action' | 'comment';
  text: string;
  readonly trimLeft: boolean;
  readonly trimRight: boolean;
  readonly line: number;
}

class TemplateError extends Error {}

/** Splits a template into text and actions, applying `{{-` and `-}}` as Go does. */
function lexTemplate(source: string, file: string): RawItem[] {
  const items: RawItem[] = [];
  let position = 0;
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  while (position < source.length) {
    const open = source.indexOf('{{', position);
    if (open < 0) {
      items.push({ type: 'text', text: source.slice(position), trimLeft: false, trimRight: false, line: lineAt(position) });
      break;
    }
    items.push({ type: 'text', text: source.slice(position, open), trimLeft: false, trimRight: false, line: lineAt(position) });
    const trimLeft = source[open + 2] === '-' && /\s/.test(source[open + 3] ?? '');
    const start = open + (trimLeft ? 4 : 2);
    let end: number;
    let trimRight: boolean;
    let type: RawItem['type'] = 'action';
    if (source.startsWith('/*', start)) {
      const close = source.indexOf('*/', start + 2);
      if (close < 0) throw new TemplateError(`${file}:${lineAt(open)}: unclosed comment`);
      type = 'comment';
      trimRight = source.startsWith(' -}}', close + 2);
      if (!trimRight && !source.startsWith('}}', close + 2)) throw new TemplateError(`${file}:${lineAt(open)}: a comment must end with */}}`);
      end = close + 2;
      position = close + (trimRight ? 6 : 4);
    } else {
      let index = start;
      while (index < source.length && !source.startsWith('}}', index)) {
        const char = source[index];
        if (char === '"') {
          index++;
          while (index < source.length && source[index] !== '"') index += source[index] === '\\' ? 2 : 1;
        } else if (char === '`') {
          index = source.indexOf('`', index + 1);
          if (index < 0) throw new TemplateError(`${file}:${lineAt(open)}: unclosed raw string`);
        } else if (char === '\n' && !source.slice(start, index).trimStart().startsWith('/*')) {
          // Go allows newlines inside actions; this chart keeps each action on one line.
          throw new TemplateError(`${file}:${lineAt(open)}: an action spans lines`);
        }
        index++;
      }
      if (index >= source.length) throw new TemplateError(`${file}:${lineAt(open)}: unclosed action`);
      trimRight = source[index - 1] === '-' && /\s/.test(source[index - 2] ?? '');
      end = trimRight ? index - 2 : index;
      position = index + 2;
    }
    items.push({ type, text: source.slice(start, end).trim(), trimLeft, trimRight, line: lineAt(open) });
  }
  // Trim markers eat all the white space (newlines included) next to them.
  items.forEach((item, index) => {
    if (item.type === 'text') return;
    const previous = items[index - 1];
    const next = items[index + 1];
    if (item.trimLeft && previous?.type === 'text') previous.text = previous.text.replace(/\s+$/, '');
    if (item.trimRight && next?.type === 'text') next.text = next.text.replace(/^\s+/, '');
  });
  return items.filter((item) => item.type !== 'comment');
}

function tokenizeAction(text: string, where: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    let end = index + 1;
    if (char === '"') {
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      end++;
    } else if (char === '`') {
      end = text.indexOf('`', index + 1) + 1;
    } else if (char === '(' || char === ')' || char === '|') {
      // one character
    } else {
      while (end < text.length && !/[\s()|]/.test(text[end]!)) end++;
    }
    if (end <= index) throw new TemplateError(`${where}: cannot read ${text.slice(index)}`);
    tokens.push(text.slice(index, end));
    index = end;
  }
  return tokens;
}

function parsePipe(tokens: string[], where: string): Pipe {
  const commands: Operand[][] = [[]];
  while (tokens.length > 0) {
    const token = tokens.shift()!;
    if (token === ')') {
      tokens.unshift(token);
      break;
    }
    if (token === '|') {
      commands.push([]);
      continue;
    }
    commands.at(-1)!.push(parseOperand(token, tokens, where));
  }
  if (commands.some((command) => command.length === 0)) throw new TemplateError(`${where}: empty command`);
  return { commands, where };
}

function parseOperand(token: string, rest: string[], where: string): Operand {
  if (token === '(') {
    const pipe = parsePipe(rest, where);
    if (rest.shift() !== ')') throw new TemplateError(`${where}: unbalanced parentheses`);
    return { kind: 'pipe', pipe };
  }
  if (token === '.') return { kind: 'field', root: 'dot', path: [] };
  if (token === '$') return { kind: 'field', root: 'root', path: [] };
  if (/^\$?(\.[A-Za-z_]\w*)+$/.test(token)) {
    return { kind: 'field', root: token.startsWith('$') ? 'root' : 'dot', path: token.replace(/^\$/, '').slice(1).split('.') };
  }
  if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) as string };
  if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
  if (/^-?\d+$/.test(token)) return { kind: 'literal', value: BigInt(token) };
  if (/^-?\d+\.\d+$/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  if (/^[A-Za-z]\w*$/.test(token)) {
    if (!(token in FUNCTIONS) && token !== 'include') throw new TemplateError(`${where}: function ${token} is outside the subset this test renders`);
    return { kind: 'ident', name: token };
  }
  throw new TemplateError(`${where}: ${token} is outside the subset this test renders (no variables, no range or with)`);
}

interface Parsed {
  readonly nodes: Node[];
  readonly defines: Map<string, Node[]>;
}

function parseTemplate(source: string, file: string): Parsed {
  const defines = new Map<string, Node[]>();
  const root: Node[] = [];
  // The stack of open blocks: where the next node goes.
  const stack: { readonly kind: 'root' | 'define' | 'if'; nodes: Node[]; readonly node?: Extract<Node, { kind: 'if' }> }[] = [{ kind: 'root', nodes: root }];
  for (const item of lexTemplate(source, file)) {
    const where = `${file}:${item.line}`;
    const top = stack.at(-1)!;
    if (item.type === 'text') {
      if (item.text) top.nodes.push({ kind: 'text', text: item.text });
      continue;
    }
    const tokens = tokenizeAction(item.text, where);
    const keyword = tokens[0];
    if (keyword === 'define') {
      const name = tokens[1];
      if (!name?.startsWith('"') || tokens.length !== 2) throw new TemplateError(`${where}: define "name"`);
      const body: Node[] = [];
      defines.set(JSON.parse(name) as string, body);
      stack.push({ kind: 'define', nodes: body });
    } else if (keyword === 'if') {
      const node: Extract<Node, { kind: 'if' }> = { kind: 'if', branches: [{ condition: parsePipe(tokens.slice(1), where), body: [] }], otherwise: undefined };
      top.nodes.push(node);
      stack.push({ kind: 'if', nodes: node.branches[0]!.body, node });
    } else if (keyword === 'else') {
      if (top.kind !== 'if' || top.node!.otherwise) throw new TemplateError(`${where}: else without if`);
      if (tokens[1] === 'if') {
        const branch = { condition: parsePipe(tokens.slice(2), where), body: [] as Node[] };
        top.node!.branches.push(branch);
        top.nodes = branch.body;
      } else {
        if (tokens.length !== 1) throw new TemplateError(`${where}: else ${tokens.slice(1).join(' ')} is outside the subset`);
        top.node!.otherwise = [];
        top.nodes = top.node!.otherwise;
      }
    } else if (keyword === 'end') {
      if (stack.length === 1) throw new TemplateError(`${where}: end without a block`);
      stack.pop();
    } else if (['range', 'with', 'template', 'block', 'break', 'continue'].includes(keyword ?? '') || /^\$\w*$/.test(keyword ?? '')) {
      throw new TemplateError(`${where}: ${item.text} is outside the subset this test renders`);
    } else {
      const rest = [...tokens];
      const pipe = parsePipe(rest, where);
      if (rest.length > 0) throw new TemplateError(`${where}: unbalanced parentheses`);
      top.nodes.push({ kind: 'action', pipe });
    }
  }
  if (stack.length !== 1) throw new TemplateError(`${file}: ${stack.length - 1} block(s) not closed with end`);
  return { nodes: root, defines };
}

/** Go's fmt %v of a float64 (how helm prints its numbers): the exponent form below 1e-4 and from 1e6 on. */
function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent >= -4 && exponent < 6) return String(value);
  const [mantissa, power] = value.toExponential().split('e');
  return `${mantissa}e${power!.startsWith('-') ? '-' : '+'}${power!.replace(/^[+-]/, '').padStart(2, '0')}`;
}

function display(value: unknown, where: string): string {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatFloat(value);
  if (typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: prints a ${Array.isArray(value) ? 'list' : 'map'} (use toYaml)`);
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0 || value === 0n) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function toInt(value: unknown): number {
  return Number(value);
}

/** Sprig's functions, as helm has them, for the subset the chart uses. */
const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  toYaml: (value) => (value === undefined || value === null ? 'null' : stringifyYaml(value, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '')),
  indent: (spaces, text) => {
    const pad = ' '.repeat(toInt(spaces));
    return pad + String(text).replace(/\n/g, `\n${pad}`);
  },
  nindent: (spaces, text) => `\n${FUNCTIONS.indent!(spaces, text) as string}`,
  quote: (...values) =>
    values
      .filter((value) => value !== undefined && value !== null)
      .map((value) => JSON.stringify(display(value, 'quote')))
      .join(' '),
  default: (fallback, ...given) => (given.length === 0 || !truthy(given[0]) ? fallback : given[0]),
  trunc: (length, text) => String(text).slice(0, toInt(length)),
  trimSuffix: (suffix, text) => (String(text).endsWith(String(suffix)) ? String(text).slice(0, -String(suffix).length || undefined) : String(text)),
  replace: (from, to, text) => String(text).split(String(from)).join(String(to)),
  contains: (part, text) => String(text).includes(String(part)),
  join: (separator, list) => {
    if (!Array.isArray(list)) throw new TemplateError('join needs a list');
    return list.map((item) => display(item, 'join')).join(String(separator));
  },
  printf: (format, ...args) => {
    let next = 0;
    return String(format).replace(/%([%sdvq])/g, (_, verb: string) => {
      if (verb === '%') return '%';
      const value = args[next++];
      if (verb === 'd') return BigInt(Math.trunc(Number(value))).toString();
      if (verb === 'q') return JSON.stringify(display(value, 'printf'));
      return display(value, 'printf');
    });
  },
  int: (value): GoInt => BigInt(Math.trunc(Number(value ?? 0))),
  not: (value) => !truthy(value),
  and: (...values) => values.find((value) => !truthy(value)) ?? values.at(-1),
  or: (...values) => values.find((value) => truthy(value)) ?? values.at(-1),
  eq: (left, ...rights) => {
    for (const right of rights) {
      if (typeof left !== typeof right) throw new TemplateError(`eq: incompatible types ${typeof left} and ${typeof right}`);
    }
    return rights.some((right) => right === left);
  },
  sha256sum: (text) => createHash('sha256').update(String(text)).digest('hex'),
  add: (...values): GoInt => values.reduce<bigint>((sum, value) => sum + BigInt(Math.trunc(Number(value))), 0n),
  // Sprig's div on integers: truncated.
  div: (dividend, divisor): GoInt => BigInt(Math.trunc(Number(dividend))) / BigInt(Math.trunc(Number(divisor))),
  lt: (left, right) => Number(left) < Number(right),
  fail: (message) => {
    throw new TemplateError(`fail: ${String(message)}`);
  },
};

class Renderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();

  constructor(templates: ReadonlyMap<string, string>) {
    for (const [file, source] of templates) {
      const parsed = parseTemplate(source, file);
      this.files.set(file, parsed.nodes);
      for (const [name, body] of parsed.defines) {
        if (this.defines.has(name)) throw new TemplateError(`${file}: ${name} is defined twice`);
        this.defines.set(name, body);
      }
    }
  }

  render(file: string, root: Record<string, unknown>): string {
    const nodes = this.files.get(file);
    assert.ok(nodes, `no template ${file}`);
    // helm prints a missing value as <no value> and then removes it; this renderer fails first.
    return this.nodes(nodes, root, root).replaceAll('<no value>', '');
  }

  private nodes(nodes: readonly Node[], dot: unknown, root: Record<string, unknown>): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'action') out += display(this.pipe(node.pipe, dot, root), node.pipe.where);
      else {
        const branch = node.branches.find((candidate) => truthy(this.pipe(candidate.condition, dot, root)));
        const body = branch?.body ?? node.otherwise;
        if (body) out += this.nodes(body, dot, root);
      }
    }
    return out;
  }

  private pipe(pipe: Pipe, dot: unknown, root: Record<string, unknown>): unknown {
    let value: unknown;
    pipe.commands.forEach((command, index) => {
      const [head, ...args] = command;
      if (!head) throw new TemplateError(`${pipe.where}: empty command`);
      const piped = index > 0 ? [value] : [];
      if (head.kind === 'ident') {
        const values = [...args.map((arg) => this.operand(arg, dot, root, pipe.where)), ...piped];
        value = head.name === 'include' ? this.include(values, root, pipe.where) : FUNCTIONS[head.name]!(...values);
      } else {
        if (args.length > 0 || index > 0) throw new TemplateError(`${pipe.where}: only a function can take arguments`);
        value = this.operand(head, dot, root, pipe.where);
      }
    });
    return value;
  }

  private include(args: unknown[], root: Record<string, unknown>, where: string): string {
    const [name, dot] = args;
    const body = this.defines.get(String(name));
    if (!body) throw new TemplateError(`${where}: include of an undefined template ${String(name)}`);
    return this.nodes(body, dot, root);
  }

  private operand(operand: Operand, dot: unknown, root: Record<string, unknown>, where: string): unknown {
    switch (operand.kind) {
      case 'literal':
        return operand.value;
      case 'pipe':
        return this.pipe(operand.pipe, dot, root);
      case 'ident':
        if (operand.name === 'include') throw new TemplateError(`${where}: include needs arguments`);
        return FUNCTIONS[operand.name]!();
      case 'field': {
        let value: unknown = operand.root === 'root' ? root : dot;
        const walked: string[] = [];
        for (const key of operand.path) {
          walked.push(key);
          if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
            throw new TemplateError(`${where}: .${walked.join('.')} is not set (helm lint --strict would fail)`);
          }
          value = (value as Record<string, unknown>)[key];
        }
        return value;
      }
    }
  }
}

// --- The chart, its values, and rendering ---------------------------------------------------

type Values = Record<string, unknown>;

const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
const defaultValues = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Values;
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
const templateFiles = new Map(readdirSync(TEMPLATES).map((name) => [name, readFileSync(join(TEMPLATES, name), 'utf8')] as const));
const renderer = new Renderer(templateFiles);
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

function deepMerge(base: unknown, override: unknown): unknown {
  if (override === null || typeof override !== 'object' || Array.isArray(override) || base === null || typeof base !== 'object' || Array.isArray(base))
    return structuredClone(override);
  const merged: Record<string, unknown> = structuredClone(base as Record<string, unknown>);
  for (const [key, value] of Object.entries(override)) merged[key] = key in merged ? deepMerge(merged[key], value) : structuredClone(value);
  return merged;
}

function valuesWith(override: Values): Values {
  return deepMerge(defaultValues, override) as Values;
}

const RELEASE = { Name: 'vd', Namespace: 'network-tools', Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 };

function context(values: Values): Record<string, unknown> {
  return {
    Values: values,
    Release: RELEASE,
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion, Description: chart.description },
    Template: { BasePath: 'vpce-doctor/templates' },
  };
}

interface Manifest {
  readonly file: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

interface Rendered {
  readonly manifests: Manifest[];
  readonly notes: string;
  readonly text: string;
}

/** Every template rendered and parsed as Kubernetes reads YAML (1.1: 0440 is octal), duplicate keys refused. */
function renderChart(values: Values): Rendered {
  const manifests: Manifest[] = [];
  let text = '';
  let notes = '';
  for (const file of templateFiles.keys()) {
    if (file.startsWith('_')) continue;
    const output = renderer.render(file, context(values));
    if (file === 'NOTES.txt') {
      notes = output;
      continue;
    }
    assert.match(file, /\.yaml$/, `${file}: templates are .yaml, partials start with _`);
    text += `# ${file}\n${output}\n`;
    for (const document of parseAllDocuments(output, { version: '1.1', uniqueKeys: true })) {
      assert.deepEqual(document.errors.map(String), [], `${file} does not parse as YAML:\n${output}`);
      assert.deepEqual(document.warnings.map(String), [], `${file}: YAML warnings:\n${output}`);
      const manifest = document.toJS() as Manifest | null;
      if (manifest === null) continue;
      manifests.push({ ...manifest, file });
    }
  }
  return { manifests, notes, text };
}

function one(rendered: Rendered, kind: string): Manifest {
  const found = rendered.manifests.filter((manifest) => manifest.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
}

interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef: { name: string } }[];
  env?: { name: string; value?: string }[];
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  containers: Container[];
  volumes: { name: string; emptyDir?: { sizeLimit: string }; secret?: { secretName: string; defaultMode: number; items: { key: string; path: string }[] } }[];
}

function podOf(rendered: Rendered): { spec: PodSpec; metadata: { labels: Record<string, string>; annotations: Record<string, string> } } {
  const deployment = one(rendered, 'Deployment');
  return (deployment.spec as { template: { spec: PodSpec; metadata: { labels: Record<string, string>; annotations: Record<string, string> } } }).template;
}

/** Every optional feature on, and every value that changes what is rendered set. */
const ALL_ON: Values = {
  image: { digest: `sha256:${'a'.repeat(64)}` },
  imagePullSecrets: [{ name: 'registry' }],
  serviceAccount: { roleArn: 'arn:aws:iam::123456789012:role/vpce-doctor', annotations: { 'example.com/owner': 'network-team' } },
  config: {
    source: 'snapshot',
    snapshotDir: '/snapshots/prod',
    cacheMaxEntries: 1_000_000,
    bodyLimitBytes: 10_485_760,
    probeSelfIp: '10.0.1.25',
    probePorts: [443, 8443],
    watchEndpoints: ['vpce-068e9dcc184a273ab', 'vpce-0a70eec47b76251c5'],
    awsRegion: 'us-east-1',
    awsRoleArn: 'arn:aws:iam::210987654321:role/vpce-doctor-reader',
    awsRegions: ['us-east-1', 'eu-west-1'],
    awsRoleArns: ['arn:aws:iam::444455556666:role/vpce-doctor-reader'],
    awsExternalId: 'vpce-doctor-1234',
    awsIncludeBaseAccount: true,
    awsOrganizationRoleName: 'vpce-doctor-reader',
    awsUnitConcurrency: 16,
    awsCollectionDeadlineMs: 120_000,
    trustedCidrs: ['10.0.0.0/8', '2600:1f18::/32'],
  },
  auth: { existingSecret: 'vpce-doctor-tokens', existingSecretKey: 'tokens' },
  redis: { url: 'rediss://redis.platform.svc:6380/0', prefix: 'vpce-doctor-prod:', existingSecret: 'vpce-doctor-redis', existingSecretKey: 'password' },
  service: { annotations: { 'example.com/team': 'network' } },
  podAnnotations: { 'example.com/scrape': 'true' },
  podLabels: { team: 'network' },
  priorityClassName: 'monitoring',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'tools', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1a'] }] }],
      },
    },
  },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'vpce-doctor' } },
    },
  ],
  extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }],
  extraVolumes: [{ name: 'snapshots', configMap: { name: 'prod-snapshot' } }],
  extraVolumeMounts: [{ name: 'snapshots', mountPath: '/snapshots/prod', readOnly: true }],
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  probeScrape: {
    enabled: true,
    labels: { release: 'kube-prometheus-stack' },
    targets: ['vpce-068e9dcc184a273ab', 'vpce-0a70eec47b76251c5'],
    port: 443,
    tokenSecret: { name: 'vpce-doctor-scrape-token', key: 'token' },
  },
  prometheusRule: {
    enabled: true,
    labels: { release: 'kube-prometheus-stack' },
    additionalRules: [{ alert: 'VpceDoctorCustom', expr: 'vector(1) == 0', for: '5m' }],
  },
  networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
  podDisruptionBudget: { enabled: true },
  autoscaling: { enabled: true },
};

const VARIANTS: Record<string, Values> = {
  defaults: {},
  'all optional features on': ALL_ON,
  'no service account of its own, pdb by minAvailable, live source without a role': {
    serviceAccount: { create: false, name: 'existing' },
    fullnameOverride: 'doctor',
    config: { source: 'aws', awsRegion: 'eu-west-1' },
    podDisruptionBudget: { enabled: true, minAvailable: '50%' },
    podSecurityContext: { runAsUser: null, runAsGroup: null, fsGroup: null },
  },
  'replicas sharing Redis': { redis: { url: 'redis://redis.platform.svc:6379' } },
};

/** The paths of values.yaml's leaves (lists and empty maps count as leaves). */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}

function templateValueReferences(): Map<string, string[]> {
  const references = new Map<string, string[]>();
  for (const [file, source] of templateFiles) {
    for (const match of source.matchAll(/\$?\.Values((?:\.[A-Za-z_]\w*)+)/g)) {
      const path = match[1]!.slice(1);
      references.set(path, [...(references.get(path) ?? []), file]);
    }
  }
  return references;
}

// --- The tests ----------------------------------------------------------------------------------

describe('the renderer keeps to Go template semantics', () => {
  const render = (source: string, values: Values = {}) => new Renderer(new Map([['t.yaml', source]])).render('t.yaml', { Values: values });

  it('trims white space, newlines included, at {{- and -}} only', () => {
    assert.equal(render('a:\n  {{- "x" }}\nb: {{ "y" -}}\n\n  c'), 'a:x\nb: yc');
    assert.equal(render('{{/* gone */}}a {{- /* gone too */ -}} b'), 'ab');
  });

  it('prints helm numbers as Go prints float64 (1e+06), and int as it is', () => {
    assert.equal(
      render('{{ .Values.n }} {{ .Values.n | int }} {{ .Values.m }} {{ .Values.m | quote }} {{ .Values.m | int | quote }}', { n: 65536, m: 1_000_000 }),
      '65536 65536 1e+06 "1e+06" "1000000"',
    );
    assert.equal(formatFloat(10_485_760), '1.048576e+07');
    assert.equal(formatFloat(0.1), '0.1');
  });

  it('nindent, toYaml, default, if/else if/else, include, raw strings', () => {
    const source =
      '{{- define "n" }}{{ default "d" .Values.name }}{{ end -}}\nk:\n  {{- toYaml .Values.map | nindent 2 }}\n{{ if .Values.no }}1{{ else if .Values.name }}2{{ else }}3{{ end }} {{ include "n" . }} {{ `{{ $labels.x }}` }}';
    assert.equal(render(source, { map: { b: 1, a: [1] }, no: false, name: '' }), 'k:\n  a:\n    - 1\n  b: 1\n3 d {{ $labels.x }}');
  });

  it('refuses a missing value and anything outside the subset', () => {
    assert.throws(() => render('{{ .Values.a.b }}', { a: {} }), /\.Values\.a\.b is not set/);
    assert.throws(() => render('{{ range .Values.a }}{{ end }}', { a: [] }), /outside the subset/);
    assert.throws(() => render('{{ $x := 1 }}'), /outside the subset/);
    assert.throws(() => render('{{ tpl "x" . }}'), /outside the subset/);
    assert.throws(() => render('{{ .Values.m }}', { m: { a: 1 } }), /prints a map/);
  });
});

describe('values.yaml and values.schema.json', () => {
  it('Chart.yaml: apiVersion v2, the chart name, appVersion = package.json version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'vpce-doctor');
    assert.equal(chart.appVersion, pkg.version, 'the default image tag is the version being built');
    assert.match(chart.version!, /^\d+\.\d+\.\d+$/);
  });

  it('the default values and every variant validate against the schema', () => {
    for (const [name, override] of Object.entries(VARIANTS)) {
      const values = valuesWith(override);
      assert.ok(validate(values), `${name}: ${ajv.errorsText(validate.errors)}`);
    }
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#', 'the dialect helm checks');
  });

  it('the schema refuses unsafe, secret-bearing or mistyped values', () => {
    const refused: Record<string, Values> = {
      'an unknown top-level key (a typo, or tokens put in the values)': { apiTokens: 'abcdefghijklmnopqrstuvwxyz' },
      'a token key under auth': { auth: { tokens: 'abcdefghijklmnopqrstuvwxyz' } },
      'a Redis password in the URL': { redis: { url: 'redis://default:hunter2hunter2@redis:6379' } },
      'a Redis URL of another scheme': { redis: { url: 'http://redis:6379' } },
      'the tokens as a plain environment variable': { extraEnv: [{ name: 'VPCE_DOCTOR_API_TOKENS', value: 'abcdefghijklmnopqrstuvwxyz' }] },
      'running as root': { podSecurityContext: { runAsUser: 0 } },
      'runAsNonRoot off': { securityContext: { runAsNonRoot: false } },
      'a writable root file system': { securityContext: { readOnlyRootFilesystem: false } },
      'privilege escalation': { securityContext: { allowPrivilegeEscalation: true } },
      'a capability added': { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_RAW'] } } },
      'capabilities not dropped': { securityContext: { capabilities: { drop: [] } } },
      'no seccomp profile': { podSecurityContext: { seccompProfile: { type: 'Unconfined' } } },
      'a watch endpoint that is not an endpoint id': { config: { watchEndpoints: ['vpc-123'] } },
      'a number as a string': { config: { cacheTtlSeconds: '60' } },
      'a value the service refuses': { config: { probeAttempts: 4 } },
      'an unknown log level': { config: { logLevel: 'verbose' } },
      'a role that is not an IAM role ARN': { serviceAccount: { roleArn: 'vpce-doctor' } },
      'a region that is not one': { config: { awsRegion: 'Frankfurt' } },
      'a digest that is not sha256': { image: { digest: 'latest' } },
      'a Prometheus duration without a unit': { prometheusRule: { probeFailingFor: '5' } },
    };
    for (const [name, override] of Object.entries(refused)) {
      assert.equal(validate(valuesWith(override)), false, `refuses ${name}`);
    }
    assert.ok(validate(valuesWith({ global: { imageRegistry: 'x' } })), 'a parent chart may pass global');
  });

  it("config mirrors src/config.ts: one key per variable, with the service's own ranges", () => {
    const config = defaultValues.config as Record<string, unknown>;
    const configSchema = (schema.properties as Record<string, { properties: Record<string, { minimum?: number; maximum?: number; type?: string }> }>).config!
      .properties;
    // PORT is the container's (8080, fixed); the tokens come only from auth.existingSecret, as a file; Redis has its own `redis` block.
    const mapped = Object.keys(VARIABLES).filter(
      (key) => !['port', 'apiTokens', 'apiTokensFile', 'redisUrl', 'redisPasswordFile', 'redisPrefix'].includes(key),
    );
    assert.deepEqual(
      Object.keys(config).sort(),
      mapped.sort(),
      'values.yaml config has exactly the variables of src/config.ts (new variable? add it to values, schema and _helpers.tpl configData)',
    );
    for (const key of mapped) {
      const rule = configSchema[key];
      assert.ok(rule, `schema for config.${key}`);
      const variable = VARIABLES[key as keyof typeof VARIABLES] as { name: string; parse: (text: string) => { value?: unknown; problem?: string } };
      if (rule.type === 'integer') {
        assert.ok(rule.minimum !== undefined && rule.maximum !== undefined, `config.${key} has the service's bounds`);
        assert.ok(!('problem' in variable.parse(String(rule.minimum))), `${variable.name} accepts the schema's minimum ${rule.minimum}`);
        assert.ok(!('problem' in variable.parse(String(rule.maximum))), `${variable.name} accepts the schema's maximum ${rule.maximum}`);
        assert.ok('problem' in variable.parse(String(rule.minimum - 1)), `${variable.name} refuses below the schema's minimum`);
        assert.ok('problem' in variable.parse(String(rule.maximum + 1)), `${variable.name} refuses above the schema's maximum`);
        assert.ok(!('problem' in variable.parse(String(config[key]))), `${variable.name} accepts the default ${String(config[key])}`);
      }
    }
  });

  it('every .Values reference in the templates exists in values.yaml, and every value is used', () => {
    const references = templateValueReferences();
    assert.ok(references.size > 30, 'the templates reference the values');
    for (const [path, files] of references) {
      let value: unknown = defaultValues;
      for (const key of path.split('.')) {
        assert.ok(value !== null && typeof value === 'object' && Object.hasOwn(value, key), `.Values.${path} (in ${files.join(', ')}) is not in values.yaml`);
        value = (value as Record<string, unknown>)[key];
      }
    }
    const referenced = [...references.keys()].map((path) => path.split('.'));
    for (const leaf of leafPaths(defaultValues)) {
      const used = referenced.some((path) => path.length <= leaf.length && path.every((key, index) => leaf[index] === key));
      assert.ok(used, `values.yaml ${leaf.join('.')} is used by no template`);
    }
  });
});

describe('the rendered manifests', () => {
  const rendered = Object.fromEntries(Object.entries(VARIANTS).map(([name, override]) => [name, renderChart(valuesWith(override))])) as Record<
    string,
    Rendered
  >;
  const defaults = rendered.defaults!;
  const allOn = rendered['all optional features on']!;

  it('with the default values: a Deployment, a Service, a ServiceAccount and a ConfigMap, nothing optional', () => {
    assert.deepEqual(defaults.manifests.map((manifest) => manifest.kind).sort(), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
  });

  it('with every optional feature on: ServiceMonitor, PrometheusRule, NetworkPolicy, PodDisruptionBudget and HPA too, on current API versions', () => {
    assert.deepEqual(Object.fromEntries(allOn.manifests.map((manifest) => [manifest.kind, manifest.apiVersion])), {
      ConfigMap: 'v1',
      Deployment: 'apps/v1',
      HorizontalPodAutoscaler: 'autoscaling/v2',
      NetworkPolicy: 'networking.k8s.io/v1',
      PodDisruptionBudget: 'policy/v1',
      PrometheusRule: 'monitoring.coreos.com/v1',
      Probe: 'monitoring.coreos.com/v1',
      Service: 'v1',
      ServiceAccount: 'v1',
      ServiceMonitor: 'monitoring.coreos.com/v1',
    });
  });

  it('names every object as the release, labels it, and never renders a Secret', () => {
    for (const [name, result] of Object.entries(rendered)) {
      const fullname = name.startsWith('no service account') ? 'doctor' : 'vd-vpce-doctor';
      for (const manifest of result.manifests) {
        if (manifest.kind !== 'ServiceAccount') assert.equal(manifest.metadata.name, fullname, `${name}: ${manifest.kind} name`);
        assert.ok(manifest.metadata.name.length <= 63);
        assert.equal(manifest.metadata.labels?.['app.kubernetes.io/instance'], 'vd', `${name}: ${manifest.kind} labels`);
        assert.equal(manifest.metadata.labels?.['app.kubernetes.io/name'], 'vpce-doctor');
        assert.equal(manifest.metadata.labels?.['app.kubernetes.io/version'], chart.appVersion);
        assert.notEqual(manifest.kind, 'Secret', 'the chart never holds a secret');
      }
      assert.doesNotMatch(result.text, /VPCE_DOCTOR_API_TOKENS(?!_FILE)/, `${name}: tokens never appear as a plain variable`);
    }
  });

  it('the Deployment: probes on /healthz and /readyz, resources, and the locked-down securityContext', () => {
    for (const [name, result] of Object.entries(rendered)) {
      const pod = podOf(result);
      const [container] = pod.spec.containers;
      assert.ok(container && pod.spec.containers.length === 1, name);
      assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      assert.deepEqual(container.startupProbe.httpGet, { path: '/healthz', port: 'http' });
      assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
      assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
      assert.ok(
        container.resources.requests?.cpu && container.resources.requests.memory && container.resources.limits?.memory,
        `${name}: requests and a memory limit`,
      );
      assert.equal(container.securityContext.runAsNonRoot, true);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities, { drop: ['ALL'] });
      assert.deepEqual(container.securityContext.seccompProfile, { type: 'RuntimeDefault' });
      assert.equal(pod.spec.securityContext.runAsNonRoot, true);
      assert.deepEqual(pod.spec.securityContext.seccompProfile, { type: 'RuntimeDefault' });
      assert.equal(pod.spec.automountServiceAccountToken, false, 'no Kubernetes API token in the pod');
      const tmp = pod.spec.volumes.find((volume) => volume.name === 'tmp');
      assert.ok(tmp?.emptyDir?.sizeLimit, 'an emptyDir with a size limit');
      assert.ok(
        container.volumeMounts.some((mount) => mount.name === 'tmp' && mount.mountPath === '/tmp'),
        '/tmp is the writable place',
      );
      assert.ok(
        pod.spec.terminationGracePeriodSeconds * 1000 >
          Number(valuesWith(VARIANTS[name]!).config && (valuesWith(VARIANTS[name]!).config as { shutdownTimeoutMs: number }).shutdownTimeoutMs),
        'the grace period outlasts the shutdown timeout',
      );
    }
    const defaultsPod = podOf(defaults);
    assert.equal(defaultsPod.spec.securityContext.runAsUser, 1000, "the image's numeric user");
    assert.equal(defaultsPod.spec.containers[0]!.image, `vpce-doctor:${chart.appVersion}`);
    assert.equal(podOf(allOn).spec.containers[0]!.image, `vpce-doctor@sha256:${'a'.repeat(64)}`);
    assert.equal((one(defaults, 'Deployment').spec as { replicas?: number }).replicas, 1);
    assert.equal((one(allOn, 'Deployment').spec as { replicas?: number }).replicas, undefined, 'the HPA owns replicas');
  });

  it("the Service and every selector pick the Deployment's pods", () => {
    for (const result of Object.values(rendered)) {
      const podLabels = podOf(result).metadata.labels;
      const matches = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => podLabels[key] === value);
      const service = one(result, 'Service').spec as { selector: Record<string, string>; ports: { targetPort: string; port: number }[] };
      assert.ok(matches(service.selector));
      assert.equal(service.ports[0]!.targetPort, 'http');
      assert.ok(matches((one(result, 'Deployment').spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels));
      for (const kind of ['PodDisruptionBudget', 'ServiceMonitor']) {
        const manifest = result.manifests.find((candidate) => candidate.kind === kind);
        if (manifest) assert.ok(matches((manifest.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels), kind);
      }
      const policy = result.manifests.find((candidate) => candidate.kind === 'NetworkPolicy');
      if (policy) assert.ok(matches((policy.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels));
    }
  });

  it('the ServiceAccount carries the IRSA role annotation from serviceAccount.roleArn, only when set', () => {
    assert.equal(one(defaults, 'ServiceAccount').metadata.annotations, undefined);
    const account = one(allOn, 'ServiceAccount');
    assert.equal(account.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/vpce-doctor');
    assert.equal(account.metadata.annotations?.['example.com/owner'], 'network-team');
    assert.equal(podOf(allOn).spec.serviceAccountName, account.metadata.name);
    const existing = rendered['no service account of its own, pdb by minAvailable, live source without a role']!;
    assert.equal(existing.manifests.filter((manifest) => manifest.kind === 'ServiceAccount').length, 0);
    assert.equal(podOf(existing).spec.serviceAccountName, 'existing');
  });

  it('the ConfigMap holds every variable of src/config.ts as strings, and the service accepts it', () => {
    const tokensDir = mkdtempSync(join(tmpdir(), 'vpce-doctor-helm-'));
    try {
      const tokensFile = join(tokensDir, 'tokens');
      writeFileSync(tokensFile, 'a-token-of-sixteen-characters-or-more\n');
      const passwordFile = join(tokensDir, 'password');
      writeFileSync(passwordFile, 'a-redis-password\n');
      for (const [name, result] of Object.entries(rendered)) {
        const configMap = one(result, 'ConfigMap');
        const data = configMap.data as Record<string, unknown>;
        for (const [key, value] of Object.entries(data)) assert.equal(typeof value, 'string', `${name}: ${key} is a string`);
        assert.deepEqual(podOf(result).spec.containers[0]!.envFrom, [{ configMapRef: { name: configMap.metadata.name } }]);
        // The mounted file stands in for the Secret here.
        const env = {
          ...(data as Record<string, string>),
          ...(data.VPCE_DOCTOR_API_TOKENS_FILE ? { VPCE_DOCTOR_API_TOKENS_FILE: tokensFile } : {}),
          ...(data.VPCE_DOCTOR_REDIS_PASSWORD_FILE ? { VPCE_DOCTOR_REDIS_PASSWORD_FILE: passwordFile } : {}),
        };
        try {
          loadConfig(env);
        } catch (error) {
          assert.fail(`${name}: the service refuses the rendered configuration: ${error instanceof ConfigError ? error.problems.join('; ') : String(error)}`);
        }
      }
      const data = one(allOn, 'ConfigMap').data as Record<string, string>;
      for (const [key, variable] of Object.entries(VARIABLES)) {
        if (key === 'apiTokens') continue;
        assert.ok(variable.name in data, `${variable.name} is in the ConfigMap when set`);
      }
      const config = loadConfig({ ...data, VPCE_DOCTOR_API_TOKENS_FILE: tokensFile, VPCE_DOCTOR_REDIS_PASSWORD_FILE: passwordFile });
      assert.equal(config.redisUrl, 'rediss://redis.platform.svc:6380/0');
      assert.equal(config.redisPassword, 'a-redis-password');
      assert.equal(config.redisPrefix, 'vpce-doctor-prod:');
      assert.equal(config.cacheMaxEntries, 1_000_000, 'large numbers survive (not 1e+06)');
      assert.equal(config.bodyLimitBytes, 10_485_760);
      assert.deepEqual(config.watchEndpoints, ['vpce-068e9dcc184a273ab', 'vpce-0a70eec47b76251c5']);
      assert.deepEqual(config.probePorts, [443, 8443]);
      assert.equal(config.port, 8080);
      assert.equal(config.awsRegion, 'us-east-1');
      assert.equal(config.awsRoleArn, 'arn:aws:iam::210987654321:role/vpce-doctor-reader');
      assert.equal(config.awsCollectionDeadlineMs, 120_000);
      const defaultData = one(defaults, 'ConfigMap').data as Record<string, string>;
      for (const unset of [
        'VPCE_DOCTOR_SNAPSHOT_DIR',
        'VPCE_DOCTOR_PROBE_SELF_IP',
        'VPCE_DOCTOR_WATCH_ENDPOINTS',
        'VPCE_DOCTOR_API_TOKENS_FILE',
        'VPCE_DOCTOR_AWS_REGION',
        'VPCE_DOCTOR_AWS_ROLE_ARN',
      ]) {
        assert.ok(!(unset in defaultData), `${unset} is left to the service's default`);
      }
    } finally {
      rmSync(tokensDir, { recursive: true, force: true });
    }
  });

  it('the Redis password: an existing Secret mounted read-only as a file, passed as VPCE_DOCTOR_REDIS_PASSWORD_FILE', () => {
    const pod = podOf(allOn);
    const volume = pod.spec.volumes.find((candidate) => candidate.name === 'redis-password');
    assert.equal(volume?.secret?.secretName, 'vpce-doctor-redis');
    assert.equal(volume.secret.defaultMode, 0o440);
    assert.deepEqual(volume.secret.items, [{ key: 'password', path: 'password' }]);
    const data = one(allOn, 'ConfigMap').data as Record<string, string>;
    const mount = pod.spec.containers[0]!.volumeMounts.find((candidate) => candidate.name === 'redis-password');
    assert.equal(data.VPCE_DOCTOR_REDIS_PASSWORD_FILE, `${mount!.mountPath}/password`);
    assert.equal(
      podOf(defaults).spec.volumes.some((candidate) => candidate.name === 'redis-password'),
      false,
      'nothing mounted without Redis',
    );
    assert.equal((one(defaults, 'ConfigMap').data as Record<string, string>).VPCE_DOCTOR_REDIS_URL, undefined);
  });

  it('the API tokens: an existing Secret mounted read-only as a file, passed as VPCE_DOCTOR_API_TOKENS_FILE', () => {
    const pod = podOf(allOn);
    const volume = pod.spec.volumes.find((candidate) => candidate.secret);
    assert.ok(volume?.secret);
    assert.equal(volume.secret.secretName, 'vpce-doctor-tokens');
    assert.equal(volume.secret.defaultMode, 0o440, 'read by the pod group only (YAML 1.1 reads 0440 as octal)');
    const mount = pod.spec.containers[0]!.volumeMounts.find((candidate) => candidate.name === volume.name);
    assert.equal(mount?.readOnly, true);
    const data = one(allOn, 'ConfigMap').data as Record<string, string>;
    assert.equal(data.VPCE_DOCTOR_API_TOKENS_FILE, `${mount!.mountPath}/${volume.secret.items[0]!.path}`);
    assert.equal(volume.secret.items[0]!.key, 'tokens');
    assert.equal(podOf(defaults).spec.volumes.filter((candidate) => candidate.secret).length, 0, 'no secret mounted by default');
    assert.notEqual(
      podOf(allOn).metadata.annotations['checksum/config'],
      podOf(defaults).metadata.annotations['checksum/config'],
      'a config change rolls the pods',
    );
  });

  it("the ServiceMonitor scrapes /metrics and keeps the metrics' own endpoint label", () => {
    const endpoints = (one(allOn, 'ServiceMonitor').spec as { endpoints: Record<string, unknown>[] }).endpoints;
    assert.deepEqual(endpoints, [{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s', honorLabels: true }]);
    assert.equal(one(allOn, 'ServiceMonitor').metadata.labels?.release, 'kube-prometheus-stack');
  });

  it('the PrometheusRule alerts on the watch list, the probe scrapes, AWS API errors and throttling, and model age, over real metric names; never on the analyses callers ask for', async () => {
    const rules = (
      one(allOn, 'PrometheusRule').spec as {
        groups: { rules: { alert: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
      }
    ).groups.flatMap((group) => group.rules);
    assert.deepEqual(
      rules.map((rule) => rule.alert),
      [
        'VpceDoctorDown',
        'VpceDoctorProbeFailing',
        'VpceDoctorProbeStale',
        'VpceDoctorStaticLiveDisagreement',
        'VpceDoctorModelStale',
        'VpceDoctorScrapeProbeFailing',
        'VpceDoctorModelLoadFailing',
        'VpceDoctorAwsApiDenied',
        'VpceDoctorAwsApiThrottled',
        'VpceDoctorAwsApiErrors',
        'VpceDoctorCustom',
      ],
    );
    const metrics = createMetrics({ modelLoadedAt: () => undefined, defaultMetrics: false });
    // src/metrics/aws.ts comes with the live source; when it is in the tree its metrics are registered here too.
    const awsModule = './../../src/metrics/aws.js';
    const aws = (await import(awsModule).catch(() => undefined)) as { registerAwsMetrics?: (registry: typeof metrics.registry) => unknown } | undefined;
    aws?.registerAwsMetrics?.(metrics.registry);
    const known = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
    if (!aws) known.add('vpce_doctor_aws_api_calls_total');
    for (const rule of rules) {
      for (const [name] of rule.expr.matchAll(/\bvpce_doctor_[a-z_]+/g)) assert.ok(known.has(name), `${rule.alert}: ${name} is a metric the service exports`);
      assert.equal(rule.expr.split('(').length, rule.expr.split(')').length, `${rule.alert}: balanced parentheses`);
      assert.equal(rule.expr.split('{').length, rule.expr.split('}').length, `${rule.alert}: balanced braces`);
      if (rule.alert === 'VpceDoctorCustom') continue;
      assert.doesNotMatch(
        rule.expr,
        /vpce_doctor_(analyses_total|check_results_total|analysis_duration)/,
        `${rule.alert}: an analysis a caller asked for is an answer, not an alert`,
      );
      if (rule.alert === 'VpceDoctorScrapeProbeFailing')
        assert.match(rule.expr, /^probe_success\{job="vd-vpce-doctor-probe"\} == 0$/, "the Probe resource's job");
      else assert.match(rule.expr, /namespace="network-tools", job="vd-vpce-doctor"/, `${rule.alert} is scoped to this release`);
      assert.ok(rule.labels?.severity, `${rule.alert} has a severity`);
      assert.ok(rule.annotations?.summary && rule.annotations.description, `${rule.alert} says what and why`);
    }
    const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
    assert.match(
      byName.VpceDoctorProbeFailing!.expr,
      /^vpce_doctor_probe_success\{.*endpoint=~"vpce-068e9dcc184a273ab\|vpce-0a70eec47b76251c5"\} == 0$/,
      "only watched endpoints (an ad-hoc probe's result is not kept fresh)",
    );
    assert.match(byName.VpceDoctorAwsApiThrottled!.expr, /outcome="throttled"/);
    assert.match(byName.VpceDoctorAwsApiErrors!.expr, /outcome="error"/);
    assert.match(byName.VpceDoctorAwsApiDenied!.expr, /outcome="denied"/);
    assert.match(byName.VpceDoctorModelStale!.expr, /vpce_doctor_model_age_seconds.*> 900$/);
    assert.match(byName.VpceDoctorProbeFailing!.annotations!.summary!, /\{\{ \$labels\.endpoint \}\}/, "Prometheus' own template reaches it unrendered");
    // Without a watch list the probe and model-age alerts have nothing current to watch.
    const withoutWatch = renderChart(valuesWith({ prometheusRule: { enabled: true } }));
    const alerts = (one(withoutWatch, 'PrometheusRule').spec as { groups: { rules: { alert: string }[] }[] }).groups[0]!.rules.map((rule) => rule.alert);
    assert.deepEqual(alerts, ['VpceDoctorDown', 'VpceDoctorModelLoadFailing', 'VpceDoctorAwsApiDenied', 'VpceDoctorAwsApiThrottled', 'VpceDoctorAwsApiErrors']);
  });

  it('the alert rules pass promtool check rules (PromQL syntax, templates)', (context) => {
    const groups = (one(allOn, 'PrometheusRule').spec as { groups: unknown[] }).groups;
    const dir = mkdtempSync(join(tmpdir(), 'vpce-doctor-rules-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(file, stringifyYaml({ groups }));
      const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
        if (process.env['CI']) assert.fail('promtool is required in CI: apt-get install prometheus');
        return context.skip('promtool is not installed (CI installs it)');
      }
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the Probe makes Prometheus call GET /probe on the service for each endpoint, blackbox_exporter's way", () => {
    const spec = one(allOn, 'Probe').spec as {
      jobName: string;
      prober: { url: string; path: string; scheme: string };
      params: Record<string, string[]>;
      interval: string;
      scrapeTimeout: string;
      authorization: { type: string; credentials: { name: string; key: string } };
      targets: { staticConfig: { static: string[] } };
    };
    assert.equal(spec.jobName, 'vd-vpce-doctor-probe');
    assert.deepEqual(spec.prober, { url: 'vd-vpce-doctor.network-tools.svc:8080', path: '/probe', scheme: 'http' });
    assert.deepEqual(spec.params, { port: ['443'] });
    assert.deepEqual(spec.targets.staticConfig.static, ['vpce-068e9dcc184a273ab', 'vpce-0a70eec47b76251c5']);
    assert.deepEqual(spec.authorization, { type: 'Bearer', credentials: { name: 'vpce-doctor-scrape-token', key: 'token' } });
    assert.equal(
      defaults.manifests.some((manifest) => manifest.kind === 'Probe'),
      false,
      'off by default',
    );
  });

  it('turns probes on, and refuses probing values with probes off', () => {
    assert.equal((one(defaults, 'ConfigMap').data as Record<string, string>)['VPCE_DOCTOR_PROBES'], 'on');
    assert.throws(
      () => renderChart(valuesWith({ config: { probes: 'off', watchEndpoints: ['vpce-068e9dcc184a273ab'] } })),
      /config.watchEndpoints probes its endpoints: set config.probes to "on"/,
    );
    assert.throws(
      () => renderChart(valuesWith({ config: { probes: 'off' }, probeScrape: { enabled: true, targets: ['vpce-068e9dcc184a273ab'] } })),
      /probeScrape calls GET \/probe/,
    );
    const off = renderChart(valuesWith({ config: { probes: 'off' } }));
    assert.equal((one(off, 'ConfigMap').data as Record<string, string>)['VPCE_DOCTOR_PROBES'], 'off');
  });

  it('stops gracefully: a preStop sleep, the drain and the shutdown bound all fit in the grace period', () => {
    const container = (podOf(defaults).spec as unknown as { containers: { lifecycle?: { preStop: { exec: { command: string[] } } } }[] }).containers[0]!;
    assert.deepEqual(container.lifecycle?.preStop.exec.command, ['sleep', '5']);
    assert.equal((one(defaults, 'ConfigMap').data as Record<string, string>)['VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS'], '5');
    const grace = (podOf(defaults).spec as unknown as { terminationGracePeriodSeconds: number }).terminationGracePeriodSeconds;
    assert.ok(grace >= 5 + 5 + 10, `grace ${grace} s`);
    assert.throws(
      () => renderChart(valuesWith({ terminationGracePeriodSeconds: 19 })),
      /terminationGracePeriodSeconds \(19\) must be at least preStopSleepSeconds \+ config.shutdownDelaySeconds \+ config.shutdownTimeoutMs in seconds \(20\)/,
    );
    assert.doesNotThrow(() => renderChart(valuesWith({ terminationGracePeriodSeconds: 20 })));
    const noHook = renderChart(valuesWith({ preStopSleepSeconds: 0, config: { shutdownTimeoutMs: 10_001 }, terminationGracePeriodSeconds: 16 }));
    assert.equal((podOf(noHook).spec as unknown as { containers: { lifecycle?: unknown }[] }).containers[0]!.lifecycle, undefined);
  });

  it('the NetworkPolicy admits the API port and lets out DNS and HTTPS', () => {
    const spec = one(allOn, 'NetworkPolicy').spec as {
      policyTypes: string[];
      ingress: { ports: { port: string }[]; from?: unknown[] }[];
      egress: { ports: { port: number; protocol: string }[] }[];
    };
    assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
    assert.equal(spec.ingress[0]!.ports[0]!.port, 'http');
    assert.equal(spec.ingress[0]!.from?.length, 1);
    const egressPorts = spec.egress.flatMap((rule) => rule.ports.map((port) => `${port.port}/${port.protocol}`));
    assert.deepEqual(egressPorts.sort(), ['443/TCP', '53/TCP', '53/UDP']);
  });

  it('the PodDisruptionBudget and the HPA', () => {
    assert.deepEqual((one(allOn, 'PodDisruptionBudget').spec as { maxUnavailable?: number }).maxUnavailable, 1);
    const byMinimum = one(rendered['no service account of its own, pdb by minAvailable, live source without a role']!, 'PodDisruptionBudget').spec as {
      minAvailable?: string;
      maxUnavailable?: number;
    };
    assert.deepEqual([byMinimum.minAvailable, byMinimum.maxUnavailable], ['50%', undefined]);
    const hpa = one(allOn, 'HorizontalPodAutoscaler').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
    assert.deepEqual(hpa.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: one(allOn, 'Deployment').metadata.name });
    assert.ok(hpa.minReplicas >= 1 && hpa.maxReplicas >= hpa.minReplicas);
  });

  it('replicas sharing Redis: two by default, spread over zones and nodes, a budget keeping one', () => {
    const shared = rendered['replicas sharing Redis']!;
    const deployment = one(shared, 'Deployment').spec as { replicas?: number };
    assert.equal(deployment.replicas, 2);
    const spread = podOf(shared).spec as unknown as {
      topologySpreadConstraints: { topologyKey: string; maxSkew: number; labelSelector: { matchLabels: Record<string, string> } }[];
    };
    assert.deepEqual(
      spread.topologySpreadConstraints.map((constraint) => constraint.topologyKey),
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
    );
    for (const constraint of spread.topologySpreadConstraints)
      assert.deepEqual(
        constraint.labelSelector.matchLabels,
        (one(shared, 'Deployment').spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
      );
    assert.deepEqual(one(shared, 'PodDisruptionBudget').spec, {
      minAvailable: 1,
      selector: (one(shared, 'Deployment').spec as { selector: unknown }).selector,
    });
    // Without Redis: one replica, no spread of its own, no budget.
    assert.equal((podOf(defaults).spec as unknown as { topologySpreadConstraints?: unknown }).topologySpreadConstraints, undefined);
    assert.equal(
      defaults.manifests.some((manifest) => manifest.kind === 'PodDisruptionBudget'),
      false,
    );
    const pinned = renderChart(valuesWith({ redis: { url: 'redis://redis:6379' }, replicaCount: 5 }));
    assert.equal((one(pinned, 'Deployment').spec as { replicas?: number }).replicas, 5);
  });

  it('NOTES.txt gives the port-forward and curl commands, with the token when auth is on', () => {
    assert.match(defaults.notes, /kubectl --namespace network-tools port-forward service\/vd-vpce-doctor 8080:8080/);
    assert.match(defaults.notes, /curl -s localhost:8080\/readyz/);
    assert.match(defaults.notes, /\/v1\/endpoints\/\$ENDPOINT\/analysis\?clientIp=/);
    assert.match(defaults.notes, /-X POST .*\/probes/);
    assert.match(defaults.notes, /API auth is off/);
    assert.match(allOn.notes, /get secret vpce-doctor-tokens -o jsonpath='\{\.data\.tokens\}'/);
    assert.match(allOn.notes, /Authorization: Bearer \$TOKEN/);
    assert.doesNotMatch(allOn.notes, /auth is off|watchEndpoints is empty/);
    assert.match(
      rendered['no service account of its own, pdb by minAvailable, live source without a role']!.notes,
      /WARNING: config.source is "aws" but serviceAccount.roleArn is empty/,
    );
  });
});
