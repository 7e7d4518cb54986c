/**
 * Writes a large, realistic snapshot (analysis contract §4: one AWS CLI `--output json`
 * file per call) for the benchmark: thousands of security groups with dozens of rules,
 * busy network ACLs, big managed prefix lists, a thousand interface endpoints.
 *
 * The output is deterministic for a seed. About half of the endpoints have a security
 * group that allows TCP 443 from a VPC CIDR and the others have none that can match a
 * client; NACLs range from allow-all to tiered, partial-ephemeral and blocking, so that
 * analyses take passing, warning and failing paths alike.
 *
 * The customer endpoint services (`com.amazonaws.vpce.<region>.vpce-svc-…`) the endpoints
 * use get a provider side in provider VPCs of the same account: the service configuration,
 * an internal NLB (nodes in one subnet per AZ, AZs matched by AZ id), its listeners,
 * attributes, target groups and target health, the targets' ENIs, instances, security
 * groups and subnet NACLs. Its configurations are mixed the same way, from right to the
 * classic mistakes (a target SG that admits the consumers' CIDRs instead of the NLB, a
 * forgotten health-check port or return path, a missing listener), so that provider checks
 * pass, warn and fail too.
 *
 *     npx tsx bench/generate-snapshot.ts OUT_DIR [--json] [--endpoints=N ...]
 *
 * prints a one-line summary, or with `--json` the `GeneratedSnapshot` as one JSON line.
 */
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LargeSnapshotOptions {
  /** Interface endpoints, each with one ENI per AZ. */
  endpoints: number;
  /** Security groups of the consumer side (endpoint, client and other groups); the provider side adds its own. */
  securityGroups: number;
  /** Rules (sources) per security group, inbound and outbound together. */
  rulesPerGroup: number;
  /** Entries per network ACL, inbound and outbound together, besides the two `32767` ones. */
  naclEntries: number;
  /** Customer-managed prefix lists (each with a GetManagedPrefixListEntries file). */
  prefixLists: number;
  prefixListEntries: number;
  /** Client ENIs (instances), one private IP each. */
  clients: number;
  seed: number;
  /** Availability zones used (1-6): us-east-1a, us-east-1b, ... */
  azs: number;
  /**
   * Customer services given a provider side, in order of first use by an endpoint;
   * -1 (the default): all of them, 0: none (the snapshot of the consumer account alone).
   */
  providerServices: number;
}

export const BENCH_SNAPSHOT_DEFAULTS: LargeSnapshotOptions = Object.freeze({
  endpoints: 1000,
  securityGroups: 2000,
  rulesPerGroup: 60,
  naclEntries: 40,
  prefixLists: 10,
  prefixListEntries: 1000,
  clients: 200,
  seed: 42,
  azs: 3,
  providerServices: -1,
});

/** One account and region of a fleet benchmark: 10 endpoints with their provider side, a small unit. */
export const FLEET_UNIT_OPTIONS: Partial<LargeSnapshotOptions> = Object.freeze({
  endpoints: 10,
  securityGroups: 40,
  rulesPerGroup: 20,
  naclEntries: 20,
  prefixLists: 2,
  prefixListEntries: 50,
  clients: 20,
});

export interface GeneratedSnapshot {
  /** The snapshot directory (absolute). */
  dir: string;
  endpointIds: string[];
  /** The primary private IP of every client ENI. */
  clientIps: string[];
  /** Paths of every file written (absolute). */
  files: string[];
  /** Bytes written, all files together. */
  bytes: number;
  /** The customer services given a provider side (service names, as endpoints name them). */
  providerServiceNames: string[];
}

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const MAX_AZS = 6;
const VPC_COUNT = 4;
const ENDPOINT_SUBNET_GROUPS = 2;
const CLIENT_SUBNET_GROUPS = 2;
const TEN = 0x0a000000;
const FLUSH_CHARS = 1 << 20;

// ---------------------------------------------------------------- seeded randomness

function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** FNV-1a of the label mixed with the seed: one independent stream per part of the snapshot. */
function streamSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ Math.floor(seed / 0x100000000), 0x01000193);
  return hash >>> 0;
}

class Random {
  private readonly next: () => number;

  constructor(seed: number, label: string) {
    this.next = mulberry32(streamSeed(seed, label));
  }

  uint32(): number {
    return this.next();
  }

  float(): number {
    return this.next() / 0x100000000;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** One of the values, by weight. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.float() * total;
    for (const [value, weight] of choices) {
      point -= weight;
      if (point < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** `count` distinct items (fewer when the list is shorter). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const out: T[] = [];
    while (out.length < count && copy.length > 0) {
      const index = Math.floor(this.float() * copy.length);
      out.push(copy[index]!);
      copy[index] = copy[copy.length - 1]!;
      copy.pop();
    }
    return out;
  }

  hex(length: number): string {
    let text = '';
    while (text.length < length) text += this.uint32().toString(16).padStart(8, '0');
    return text.slice(0, length);
  }

  alnum(length: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(this.float() * alphabet.length)];
    return text;
  }
}

/** AWS resource ids: prefix + 17 lowercase hex digits (the long form starts with 0), never reused. */
class Ids {
  constructor(
    private readonly random: Random,
    private readonly used = new Set<string>(),
  ) {}

  /** Ids from another stream, never one this source made or makes. */
  fork(random: Random): Ids {
    return new Ids(random, this.used);
  }

  make(prefix: string): string {
    for (;;) {
      const id = `${prefix}0${this.random.hex(16)}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}

// ---------------------------------------------------------------- addresses

function ipv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function cidr(base: number, prefix: number): string {
  return `${ipv4((base & maskOf(prefix)) >>> 0)}/${prefix}`;
}

/** A random CIDR outside 10.0.0.0/8 (so never containing a VPC address here). */
function outsideCidr(random: Random): string {
  const family = random.weighted<'rfc1918-172' | 'rfc1918-192' | 'cgnat' | 'public'>([
    ['rfc1918-172', 3],
    ['rfc1918-192', 3],
    ['cgnat', 1],
    ['public', 4],
  ]);
  switch (family) {
    case 'rfc1918-172':
      return cidr(0xac100000 + random.int(0, 0xfffff), random.pick([12, 16, 20, 22, 24, 24, 26, 28]));
    case 'rfc1918-192':
      return cidr(0xc0a80000 + random.int(0, 0xffff), random.pick([16, 20, 22, 24, 24, 24, 27, 28]));
    case 'cgnat':
      return cidr(0x64400000 + random.int(0, 0x3fffff), random.pick([10, 16, 20, 24]));
    case 'public': {
      const first = random.pick([3, 13, 18, 23, 34, 35, 44, 52, 54, 64, 98, 104, 151, 185, 198, 203, 205]);
      return cidr(((first << 24) >>> 0) + random.int(0, 0xffffff), random.pick([8, 12, 16, 20, 22, 24, 24, 26, 28, 29, 32, 32]));
    }
  }
}

function ipv6Cidr(random: Random): string {
  if (random.chance(0.3)) return '::/0';
  return `2600:1f18:${random.int(0x1000, 0xffff).toString(16)}:${random.int(0x10, 0xff).toString(16)}00::/56`;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

// ---------------------------------------------------------------- the plan

interface Az {
  name: string;
  id: string;
}

interface Vpc {
  index: number;
  id: string;
  name: string;
  base: number;
  prefix: number;
  cidr: string;
  endpointGroups: Subnet[][];
  clientGroups: Subnet[][];
  subnets: Subnet[];
  defaultNaclId: string;
  openEndpointSgs: string[];
  closedEndpointSgs: string[];
  clientSgs: string[];
  otherSgs: string[];
}

interface Subnet {
  id: string;
  vpc: Vpc;
  az: number;
  name: string;
  /** ENIs planned in it, then the number allocated. */
  planned: number;
  allocated: number;
  base: number;
  prefix: number;
  /** Address allocation: host = 4 + (start + n * stride) mod usable (a permutation). */
  stride: number;
  start: number;
  naclId: string;
}

type SgRole = 'endpoint-open' | 'endpoint-closed' | 'client' | 'other';

interface SecurityGroupPlan {
  id: string;
  name: string;
  description: string;
  vpc: Vpc;
  role: SgRole;
  /** Client groups: whether their egress rules may reach the endpoints on 443. */
  egressOpen: boolean;
}

interface PrefixListPlan {
  id: string;
  name: string;
  /** Corporate lists hold some 10.x ranges of the VPCs; the others none. */
  corporate: boolean;
}

interface EndpointPlan {
  id: string;
  vpc: Vpc;
  group: number;
  open: boolean;
}

interface ClientPlan {
  vpc: Vpc;
  subnet: Subnet;
}

function usable(prefix: number): number {
  return 2 ** (32 - prefix) - 5; // AWS reserves the first four addresses and the last one
}

/**
 * Sizes the VPC's subnets (/24 or larger, with room to spare for the ENIs planned) and lays
 * them out from its start; returns the longest VPC prefix (at most /16) that holds them.
 */
function packSubnets(vpc: Vpc, random: Random): number {
  for (const subnet of vpc.subnets) {
    subnet.prefix = 24;
    while (usable(subnet.prefix) < Math.ceil(subnet.planned * 1.25) + 8) subnet.prefix--;
    if (subnet.prefix < 8) throw new RangeError('too many network interfaces for one subnet');
  }
  let offset = 0;
  const bySize = [...vpc.subnets].sort((a, b) => a.prefix - b.prefix);
  const offsets = new Map<Subnet, number>();
  for (const subnet of bySize) {
    const size = 2 ** (32 - subnet.prefix);
    offset = Math.ceil(offset / size) * size + (random.chance(0.3) ? size : 0);
    offsets.set(subnet, offset);
    offset += size;
  }
  let prefix = 16;
  while (2 ** (32 - prefix) < offset) prefix--;
  vpc.subnets.forEach((subnet) => (subnet.base = offsets.get(subnet)!)); // relative for now
  return prefix;
}

/** Puts a packed VPC at its address and picks each subnet's address permutation. */
function placeVpc(vpc: Vpc, base: number, prefix: number, random: Random): void {
  vpc.base = base;
  vpc.prefix = prefix;
  vpc.cidr = cidr(base, prefix);
  for (const subnet of vpc.subnets) {
    subnet.base += base;
    const size = usable(subnet.prefix);
    let stride = random.int(1, size - 1) | 1;
    while (gcd(stride, size) !== 1) stride++;
    subnet.stride = stride;
    subnet.start = random.int(0, size - 1);
  }
}

function allocateIp(subnet: Subnet): string {
  const size = usable(subnet.prefix);
  if (subnet.allocated >= size) throw new Error(`subnet ${subnet.id} is full`);
  const host = 4 + ((subnet.start + subnet.allocated * subnet.stride) % size);
  subnet.allocated++;
  return ipv4(subnet.base + host);
}

const VPC_NAMES = ['shared-services', 'orders-prod', 'payments-prod', 'analytics-dev'];

const AWS_SERVICES = [
  'secretsmanager',
  'ssm',
  'ssmmessages',
  'ec2messages',
  'kms',
  'sts',
  'logs',
  'monitoring',
  'ecr.api',
  'ecr.dkr',
  'sqs',
  'sns',
  'execute-api',
  'lambda',
  'ec2',
  'elasticloadbalancing',
  'kinesis-streams',
  'events',
  'states',
  'rds',
  'ecs',
  'ecs-agent',
  'ecs-telemetry',
  'athena',
  'glue',
  'sagemaker.api',
  'sagemaker.runtime',
  'elasticfilesystem',
  'autoscaling',
  'cloudformation',
];

const SG_DESCRIPTIONS = [
  'HTTPS',
  'app traffic',
  'from load balancers',
  'monitoring',
  'bastion access',
  'corp VPN',
  'partner',
  'legacy',
  'batch jobs',
  'health checks',
  'CI runners',
  'replication',
];

function timestamp(random: Random, fraction: boolean): string {
  const start = Date.UTC(2023, 0, 1);
  const end = Date.UTC(2025, 5, 30);
  const ms = start + Math.floor(random.float() * (end - start));
  const iso = new Date(ms).toISOString(); // 2025-02-03T10:27:51.204Z
  return fraction ? `${iso.slice(0, -1)}000+00:00` : `${iso.slice(0, 19)}+00:00`;
}

function macAddress(random: Random): string {
  return [random.pick(['02', '06', '0a', '0e', '12', '16']), ...Array.from({ length: 5 }, () => random.hex(2))].join(':');
}

function dnsLabel(service: string): string {
  return service.split('.').reverse().join('.');
}

function options(overrides: Partial<LargeSnapshotOptions> | undefined): LargeSnapshotOptions {
  const merged: LargeSnapshotOptions = { ...BENCH_SNAPSHOT_DEFAULTS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) continue;
    if (!(key in BENCH_SNAPSHOT_DEFAULTS)) throw new RangeError(`unknown snapshot option ${key}`);
    (merged as unknown as Record<string, number>)[key] = value as number;
  }
  for (const [key, value] of Object.entries(merged)) {
    const minimum = key === 'seed' ? -Infinity : key === 'providerServices' ? -1 : 0;
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new RangeError(
        `snapshot option ${key} must be ${minimum === -Infinity ? 'an integer' : `an integer of at least ${minimum}`}, got ${String(value)}`,
      );
    }
  }
  if (merged.securityGroups < 1) throw new RangeError('snapshot option securityGroups must be at least 1');
  if (merged.azs < 1 || merged.azs > MAX_AZS) throw new RangeError(`snapshot option azs must be 1-${MAX_AZS}`);
  return merged;
}

// ---------------------------------------------------------------- JSON files

/** Writes `{"<key>": [items]}` exactly as JSON.stringify(value, null, 4) would, item by item. */
async function writeListFile(path: string, key: string, items: Iterable<unknown>): Promise<number> {
  const handle = await open(path, 'w');
  let bytes = 0;
  let chunk = '';
  const flush = async () => {
    if (chunk.length === 0) return;
    const buffer = Buffer.from(chunk, 'utf8');
    await handle.write(buffer);
    bytes += buffer.length;
    chunk = '';
  };
  try {
    let first = true;
    for (const item of items) {
      chunk += `${first ? `{\n    ${JSON.stringify(key)}: [\n` : ',\n'}        ${JSON.stringify(item, null, 4).replaceAll('\n', '\n        ')}`;
      first = false;
      if (chunk.length >= FLUSH_CHARS) await flush();
    }
    chunk += first ? `{\n    ${JSON.stringify(key)}: []\n}\n` : '\n    ]\n}\n';
    await flush();
  } finally {
    await handle.close();
  }
  return bytes;
}

// ---------------------------------------------------------------- network ACL entries

interface NaclEntry {
  CidrBlock: string;
  Egress: boolean;
  IcmpTypeCode?: { Code: number; Type: number };
  PortRange?: { From: number; To: number };
  Protocol: string;
  RuleAction: 'allow' | 'deny';
  RuleNumber: number;
}

type NaclProfile = 'permissive' | 'tiered' | 'partial' | 'blocking';

type EntryDraft = Omit<NaclEntry, 'RuleNumber' | 'Egress'>;

interface Placed {
  entry: EntryDraft;
  where: 'first' | 'last' | 'anywhere';
}

function tcp(cidrBlock: string, from: number, to: number, action: 'allow' | 'deny' = 'allow'): EntryDraft {
  return { CidrBlock: cidrBlock, PortRange: { From: from, To: to }, Protocol: '6', RuleAction: action };
}

/** A filler entry that cannot decide TCP 443 or the ephemeral range for a VPC address. */
function fillerNaclEntry(random: Random, vpcs: readonly Vpc[]): EntryDraft {
  const action = random.chance(0.45) ? 'deny' : 'allow';
  if (random.chance(0.55)) {
    // Anything goes for addresses outside 10.0.0.0/8.
    const block = outsideCidr(random);
    const protocol = random.weighted<string>([
      ['6', 6],
      ['-1', 2],
      ['17', 1.5],
      ['1', 0.5],
    ]);
    if (protocol === '-1') return { CidrBlock: block, Protocol: '-1', RuleAction: action };
    if (protocol === '1') return { CidrBlock: block, IcmpTypeCode: { Code: -1, Type: -1 }, Protocol: '1', RuleAction: action };
    const from = random.pick([22, 25, 53, 80, 123, 443, 1024, 3306, 3389, 5432, 8080, 8443, 32768, 49152]);
    const to = random.chance(0.6) ? from : Math.min(65535, from + random.pick([1, 10, 99, 1000, 16383]));
    return { CidrBlock: block, PortRange: { From: from, To: to }, Protocol: protocol, RuleAction: action };
  }
  // Addresses that may hold VPC addresses: only low ports other than 443, or UDP.
  const vpc = random.pick(vpcs);
  const block = random.weighted<string>([
    ['0.0.0.0/0', 3],
    ['10.0.0.0/8', 2],
    [vpc.cidr, 2],
    [cidr(vpc.base + random.int(0, 2 ** (32 - vpc.prefix) - 1), random.pick([20, 22, 24, 26, 28])), 3],
  ]);
  if (random.chance(0.25)) {
    const port = random.pick([53, 123, 161, 514, 1194, 4789, 5353]);
    return { CidrBlock: block, PortRange: { From: port, To: port }, Protocol: '17', RuleAction: action };
  }
  const from = random.pick([20, 21, 22, 23, 25, 53, 80, 110, 135, 139, 389, 445, 587, 636, 993]);
  const to = random.chance(0.8) ? from : Math.min(1023, from + random.int(1, 30));
  return { CidrBlock: block, PortRange: { From: from, To: to }, Protocol: '6', RuleAction: action };
}

/** The entries that decide the endpoint path, one direction of one ACL. */
function decisiveNaclEntries(random: Random, profile: NaclProfile, vpc: Vpc, egress: boolean): Placed[] {
  const peers = () =>
    random.weighted<string>([
      ['10.0.0.0/8', 3],
      [vpc.cidr, 2],
      ['0.0.0.0/0', 1],
    ]);
  const https = (): Placed => ({ entry: tcp(peers(), 443, 443), where: 'anywhere' });
  const ephemeral = (from = 1024): Placed => ({ entry: tcp(peers(), from, 65535), where: 'anywhere' });
  switch (profile) {
    case 'permissive':
      return [{ entry: { CidrBlock: '0.0.0.0/0', Protocol: '-1', RuleAction: 'allow' }, where: 'last' }];
    case 'tiered':
      return [https(), ephemeral()];
    case 'partial':
      return [https(), ephemeral(random.chance(0.5) ? random.pick([32768, 49152]) : 1024)];
    case 'blocking': {
      const variant = random.int(0, 2);
      if (variant === 0) return [{ entry: tcp('10.0.0.0/8', 443, 443, 'deny'), where: 'first' }, https(), ephemeral()];
      if (variant === 1) return egress ? [https()] : [https(), ephemeral()];
      return egress ? [https(), ephemeral()] : [https()];
    }
  }
}

/** `count` ascending rule numbers with gaps (mostly tens, now and then a few), all below 32767. */
function ruleNumbers(random: Random, count: number): number[] {
  const room = Math.floor(32000 / Math.max(1, count)); // the largest average step that still fits
  const numbers: number[] = [];
  let current = room >= 100 ? random.int(1, 10) * 10 : 1;
  for (let i = 0; i < count; i++) {
    numbers.push(current);
    current += room >= 50 ? (random.chance(0.85) ? random.int(1, 5) * 10 : random.int(1, 9)) : random.int(1, Math.max(1, room));
  }
  return numbers;
}

function naclEntries(random: Random, profile: NaclProfile, vpc: Vpc, vpcs: readonly Vpc[], total: number): NaclEntry[] {
  return naclEntriesAround(random, profile, (egress) => decisiveNaclEntries(random, profile, vpc, egress), vpcs, total);
}

/** `total` entries: the decisive ones of each direction among fillers that cannot decide the path. */
function naclEntriesAround(random: Random, profile: NaclProfile, decisiveOf: (egress: boolean) => Placed[], vpcs: readonly Vpc[], total: number): NaclEntry[] {
  const direction = (egress: boolean, count: number): NaclEntry[] => {
    const decisive = decisiveOf(egress).slice(0, count);
    if (profile !== 'blocking' && count > decisive.length && random.chance(0.15)) {
      // A one-off deny of a small range of some VPC: a few pairs fail on it.
      const target = random.pick(vpcs);
      const narrow = cidr(target.base + random.int(0, 2 ** (32 - target.prefix) - 1), random.pick([27, 28]));
      decisive.unshift({
        entry: random.chance(0.5) ? tcp(narrow, 443, 443, 'deny') : { CidrBlock: narrow, Protocol: '-1', RuleAction: 'deny' },
        where: 'first',
      });
    }
    const drafts: EntryDraft[] = Array.from({ length: count - decisive.length }, () => fillerNaclEntry(random, vpcs));
    for (const placed of decisive.filter((p) => p.where === 'anywhere')) drafts.splice(random.int(0, drafts.length), 0, placed.entry);
    drafts.unshift(...decisive.filter((p) => p.where === 'first').map((p) => p.entry));
    drafts.push(...decisive.filter((p) => p.where === 'last').map((p) => p.entry));
    const numbers = ruleNumbers(random, drafts.length);
    const entries = drafts.map((draft, index): NaclEntry => {
      const { CidrBlock, IcmpTypeCode, PortRange, Protocol, RuleAction } = draft;
      return {
        CidrBlock,
        Egress: egress,
        ...(IcmpTypeCode ? { IcmpTypeCode } : {}),
        ...(PortRange ? { PortRange } : {}),
        Protocol,
        RuleAction,
        RuleNumber: numbers[index]!,
      };
    });
    entries.push({ CidrBlock: '0.0.0.0/0', Egress: egress, Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 });
    return entries;
  };
  // The CLI prints the outbound entries first, each direction by rule number.
  return [...direction(true, Math.floor(total / 2)), ...direction(false, Math.ceil(total / 2))];
}

// ---------------------------------------------------------------- security group rules

interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  UserIdGroupPairs: Array<{ Description?: string; UserId: string; GroupId: string }>;
  IpRanges: Array<{ CidrIp: string; Description?: string }>;
  Ipv6Ranges: Array<{ CidrIpv6: string; Description?: string }>;
  PrefixListIds: Array<{ Description?: string; PrefixListId: string }>;
}

interface RuleContext {
  random: Random;
  group: SecurityGroupPlan;
  vpcs: readonly Vpc[];
  prefixLists: readonly PrefixListPlan[];
  safePrefixLists: readonly PrefixListPlan[];
}

function permission(protocol: string, from?: number, to?: number): IpPermission {
  return {
    IpProtocol: protocol,
    ...(from !== undefined ? { FromPort: from, ToPort: to ?? from } : {}),
    UserIdGroupPairs: [],
    IpRanges: [],
    Ipv6Ranges: [],
    PrefixListIds: [],
  };
}

function permissionKey(p: IpPermission): string {
  return `${p.IpProtocol}:${p.FromPort ?? ''}:${p.ToPort ?? ''}`;
}

function covers443(p: IpPermission): boolean {
  return p.IpProtocol === '-1' || (p.IpProtocol === 'tcp' && (p.FromPort ?? 0) <= 443 && 443 <= (p.ToPort ?? 65535));
}

function randomPermission(random: Random, used: ReadonlySet<string>): IpPermission {
  for (let attempt = 0; attempt < 8; attempt++) {
    const protocol = random.weighted<string>([
      ['tcp', 78],
      ['udp', 14],
      ['-1', 8],
    ]);
    let candidate: IpPermission;
    if (protocol === '-1') candidate = permission('-1');
    else if (protocol === 'udp') {
      if (random.chance(0.7)) {
        const port = random.pick([53, 123, 161, 500, 514, 1194, 4500, 4789, 5353, 8125]);
        candidate = permission('udp', port);
      } else {
        const from = random.int(1024, 60000);
        candidate = permission('udp', from, Math.min(65535, from + random.int(0, 2000)));
      }
    } else if (random.chance(0.6)) {
      candidate = permission(
        'tcp',
        random.pick([22, 80, 443, 2049, 3000, 3306, 3389, 5432, 5439, 6379, 8000, 8080, 8443, 9090, 9200, 9300, 11211, 15672, 27017]),
      );
    } else if (random.chance(0.35)) {
      const [from, to] = random.pick<readonly [number, number]>([
        [0, 65535],
        [1024, 65535],
        [8000, 8999],
        [30000, 32767],
        [1, 1024],
        [400, 500],
        [9000, 9100],
      ]);
      candidate = permission('tcp', from, to);
    } else {
      const from = random.int(1024, 64000);
      candidate = permission('tcp', from, random.chance(0.5) ? from : Math.min(65535, from + random.int(1, 1500)));
    }
    if (!used.has(permissionKey(candidate))) return candidate;
  }
  // A fresh single port: with 64k of them, found in a few tries.
  for (;;) {
    const candidate = permission('tcp', random.int(1024, 65535));
    if (!used.has(permissionKey(candidate))) return candidate;
  }
}

/**
 * Adds one source to the permission. `forbidden`: the rule covers TCP 443 in the direction
 * that decides the endpoint path for a group that must not let it through, so the source
 * must not contain a VPC address nor name a group of these roles (the other end of the path).
 */
function addSource(ctx: RuleContext, p: IpPermission, seen: Set<string>, forbidden: readonly SgRole[]): void {
  const { random, group } = ctx;
  const restricted = forbidden.length > 0;
  const description = (): string | undefined => (random.chance(0.35) ? random.pick(SG_DESCRIPTIONS) : undefined);
  for (let attempt = 0; attempt < 6; attempt++) {
    const kind = random.weighted<'cidr' | 'ipv6' | 'prefix-list' | 'group'>([
      ['cidr', 60],
      ['group', 20],
      ['prefix-list', 16],
      ['ipv6', 4],
    ]);
    if (kind === 'cidr') {
      let block: string;
      if (restricted || random.chance(0.5)) block = outsideCidr(random);
      else {
        const vpc = random.chance(0.7) ? group.vpc : random.pick(ctx.vpcs);
        block = random.weighted<string>([
          ['0.0.0.0/0', 1],
          ['10.0.0.0/8', 1],
          [vpc.cidr, 2],
          [cidr(vpc.base + random.int(0, 2 ** (32 - vpc.prefix) - 1), random.pick([20, 22, 24, 24, 26, 28, 32])), 4],
        ]);
      }
      if (seen.has(block)) continue;
      seen.add(block);
      const text = description();
      p.IpRanges.push(text ? { CidrIp: block, Description: text } : { CidrIp: block });
      return;
    }
    if (kind === 'ipv6') {
      const block = ipv6Cidr(random);
      if (seen.has(block)) continue;
      seen.add(block);
      const text = description();
      p.Ipv6Ranges.push(text ? { CidrIpv6: block, Description: text } : { CidrIpv6: block });
      return;
    }
    if (kind === 'prefix-list') {
      const lists = restricted ? ctx.safePrefixLists : ctx.prefixLists;
      if (lists.length === 0) continue;
      const list = random.pick(lists);
      if (seen.has(list.id)) continue;
      seen.add(list.id);
      const text = description();
      p.PrefixListIds.push(text ? { Description: text, PrefixListId: list.id } : { PrefixListId: list.id });
      return;
    }
    const vpc = group.vpc;
    const role = random.chance(0.05)
      ? group.role
      : random.weighted<SgRole>([
          ['other', 5],
          ['client', 2],
          ['endpoint-open', 1],
          ['endpoint-closed', 1],
        ]);
    if (forbidden.includes(role)) continue;
    const pool = role === 'other' ? vpc.otherSgs : role === 'client' ? vpc.clientSgs : role === 'endpoint-open' ? vpc.openEndpointSgs : vpc.closedEndpointSgs;
    if (pool.length === 0) continue;
    const peer = role === group.role && random.chance(0.5) ? group.id : random.pick(pool);
    if (seen.has(peer)) continue;
    seen.add(peer);
    const text = description();
    p.UserIdGroupPairs.push(text ? { Description: text, UserId: ACCOUNT, GroupId: peer } : { UserId: ACCOUNT, GroupId: peer });
    return;
  }
  // Fallback: a host address outside the VPCs.
  for (;;) {
    const block = `${ipv4(0xc6336400 + random.int(0, 0xffff))}/32`;
    if (seen.has(block)) continue;
    seen.add(block);
    p.IpRanges.push({ CidrIp: block });
    return;
  }
}

function permissions(ctx: RuleContext, egress: boolean, budget: number): IpPermission[] {
  const { random, group } = ctx;
  const out: IpPermission[] = [];
  const used = new Set<string>();
  const sources = new Map<string, Set<string>>();
  let remaining = budget;
  const start = (p: IpPermission): IpPermission => {
    const key = permissionKey(p);
    const existing = out.find((candidate) => permissionKey(candidate) === key);
    if (existing) return existing;
    out.push(p);
    used.add(key);
    sources.set(key, new Set());
    return p;
  };
  // The rules that make the path pass on purpose.
  if (remaining > 0 && !egress && group.role === 'endpoint-open') {
    const https = start(permission('tcp', 443));
    https.IpRanges.push({ CidrIp: group.vpc.cidr, Description: 'HTTPS from the VPC' });
    sources.get('tcp:443:443')!.add(group.vpc.cidr);
    remaining--;
    if (remaining > 0 && random.chance(0.3)) {
      https.IpRanges.push({ CidrIp: '10.0.0.0/8', Description: 'HTTPS from peered VPCs' });
      sources.get('tcp:443:443')!.add('10.0.0.0/8');
      remaining--;
    }
  }
  if (remaining > 0 && egress && (group.role === 'other' || group.role === 'endpoint-open' || (group.role === 'client' && group.egressOpen))) {
    const [p, block] =
      group.role !== 'client' || random.chance(0.6)
        ? [permission('-1'), '0.0.0.0/0']
        : random.weighted<readonly [IpPermission, string]>([
            [[permission('tcp', 443), '0.0.0.0/0'], 2],
            [[permission('tcp', 443), '10.0.0.0/8'], 1],
            [[permission('tcp', 443), group.vpc.cidr], 1],
          ]);
    if (group.role === 'client' || random.chance(0.7)) {
      const started = start(p);
      started.IpRanges.push({ CidrIp: block });
      sources.get(permissionKey(started))!.add(block);
      remaining--;
    }
  }
  // Closed endpoint groups must not admit a client on 443; closed client groups must not reach an endpoint.
  const forbiddenPeers: readonly SgRole[] =
    !egress && group.role === 'endpoint-closed'
      ? ['client']
      : egress && group.role === 'client' && !group.egressOpen
        ? ['endpoint-open', 'endpoint-closed']
        : [];
  while (remaining > 0) {
    const p = start(randomPermission(random, used));
    const count = Math.min(
      remaining,
      random.weighted<number>([
        [1, 50],
        [2, 30],
        [3, 15],
        [4, 5],
      ]),
    );
    const forbidden = covers443(p) ? forbiddenPeers : [];
    const seen = sources.get(permissionKey(p))!;
    for (let i = 0; i < count; i++) addSource(ctx, p, seen, forbidden);
    remaining -= count;
  }
  return out;
}

function securityGroupJson(ctx: RuleContext, rulesPerGroup: number): unknown {
  const { group, random } = ctx;
  const inbound = Math.ceil(rulesPerGroup * 0.6);
  const ipPermissions = permissions(ctx, false, inbound);
  const ipPermissionsEgress = permissions(ctx, true, rulesPerGroup - inbound);
  return {
    GroupId: group.id,
    IpPermissionsEgress: ipPermissionsEgress,
    Tags: random.chance(0.8) ? [{ Key: 'Name', Value: group.name }] : [],
    VpcId: group.vpc.id,
    SecurityGroupArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${group.id}`,
    OwnerId: ACCOUNT,
    GroupName: group.name,
    Description: group.description,
    IpPermissions: ipPermissions,
  };
}

// ---------------------------------------------------------------- the provider side

const PROVIDER_VPC_NAMES = ['platform-services', 'partner-apis', 'data-services'];
const SERVICES_PER_PROVIDER_VPC = 20;
const PROVIDER_APP_GROUPS = 3;
const PROVIDER_APPS = [
  'inventory',
  'orders',
  'billing',
  'ledger',
  'search',
  'identity',
  'catalog',
  'pricing',
  'shipping',
  'reports',
  'notify',
  'payments',
  'fraud',
  'quotes',
  'profiles',
  'media',
];
const PROVIDER_KINDS = ['api', 'svc', 'gw', 'grpc', 'edge'];
/** 443 or above 1023, so that the NACL fillers (low ports other than 443) never decide them. */
const TARGET_PORTS: ReadonlyArray<readonly [number, number]> = [
  [443, 3],
  [8443, 4],
  [8080, 3],
  [9443, 1],
  [8000, 1],
  [3000, 1],
];
const HEALTH_CHECK_PORTS = [8080, 8081, 9000, 10254, 8086, 9901];
const SECOND_LISTENER_PORTS = [8443, 9443];
const SECOND_TARGET_PORTS = [8444, 9444, 10443];
const INSTANCE_TYPES = ['m6i.large', 'm6i.xlarge', 'c6i.large', 'c7g.large', 't3.medium', 'r6i.large'];
/** The hosted zone of NLB DNS names in us-east-1. */
const NLB_HOSTED_ZONE = 'Z26RNL4JYFTOTI';
/** The account that requests Fargate task ENIs. */
const FARGATE_REQUESTER = '578734482556';

type NlbIngress = 'consumers' | 'corp' | 'subset' | 'provider-only';
type NlbEgress = 'all' | 'targets-sg' | 'vpc' | 'listener-ports';
type TargetIngress = 'nlb-sg' | 'nlb-subnets' | 'vpc' | 'consumers';

interface ProviderVpc {
  vpc: Vpc;
  /** One per AZ: the NLB nodes. */
  nlbSubnets: Subnet[];
  /** Subnet groups (one subnet per AZ) of the targets. */
  appGroups: Subnet[][];
  /** Attached to most targets: ssh, monitoring and ping, never a target port. */
  baselineSgId: string;
}

interface ProviderTargetPlan {
  /** None for an ip target that is an ECS (Fargate) task. */
  instanceId?: string;
  eniId: string;
  subnet: Subnet;
  ip: string;
  sgIds: string[];
  launched: string;
}

interface TargetGroupPlan {
  name: string;
  arn: string;
  port: number;
  healthCheckPort: 'traffic-port' | number;
  healthCheckProtocol: 'TCP' | 'HTTP';
  /** The configuration stops health checks (SG or NLB egress): every target is unhealthy. */
  healthChecksBlocked: boolean;
}

interface ListenerPlan {
  arn: string;
  port: number;
  protocol: 'TCP' | 'TLS';
  targetGroup: TargetGroupPlan;
}

interface ProviderServicePlan {
  serviceName: string;
  serviceId: string;
  app: string;
  pv: ProviderVpc;
  lbName: string;
  lbId: string;
  lbArn: string;
  created: string;
  nlbSgId?: string;
  targetSgId: string;
  enforce: 'on' | 'off';
  crossZone: boolean;
  acceptanceRequired: boolean;
  /** The consumer VPCs whose endpoints use the service. */
  consumers: Vpc[];
  nodes: Array<{ subnet: Subnet; eniId: string; ip: string }>;
  targetType: 'instance' | 'ip';
  targets: ProviderTargetPlan[];
  targetGroups: TargetGroupPlan[];
  listeners: ListenerPlan[];
  nlbIngress: NlbIngress;
  nlbEgress: NlbEgress;
  nlbEgressForgetsHealthCheck: boolean;
  targetIngress: TargetIngress;
  targetForgetsHealthCheck: boolean;
  instanceType: string;
}

interface ProviderInputs {
  opts: LargeSnapshotOptions;
  rng: (label: string) => Random;
  ids: Ids;
  azs: readonly Az[];
  consumerVpcs: readonly Vpc[];
  /** The addresses of 10.0.0.0/8 the consumer VPCs take (from its start), and their spacing. */
  consumerSpan: number;
  consumerSpacing: number;
  /** Customer service name -> the consumer VPCs of its endpoints, both in order of first use. */
  usage: ReadonlyMap<string, readonly Vpc[]>;
  safePrefixLists: readonly PrefixListPlan[];
  subnetGroup: (vpc: Vpc, kind: string, group: number, idSource: Ids) => Subnet[];
}

type InterfaceJson = { NetworkInterfaceId: string } & Record<string, unknown>;

interface ProviderSide {
  services: ProviderServicePlan[];
  subnets: Subnet[];
  securityGroups: Array<{ GroupId: string } & Record<string, unknown>>;
  networkInterfaces: InterfaceJson[];
  reservations: unknown[];
  networkAcls: unknown[];
}

/** Adds a source to a permission unless it is there already (AWS refuses duplicates). */
function addRange(p: IpPermission, block: string, description?: string): void {
  if (p.IpRanges.some((range) => range.CidrIp === block)) return;
  p.IpRanges.push(description ? { CidrIp: block, Description: description } : { CidrIp: block });
}

function addGroupPair(p: IpPermission, groupId: string, description?: string): void {
  if (p.UserIdGroupPairs.some((pair) => pair.GroupId === groupId)) return;
  p.UserIdGroupPairs.push(description ? { Description: description, UserId: ACCOUNT, GroupId: groupId } : { UserId: ACCOUNT, GroupId: groupId });
}

/** The permissions of one direction, one per protocol and port range, as the CLI groups them. */
class Permissions {
  private readonly byKey = new Map<string, IpPermission>();

  get(protocol: string, from?: number, to?: number): IpPermission {
    const candidate = permission(protocol, from, to);
    const key = permissionKey(candidate);
    const existing = this.byKey.get(key);
    if (existing) return existing;
    this.byKey.set(key, candidate);
    return candidate;
  }

  list(): IpPermission[] {
    return [...this.byKey.values()];
  }
}

/**
 * The entries that decide the provider path in a target subnet's ACL, one direction;
 * `variant` (0-2, one per ACL) says how a blocking ACL blocks.
 */
function providerDecisiveNaclEntries(random: Random, profile: NaclProfile, variant: number, vpc: Vpc, consumers: readonly Vpc[], egress: boolean): Placed[] {
  const peers = () =>
    random.weighted<string>([
      [vpc.cidr, 3],
      ['10.0.0.0/8', 2],
      ['0.0.0.0/0', 1],
    ]);
  const https = (): Placed => ({ entry: tcp(peers(), 443, 443), where: 'anywhere' });
  // Inbound: the target ports above 1023; outbound: the NLB's return ports.
  const high = (from = 1024): Placed => ({ entry: tcp(peers(), from, 65535), where: 'anywhere' });
  switch (profile) {
    case 'permissive':
      return [{ entry: { CidrBlock: '0.0.0.0/0', Protocol: '-1', RuleAction: 'allow' }, where: 'last' }];
    case 'tiered':
      return [https(), high()];
    case 'partial':
      return egress ? [https(), high(random.pick([32768, 49152]))] : [https(), high()];
    case 'blocking': {
      // No return path to the NLB: only HTTPS out.
      if (variant === 0) return egress ? [https()] : [https(), high()];
      // Only HTTPS in: targets on other ports are cut off.
      if (variant === 1) return egress ? [https(), high()] : [https(), { entry: tcp(peers(), 22, 22), where: 'anywhere' }];
      // The target ports opened to the consumers' ranges, not to the NLB's.
      if (egress) return [https(), high()];
      return [https(), ...consumers.map((consumer): Placed => ({ entry: tcp(consumer.cidr, 1024, 65535), where: 'anywhere' }))];
    }
  }
}

function subnetJson(subnet: Subnet, azs: readonly Az[], random: Random): unknown {
  return {
    AvailabilityZoneId: azs[subnet.az]!.id,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: ACCOUNT,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    Tags: [{ Key: 'Name', Value: subnet.name }],
    SubnetArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${subnet.id}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
    SubnetId: subnet.id,
    State: 'available',
    VpcId: subnet.vpc.id,
    CidrBlock: cidr(subnet.base, subnet.prefix),
    AvailableIpAddressCount: Math.max(0, usable(subnet.prefix) - subnet.allocated - random.int(0, 3)),
    AvailabilityZone: azs[subnet.az]!.name,
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
  };
}

/**
 * Draws from a shuffled deck holding each choice in proportion to its weight (20 cards, at
 * least one for any weight), reshuffled when used up: a stratified `weighted`.
 */
class Deck<T> {
  private cards: T[] = [];
  private next = 0;

  constructor(
    private readonly random: Random,
    private readonly choices: ReadonlyArray<readonly [T, number]>,
  ) {}

  draw(): T {
    if (this.next >= this.cards.length) {
      const total = this.choices.reduce((sum, [, weight]) => sum + weight, 0);
      this.cards = this.random.shuffle(
        this.choices.flatMap(([value, weight]) => Array.from({ length: weight > 0 ? Math.max(1, Math.round((weight / total) * 20)) : 0 }, () => value)),
      );
      this.next = 0;
    }
    return this.cards[this.next++]!;
  }
}

function uuid(random: Random): string {
  return `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${random.pick(['8', '9', 'a', 'b'])}${random.hex(3)}-${random.hex(12)}`;
}

/**
 * Plans the provider side of the first `providerServices` customer services: VPCs after the
 * consumer VPCs in 10.0.0.0/8, NLBs, target groups and targets, their ENIs, instances,
 * security groups and NACLs. Undefined when no service gets one.
 */
function planProviderSide(input: ProviderInputs): ProviderSide | undefined {
  const { opts, azs, ids } = input;
  const names = [...input.usage.keys()];
  const count = opts.providerServices < 0 ? names.length : Math.min(names.length, opts.providerServices);
  if (count === 0) return undefined;
  const random = input.rng('provider');
  const layout = input.rng('provider-layout');
  const groupNames = new Map<string, string>();

  const vpcCount = Math.min(PROVIDER_VPC_NAMES.length, Math.ceil(count / SERVICES_PER_PROVIDER_VPC));
  const pvs: ProviderVpc[] = Array.from({ length: vpcCount }, (_, k) => {
    const vpc: Vpc = {
      index: input.consumerVpcs.length + k,
      id: ids.make('vpc-'),
      name: PROVIDER_VPC_NAMES[k]!,
      base: 0,
      prefix: 16,
      cidr: '',
      endpointGroups: [],
      clientGroups: [],
      subnets: [],
      defaultNaclId: ids.make('acl-'),
      openEndpointSgs: [],
      closedEndpointSgs: [],
      clientSgs: [],
      otherSgs: [],
    };
    const baselineSgId = ids.make('sg-');
    groupNames.set(baselineSgId, `${vpc.name}-baseline`);
    return {
      vpc,
      nlbSubnets: input.subnetGroup(vpc, 'nlb', -1, ids),
      appGroups: Array.from({ length: PROVIDER_APP_GROUPS }, (_, g) => input.subnetGroup(vpc, 'app', g, ids)),
      baselineSgId,
    };
  });

  // Stratified choices, so that even a few dozen services mix every case in the intended shares.
  const decks = {
    hasSg: new Deck(random, [
      [true, 1],
      [false, 1],
    ]),
    enforce: new Deck<'on' | 'off'>(random, [
      ['on', 55],
      ['off', 45],
    ]),
    crossZone: new Deck(random, [
      [true, 4],
      [false, 6],
    ]),
    noHttps: new Deck(random, [
      [true, 1],
      [false, 15],
    ]),
    tls: new Deck(random, [
      [true, 3],
      [false, 7],
    ]),
    secondGroup: new Deck(random, [
      [true, 1],
      [false, 1],
    ]),
    targetType: new Deck<'instance' | 'ip'>(random, [
      ['instance', 6],
      ['ip', 4],
    ]),
    separateHealthCheck: new Deck(random, [
      [true, 4],
      [false, 6],
    ]),
    forgetsHealthCheck: new Deck(random, [
      [true, 1],
      [false, 9],
    ]),
    targetCount: new Deck(random, [
      [2, 15],
      [3, 50],
      [4, 35],
    ]),
    nlbIngress: new Deck<NlbIngress>(random, [
      ['consumers', 45],
      ['corp', 25],
      ['subset', 15],
      ['provider-only', 15],
    ]),
    nlbEgress: new Deck<NlbEgress>(random, [
      ['all', 45],
      ['targets-sg', 25],
      ['vpc', 20],
      ['listener-ports', 10],
    ]),
    targetIngressWithSg: new Deck<TargetIngress>(random, [
      ['nlb-sg', 40],
      ['nlb-subnets', 20],
      ['vpc', 30],
      ['consumers', 10],
    ]),
    targetIngress: new Deck<TargetIngress>(random, [
      ['nlb-subnets', 30],
      ['vpc', 60],
      ['consumers', 10],
    ]),
  };
  const services = names.slice(0, count).map((serviceName, index): ProviderServicePlan => {
    const pv = pvs[index % vpcCount]!;
    const serviceId = serviceName.slice(serviceName.lastIndexOf('.') + 1);
    const app = `${random.pick(PROVIDER_APPS)}-${random.pick(PROVIDER_KINDS)}-${String(index + 1).padStart(3, '0')}`;
    const lbName = `${app}-nlb`;
    const lbId = random.hex(16);
    const hasSg = decks.hasSg.draw();

    // Ports: the listeners', the targets' (and a second target group's), the health checks'.
    const port = random.weighted(TARGET_PORTS);
    const healthCheckPort = decks.separateHealthCheck.draw() ? random.pick(HEALTH_CHECK_PORTS.filter((candidate) => candidate !== port)) : 'traffic-port';
    // A few listen on another port only: a client on 443 finds no listener.
    const noHttps = decks.noHttps.draw();
    const tlsPort = !noHttps && decks.tls.draw() ? random.pick(SECOND_LISTENER_PORTS) : undefined;
    const secondPort = tlsPort !== undefined && decks.secondGroup.draw() ? random.pick(SECOND_TARGET_PORTS) : undefined;
    const listenerPorts = [noHttps ? random.pick(SECOND_LISTENER_PORTS) : 443, ...(tlsPort !== undefined ? [tlsPort] : [])];

    // What the security groups admit, from right to the classic mistakes.
    const targetIngress = (hasSg ? decks.targetIngressWithSg : decks.targetIngress).draw();
    const nlbEgress: NlbEgress = hasSg ? decks.nlbEgress.draw() : 'all';
    const separate = healthCheckPort !== 'traffic-port';
    const targetForgetsHealthCheck = separate && decks.forgetsHealthCheck.draw();
    const nlbEgressForgetsHealthCheck = separate && (nlbEgress === 'targets-sg' || nlbEgress === 'vpc') && decks.forgetsHealthCheck.draw();
    const targetPorts = (forgets: boolean) => [port, ...(separate && !forgets ? [healthCheckPort] : []), ...(secondPort !== undefined ? [secondPort] : [])];
    const targetAdmits = new Set(targetIngress === 'consumers' ? [] : targetPorts(targetForgetsHealthCheck));
    const nlbSends = (to: number) =>
      nlbEgress === 'all' || (nlbEgress === 'listener-ports' ? listenerPorts.includes(to) : targetPorts(nlbEgressForgetsHealthCheck).includes(to));
    const blocked = (healthCheck: number) => !targetAdmits.has(healthCheck) || !nlbSends(healthCheck);

    const group = (name: string, groupPort: number, healthCheck: 'traffic-port' | number): TargetGroupPlan => ({
      name,
      arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/${random.hex(16)}`,
      port: groupPort,
      healthCheckPort: healthCheck,
      healthCheckProtocol: random.chance(0.5) ? 'TCP' : 'HTTP',
      healthChecksBlocked: blocked(healthCheck === 'traffic-port' ? groupPort : healthCheck),
    });
    const main = group(`${app}-${port}`, port, healthCheckPort);
    const second = secondPort !== undefined ? group(`${app}-tls-${secondPort}`, secondPort, 'traffic-port') : undefined;
    const listenerArn = () => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/net/${lbName}/${lbId}/${random.hex(16)}`;
    const listeners: ListenerPlan[] = [
      { arn: listenerArn(), port: listenerPorts[0]!, protocol: 'TCP', targetGroup: main },
      ...(tlsPort !== undefined ? [{ arn: listenerArn(), port: tlsPort, protocol: 'TLS' as const, targetGroup: second ?? main }] : []),
    ];

    const targetType = decks.targetType.draw();
    const fargate = targetType === 'ip' && random.chance(0.35);
    const targetSgId = ids.make('sg-');
    groupNames.set(targetSgId, `${app}-targets`);
    const nlbSgId = hasSg ? ids.make('sg-') : undefined;
    if (nlbSgId) groupNames.set(nlbSgId, lbName);
    const appGroup = pv.appGroups[random.int(0, PROVIDER_APP_GROUPS - 1)]!;
    const azStart = random.int(0, azs.length - 1);
    const sgIds = random.chance(0.7) ? [targetSgId, pv.baselineSgId] : [targetSgId];
    const launched = timestamp(random, false);
    const targets = Array.from({ length: decks.targetCount.draw() }, (_, t): ProviderTargetPlan => {
      const subnet = appGroup[(azStart + t) % azs.length]!;
      subnet.planned++;
      const instanceId = fargate ? undefined : ids.make('i-');
      return { ...(instanceId ? { instanceId } : {}), eniId: ids.make('eni-'), subnet, ip: '', sgIds, launched: fargate ? timestamp(random, false) : launched };
    });
    const nodes = pv.nlbSubnets.map((subnet) => {
      subnet.planned++;
      return { subnet, eniId: ids.make('eni-'), ip: '' };
    });
    return {
      serviceName,
      serviceId,
      app,
      pv,
      lbName,
      lbId,
      lbArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/net/${lbName}/${lbId}`,
      created: timestamp(random, true),
      ...(nlbSgId ? { nlbSgId } : {}),
      targetSgId,
      enforce: hasSg ? decks.enforce.draw() : 'off',
      crossZone: decks.crossZone.draw(),
      acceptanceRequired: random.chance(0.6),
      consumers: [...input.usage.get(serviceName)!],
      nodes,
      targetType,
      targets,
      targetGroups: second ? [main, second] : [main],
      listeners,
      nlbIngress: hasSg ? decks.nlbIngress.draw() : 'corp',
      nlbEgress,
      nlbEgressForgetsHealthCheck,
      targetIngress,
      targetForgetsHealthCheck,
      instanceType: random.pick(INSTANCE_TYPES),
    };
  });

  // Addresses: the provider VPCs follow the consumer VPCs, spaced alike when they fit.
  let prefix = 16;
  for (const pv of pvs) prefix = Math.min(prefix, packSubnets(pv.vpc, layout));
  const size = 2 ** (32 - prefix);
  let step = Math.max(size, input.consumerSpacing);
  let start = Math.ceil(input.consumerSpan / step) * step;
  if (start + vpcCount * step > 2 ** 24) {
    step = size;
    start = Math.ceil(input.consumerSpan / step) * step;
  }
  if (start + vpcCount * step > 2 ** 24) throw new RangeError('the provider VPCs do not fit in 10.0.0.0/8 after the consumer VPCs (try --providerServices=0)');
  pvs.forEach((pv, k) => placeVpc(pv.vpc, TEN + start + k * step, prefix, layout));
  for (const service of services) {
    for (const node of service.nodes) node.ip = allocateIp(node.subnet);
    for (const target of service.targets) target.ip = allocateIp(target.subnet);
  }

  // Network interfaces: NLB nodes, targets (instances or Fargate tasks); instances.
  const eniRandom = input.rng('provider-enis');
  const groupRefs = (sgIds: readonly string[]) => sgIds.map((id) => ({ GroupName: groupNames.get(id)!, GroupId: id }));
  const networkInterfaces: InterfaceJson[] = [];
  const reservations: unknown[] = [];
  const interfaceJson = (fields: {
    attachment: Record<string, unknown>;
    subnet: Subnet;
    description: string;
    sgIds: readonly string[];
    interfaceType: string;
    id: string;
    ip: string;
    mac: string;
    requesterId?: string;
  }): InterfaceJson => {
    const dnsName = `ip-${fields.ip.replaceAll('.', '-')}.ec2.internal`;
    return {
      Attachment: fields.attachment,
      AvailabilityZone: azs[fields.subnet.az]!.name,
      Description: fields.description,
      Groups: groupRefs(fields.sgIds),
      InterfaceType: fields.interfaceType,
      Ipv6Addresses: [],
      MacAddress: fields.mac,
      NetworkInterfaceId: fields.id,
      OwnerId: ACCOUNT,
      PrivateDnsName: dnsName,
      PrivateIpAddress: fields.ip,
      PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dnsName, PrivateIpAddress: fields.ip }],
      ...(fields.requesterId ? { RequesterId: fields.requesterId, RequesterManaged: true } : { RequesterManaged: false }),
      SourceDestCheck: true,
      Status: 'in-use',
      SubnetId: fields.subnet.id,
      TagSet: [],
      VpcId: fields.subnet.vpc.id,
    };
  };
  for (const service of services) {
    const attached = `${service.created.slice(0, 19)}+00:00`;
    for (const node of service.nodes) {
      networkInterfaces.push(
        interfaceJson({
          attachment: {
            AttachTime: attached,
            AttachmentId: ids.make('ela-attach-'),
            DeleteOnTermination: false,
            DeviceIndex: 1,
            InstanceOwnerId: 'amazon-aws',
            Status: 'attached',
          },
          subnet: node.subnet,
          description: `ELB net/${service.lbName}/${service.lbId}`,
          sgIds: service.nlbSgId ? [service.nlbSgId] : [],
          interfaceType: 'network_load_balancer',
          id: node.eniId,
          ip: node.ip,
          mac: macAddress(eniRandom),
          requesterId: 'amazon-elb',
        }),
      );
    }
    service.targets.forEach((target, t) => {
      const mac = macAddress(eniRandom);
      if (!target.instanceId) {
        networkInterfaces.push(
          interfaceJson({
            attachment: {
              AttachTime: target.launched,
              AttachmentId: ids.make('eni-attach-'),
              DeleteOnTermination: false,
              DeviceIndex: 1,
              NetworkCardIndex: 0,
              InstanceOwnerId: FARGATE_REQUESTER,
              Status: 'attached',
            },
            subnet: target.subnet,
            description: `arn:aws:ecs:${REGION}:${ACCOUNT}:attachment/${uuid(eniRandom)}`,
            sgIds: target.sgIds,
            interfaceType: 'interface',
            id: target.eniId,
            ip: target.ip,
            mac,
            requesterId: FARGATE_REQUESTER,
          }),
        );
        return;
      }
      const attachment = {
        AttachTime: target.launched,
        AttachmentId: ids.make('eni-attach-'),
        DeleteOnTermination: true,
        DeviceIndex: 0,
        NetworkCardIndex: 0,
        InstanceId: target.instanceId,
        InstanceOwnerId: ACCOUNT,
        Status: 'attached',
      };
      const eni = interfaceJson({
        attachment,
        subnet: target.subnet,
        description: '',
        sgIds: target.sgIds,
        interfaceType: 'interface',
        id: target.eniId,
        ip: target.ip,
        mac,
      });
      networkInterfaces.push(eni);
      const { InstanceId: _instance, InstanceOwnerId: _owner, ...instanceAttachment } = attachment;
      const { AvailabilityZone: _zone, TagSet: _tags, RequesterManaged: _managed, InterfaceType, ...instanceEni } = eni;
      const arm = service.instanceType.startsWith('c7g');
      reservations.push({
        Groups: [],
        Instances: [
          {
            AmiLaunchIndex: 0,
            ImageId: `ami-0${eniRandom.hex(16)}`,
            InstanceId: target.instanceId,
            InstanceType: service.instanceType,
            LaunchTime: target.launched,
            Monitoring: { State: 'disabled' },
            Placement: { AvailabilityZone: azs[target.subnet.az]!.name, GroupName: '', Tenancy: 'default' },
            PrivateDnsName: eni.PrivateDnsName,
            PrivateIpAddress: target.ip,
            ProductCodes: [],
            PublicDnsName: '',
            State: { Code: 16, Name: 'running' },
            StateTransitionReason: '',
            SubnetId: target.subnet.id,
            VpcId: target.subnet.vpc.id,
            Architecture: arm ? 'arm64' : 'x86_64',
            BlockDeviceMappings: [
              { DeviceName: '/dev/xvda', Ebs: { AttachTime: target.launched, DeleteOnTermination: true, Status: 'attached', VolumeId: ids.make('vol-') } },
            ],
            ClientToken: `terraform-${target.launched.replace(/\D/g, '').slice(0, 14)}${String(t + 1).padStart(10, '0')}`,
            EbsOptimized: true,
            EnaSupport: true,
            Hypervisor: 'xen',
            IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${service.app}`, Id: `AIPA${eniRandom.hex(17).toUpperCase()}` },
            NetworkInterfaces: [{ ...instanceEni, Attachment: instanceAttachment, InterfaceType }],
            RootDeviceName: '/dev/xvda',
            RootDeviceType: 'ebs',
            SecurityGroups: groupRefs(target.sgIds),
            SourceDestCheck: true,
            Tags: [
              { Key: 'Name', Value: `${service.app}-${t + 1}` },
              { Key: 'service', Value: service.app },
            ],
            VirtualizationType: 'hvm',
            CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
            CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
            HibernationOptions: { Configured: false },
            MetadataOptions: {
              State: 'applied',
              HttpTokens: 'required',
              HttpPutResponseHopLimit: 2,
              HttpEndpoint: 'enabled',
              HttpProtocolIpv6: 'disabled',
              InstanceMetadataTags: 'disabled',
            },
            EnclaveOptions: { Enabled: false },
            BootMode: arm ? 'uefi' : 'uefi-preferred',
            PlatformDetails: 'Linux/UNIX',
            UsageOperation: 'RunInstances',
            UsageOperationUpdateTime: target.launched,
            PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
            MaintenanceOptions: { AutoRecovery: 'default' },
            CurrentInstanceBootMode: arm ? 'uefi' : 'legacy-bios',
          },
        ],
        OwnerId: ACCOUNT,
        ReservationId: ids.make('r-'),
      });
    });
  }

  // Security groups: a baseline group per VPC, the targets' and the NLB's of each service.
  const sgRandom = input.rng('provider-security-groups');
  const securityGroups: ProviderSide['securityGroups'] = [];
  const sgJson = (id: string, vpc: Vpc, description: string, ingress: Permissions, egress: Permissions) => ({
    GroupId: id,
    IpPermissionsEgress: egress.list(),
    Tags: [{ Key: 'Name', Value: groupNames.get(id)! }],
    VpcId: vpc.id,
    SecurityGroupArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`,
    OwnerId: ACCOUNT,
    GroupName: groupNames.get(id)!,
    Description: description,
    IpPermissions: ingress.list(),
  });
  const allEgress = () => {
    const egress = new Permissions();
    addRange(egress.get('-1'), '0.0.0.0/0');
    return egress;
  };
  const bastion = (pv: ProviderVpc) => `${ipv4(pv.appGroups[0]![0]!.base + 4 + sgRandom.int(0, 200))}/32`;
  for (const pv of pvs) {
    const ingress = new Permissions();
    addRange(ingress.get('tcp', 22), bastion(pv), 'ssh from the bastion');
    addRange(ingress.get('tcp', 9100), pv.vpc.cidr, 'node exporter');
    addRange(ingress.get('icmp', -1, -1), '10.0.0.0/8', 'ping');
    securityGroups.push(sgJson(pv.baselineSgId, pv.vpc, 'Baseline: ssh, monitoring, ping', ingress, allEgress()));
  }
  for (const service of services) {
    const { pv, consumers } = service;
    const main = service.targetGroups[0]!;
    const healthCheck = main.healthCheckPort === 'traffic-port' ? [] : [main.healthCheckPort];
    const otherPorts = service.targetGroups.slice(1).map((group) => group.port);

    // The targets': the NLB on the target and health-check ports, or (the classic mistake) the consumers.
    const targetIn = new Permissions();
    const targetPorts = [main.port, ...(service.targetForgetsHealthCheck ? [] : healthCheck), ...otherPorts];
    for (const port of targetPorts) {
      const p = targetIn.get('tcp', port);
      switch (service.targetIngress) {
        case 'nlb-sg':
          addGroupPair(p, service.nlbSgId!, `from ${service.lbName}`);
          break;
        case 'nlb-subnets':
          for (const node of service.nodes) addRange(p, cidr(node.subnet.base, node.subnet.prefix), `${service.lbName} ${azs[node.subnet.az]!.name}`);
          break;
        case 'vpc':
          addRange(p, pv.vpc.cidr, 'from the VPC');
          break;
        case 'consumers':
          for (const consumer of consumers) addRange(p, consumer.cidr, `PrivateLink clients in ${consumer.name}`);
          break;
      }
    }
    if (sgRandom.chance(0.4)) addRange(targetIn.get('tcp', 22), bastion(pv), 'ssh from the bastion');
    if (sgRandom.chance(0.25)) addRange(targetIn.get('tcp', main.port), outsideCidr(sgRandom), 'partner');
    let targetOut = allEgress();
    if (sgRandom.chance(0.15)) {
      targetOut = new Permissions();
      addRange(targetOut.get('tcp', 443), '0.0.0.0/0', 'HTTPS out');
      addRange(targetOut.get('tcp', 5432), pv.vpc.cidr, 'database');
    }
    securityGroups.push(sgJson(service.targetSgId, pv.vpc, `${service.app} targets`, targetIn, targetOut));

    if (!service.nlbSgId) continue;
    // The NLB's: the listener ports from the consumers (judged when enforced), out to the targets.
    const nlbIn = new Permissions();
    for (const listener of service.listeners) {
      const p = nlbIn.get('tcp', listener.port);
      switch (service.nlbIngress) {
        case 'consumers':
          for (const consumer of consumers) addRange(p, consumer.cidr, `consumers in ${consumer.name}`);
          break;
        case 'corp':
          addRange(p, '10.0.0.0/8', 'PrivateLink consumers');
          break;
        case 'subset':
          addRange(p, consumers[0]!.cidr, `consumers in ${consumers[0]!.name}`);
          break;
        case 'provider-only':
          addRange(p, pv.vpc.cidr, 'clients in the VPC');
          break;
      }
      if (sgRandom.chance(0.4)) addRange(p, outsideCidr(sgRandom), 'partner');
      if (input.safePrefixLists.length > 0 && sgRandom.chance(0.25))
        p.PrefixListIds.push({ Description: 'partner ranges', PrefixListId: sgRandom.pick(input.safePrefixLists).id });
    }
    let nlbOut = allEgress();
    if (service.nlbEgress === 'listener-ports') {
      // Mirrors the inbound rules: right only when the targets listen on the listener ports.
      nlbOut = new Permissions();
      for (const listener of service.listeners) addRange(nlbOut.get('tcp', listener.port), pv.vpc.cidr, 'to the targets');
    } else if (service.nlbEgress !== 'all') {
      nlbOut = new Permissions();
      for (const port of [main.port, ...(service.nlbEgressForgetsHealthCheck ? [] : healthCheck), ...otherPorts]) {
        const p = nlbOut.get('tcp', port);
        if (service.nlbEgress === 'targets-sg') addGroupPair(p, service.targetSgId, 'to the targets');
        else addRange(p, pv.vpc.cidr, 'to the targets');
      }
    }
    securityGroups.push(sgJson(service.nlbSgId, pv.vpc, `${service.lbName} (PrivateLink)`, nlbIn, nlbOut));
  }
  securityGroups.sort((a, b) => (a.GroupId < b.GroupId ? -1 : 1));

  // Network ACLs: NLB subnets on the default ACL; per target subnet group, the default, a shared or one per AZ.
  const naclRandom = input.rng('provider-nacls');
  const allVpcs = [...input.consumerVpcs, ...pvs.map((pv) => pv.vpc)];
  const networkAcls: unknown[] = [];
  const profiles = new Deck<NaclProfile>(naclRandom, [
    ['permissive', 35],
    ['tiered', 30],
    ['partial', 15],
    ['blocking', 20],
  ]);
  const blockingVariants = new Deck(naclRandom, [
    [0, 1],
    [1, 1],
    [2, 1],
  ]);
  for (const pv of pvs) {
    const acls: Array<{ id: string; name: string; profile: NaclProfile; subnets: Subnet[] }> = [
      { id: pv.vpc.defaultNaclId, name: '', profile: 'permissive', subnets: [...pv.nlbSubnets] },
    ];
    pv.appGroups.forEach((subnets, g) => {
      const mode = naclRandom.weighted<'default' | 'shared' | 'per-az'>([
        ['default', 20],
        ['shared', 50],
        ['per-az', 30],
      ]);
      const profile = () => profiles.draw();
      if (mode === 'default') acls[0]!.subnets.push(...subnets);
      else if (mode === 'shared') acls.push({ id: ids.make('acl-'), name: `${pv.vpc.name}-app-${g + 1}`, profile: profile(), subnets });
      else
        for (const subnet of subnets)
          acls.push({ id: ids.make('acl-'), name: `${pv.vpc.name}-app-${g + 1}-${azs[subnet.az]!.name}`, profile: profile(), subnets: [subnet] });
    });
    for (const [index, acl] of acls.entries()) {
      const variant = acl.profile === 'blocking' ? blockingVariants.draw() : 0;
      networkAcls.push({
        Associations: acl.subnets.map((subnet) => ({ NetworkAclAssociationId: ids.make('aclassoc-'), NetworkAclId: acl.id, SubnetId: subnet.id })),
        Entries: naclEntriesAround(
          naclRandom,
          acl.profile,
          (egress) => providerDecisiveNaclEntries(naclRandom, acl.profile, variant, pv.vpc, input.consumerVpcs, egress),
          allVpcs,
          opts.naclEntries,
        ),
        IsDefault: index === 0,
        NetworkAclId: acl.id,
        Tags: index === 0 ? [] : [{ Key: 'Name', Value: acl.name }],
        VpcId: pv.vpc.id,
        OwnerId: ACCOUNT,
      });
    }
  }

  return { services, subnets: pvs.flatMap((pv) => pv.vpc.subnets), securityGroups, networkInterfaces, reservations, networkAcls };
}

/** Writes the service configurations and the ELBv2 responses of the provider side. */
async function writeProviderFiles(
  side: ProviderSide,
  azs: readonly Az[],
  random: Random,
  write: (relative: string, key: string, items: Iterable<unknown>) => Promise<void>,
): Promise<void> {
  const { services } = side;
  await write('ec2/DescribeInstances.json', 'Reservations', side.reservations);
  await write(
    'ec2/DescribeVpcEndpointServiceConfigurations.json',
    'ServiceConfigurations',
    services.map((service) => ({
      ServiceType: [{ ServiceType: 'Interface' }],
      ServiceId: service.serviceId,
      ServiceName: service.serviceName,
      ServiceState: 'Available',
      AvailabilityZones: azs.map((az) => az.name),
      AcceptanceRequired: service.acceptanceRequired,
      ManagesVpcEndpoints: false,
      NetworkLoadBalancerArns: [service.lbArn],
      GatewayLoadBalancerArns: [],
      SupportedIpAddressTypes: ['ipv4'],
      BaseEndpointDnsNames: [`${service.serviceId}.${REGION}.vpce.amazonaws.com`],
      PrivateDnsName: `${service.serviceId.slice(-8)}.internal.example.com`,
      PrivateDnsNameConfiguration: { State: 'verified', Type: 'TXT', Value: `vpce:${random.alnum(20)}`, Name: `_${random.alnum(20)}` },
      PayerResponsibility: 'ServiceOwner',
      Tags: [{ Key: 'Name', Value: service.app }],
    })),
  );
  await write(
    'elbv2/DescribeLoadBalancers.json',
    'LoadBalancers',
    services.map((service) => ({
      LoadBalancerArn: service.lbArn,
      DNSName: `${service.lbName}-${service.lbId}.elb.${REGION}.amazonaws.com`,
      CanonicalHostedZoneId: NLB_HOSTED_ZONE,
      CreatedTime: service.created,
      LoadBalancerName: service.lbName,
      Scheme: 'internal',
      VpcId: service.pv.vpc.id,
      State: { Code: 'active' },
      Type: 'network',
      AvailabilityZones: service.nodes.map((node) => ({
        ZoneName: azs[node.subnet.az]!.name,
        SubnetId: node.subnet.id,
        LoadBalancerAddresses: [{ PrivateIPv4Address: node.ip }],
      })),
      ...(service.nlbSgId ? { SecurityGroups: [service.nlbSgId] } : {}),
      IpAddressType: 'ipv4',
      ...(service.nlbSgId ? { EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: service.enforce } : {}),
    })),
  );
  for (const service of services) {
    await write(`elbv2/DescribeLoadBalancerAttributes/${service.lbName}.json`, 'Attributes', [
      { Key: 'access_logs.s3.enabled', Value: 'false' },
      { Key: 'access_logs.s3.bucket', Value: '' },
      { Key: 'access_logs.s3.prefix', Value: '' },
      { Key: 'deletion_protection.enabled', Value: String(random.chance(0.7)) },
      { Key: 'load_balancing.cross_zone.enabled', Value: String(service.crossZone) },
      { Key: 'dns_record.client_routing_policy', Value: 'any_availability_zone' },
      { Key: 'zonal_shift.config.enabled', Value: 'false' },
    ]);
    await write(
      `elbv2/DescribeListeners/${service.lbName}.json`,
      'Listeners',
      service.listeners.map((listener) => ({
        ListenerArn: listener.arn,
        LoadBalancerArn: service.lbArn,
        Port: listener.port,
        Protocol: listener.protocol,
        ...(listener.protocol === 'TLS'
          ? {
              Certificates: [{ CertificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/${uuid(random)}` }],
              SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
              AlpnPolicy: ['None'],
            }
          : {}),
        DefaultActions: [
          {
            Type: 'forward',
            TargetGroupArn: listener.targetGroup.arn,
            ForwardConfig: { TargetGroups: [{ TargetGroupArn: listener.targetGroup.arn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
          },
        ],
      })),
    );
  }
  await write(
    'elbv2/DescribeTargetGroups.json',
    'TargetGroups',
    services.flatMap((service) =>
      service.targetGroups.map((group) => {
        const http = group.healthCheckProtocol === 'HTTP';
        return {
          TargetGroupArn: group.arn,
          TargetGroupName: group.name,
          Protocol: 'TCP',
          Port: group.port,
          VpcId: service.pv.vpc.id,
          HealthCheckProtocol: group.healthCheckProtocol,
          HealthCheckPort: String(group.healthCheckPort),
          HealthCheckEnabled: true,
          HealthCheckIntervalSeconds: http ? 30 : 10,
          HealthCheckTimeoutSeconds: http ? 6 : 10,
          HealthyThresholdCount: http ? 5 : 3,
          UnhealthyThresholdCount: http ? 2 : 3,
          ...(http ? { HealthCheckPath: '/healthz', Matcher: { HttpCode: '200-399' } } : {}),
          LoadBalancerArns: [service.lbArn],
          TargetType: service.targetType,
          IpAddressType: 'ipv4',
        };
      }),
    ),
  );
  const noOverride = { State: 'no_override', Reason: 'AdministrativeOverride.NoOverride', Description: 'No override is currently active on target' };
  for (const service of services) {
    for (const group of service.targetGroups) {
      await write(
        `elbv2/DescribeTargetHealth/${group.name}.json`,
        'TargetHealthDescriptions',
        service.targets.map((target) => {
          const health = group.healthChecksBlocked
            ? random.chance(0.7)
              ? { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' }
              : { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' }
            : random.weighted<Record<string, string>>([
                [{ State: 'healthy' }, 88],
                [{ State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' }, 6],
                [{ State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' }, 3],
                [{ State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' }, 3],
              ]);
          return {
            Target: { Id: service.targetType === 'instance' ? target.instanceId! : target.ip, Port: group.port, AvailabilityZone: azs[target.subnet.az]!.name },
            HealthCheckPort: String(group.healthCheckPort === 'traffic-port' ? group.port : group.healthCheckPort),
            TargetHealth: health,
            AdministrativeOverride: noOverride,
          };
        }),
      );
    }
  }
}

// ---------------------------------------------------------------- the generator

export async function generateLargeSnapshot(dir: string, overrides?: Partial<LargeSnapshotOptions>): Promise<GeneratedSnapshot> {
  const opts = options(overrides);
  const root = resolve(dir);
  const rng = (label: string) => new Random(opts.seed, label);
  const ids = new Ids(rng('ids'));
  const layout = rng('layout');

  // Availability zones: names map to ids in an account-specific order, as in AWS.
  const zoneIds = rng('azs').shuffle(Array.from({ length: MAX_AZS }, (_, i) => `use1-az${i + 1}`));
  const azs: Az[] = Array.from({ length: opts.azs }, (_, i) => ({ name: `${REGION}${'abcdef'[i]}`, id: zoneIds[i]! }));

  // VPCs and their subnets (sized once the ENIs are planned).
  const vpcCount = Math.max(1, Math.min(VPC_COUNT, Math.floor(opts.securityGroups / 4)));
  const vpcs: Vpc[] = Array.from({ length: vpcCount }, (_, index) => ({
    index,
    id: ids.make('vpc-'),
    name: VPC_NAMES[index] ?? `vpc-${index}`,
    base: 0,
    prefix: 16,
    cidr: '',
    endpointGroups: [],
    clientGroups: [],
    subnets: [],
    defaultNaclId: ids.make('acl-'),
    openEndpointSgs: [],
    closedEndpointSgs: [],
    clientSgs: [],
    otherSgs: [],
  }));
  const subnetGroup = (vpc: Vpc, kind: string, group: number, idSource = ids): Subnet[] =>
    azs.map((az, azIndex) => {
      const subnet: Subnet = {
        id: idSource.make('subnet-'),
        vpc,
        az: azIndex,
        name: group < 0 ? `${vpc.name}-${kind}-${az.name}` : `${vpc.name}-${kind}-${group + 1}-${az.name}`,
        planned: 0,
        allocated: 0,
        base: 0,
        prefix: 24,
        stride: 1,
        start: 0,
        naclId: vpc.defaultNaclId,
      };
      vpc.subnets.push(subnet);
      return subnet;
    });
  for (const vpc of vpcs) {
    vpc.clientGroups = Array.from({ length: CLIENT_SUBNET_GROUPS }, (_, g) => subnetGroup(vpc, 'app', g));
    vpc.endpointGroups = Array.from({ length: ENDPOINT_SUBNET_GROUPS }, (_, g) => subnetGroup(vpc, 'endpoints', g));
  }

  // Security groups: every VPC gets open and closed endpoint groups, client groups and others.
  const groups: SecurityGroupPlan[] = [];
  const groupNames = new Map<string, string>();
  const perVpc = vpcs.map(() => 0);
  for (let i = 0; i < opts.securityGroups; i++) perVpc[i % vpcCount]!++;
  const roleRandom = rng('sg-roles');
  for (const vpc of vpcs) {
    const n = perVpc[vpc.index]!;
    const share = Math.max(1, Math.round(n * 0.1));
    for (let j = 0; j < n; j++) {
      const role: SgRole =
        j < Math.min(share, Math.ceil(n / 3))
          ? 'endpoint-open'
          : j < Math.min(2 * share, Math.ceil((2 * n) / 3))
            ? 'endpoint-closed'
            : j < Math.min(3 * share, n)
              ? 'client'
              : 'other';
      const id = ids.make('sg-');
      const serial = String(j + 1).padStart(4, '0');
      const [name, description] =
        role === 'endpoint-open' || role === 'endpoint-closed'
          ? [`${vpc.name}-vpce-${roleRandom.pick(AWS_SERVICES).replace('.', '-')}-${serial}`, 'Interface endpoint ENIs']
          : role === 'client'
            ? [`${vpc.name}-app-${serial}`, 'Application servers']
            : [
                `${vpc.name}-${roleRandom.pick(['db', 'cache', 'batch', 'web', 'lb', 'ops', 'etl', 'search'])}-${serial}`,
                roleRandom.pick(['Managed by Terraform', 'Database tier', 'Internal services', 'Legacy rules', 'Shared tooling']),
              ];
      const plan: SecurityGroupPlan = { id, name, description, vpc, role, egressOpen: role === 'client' ? roleRandom.chance(0.7) : true };
      groups.push(plan);
      groupNames.set(id, name);
      (role === 'endpoint-open'
        ? vpc.openEndpointSgs
        : role === 'endpoint-closed'
          ? vpc.closedEndpointSgs
          : role === 'client'
            ? vpc.clientSgs
            : vpc.otherSgs
      ).push(id);
    }
  }
  // Interleave the VPCs, as a describe call lists them.
  groups.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  // Prefix lists: even ones hold no VPC address, odd ones (corporate) some 10.x ranges.
  const prefixLists: PrefixListPlan[] = Array.from({ length: opts.prefixLists }, (_, k) => ({
    id: ids.make('pl-'),
    name:
      k % 2 === 1
        ? `corp-networks-${String(k).padStart(2, '0')}`
        : `${layout.pick(['partner', 'saas', 'office', 'scanner', 'cdn'])}-ranges-${String(k).padStart(2, '0')}`,
    corporate: k % 2 === 1,
  }));
  const safePrefixLists = prefixLists.filter((list) => !list.corporate);

  // Endpoints and clients, planned before subnets are sized.
  const customerServices = Array.from({ length: Math.max(1, Math.ceil(opts.endpoints / 25)) }, () => `com.amazonaws.vpce.${REGION}.${ids.make('vpce-svc-')}`);
  const endpoints: EndpointPlan[] = Array.from({ length: opts.endpoints }, () => {
    const vpc = layout.pick(vpcs);
    const group = layout.int(0, ENDPOINT_SUBNET_GROUPS - 1);
    for (const subnet of vpc.endpointGroups[group]!) subnet.planned++;
    return { id: ids.make('vpce-'), vpc, group, open: layout.chance(0.5) };
  });
  const clients: ClientPlan[] = Array.from({ length: opts.clients }, () => {
    const vpc = layout.pick(vpcs);
    const groupsOf = layout.chance(0.06) ? vpc.endpointGroups : vpc.clientGroups; // a few share a subnet with endpoints
    const subnet = layout.pick(layout.pick(groupsOf));
    subnet.planned++;
    return { vpc, subnet };
  });

  // Subnet sizes and addresses: /24 or larger, with room to spare; VPCs of /16 or larger.
  let vpcPrefix = 16;
  for (const vpc of vpcs) vpcPrefix = Math.min(vpcPrefix, packSubnets(vpc, layout));
  const vpcSize = 2 ** (32 - vpcPrefix);
  const spacing = vpcCount * vpcSize * 16 <= 2 ** 24 ? vpcSize * 16 : vpcSize;
  if (vpcCount * spacing > 2 ** 24) throw new RangeError('the VPCs do not fit in 10.0.0.0/8');
  for (const vpc of vpcs) placeVpc(vpc, TEN + vpc.index * spacing, vpcPrefix, layout);

  // Network ACLs: per subnet group, the default ACL, one shared custom ACL, or one per AZ.
  const naclRandom = rng('nacls');
  const profile = (): NaclProfile =>
    naclRandom.weighted<NaclProfile>([
      ['permissive', 45],
      ['tiered', 30],
      ['partial', 10],
      ['blocking', 15],
    ]);
  interface NaclPlan {
    id: string;
    vpc: Vpc;
    isDefault: boolean;
    name: string;
    profile: NaclProfile;
    subnets: Subnet[];
  }
  const nacls: NaclPlan[] = [];
  for (const vpc of vpcs) {
    const defaultAcl: NaclPlan = { id: vpc.defaultNaclId, vpc, isDefault: true, name: '', profile: 'permissive', subnets: [] };
    nacls.push(defaultAcl);
    const tiers = [...vpc.clientGroups.map((g, i) => [`app-${i + 1}`, g] as const), ...vpc.endpointGroups.map((g, i) => [`endpoints-${i + 1}`, g] as const)];
    for (const [tier, subnets] of tiers) {
      const mode = naclRandom.weighted<'default' | 'shared' | 'per-az'>([
        ['default', 25],
        ['shared', 50],
        ['per-az', 25],
      ]);
      if (mode === 'default') defaultAcl.subnets.push(...subnets);
      else if (mode === 'shared') nacls.push({ id: ids.make('acl-'), vpc, isDefault: false, name: `${vpc.name}-${tier}`, profile: profile(), subnets });
      else
        for (const subnet of subnets)
          nacls.push({
            id: ids.make('acl-'),
            vpc,
            isDefault: false,
            name: `${vpc.name}-${tier}-${azs[subnet.az]!.name}`,
            profile: profile(),
            subnets: [subnet],
          });
    }
  }
  for (const nacl of nacls) for (const subnet of nacl.subnets) subnet.naclId = nacl.id;

  // Endpoints, their ENIs, client ENIs.
  const eniRandom = rng('enis');
  const networkInterfaces: Array<{ NetworkInterfaceId: string } & Record<string, unknown>> = [];
  const privateDnsTaken = new Set<string>();
  const groupRefs = (sgIds: readonly string[]) => sgIds.map((id) => ({ GroupName: groupNames.get(id)!, GroupId: id }));
  const endpointJson = endpoints.map((endpoint) => {
    const vpc = endpoint.vpc;
    const custom = eniRandom.chance(0.4);
    const service = custom ? eniRandom.pick(customerServices) : `com.amazonaws.${REGION}.${eniRandom.pick(AWS_SERVICES)}`;
    const short = custom ? service.slice(service.lastIndexOf('.') + 1) : service.slice(`com.amazonaws.${REGION}.`.length);
    const privateDns = (!custom || eniRandom.chance(0.2)) && !privateDnsTaken.has(`${vpc.id} ${service}`);
    if (privateDns) privateDnsTaken.add(`${vpc.id} ${service}`);
    const sgCount = eniRandom.weighted<number>([
      [1, 60],
      [2, 30],
      [3, 10],
    ]);
    const sgIds = endpoint.open
      ? (() => {
          const first = eniRandom.pick(
            vpc.openEndpointSgs.length > 0 ? vpc.openEndpointSgs : vpc.closedEndpointSgs.length > 0 ? vpc.closedEndpointSgs : vpc.otherSgs,
          );
          const rest = eniRandom.sample(
            [...vpc.openEndpointSgs, ...vpc.closedEndpointSgs].filter((id) => id !== first),
            sgCount - 1,
          );
          return [first, ...rest];
        })()
      : eniRandom.sample(vpc.closedEndpointSgs.length > 0 ? vpc.closedEndpointSgs : vpc.otherSgs.length > 0 ? vpc.otherSgs : vpc.openEndpointSgs, sgCount);
    const created = timestamp(eniRandom, true);
    const attached = created.slice(0, 19) + '+00:00';
    const subnets = vpc.endpointGroups[endpoint.group]!;
    const eniIds = subnets.map((subnet) => {
      const ip = allocateIp(subnet);
      const id = ids.make('eni-');
      const dnsName = `ip-${ip.replaceAll('.', '-')}.ec2.internal`;
      networkInterfaces.push({
        Attachment: {
          AttachTime: attached,
          AttachmentId: ids.make('ela-attach-'),
          DeleteOnTermination: false,
          DeviceIndex: 1,
          InstanceOwnerId: 'amazon-aws',
          Status: 'attached',
        },
        AvailabilityZone: azs[subnet.az]!.name,
        Description: `VPC Endpoint Interface ${endpoint.id}`,
        Groups: groupRefs(sgIds),
        InterfaceType: 'vpc_endpoint',
        Ipv6Addresses: [],
        MacAddress: macAddress(eniRandom),
        NetworkInterfaceId: id,
        OwnerId: ACCOUNT,
        PrivateDnsName: dnsName,
        PrivateIpAddress: ip,
        PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dnsName, PrivateIpAddress: ip }],
        RequesterId: '727180483921',
        RequesterManaged: true,
        SourceDestCheck: true,
        Status: 'in-use',
        SubnetId: subnet.id,
        TagSet: [],
        VpcId: vpc.id,
      });
      return id;
    });
    const suffix = eniRandom.alnum(8);
    const label = custom ? short : dnsLabel(short);
    const dnsEntries = [
      { DnsName: `${endpoint.id}-${suffix}.${label}.${REGION}.vpce.amazonaws.com`, HostedZoneId: 'Z7HUB22UULQXV' },
      ...subnets.map((subnet) => ({
        DnsName: `${endpoint.id}-${suffix}-${azs[subnet.az]!.name}.${label}.${REGION}.vpce.amazonaws.com`,
        HostedZoneId: 'Z7HUB22UULQXV',
      })),
      ...(privateDns
        ? [
            {
              DnsName: custom ? `${short.slice(-8)}.internal.example.com` : `${label}.${REGION}.amazonaws.com`,
              HostedZoneId: `Z0${eniRandom.alnum(19).toUpperCase()}`,
            },
          ]
        : []),
    ];
    return {
      VpcEndpointId: endpoint.id,
      VpcEndpointType: 'Interface',
      VpcId: vpc.id,
      ServiceName: service,
      State: 'available',
      ...(custom
        ? {}
        : {
            PolicyDocument:
              '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}',
          }),
      RouteTableIds: [],
      SubnetIds: subnets.map((subnet) => subnet.id),
      Groups: sgIds.map((id) => ({ GroupId: id, GroupName: groupNames.get(id)! })),
      IpAddressType: 'ipv4',
      DnsOptions: { DnsRecordIpType: 'ipv4' },
      PrivateDnsEnabled: privateDns,
      RequesterManaged: false,
      NetworkInterfaceIds: eniIds,
      DnsEntries: dnsEntries,
      CreationTimestamp: created,
      Tags: [{ Key: 'Name', Value: `${vpc.name}-${custom ? 'svc' : short}` }],
      OwnerId: ACCOUNT,
    };
  });

  const clientIps = clients.map((client) => {
    const { vpc, subnet } = client;
    const ip = allocateIp(subnet);
    const dnsName = `ip-${ip.replaceAll('.', '-')}.ec2.internal`;
    const pool = vpc.clientSgs.length > 0 ? vpc.clientSgs : vpc.otherSgs.length > 0 ? vpc.otherSgs : [...vpc.openEndpointSgs, ...vpc.closedEndpointSgs];
    const sgIds = eniRandom.sample(pool, eniRandom.chance(0.7) ? 1 : 2);
    networkInterfaces.push({
      Attachment: {
        AttachTime: timestamp(eniRandom, false),
        AttachmentId: ids.make('eni-attach-'),
        DeleteOnTermination: true,
        DeviceIndex: 0,
        NetworkCardIndex: 0,
        InstanceId: ids.make('i-'),
        InstanceOwnerId: ACCOUNT,
        Status: 'attached',
      },
      AvailabilityZone: azs[subnet.az]!.name,
      Description: '',
      Groups: groupRefs(sgIds),
      InterfaceType: 'interface',
      Ipv6Addresses: [],
      MacAddress: macAddress(eniRandom),
      NetworkInterfaceId: ids.make('eni-'),
      OwnerId: ACCOUNT,
      PrivateDnsName: dnsName,
      PrivateIpAddress: ip,
      PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dnsName, PrivateIpAddress: ip }],
      RequesterManaged: false,
      SourceDestCheck: true,
      Status: 'in-use',
      SubnetId: subnet.id,
      TagSet: [],
      VpcId: vpc.id,
    });
    return ip;
  });

  // The provider side of the customer services, from streams of its own: the consumer side stays as it was.
  const customerPrefix = `com.amazonaws.vpce.${REGION}.`;
  const usage = new Map<string, Vpc[]>();
  endpointJson.forEach((json, index) => {
    if (!json.ServiceName.startsWith(customerPrefix)) return;
    const consumers = usage.get(json.ServiceName) ?? [];
    if (!consumers.includes(endpoints[index]!.vpc)) consumers.push(endpoints[index]!.vpc);
    usage.set(json.ServiceName, consumers);
  });
  const provider = planProviderSide({
    opts,
    rng,
    ids: ids.fork(rng('provider-ids')),
    azs,
    consumerVpcs: vpcs,
    consumerSpan: vpcCount * spacing,
    consumerSpacing: spacing,
    usage,
    safePrefixLists,
    subnetGroup,
  });
  if (provider) {
    networkInterfaces.push(...provider.networkInterfaces);
    provider.networkInterfaces.length = 0;
  }
  networkInterfaces.sort((a, b) => (a.NetworkInterfaceId < b.NetworkInterfaceId ? -1 : 1));

  // Write.
  await mkdir(join(root, 'ec2', 'GetManagedPrefixListEntries'), { recursive: true });
  if (provider) {
    for (const folder of ['DescribeLoadBalancerAttributes', 'DescribeListeners', 'DescribeTargetHealth'])
      await mkdir(join(root, 'elbv2', folder), { recursive: true });
  }
  const files: string[] = [];
  let bytes = 0;
  const write = async (relative: string, key: string, items: Iterable<unknown>) => {
    const path = join(root, relative);
    bytes += await writeListFile(path, key, items);
    files.push(path);
  };

  await write('ec2/DescribeVpcEndpoints.json', 'VpcEndpoints', endpointJson);
  endpointJson.length = 0;
  await write('ec2/DescribeNetworkInterfaces.json', 'NetworkInterfaces', networkInterfaces);
  networkInterfaces.length = 0;

  const subnetRandom = rng('subnets');
  const providerSubnetRandom = rng('provider-subnets');
  await write('ec2/DescribeSubnets.json', 'Subnets', [
    ...vpcs.flatMap((vpc) => vpc.subnets).map((subnet) => subnetJson(subnet, azs, subnetRandom)),
    ...(provider?.subnets ?? []).map((subnet) => subnetJson(subnet, azs, providerSubnetRandom)),
  ]);

  await write('ec2/DescribeNetworkAcls.json', 'NetworkAcls', [
    ...nacls.map((nacl) => ({
      Associations: nacl.subnets.map((subnet) => ({ NetworkAclAssociationId: ids.make('aclassoc-'), NetworkAclId: nacl.id, SubnetId: subnet.id })),
      Entries: naclEntries(naclRandom, nacl.profile, nacl.vpc, vpcs, opts.naclEntries),
      IsDefault: nacl.isDefault,
      NetworkAclId: nacl.id,
      Tags: nacl.isDefault ? [] : [{ Key: 'Name', Value: nacl.name }],
      VpcId: nacl.vpc.id,
      OwnerId: ACCOUNT,
    })),
    ...(provider?.networkAcls ?? []),
  ]);

  // Security groups, generated one at a time as they are written, the provider's merged in by id.
  const sgRandom = rng('security-groups');
  const providerGroups = provider?.securityGroups ?? [];
  await write(
    'ec2/DescribeSecurityGroups.json',
    'SecurityGroups',
    (function* () {
      let next = 0;
      for (const group of groups) {
        while (next < providerGroups.length && providerGroups[next]!.GroupId < group.id) yield providerGroups[next++];
        yield securityGroupJson({ random: sgRandom, group, vpcs, prefixLists, safePrefixLists }, opts.rulesPerGroup);
      }
      while (next < providerGroups.length) yield providerGroups[next++];
    })(),
  );

  const plRandom = rng('prefix-lists');
  await write('ec2/DescribeManagedPrefixLists.json', 'PrefixLists', [
    ...[
      ['pl-02cd2c6b', 'dynamodb'],
      ['pl-63a5400a', 's3'],
    ].map(([id, service]) => ({
      PrefixListId: id,
      AddressFamily: 'IPv4',
      State: 'create-complete',
      PrefixListArn: `arn:aws:ec2:${REGION}:aws:prefix-list/${id}`,
      PrefixListName: `com.amazonaws.${REGION}.${service}`,
      Tags: [],
      OwnerId: 'AWS',
    })),
    ...prefixLists.map((list) => ({
      PrefixListId: list.id,
      AddressFamily: 'IPv4',
      State: 'create-complete',
      PrefixListArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:prefix-list/${list.id}`,
      PrefixListName: list.name,
      MaxEntries: Math.max(10, Math.ceil((opts.prefixListEntries * 1.1) / 10) * 10),
      Version: plRandom.int(1, 40),
      Tags: [{ Key: 'Name', Value: list.name }],
      OwnerId: ACCOUNT,
    })),
  ]);
  for (const list of prefixLists) {
    const seen = new Set<string>();
    const entries: Array<{ key: number; Cidr: string; Description?: string }> = [];
    while (entries.length < opts.prefixListEntries) {
      let block: string;
      if (list.corporate && plRandom.chance(0.03)) {
        const vpc = plRandom.pick(vpcs);
        block = cidr(vpc.base + plRandom.int(0, 2 ** (32 - vpc.prefix) - 1), plRandom.pick([20, 22, 24, 24, 26, 28]));
      } else block = outsideCidr(plRandom);
      if (seen.has(block)) continue;
      seen.add(block);
      const [address, length] = block.split('/') as [string, string];
      const key = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0) * 64 + Number(length);
      entries.push({
        key,
        Cidr: block,
        ...(plRandom.chance(0.6) ? { Description: `${plRandom.pick(['site', 'branch', 'partner', 'vendor', 'office', 'dc'])}-${plRandom.int(1, 999)}` } : {}),
      });
    }
    entries.sort((a, b) => a.key - b.key);
    await write(
      `ec2/GetManagedPrefixListEntries/${list.id}.json`,
      'Entries',
      entries.map(({ Cidr, Description }) => (Description ? { Cidr, Description } : { Cidr })),
    );
  }

  if (provider) await writeProviderFiles(provider, azs, rng('provider-files'), write);

  return {
    dir: root,
    endpointIds: endpoints.map((endpoint) => endpoint.id),
    clientIps,
    files,
    bytes,
    providerServiceNames: (provider?.services ?? []).map((service) => service.serviceName),
  };
}

// ---------------------------------------------------------------- command line

function parseArguments(argv: readonly string[]): { dir: string; json: boolean; overrides: Partial<LargeSnapshotOptions> } {
  let dir: string | undefined;
  let json = false;
  const overrides: Partial<LargeSnapshotOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const value = inline ?? argv[++i];
      if (!(name in BENCH_SNAPSHOT_DEFAULTS) || value === undefined || !/^-?\d+$/.test(value)) {
        throw new RangeError(
          `unknown option or bad value: ${arg} (options: --json, ${Object.keys(BENCH_SNAPSHOT_DEFAULTS)
            .map((key) => `--${key}=N`)
            .join(', ')})`,
        );
      }
      (overrides as Record<string, number>)[name] = Number(value);
    } else if (dir === undefined) dir = arg;
    else throw new RangeError(`unexpected argument ${arg}`);
  }
  if (dir === undefined) throw new RangeError('usage: generate-snapshot.ts OUT_DIR [--json] [--endpoints=N ...]');
  return { dir, json, overrides };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  try {
    const { dir, json, overrides } = parseArguments(process.argv.slice(2));
    const started = performance.now();
    const generated = await generateLargeSnapshot(dir, overrides);
    if (json) console.log(JSON.stringify(generated));
    else {
      const opts = { ...BENCH_SNAPSHOT_DEFAULTS, ...overrides };
      console.log(
        `wrote ${generated.files.length} files, ${(generated.bytes / 1e6).toFixed(1)} MB to ${generated.dir} in ${Math.round(performance.now() - started)} ms: ` +
          `${generated.endpointIds.length} endpoints x ${opts.azs} AZs, ${generated.clientIps.length} clients, ${opts.securityGroups} security groups x ${opts.rulesPerGroup} rules, ` +
          `${opts.naclEntries} entries per NACL, ${opts.prefixLists} prefix lists x ${opts.prefixListEntries} entries, ` +
          `${generated.providerServiceNames.length} customer services with a provider side (seed ${opts.seed})`,
      );
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  }
}
