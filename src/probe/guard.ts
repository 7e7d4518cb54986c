import ipaddr from 'ipaddr.js';
import type { NetworkModel, VpcEndpoint } from '../core/model.js';
import { parseIp } from '../core/net.js';

/**
 * What the service may dial on a caller's behalf: only the private IPs of the network
 * interfaces of endpoints it has discovered, only on the endpoint's service ports or a
 * configured allow-list, and never a link-local, multicast or unspecified address (the
 * instance metadata service lives at 169.254.169.254), whatever the data says.
 */

export class ProbeRefusedError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ProbeRefusedError';
  }
}

export interface ProbeTarget {
  readonly networkInterfaceId: string;
  readonly address: string;
  readonly port: number;
  readonly availabilityZone?: string;
  readonly availabilityZoneId?: string;
}

const NEVER_DIALLED = new Set(['linkLocal', 'multicast', 'unspecified', 'broadcast', 'reserved']);

/** The instance metadata service's IPv6 address on Nitro instances. */
const METADATA_IPV6 = ipaddr.IPv6.parse('fd00:ec2::254');

/** The IPv4 address an IPv6 one carries in its low 32 bits (NAT64, IPv4-compatible). */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12));
}

/** True for an address the prober refuses whatever the data says. */
export function isForbiddenAddress(text: string): boolean {
  if (!ipaddr.isValid(text)) return true;
  const parsed = ipaddr.process(text);
  if (NEVER_DIALLED.has(parsed.range())) return true;
  if (parsed.kind() === 'ipv6') {
    const ipv6 = parsed as ipaddr.IPv6;
    if (ipv6.toNormalizedString() === METADATA_IPV6.toNormalizedString()) return true;
    // 64:ff9b::a9fe:a9fe and ::a9fe:a9fe reach 169.254.169.254 through translation.
    const translated =
      ipv6.range() === 'rfc6052' ||
      ipv6
        .toByteArray()
        .slice(0, 12)
        .every((byte) => byte === 0);
    if (translated && NEVER_DIALLED.has(embeddedIpv4(ipv6).range())) return true;
  }
  return false;
}

/** The endpoint's interfaces and their private IPs, as discovered: the only dialable addresses. */
export function endpointInterfaceTargets(model: NetworkModel, endpoint: VpcEndpoint): Omit<ProbeTarget, 'port'>[] {
  return endpoint.networkInterfaceIds.flatMap((networkInterfaceId) => {
    const eni = model.networkInterfaces.get(networkInterfaceId);
    if (!eni) return [];
    const subnet = model.subnets.get(eni.subnetId);
    return [...eni.privateIps, ...eni.ipv6Addresses]
      .filter((address) => !isForbiddenAddress(address.text))
      .map((address) => ({
        networkInterfaceId,
        address: address.text,
        ...(subnet ? { availabilityZone: subnet.availabilityZone } : {}),
        ...(subnet?.availabilityZoneId ? { availabilityZoneId: subnet.availabilityZoneId } : {}),
      }));
  });
}

/**
 * Narrows the endpoint's targets to what the caller asked for. A caller names interfaces
 * by id or by their exact canonical IP; any other spelling (IPv4-mapped IPv6, decimal,
 * octal, a name) or any address that is not one of the endpoint's interfaces is refused.
 * What is dialled is always the discovered address, never the caller's text.
 */
export function selectProbeTargets(
  discovered: readonly Omit<ProbeTarget, 'port'>[],
  requested: readonly string[] | undefined,
  ports: readonly number[],
  allowedPorts: ReadonlySet<number>,
): ProbeTarget[] {
  for (const port of ports) {
    if (!allowedPorts.has(port)) {
      throw new ProbeRefusedError(
        `port ${port} is neither a service port of this endpoint nor in the probe allow-list (${[...allowedPorts].join(', ')})`,
        'body.port',
      );
    }
  }
  let chosen = discovered;
  if (requested) {
    chosen = requested.map((text, index) => {
      const match = discovered.find((target) => target.networkInterfaceId === text || target.address === text);
      if (!match) {
        const canonical = parseIp(text)?.text;
        const why =
          canonical && discovered.some((target) => target.address === canonical)
            ? `is not written as the interface's address ${canonical}`
            : 'is not a network interface of this endpoint';
        throw new ProbeRefusedError(`target "${text}" ${why}: only the endpoint's own interfaces are probed`, `body.targets.${index}`);
      }
      return match;
    });
  }
  // A target named twice (by id and by address, or sixteen times) is dialled once per port.
  const unique = [...new Map(chosen.map((target) => [`${target.networkInterfaceId}|${target.address}`, target])).values()];
  return unique.flatMap((target) => [...new Set(ports)].map((port) => ({ ...target, port })));
}
