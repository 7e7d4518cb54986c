import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { CidrSet, cidrContains, createCidrParser, hostCidr, parseCidr, parseIp } from '../../src/core/net.js';
import { referenceCidrContains } from '../support/reference.js';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
const group = fc.integer({ min: 0, max: 0xffff }).map((value) => value.toString(16));
const ipv6 = fc.array(group, { minLength: 8, maxLength: 8 }).map((groups) => groups.join(':'));

describe('parseIp', () => {
  it('reads dotted-quad IPv4 and IPv6 in canonical form', () => {
    assert.equal(parseIp('10.0.1.15')?.text, '10.0.1.15');
    assert.equal(parseIp('2600:1f18:0:0:0:0:0:1')?.text, '2600:1f18::1');
    assert.equal(parseIp('2600:1f18::1')?.family, 6);
  });

  it('refuses spellings that inet_aton reads differently: octal, hex, short and decimal forms', () => {
    for (const text of ['010.0.0.1', '0x0a.0.0.1', '10.1', '167772161', '10.0.0.256', '', ' 10.0.0.1', 'localhost', '10.0.0.1/32']) {
      assert.equal(parseIp(text), undefined, text);
    }
  });

  it('reads any text of digits and dots exactly as ipaddr.js reads a four-part decimal (its own fast path agrees)', () => {
    const text = fc.stringMatching(/^[0-9.]{0,18}$/);
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          ipv4,
          fc.tuple(ipv4, fc.constantFrom('0', '00', ' ', '/', 'a')).map(([address, tail]) => `${address}${tail}`),
        ),
        (input) => {
          const parsed = parseIp(input);
          if (!ipaddr.IPv4.isValidFourPartDecimal(input)) return assert.equal(parsed, undefined, input);
          const bytes = ipaddr.IPv4.parse(input).toByteArray();
          assert.deepEqual(parsed, { family: 4, text: input, value: ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0 }, input);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reads IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    assert.deepEqual(parseIp('::ffff:10.0.1.15'), parseIp('10.0.1.15'));
  });
});

describe('parseCidr', () => {
  it('clears host bits as AWS does', () => {
    assert.equal(parseCidr('10.0.1.15/24')?.text, '10.0.1.0/24');
    assert.equal(parseCidr('2600:1f18:abcd:12::5/56')?.text, '2600:1f18:abcd::/56');
  });

  it('refuses prefix lengths out of range and malformed text', () => {
    for (const text of ['10.0.0.0/33', '10.0.0.0', '10.0.0.0/', '10.0.0.0/-1', '::/129', 'x/8', '10.0.0.0/08a']) {
      assert.equal(parseCidr(text), undefined, text);
    }
  });

  it('reads dotted-quad CIDRs exactly as ipaddr.js does, leading zeros refused', () => {
    const spelled = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.boolean())
      .map(([value, padded]) => (padded ? String(value).padStart(3, '0') : String(value)));
    fc.assert(
      fc.property(fc.tuple(spelled, spelled, spelled, spelled), fc.integer({ min: 0, max: 40 }), (parts, length) => {
        const text = `${parts.join('.')}/${length}`;
        const parsed = parseCidr(text);
        const valid = ipaddr.IPv4.isValidFourPartDecimal(parts.join('.')) && length <= 32;
        if (!valid) return assert.equal(parsed, undefined, text);
        const [network, bits] = ipaddr.IPv4.parseCIDR(text);
        const expected = ipaddr.IPv4.networkAddressFromCIDR(`${network.toString()}/${bits}`).toString();
        assert.equal(parsed?.text, `${expected}/${bits}`, text);
      }),
      { numRuns: 5000 },
    );
  });

  it('remembers what it parsed, per parser', () => {
    const parse = createCidrParser();
    assert.equal(parse('10.0.0.0/16'), parse('10.0.0.0/16'));
  });

  it('gives the host CIDR of an address', () => {
    assert.equal(hostCidr(parseIp('10.0.1.15')!), '10.0.1.15/32');
    assert.equal(hostCidr(parseIp('2600:1f18::1')!), '2600:1f18::1/128');
  });
});

describe('cidrContains against a bit-string reference', () => {
  it('agrees for IPv4 at every prefix length', () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 32 }), ipv4, (base, length, address) => {
        const cidr = `${base}/${length}`;
        assert.equal(cidrContains(parseCidr(cidr)!, parseIp(address)!), referenceCidrContains(cidr, address));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees for addresses near the CIDR (the interesting cases)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 20, max: 32 }), fc.integer({ min: 0, max: 255 }), (third, length, fourth) => {
        const cidr = `10.0.${third}.0/${length}`;
        const address = `10.0.${(third + (fourth % 3)) % 256}.${fourth}`;
        assert.equal(cidrContains(parseCidr(cidr)!, parseIp(address)!), referenceCidrContains(cidr, address));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees for IPv6 at every prefix length', () => {
    fc.assert(
      fc.property(ipv6, fc.integer({ min: 0, max: 128 }), ipv6, fc.boolean(), (base, length, other, near) => {
        const address = near ? base.split(':').slice(0, 6).concat(other.split(':').slice(6)).join(':') : other;
        const cidr = `${base}/${length}`;
        assert.equal(cidrContains(parseCidr(cidr)!, parseIp(address)!), referenceCidrContains(cidr, address));
      }),
      { numRuns: 3000 },
    );
  });

  it('never lets one family contain the other', () => {
    fc.assert(
      fc.property(ipv4, ipv6, fc.integer({ min: 0, max: 32 }), (v4, v6, length) => {
        assert.equal(cidrContains(parseCidr(`${v4}/${length}`)!, parseIp(v6)!), false);
        assert.equal(cidrContains(parseCidr(`${v6}/${length}`)!, parseIp(v4)!), false);
      }),
      { numRuns: 1000 },
    );
    assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('::1')!), false);
    assert.equal(cidrContains(parseCidr('::/0')!, parseIp('10.0.0.1')!), false);
  });
});

describe('CidrSet against a scan of its CIDRs with the bit-string reference', () => {
  // Blocks near one another, so that they overlap, touch and nest; addresses near them too.
  const nearV4 = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
    .map(([second, third, fourth]) => `10.${second}.${third}.${fourth}`);
  const v4Block = fc.tuple(fc.oneof(nearV4, ipv4), fc.integer({ min: 0, max: 32 })).map(([base, length]) => `${base}/${length}`);
  const v6Block = fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([base, length]) => `${base}/${length}`);

  it('holds an address exactly when one of its CIDRs does, IPv4 and IPv6 mixed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 5, arbitrary: v4Block }, { weight: 1, arbitrary: v6Block }), { maxLength: 40 }),
        fc.array(fc.oneof(nearV4, ipv4, ipv6), { minLength: 1, maxLength: 20 }),
        (blocks, addresses) => {
          const set = new CidrSet(blocks.map((block) => parseCidr(block)!));
          for (const address of addresses) {
            const expected = blocks.some((block) => referenceCidrContains(block, address));
            assert.equal(set.has(parseIp(address)!), expected, `${address} in ${blocks.join(' ')}`);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('holds nothing when empty, everything IPv4 with 0.0.0.0/0, and both ends of a block', () => {
    assert.equal(new CidrSet([]).has(parseIp('10.0.0.1')!), false);
    const all = new CidrSet([parseCidr('0.0.0.0/0')!]);
    assert.equal(all.has(parseIp('0.0.0.0')!), true);
    assert.equal(all.has(parseIp('255.255.255.255')!), true);
    assert.equal(all.has(parseIp('::1')!), false);
    const block = new CidrSet([parseCidr('10.0.1.0/24')!, parseCidr('10.0.3.0/24')!]);
    assert.deepEqual(
      ['10.0.0.255', '10.0.1.0', '10.0.1.255', '10.0.2.0', '10.0.3.0', '10.0.3.255', '10.0.4.0'].map((text) => block.has(parseIp(text)!)),
      [false, true, true, false, true, true, false],
    );
  });
});
