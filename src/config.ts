import { readFileSync } from 'node:fs';
import { parseCidr, parseIp } from './core/net.js';
import { DEFAULT_SNAPSHOT_DIR } from './sources/snapshot/bundled.js';

/**
 * The one environment schema, validated once at start, shared by the server and the CLI.
 * Every problem is reported at once, each naming the variable, the rule and the value.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Parsed<T> = { readonly value: T } | { readonly problem: string };

/**
 * One environment variable: its name, its parser (which gives its type), its default value,
 * its meaning. `loadConfig` reads it, `Config` is typed from it, and the README's table is
 * printed from it (scripts/config-table.ts).
 */
export interface Variable<T> {
  readonly name: string;
  readonly description: string;
  readonly parse: (text: string) => Parsed<T>;
  /** The value when unset (or set to an empty value); `undefined`: the field is optional. */
  readonly default: T | undefined;
  /** The default as the README shows it, only where it is not a value: "the bundled example", "(discovered)". */
  readonly defaultText?: string;
  /** A value as the variable is spelt (`on` for true), where that is not its plain text. */
  readonly show?: (value: T) => string;
  /** Its field of Config when not its key; `null`: none, the rules after the table fold it into another field. */
  readonly field?: string | null;
  /** Set to an empty value is a setting, not an absence: absence turns auth off, an empty secret must not. */
  readonly emptyIsSet?: true;
  /** Its value is never echoed in a problem (it holds tokens). */
  readonly secret?: true;
}

/** Any variable of the table, whatever its type (each entry's default is checked against its parser below). */
export type AnyVariable = Omit<Variable<unknown>, 'show'> & { readonly show?: (value: never) => string };

function integer(min: number, max: number) {
  return (text: string): Parsed<number> => {
    const value = Number(text);
    return /^\d+$/.test(text.trim()) && value >= min && value <= max ? { value } : { problem: `expected an integer from ${min} to ${max}` };
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): Parsed<T> =>
    (values as readonly string[]).includes(text) ? { value: text as T } : { problem: `expected one of ${values.join(', ')}` };
}

const text = (text: string): Parsed<string> => ({ value: text });
const ip = (text: string): Parsed<string> =>
  parseIp(text)?.text === text ? { value: text } : { problem: 'expected an IPv4 or IPv6 address in canonical form' };
const portList = (text: string): Parsed<number[]> => {
  const ports = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return ports.every((port) => /^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)
    ? { value: ports.map(Number) }
    : { problem: 'expected comma-separated ports from 1 to 65535' };
};
const region = (text: string): Parsed<string> =>
  /^[a-z]{2}(-[a-z]+)+-\d$/.test(text) ? { value: text } : { problem: 'expected an AWS region such as us-east-1' };
const roleArn = (text: string): Parsed<string> =>
  /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(text)
    ? { value: text }
    : { problem: 'expected an IAM role ARN (arn:aws:iam::123456789012:role/NAME)' };
const regionList = (text: string): Parsed<string[]> => {
  const regions = [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
  return regions.length > 0 && regions.every((name) => 'value' in region(name))
    ? { value: regions }
    : { problem: 'expected comma-separated AWS regions such as us-east-1,eu-west-1' };
};
const roleArnList = (text: string): Parsed<string[]> => {
  const arns = [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
  return arns.length > 0 && arns.every((arn) => 'value' in roleArn(arn))
    ? { value: arns }
    : { problem: 'expected comma-separated IAM role ARNs (arn:aws:iam::123456789012:role/NAME)' };
};
const externalId = (text: string): Parsed<string> =>
  /^[\w+=,.@:/-]{2,1224}$/.test(text) ? { value: text } : { problem: 'expected 2 to 1224 characters of letters, digits and +=,.@:/-' };
const roleName = (text: string): Parsed<string> =>
  /^[\w+=,.@-]{1,64}$/.test(text) ? { value: text } : { problem: 'expected an IAM role name (1 to 64 characters of letters, digits and +=,.@_-)' };
const onOff = (text: string): Parsed<boolean> => (text === 'on' || text === 'off' ? { value: text === 'on' } : { problem: 'expected one of on, off' });
const boolean = (text: string): Parsed<boolean> => (text === 'true' || text === 'false' ? { value: text === 'true' } : { problem: 'expected true or false' });
const endpointList = (text: string): Parsed<string[]> => {
  const ids = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return ids.every((id) => /^vpce-[0-9a-f]{8,17}$/.test(id)) ? { value: ids } : { problem: 'expected comma-separated endpoint ids (vpce-…)' };
};
/** A Redis URL: redis:// or rediss:// (TLS), with a host. */
const redisUrl = (text: string): Parsed<string> => {
  try {
    const url = new URL(text);
    if ((url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname) return { value: text };
  } catch {
    // Not a URL at all: the problem below says what is expected.
  }
  return { problem: 'expected redis://[user:password@]host:port[/db] or rediss://… (TLS)' };
};
const redisPrefix = (text: string): Parsed<string> =>
  /^[\w.:-]{1,64}$/.test(text) ? { value: text } : { problem: 'expected 1 to 64 characters of letters, digits and _.:-' };
const cidrList = (text: string): Parsed<string[]> => {
  const cidrs = [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
  const bad = cidrs.find((cidr) => !parseCidr(cidr));
  return cidrs.length > 0 && bad === undefined
    ? { value: cidrs.map((cidr) => parseCidr(cidr)!.text) }
    : { problem: `expected comma-separated IPv4 or IPv6 CIDRs${bad ? ` (${JSON.stringify(bad)} is not one)` : ''}` };
};
/** Tokens as given: set means auth on, so a setting that yields no token is refused, never read as "auth off". */
const tokenList = (text: string): Parsed<string[]> => {
  const tokens = text
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  if (tokens.length === 0) return { problem: 'set but holds no token (unset it to turn auth off)' };
  if (tokens.some((token) => /\s/.test(token))) return { problem: 'a token contains whitespace' };
  return { value: tokens };
};

/** A token file (a mounted Secret): one token a line; blank lines and `#` comments are not tokens. */
export function tokensOfFile(content: string): Parsed<string[]> {
  const tokens: string[] = [];
  for (const [index, line] of content.split(/\r?\n/).entries()) {
    const token = line.trim();
    if (token === '' || token.startsWith('#')) continue;
    // The line is named, never its content: it is a secret.
    if (/\s/.test(token)) return { problem: `line ${index + 1} holds a token with whitespace in it` };
    tokens.push(token);
  }
  if (tokens.length === 0) return { problem: 'holds no token (an empty Secret key?): every line is blank or a # comment' };
  return { value: tokens };
}

/** A path that must name something: set but empty is an unset secret's path, not "no file". */
const tokenFilePath = (text: string): Parsed<string> => (text.trim() ? { value: text } : { problem: 'set but names no file (unset it to turn auth off)' });

/** A secret as a problem may show it: only when it is blank (nothing but commas and whitespace). */
function secretText(raw: string): string {
  return /^[\s,]*$/.test(raw) ? JSON.stringify(raw) : `${raw.length} characters (not shown: a secret)`;
}

/**
 * Every variable: its name, parser (its type), default, meaning and flags. `Config` is typed
 * from it, `loadConfig` reads it, and the README's configuration table is this list.
 */
export const VARIABLES = {
  port: { name: 'PORT', default: 8080, description: 'TCP port to listen on', parse: integer(0, 65535) },
  host: { name: 'HOST', default: '0.0.0.0', description: 'address to listen on', parse: text },
  logLevel: { name: 'LOG_LEVEL', default: 'info', description: `pino log level: ${LOG_LEVELS.join(', ')}`, parse: oneOf(LOG_LEVELS) },
  source: {
    name: 'VPCE_DOCTOR_SOURCE',
    default: 'snapshot',
    description: '`snapshot` (a directory of AWS CLI JSON) or `aws` (live, read-only: see docs/iam-policy.json)',
    parse: oneOf(['snapshot', 'aws'] as const),
  },
  snapshotDir: {
    name: 'VPCE_DOCTOR_SNAPSHOT_DIR',
    default: DEFAULT_SNAPSHOT_DIR,
    defaultText: 'the bundled example',
    description: 'snapshot directory when the source is `snapshot`',
    parse: text,
  },
  cacheTtlSeconds: {
    name: 'VPCE_DOCTOR_CACHE_TTL_SECONDS',
    default: 60,
    description: 'how long a loaded model and an analysis are served from memory',
    parse: integer(1, 86400),
  },
  cacheMaxEntries: {
    name: 'VPCE_DOCTOR_CACHE_MAX_ENTRIES',
    default: 1000,
    description: 'analyses kept in memory at most (least recently used go first)',
    parse: integer(1, 1_000_000),
  },
  apiTokens: {
    name: 'VPCE_DOCTOR_API_TOKENS',
    default: [],
    defaultText: '(none: auth off)',
    description:
      'comma-separated bearer tokens (16 characters or more, no whitespace); when set, every /v1 route requires one, and a setting that holds no token is an error, never auth off',
    parse: tokenList,
    emptyIsSet: true,
    secret: true,
  },
  apiTokensFile: {
    name: 'VPCE_DOCTOR_API_TOKENS_FILE',
    default: undefined,
    field: null,
    description:
      'a file of bearer tokens, one per line (a mounted secret; blank lines and `#` comments are not tokens), added to the above; a file with no token is an error',
    parse: tokenFilePath,
    emptyIsSet: true,
  },
  rateLimitMax: {
    name: 'VPCE_DOCTOR_RATE_LIMIT_MAX',
    default: 120,
    description:
      'analyses per client address (and per bearer token when auth is on) per window, one budget across the analysis routes, probes and the fleet report (a batch counts each item, a what-if 2, a blast radius 10)',
    parse: integer(1, 1_000_000),
  },
  rateLimitWindowSeconds: { name: 'VPCE_DOCTOR_RATE_LIMIT_WINDOW_SECONDS', default: 60, description: 'the rate limit window', parse: integer(1, 86400) },
  batchMaxItems: { name: 'VPCE_DOCTOR_BATCH_MAX_ITEMS', default: 50, description: 'analyses in one POST /v1/analyses at most', parse: integer(1, 1000) },
  bodyLimitBytes: { name: 'VPCE_DOCTOR_BODY_LIMIT_BYTES', default: 65_536, description: 'largest request body accepted', parse: integer(1024, 10_485_760) },
  shutdownTimeoutMs: {
    name: 'VPCE_DOCTOR_SHUTDOWN_TIMEOUT_MS',
    default: 10_000,
    description: 'how long in-flight requests may take to finish on SIGTERM',
    parse: integer(100, 600_000),
  },
  shutdownDelaySeconds: {
    name: 'VPCE_DOCTOR_SHUTDOWN_DELAY_SECONDS',
    default: 5,
    description:
      'on SIGTERM, how long the listener keeps serving after /readyz turns 503 (so that Kubernetes stops routing here) before in-flight requests are finished and the process stops',
    parse: integer(0, 300),
  },
  requestTimeoutMs: {
    name: 'VPCE_DOCTOR_REQUEST_TIMEOUT_MS',
    default: 10_000,
    description: 'how long a client may take to send a whole request, headers and body (then 408 and the connection is closed)',
    parse: integer(1000, 600_000),
  },
  headersTimeoutMs: {
    name: 'VPCE_DOCTOR_HEADERS_TIMEOUT_MS',
    default: 5_000,
    description: "how long a client may take to send a request's headers (at most the request timeout)",
    parse: integer(1000, 600_000),
  },
  keepAliveTimeoutMs: {
    name: 'VPCE_DOCTOR_KEEP_ALIVE_TIMEOUT_MS',
    default: 5_000,
    description: 'how long an idle keep-alive connection is kept open (behind a load balancer: more than its idle timeout)',
    parse: integer(100, 600_000),
  },
  probes: {
    name: 'VPCE_DOCTOR_PROBES',
    default: false,
    description:
      'live TCP probes from this service to endpoint interfaces: `on` or `off`; off, the probe routes, `probe=true` and `/probe` answer 403 `probes-disabled`, and a watch list is a configuration error',
    parse: onOff,
    show: (on: boolean) => (on ? 'on' : 'off'),
    field: 'probesEnabled',
  },
  probeSelfIp: {
    name: 'VPCE_DOCTOR_PROBE_SELF_IP',
    default: undefined,
    defaultText: '(discovered)',
    description:
      "this service's own IP, the client whose static verdict probes are compared with; else the local address found among the data's network interfaces",
    parse: ip,
  },
  probePorts: { name: 'VPCE_DOCTOR_PROBE_PORTS', default: [], description: "ports that may be probed besides each endpoint's service ports", parse: portList },
  probeConcurrency: { name: 'VPCE_DOCTOR_PROBE_CONCURRENCY', default: 50, description: 'TCP connects in flight at once, in all', parse: integer(1, 1000) },
  probeEndpointConcurrency: {
    name: 'VPCE_DOCTOR_PROBE_ENDPOINT_CONCURRENCY',
    default: 8,
    description: 'TCP connects in flight at once to one endpoint',
    parse: integer(1, 100),
  },
  probeRoundsPerMinute: {
    name: 'VPCE_DOCTOR_PROBE_ROUNDS_PER_MINUTE',
    default: 30,
    description: 'probe rounds per endpoint per minute (requests and the watch list together)',
    parse: integer(1, 600),
  },
  probeTimeoutMs: {
    name: 'VPCE_DOCTOR_PROBE_TIMEOUT_MS',
    default: 2000,
    description: 'default connect timeout (a request may ask for up to 10000)',
    parse: integer(1, 10_000),
  },
  probeAttempts: { name: 'VPCE_DOCTOR_PROBE_ATTEMPTS', default: 1, description: 'default connect attempts per target (up to 3)', parse: integer(1, 3) },
  watchEndpoints: {
    name: 'VPCE_DOCTOR_WATCH_ENDPOINTS',
    default: [],
    description: 'endpoints probed in the background on a schedule, their latest results served and exported as metrics',
    parse: endpointList,
  },
  watchIntervalSeconds: {
    name: 'VPCE_DOCTOR_WATCH_INTERVAL_SECONDS',
    default: 60,
    description: 'the watch list interval (each round adds up to 20% jitter)',
    parse: integer(5, 86400),
  },
  awsRegion: {
    name: 'VPCE_DOCTOR_AWS_REGION',
    default: undefined,
    defaultText: '`AWS_REGION`',
    description: 'the region read live; with `aws`, this or `AWS_REGION` / `AWS_DEFAULT_REGION` is required',
    parse: region,
  },
  awsRoleArn: {
    name: 'VPCE_DOCTOR_AWS_ROLE_ARN',
    default: undefined,
    description:
      "a role to assume in the account to read (another account's); credentials otherwise come from the SDK's standard chain (IRSA, profile, instance role)",
    parse: roleArn,
  },
  awsRegions: {
    name: 'VPCE_DOCTOR_AWS_REGIONS',
    default: [],
    defaultText: 'the one region above',
    description: 'comma-separated regions read live in every account (each account and region is a unit of its own)',
    parse: regionList,
  },
  awsRoleArns: {
    name: 'VPCE_DOCTOR_AWS_ROLE_ARNS',
    default: [],
    description: 'comma-separated roles, each assumed from the base credentials to read its account (with `VPCE_DOCTOR_AWS_ROLE_ARN`, if set)',
    parse: roleArnList,
  },
  awsExternalId: {
    name: 'VPCE_DOCTOR_AWS_EXTERNAL_ID',
    default: undefined,
    description: "the external id the member roles' trust policies ask for",
    parse: externalId,
  },
  awsIncludeBaseAccount: {
    name: 'VPCE_DOCTOR_AWS_INCLUDE_BASE_ACCOUNT',
    default: false,
    description: "read the base credentials' own account too (it always is when no role and no organization is given)",
    parse: boolean,
  },
  awsOrganizationRoleName: {
    name: 'VPCE_DOCTOR_AWS_ORGANIZATION_ROLE_NAME',
    default: undefined,
    description: "discover the organization's active accounts (organizations:ListAccounts, refreshed with the data) and assume this role in each",
    parse: roleName,
  },
  awsUnitConcurrency: {
    name: 'VPCE_DOCTOR_AWS_UNIT_CONCURRENCY',
    default: 8,
    description: 'accounts and regions collected at once (AWS throttles each account and region on its own)',
    parse: integer(1, 64),
  },
  awsCallTimeoutMs: {
    name: 'VPCE_DOCTOR_AWS_CALL_TIMEOUT_MS',
    default: 10_000,
    description: 'how long one AWS API call attempt may take',
    parse: integer(100, 120_000),
  },
  awsCollectionDeadlineMs: {
    name: 'VPCE_DOCTOR_AWS_COLLECTION_DEADLINE_MS',
    default: 60_000,
    description: 'how long one whole collection may take',
    parse: integer(1000, 600_000),
  },
  awsMaxAttempts: { name: 'VPCE_DOCTOR_AWS_MAX_ATTEMPTS', default: 5, description: 'attempts per AWS call, adaptive retry mode', parse: integer(1, 10) },
  trustedCidrs: {
    name: 'VPCE_DOCTOR_TRUSTED_CIDRS',
    default: [],
    description:
      "comma-separated ranges beyond an endpoint's VPC that may reach it (peered VPCs, on-premises); when set, an endpoint admitting any other address outside its VPC is an exposure finding (`vpce_doctor_endpoint_exposed`); unset, only admitting 0.0.0.0/0 or ::/0 is",
    parse: cidrList,
  },
  redisUrl: {
    name: 'VPCE_DOCTOR_REDIS_URL',
    default: undefined,
    defaultText: '(none: each replica on its own)',
    description:
      'Redis that replicas share: one AWS collection per account and region per TTL, the analysis cache, the rate limit, and one prober per watched endpoint; `redis://` or `rediss://` (TLS), user and password in the URL or the file below; Redis down or slow, each replica serves on its own',
    parse: redisUrl,
    secret: true,
  },
  redisPasswordFile: {
    name: 'VPCE_DOCTOR_REDIS_PASSWORD_FILE',
    default: undefined,
    field: null,
    description: 'a file holding the Redis password (a mounted secret), when the URL has none',
    parse: text,
  },
  redisCommandTimeoutMs: {
    name: 'VPCE_DOCTOR_REDIS_COMMAND_TIMEOUT_MS',
    default: 250,
    description: 'how long one Redis command may take before this replica goes on without Redis (its own collection and limits)',
    parse: integer(10, 10_000),
  },
  redisPrefix: {
    name: 'VPCE_DOCTOR_REDIS_PREFIX',
    default: 'vpce-doctor:',
    description: 'the prefix of every Redis key (replicas sharing one must share their configuration)',
    parse: redisPrefix,
  },
} as const satisfies Record<string, AnyVariable>;

type Variables = typeof VARIABLES;
export type VariableKey = keyof Variables;
/** The value a variable's parser gives (lists read-only in Config). */
type ValueOf<V> = V extends { readonly parse: (text: string) => Parsed<infer T> } ? (T extends readonly (infer U)[] ? readonly U[] : T) : never;
/** A variable's field of Config: its key, else its `field`; `null` has none. */
type FieldOf<K, V> = V extends { readonly field: infer F } ? F : K;
type HasDefault<V> = V extends { readonly default: undefined } ? false : true;
/** The fields of the variables with a default (`true`) or without one (`false`). */
type FieldsWith<Default extends boolean> = {
  [K in VariableKey as HasDefault<Variables[K]> extends Default ? Extract<FieldOf<K, Variables[K]>, string> : never]: ValueOf<Variables[K]>;
};
type Simplify<T> = { readonly [K in keyof T]: T[K] } & {};
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The configuration, typed from VARIABLES: a variable with a default is a field always there,
 * one without is optional; plus what the rules after the table make of several variables.
 */
export type Config = Simplify<
  FieldsWith<true> &
    Partial<FieldsWith<false>> & {
      /** Read from VPCE_DOCTOR_REDIS_PASSWORD_FILE. */
      readonly redisPassword?: string;
    }
>;

/** A compile-time check that every default is a value of its variable's parser: a mismatch names the variable. */
type DefaultMismatch = {
  [K in VariableKey]: Variables[K] extends { readonly parse: (text: string) => Parsed<infer T>; readonly default: infer D }
    ? [D] extends [Readonly<T> | undefined]
      ? never
      : K
    : K;
}[VariableKey];
const defaultsAreValues: [DefaultMismatch] extends [never] ? true : DefaultMismatch = true;
void defaultsAreValues;

/** A variable's default as the README shows it: its value, `(none)` for none, or its `defaultText`. */
export function defaultTextOf(variable: AnyVariable): string {
  if (variable.defaultText !== undefined) return variable.defaultText;
  const value = variable.default;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '(none)';
  if (variable.show) return (variable.show as (value: unknown) => string)(value);
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The README's configuration table: one row per variable, in the table's order. */
export function configTable(): string {
  const rows = Object.values(VARIABLES).map((variable: AnyVariable) => `| \`${variable.name}\` | ${defaultTextOf(variable)} | ${variable.description} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  /** Set: present, and not empty unless an empty value is a setting of its own. */
  const isSet = (variable: AnyVariable): boolean => {
    const raw = env[variable.name];
    return raw !== undefined && (raw !== '' || variable.emptyIsSet === true);
  };
  // Every variable of the table: its value when set and valid, else its default (a problem when set and invalid).
  const given: Partial<Record<VariableKey, unknown>> = {};
  const fields: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(VARIABLES) as [VariableKey, AnyVariable][]) {
    const raw = env[variable.name];
    if (raw !== undefined && isSet(variable)) {
      const parsed = variable.parse(raw);
      if ('problem' in parsed) problems.push(`${variable.name}: ${parsed.problem}, got ${variable.secret ? secretText(raw) : JSON.stringify(raw)}`);
      else given[key] = parsed.value;
    }
    const value = key in given ? given[key] : variable.default;
    const field = variable.field === undefined ? key : variable.field;
    if (field !== null && value !== undefined) fields[field] = value;
  }
  const values = fields as Record<string, unknown> as Mutable<Config>;

  // The rules that join several variables (or the environment beyond the table).
  const apiTokens = [...values.apiTokens];
  const tokensFile = given.apiTokensFile as string | undefined;
  if (tokensFile) {
    try {
      const fromFile = tokensOfFile(readFileSync(tokensFile, 'utf8'));
      if ('problem' in fromFile) problems.push(`${VARIABLES.apiTokensFile.name}: ${tokensFile} ${fromFile.problem}`);
      else apiTokens.push(...fromFile.value);
    } catch (error) {
      problems.push(`${VARIABLES.apiTokensFile.name}: cannot read ${tokensFile}: ${(error as Error).message}`);
    }
  }
  values.apiTokens = apiTokens;
  const redisPasswordFile = given.redisPasswordFile as string | undefined;
  if (redisPasswordFile) {
    try {
      const password = readFileSync(redisPasswordFile, 'utf8').trim();
      if (!password) problems.push(`${VARIABLES.redisPasswordFile.name}: ${redisPasswordFile} holds no password`);
      else values.redisPassword = password;
    } catch (error) {
      problems.push(`${VARIABLES.redisPasswordFile.name}: cannot read ${redisPasswordFile}: ${(error as Error).message}`);
    }
  }
  // The region: VPCE_DOCTOR_AWS_REGION, else the SDK's own variables; the regions: VPCE_DOCTOR_AWS_REGIONS, else that one region.
  const awsRegion = isSet(VARIABLES.awsRegion) ? values.awsRegion : env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (awsRegion) values.awsRegion = awsRegion;
  if (given.awsRegions === undefined) values.awsRegions = awsRegion ? [awsRegion] : [];
  // The single role is one of the roles.
  values.awsRoleArns = [...new Set([...(values.awsRoleArn ? [values.awsRoleArn] : []), ...values.awsRoleArns])];
  const config: Config = values;

  if (config.source === 'aws' && !config.awsRegion && config.awsRegions.length === 0) {
    problems.push(`${VARIABLES.awsRegion.name}: required with ${VARIABLES.source.name}=aws (or set AWS_REGION, or ${VARIABLES.awsRegions.name})`);
  }
  if (config.awsCollectionDeadlineMs < config.awsCallTimeoutMs) {
    problems.push(`${VARIABLES.awsCollectionDeadlineMs.name}: must be at least ${VARIABLES.awsCallTimeoutMs.name} (${config.awsCallTimeoutMs})`);
  }
  const roleAccounts = config.awsRoleArns.map((arn) => arn.split(':')[4]);
  const twice = roleAccounts.filter((account, index) => roleAccounts.indexOf(account) !== index);
  if (twice.length > 0) {
    problems.push(`${VARIABLES.awsRoleArns.name}: one role per account (account ${twice[0]} has several; with ${VARIABLES.awsRoleArn.name} counted)`);
  }
  if (config.watchEndpoints.length > 0 && !config.probesEnabled) {
    problems.push(`${VARIABLES.watchEndpoints.name}: the watch list probes, and probes are off (set ${VARIABLES.probes.name}=on)`);
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    problems.push(`${VARIABLES.headersTimeoutMs.name}: must be at most ${VARIABLES.requestTimeoutMs.name} (${config.requestTimeoutMs})`);
  }
  for (const token of config.apiTokens) {
    if (token.length < 16) problems.push(`${VARIABLES.apiTokens.name}: every token must be 16 characters or more (one has ${token.length})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
