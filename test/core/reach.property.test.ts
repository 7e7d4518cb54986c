import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { judge, type AnalysisRequest } from '../../src/core/analyze.js';
import type { Report } from '../../src/core/report.js';
import { AnalysisError } from '../../src/core/errors.js';
import { singleUnitFleet, type Fleet } from '../../src/core/fleet.js';
import { parseCidr, parseIp } from '../../src/core/net.js';
import { cidrRange } from '../../src/core/ranges.js';
import { sourceSets, type InterfaceSourceSet } from '../../src/core/reach.js';
import { readSnapshot } from '../../src/sources/snapshot/read.js';
import { EXAMPLE_NAMES, exampleDir, exampleRequest } from '../sources/aws/examples.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { reachScenario } from './reach-scenarios.js';

/**
 * The set answer agrees with the point answer: for random addresses (the data's own
 * interfaces, addresses of its subnets, anything), membership in an interface's computed
 * set, and its label, are what the point analysis of that address says of that interface's
 * endpoint-side checks.
 */

const ENDPOINT_SIDE = new Set(['endpoint.sg.inbound', 'endpoint.nacl.inbound', 'endpoint.nacl.outbound']);

function contains(cidr: string, text: string): boolean {
  const address = parseIp(text)!;
  const parsed = parseCidr(cidr)!;
  if (parsed.family !== address.family) return false;
  const range = cidrRange(parsed);
  const value = BigInt(address.value);
  return range.start <= value && value <= range.end;
}

/** The label an interface's set gives an address, with the check the exclusion names. */
function labelIn(set: InterfaceSourceSet, text: string): string {
  const admitted = [...set.ipv4, ...set.ipv6].filter((item) => contains(item.cidr, text));
  const excluded = set.excluded.filter((item) => contains(item.cidr, text));
  assert.equal(admitted.length + excluded.length, 1, `${text} lies in exactly one listed CIDR of ${set.eniId}`);
  return admitted[0]?.status ?? `excluded by ${excluded[0]!.by.checkId} (${excluded[0]!.by.status})`;
}

/** The point analysis of one address, against the label each interface's set gives it. */
function assertAgrees(fleet: Fleet, sets: readonly InterfaceSourceSet[], request: AnalysisRequest, text: string): void {
  let report: Omit<Report, 'fixPlan'>;
  try {
    report = judge(fleet, { ...request, client: { ip: text } }).report;
  } catch (error) {
    if (error instanceof AnalysisError) return;
    throw error;
  }
  for (const set of sets) {
    const checks = report.checks.filter((check) => ENDPOINT_SIDE.has(check.id) && check.scope.networkInterfaceId === set.eniId);
    if (checks.length === 0) continue;
    const blocking = checks.find((check) => check.status === 'fail' || check.status === 'unknown');
    const expected = blocking ? `excluded by ${blocking.id} (${blocking.status})` : checks.some((check) => check.status === 'warn') ? 'warn' : 'reachable';
    assert.equal(labelIn(set, text), expected, `${text} on ${set.eniId}: ${checks.map((check) => `${check.id} ${check.status}: ${check.summary}`).join('; ')}`);
  }
}

function formatV4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

for (const name of EXAMPLE_NAMES) {
  describe(`who can reach: ${name}`, () => {
    it('each address is in the set of an interface exactly when the point analysis admits it there', async () => {
      const model = await readSnapshot(exampleDir(name));
      const fleet = singleUnitFleet(model);
      const request = await exampleRequest(name);
      if (model.endpoints.get(request.endpointId)?.type.toLowerCase() !== 'interface') return;
      const port = request.port ?? 443;
      const sets = sourceSets(fleet, {
        endpointId: request.endpointId,
        port,
        ...(request.clientEphemeralPorts ? { clientEphemeralPorts: request.clientEphemeralPorts } : {}),
      });
      const interfaceAddresses = [...model.networkInterfaces.values()].flatMap((eni) =>
        [...eni.privateIps, ...eni.ipv6Addresses].map((address) => address.text),
      );
      const subnetCidrs = [...model.subnets.values()].flatMap((subnet) => subnet.cidrs.filter((cidr) => cidr.family === 4));
      const publicIps = new Set(model.interfaceByPublicIp.keys());
      const addresses = fc.oneof(
        fc.constantFrom(...interfaceAddresses),
        fc
          .constantFrom(...subnetCidrs)
          .chain((cidr) => fc.integer({ min: 0, max: 2 ** (32 - cidr.prefixLength) - 1 }).map((offset) => formatV4(cidr.base + offset))),
        fc.ipV4(),
        fc.ipV6().filter((text) => parseIp(text)?.family === 6),
      );
      fc.assert(
        fc.property(addresses, (text) => {
          // A public IP is analysed as the private IP it maps to; the set speaks of source addresses.
          if (publicIps.has(text)) return;
          assertAgrees(fleet, sets, { ...request, port }, text);
        }),
        { numRuns: 150 },
      );
    });
  });
}

describe('who can reach: random consumer snapshots', () => {
  it('agrees with the point analysis for random rules, NACL entries with deny carve-outs, IPv6, prefix lists, group references and incomplete captures', () => {
    const interesting = fc.oneof(
      fc.constantFrom('10.0.1.25', '10.0.1.77', '10.0.10.99', '10.0.10.5', '10.0.11.5', '10.0.12.5', '10.0.0.1', '192.168.1.1', '172.16.0.1'),
      fc.integer({ min: 0, max: 0xffff }).map((offset) => formatV4(0x0a000000 + offset)),
      // Around the prefix lists' other range and the default routes' edges.
      fc.integer({ min: 0, max: 0x3ffff }).map((offset) => formatV4(0xc0a70000 + offset)),
      fc.ipV4(),
      fc.ipV6().filter((text) => parseIp(text)?.family === 6),
    );
    fc.assert(
      fc.property(reachScenario, fc.array(interesting, { minLength: 4, maxLength: 8 }), (scenario, texts) => {
        const model = modelFromAws(scenario.documents as AwsDocuments);
        const fleet = singleUnitFleet(model);
        const { endpointId } = scenario.request;
        const interfaceAddresses = [...model.networkInterfaces.values()].flatMap((eni) =>
          [...eni.privateIps, ...eni.ipv6Addresses].map((address) => address.text),
        );
        const sets = sourceSets(fleet, { endpointId, port: 443 });
        for (const text of [...texts, ...interfaceAddresses, ...scenario.addresses]) {
          if (model.interfaceByPublicIp.has(text)) continue;
          assertAgrees(fleet, sets, { endpointId, port: 443, client: {} }, text);
        }
      }),
      { numRuns: 200 },
    );
  });
});
