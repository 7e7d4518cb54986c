import ipaddr from 'ipaddr.js';
import { mergeCidr } from 'cidr-tools';

/** Addresses and CIDRs parsed once into integers so that containment is a shift and a compare. */
export type IpFamily = 4 | 6;

export interface Ipv4Address {
  readonly family: 4;
  /** Canonical text (dotted quad). */
  readonly text: string;
  readonly value: number;
}

export interface Ipv6Address {
  readonly family: 6;
  /** Canonical text (RFC 5952 compressed form). */
  readonly text: string;
  readonly value: bigint;
}

export type IpAddress = Ipv4Address | Ipv6Address;

export interface Ipv4Cidr {
  readonly family: 4;
  readonly text: string;
  readonly base: number;
  readonly prefixLength: number;
}

export interface Ipv6Cidr {
  readonly family: 6;
  readonly text: string;
  readonly base: bigint;
  readonly prefixLength: number;
}

export type Cidr = Ipv4Cidr | Ipv6Cidr;

function bytesToUint32(bytes: number[]): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

function bytesToBigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function fromParsed(parsed: ipaddr.IPv4 | ipaddr.IPv6): IpAddress {
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return fromParsed((parsed as ipaddr.IPv6).toIPv4Address());
  }
  const bytes = parsed.toByteArray();
  return parsed.kind() === 'ipv4'
    ? { family: 4, text: parsed.toString(), value: bytesToUint32(bytes) }
    : { family: 6, text: parsed.toString(), value: bytesToBigInt(bytes) };
}

/**
 * Parses an IP address in its standard spelling only: dotted-quad IPv4 (no octal, hex or
 * short forms, which `inet_aton` would read differently) or IPv6. IPv4-mapped IPv6
 * addresses become IPv4, as the traffic they describe is IPv4. Returns undefined when the
 * text is not such an address.
 */
export function parseIp(text: string): IpAddress | undefined {
  const dotted = readDottedQuad(text, -1);
  if (dotted) return { family: 4, text, value: dotted.value };
  if (!text.includes(':') && ipaddr.IPv4.isValidFourPartDecimal(text)) return fromParsed(ipaddr.IPv4.parse(text));
  // A zone id (`fe80::1%eth0`) names a local link, never an address in a VPC.
  if (!text.includes(':') || text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  return fromParsed(ipaddr.IPv6.parse(text));
}

const IPV4_FULL_MASK = 0xffffffff;

function maskIpv4(value: number, prefixLength: number): number {
  if (prefixLength === 0) return 0;
  return (value & (IPV4_FULL_MASK << (32 - prefixLength))) >>> 0;
}

function maskIpv6(value: bigint, prefixLength: number): bigint {
  const hostBits = BigInt(128 - prefixLength);
  return (value >> hostBits) << hostBits;
}

/**
 * Reads `a.b.c.d` in canonical decimal (no leading zeros) at the start of `text`, character by
 * character, followed by `end` (a character code) or the end of the text when `end` is -1:
 * the value and where it stopped, or undefined. Snapshots hold a hundred thousand addresses
 * and CIDRs; ipaddr.js reads the rest.
 */
function readDottedQuad(text: string, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let index = 0;
  for (let octet = 0; octet < 4; octet++) {
    const start = index;
    let part = 0;
    while (index < text.length) {
      const digit = text.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9) break;
      part = part * 10 + digit;
      index++;
    }
    const length = index - start;
    if (length === 0 || length > 3 || part > 255 || (length > 1 && text.charCodeAt(start) === 48)) return undefined;
    value = value * 256 + part;
    if (octet < 3) {
      if (text.charCodeAt(index) !== 46) return undefined; // '.'
      index++;
    }
  }
  if (end === -1 ? index !== text.length : text.charCodeAt(index) !== end) return undefined;
  return { value, next: index + 1 };
}

/** `a.b.c.d/n` in canonical decimal; anything else (leading zeros, IPv6, junk) falls through to the careful parser. */
function parseDottedQuadCidr(text: string): Ipv4Cidr | undefined {
  const address = readDottedQuad(text, 47); // '/'
  if (!address) return undefined;
  let index = address.next;
  const lengthText = text.length - index;
  if (lengthText < 1 || lengthText > 2) return undefined;
  let prefixLength = 0;
  for (; index < text.length; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return undefined;
    prefixLength = prefixLength * 10 + digit;
  }
  if (prefixLength > 32) return undefined;
  const base = maskIpv4(address.value, prefixLength);
  // The text is kept when already canonical: host bits clear and no leading zero in the length.
  const canonical = base === address.value && (lengthText === 1 || text.charCodeAt(text.length - 2) !== 48);
  return { family: 4, text: canonical ? text : `${formatIpv4(base)}/${prefixLength}`, base, prefixLength };
}

/** Parses `a.b.c.d/n` or `x::/n`; host bits are cleared, as AWS does. */
export function parseCidr(text: string): Cidr | undefined {
  const fast = parseDottedQuadCidr(text);
  if (fast) return fast;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addressText = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  // An IPv6 address is never asked whether it is IPv4: ipaddr.js answers that by throwing, which costs.
  if (!addressText.includes(':') && ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
    if (prefixLength > 32) return undefined;
    const base = maskIpv4(bytesToUint32(ipaddr.IPv4.parse(addressText).toByteArray()), prefixLength);
    return { family: 4, text: `${formatIpv4(base)}/${prefixLength}`, base, prefixLength };
  }
  if (!addressText.includes(':') || !ipaddr.IPv6.isValid(addressText) || prefixLength > 128) return undefined;
  const base = maskIpv6(bytesToBigInt(ipaddr.IPv6.parse(addressText).toByteArray()), prefixLength);
  return { family: 6, text: `${formatIpv6(base)}/${prefixLength}`, base, prefixLength };
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

function formatIpv6(value: bigint): string {
  const bytes: number[] = [];
  for (let shift = 120n; shift >= 0n; shift -= 8n) bytes.push(Number((value >> shift) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * A CIDR parser that remembers what it parsed: AWS data repeats the same few CIDRs across
 * thousands of rules, and one loader owns one parser so that nothing outlives the model.
 */
export function createCidrParser(): (text: string) => Cidr | undefined {
  const seen = new Map<string, Cidr | null>();
  return (text) => {
    let parsed = seen.get(text);
    if (parsed === undefined) {
      parsed = parseCidr(text) ?? null;
      seen.set(text, parsed);
    }
    return parsed ?? undefined;
  };
}

/** Family-safe containment: an IPv4 CIDR never contains an IPv6 address and vice versa. */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family === 4) {
    if (address.family !== 4) return false;
    return cidr.prefixLength === 0 || maskIpv4(address.value, cidr.prefixLength) === cidr.base;
  }
  if (address.family !== 6) return false;
  return maskIpv6(address.value, cidr.prefixLength) === cidr.base;
}

/**
 * CIDRs asked, address after address, whether one of them holds it: a prefix list of a
 * thousand entries, asked for every rule that names it. The IPv4 blocks are kept as sorted,
 * merged ranges searched in halves; the IPv6 ones, rare in such lists, are scanned.
 */
export class CidrSet {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly ipv6: readonly Ipv6Cidr[];

  constructor(cidrs: readonly Cidr[]) {
    const ranges: [number, number][] = [];
    const ipv6: Ipv6Cidr[] = [];
    for (const cidr of cidrs) {
      if (cidr.family === 6) ipv6.push(cidr);
      else ranges.push([cidr.base, cidr.base + 2 ** (32 - cidr.prefixLength) - 1]);
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [start, end] of ranges) {
      const last = ends.length - 1;
      if (last >= 0 && start <= ends[last]! + 1) ends[last] = Math.max(ends[last]!, end);
      else {
        starts.push(start);
        ends.push(end);
      }
    }
    this.starts = Float64Array.from(starts);
    this.ends = Float64Array.from(ends);
    this.ipv6 = ipv6;
  }

  has(address: IpAddress): boolean {
    if (address.family === 6) return this.ipv6.some((cidr) => cidrContains(cidr, address));
    // The last range that starts at or below the address holds it, or none does.
    const value = address.value;
    let low = 0;
    let high = this.starts.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle]! <= value) low = middle + 1;
      else high = middle - 1;
    }
    return high >= 0 && value <= this.ends[high]!;
  }
}

/** The single-host CIDR of an address (`/32` or `/128`), the narrowest rule that admits it. */
export function hostCidr(address: IpAddress): string {
  return `${address.text}/${address.family === 4 ? 32 : 128}`;
}

/**
 * The fewest CIDRs that cover exactly the given ones (adjacent and nested blocks merged),
 * IPv4 before IPv6, each family ascending.
 */
export function mergeCidrs(cidrs: readonly string[]): string[] {
  if (cidrs.length <= 1) return [...cidrs];
  return mergeCidr([...cidrs]);
}
