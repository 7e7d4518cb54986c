import { networkInterfaces } from 'node:os';
import type { NetworkModel } from '../core/model.js';

/**
 * This service's own address as a client, for reconciling its probes with the static
 * verdict: the configured one, else the first local address that is a network interface
 * in the data (the pod's or instance's ENI).
 */
export function discoverSelfIp(model: NetworkModel, configured: string | undefined): string | undefined {
  if (configured) return configured;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (!address.internal && model.interfaceByIp.has(address.address)) return address.address;
    }
  }
  return undefined;
}
