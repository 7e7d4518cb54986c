/** Inclusive TCP port ranges, and the set arithmetic the NACL evaluation over a range needs. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/** AWS's advice when nothing narrower is known: it covers Linux, Windows, NAT gateways and NLBs. */
export const DEFAULT_EPHEMERAL_PORTS: PortRange = { from: 1024, to: 65535 };

export const NAMED_EPHEMERAL_RANGES: Readonly<Record<string, PortRange>> = {
  linux: { from: 32768, to: 60999 },
  windows: { from: 49152, to: 65535 },
  'nat-gateway': { from: 1024, to: 65535 },
  nlb: { from: 1024, to: 65535 },
  default: DEFAULT_EPHEMERAL_PORTS,
};

export function singlePort(port: number): PortRange {
  return { from: port, to: port };
}

export function portInRange(range: PortRange, port: number): boolean {
  return port >= range.from && port <= range.to;
}

export function intersectRanges(a: PortRange, b: PortRange): PortRange | undefined {
  const from = Math.max(a.from, b.from);
  const to = Math.min(a.to, b.to);
  return from <= to ? { from, to } : undefined;
}

/** `ranges` minus `cut`; the input is kept in order, so the output is too. */
export function subtractRange(ranges: readonly PortRange[], cut: PortRange): PortRange[] {
  const remaining: PortRange[] = [];
  for (const range of ranges) {
    if (cut.to < range.from || cut.from > range.to) {
      remaining.push(range);
      continue;
    }
    if (range.from < cut.from) remaining.push({ from: range.from, to: cut.from - 1 });
    if (range.to > cut.to) remaining.push({ from: cut.to + 1, to: range.to });
  }
  return remaining;
}

/** Sorts and joins touching ranges: `[1-5, 6-9]` becomes `[1-9]`. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const merged: PortRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to + 1) {
      merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

export function formatRange(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

export function formatRanges(ranges: readonly PortRange[]): string {
  return ranges.map(formatRange).join(', ');
}

/** Reads `FROM-TO`, a single port, or a named range (`linux`, `windows`, `nat-gateway`, `nlb`). */
export function parsePortRange(text: string): PortRange | undefined {
  const name = text.toLowerCase();
  // Own keys only: `constructor` or `__proto__` must not read as a range.
  if (Object.hasOwn(NAMED_EPHEMERAL_RANGES, name)) return NAMED_EPHEMERAL_RANGES[name];
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from < 1 || to > 65535 || from > to) return undefined;
  return { from, to };
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
