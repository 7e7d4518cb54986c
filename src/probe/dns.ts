import { promises as dnsPromises } from 'node:dns';
import type { DnsNameCheck } from './report.js';

/**
 * Whether the endpoint's DNS names answer exactly its interfaces' IPs: the regional name all
 * of them, a zonal name (`…-us-east-1a.vpce…`) the one in its AZ. A private hosted zone that
 * points elsewhere is a frequent cause of "the rules allow it but it fails".
 */

export type Resolver = (name: string) => Promise<string[]>;

export const systemResolver: Resolver = (name) => dnsPromises.resolve4(name);

export interface InterfaceAddress {
  readonly address: string;
  readonly availabilityZone?: string;
}

function zoneOf(name: string, zones: readonly string[]): string | undefined {
  const first = name.split('.')[0] ?? '';
  return zones.find((zone) => first.endsWith(`-${zone}`));
}

export async function checkEndpointDns(
  names: readonly string[],
  interfaces: readonly InterfaceAddress[],
  resolve: Resolver = systemResolver,
): Promise<DnsNameCheck[]> {
  const zones = [...new Set(interfaces.flatMap((eni) => (eni.availabilityZone ? [eni.availabilityZone] : [])))];
  const ipv4 = interfaces.filter((eni) => !eni.address.includes(':'));
  return Promise.all(
    names.map(async (name) => {
      const zone = zoneOf(name, zones);
      const expected = [...new Set((zone ? ipv4.filter((eni) => eni.availabilityZone === zone) : ipv4).map((eni) => eni.address))].sort();
      try {
        const answers = (await resolve(name)).sort();
        return { name, kind: zone ? 'zonal' : 'regional', expected, answers, matches: answers.join() === expected.join() };
      } catch (error) {
        return {
          name,
          kind: zone ? 'zonal' : 'regional',
          expected,
          answers: [],
          matches: false,
          error: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
        };
      }
    }),
  );
}
