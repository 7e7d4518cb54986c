/**
 * Brute-force reference implementations, written independently of src/core (no ipaddr.js,
 * no integer tricks): addresses become bit strings and every port is enumerated.
 */

export function ipv4Bits(text: string): string {
  return text
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
}

/** Expands `a:b::c` to 128 bits; the generators only produce full or `::`-compressed forms. */
export function ipv6Bits(text: string): string {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(2).padStart(16, '0')).join('');
}

export function addressBits(text: string): string {
  return text.includes(':') ? ipv6Bits(text) : ipv4Bits(text);
}

export function referenceCidrContains(cidr: string, address: string): boolean {
  const [base, length] = cidr.split('/') as [string, string];
  if (base.includes(':') !== address.includes(':')) return false;
  const bits = Number(length);
  return addressBits(base).slice(0, bits) === addressBits(address).slice(0, bits);
}

export interface ReferenceNaclEntry {
  ruleNumber: number;
  action: 'allow' | 'deny';
  protocol: string;
  cidr: string;
  portRange?: { from: number; to: number };
}

/** The entry that decides one port: the first that matches, by ascending rule number. */
export function referenceDecidingEntry(entries: readonly ReferenceNaclEntry[], address: string, port: number): ReferenceNaclEntry | undefined {
  return [...entries]
    .sort((a, b) => a.ruleNumber - b.ruleNumber)
    .find(
      (entry) =>
        (entry.protocol === '6' || entry.protocol === '-1') &&
        referenceCidrContains(entry.cidr, address) &&
        !(entry.protocol === '6' && entry.portRange && (port < entry.portRange.from || port > entry.portRange.to)),
    );
}

/** The action for one port; no matching entry means the default deny. */
export function referenceNaclAction(entries: readonly ReferenceNaclEntry[], address: string, port: number): 'allow' | 'deny' {
  return referenceDecidingEntry(entries, address, port)?.action ?? 'deny';
}
