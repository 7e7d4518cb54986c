import {
  ENDPOINT_PATHS,
  IDS,
  addClientInterface,
  addSecurityGroup,
  baseline,
  defaultDenies,
  naclEntry,
  setIngress,
  setNaclEntries,
  tcpPermission,
  toModel,
  type VpcDocuments,
} from './fixtures.js';
import type { NetworkModel } from '../../src/core/model.js';

/**
 * A consumer VPC for "who can reach": the endpoint's group admits 443 from anywhere (an
 * exposure); the first endpoint subnet's NACL denies the upper half of the client subnet
 * (a carve-out) and lets the return out on 32768-65535 only (a warning for the default
 * ephemeral range); the client subnet holds the baseline client plus two more interfaces
 * of its group (one in the carve-out) and one of a group that allows nothing out.
 */
export const REACH = {
  endpointId: IDS.endpoint,
  carvedOut: '10.0.1.128/25',
  carvedClient: { eni: 'eni-0c0c0c0c0c0c0c0c2', ip: '10.0.1.200' },
  sameGroupClient: { eni: 'eni-0c0c0c0c0c0c0c0c3', ip: '10.0.1.30' },
  lockedClient: { eni: 'eni-0c0c0c0c0c0c0c0c4', ip: '10.0.1.40' },
  lockedGroup: 'sg-0b0b0b0b0b0b0b0b4',
  warnedAcl: ENDPOINT_PATHS[0].nacl,
  warnedEni: ENDPOINT_PATHS[0].eni,
} as const;

export function reachDocuments(): VpcDocuments {
  const docs = baseline();
  setIngress(docs, IDS.endpointSg, [tcpPermission(443, 443, { cidrs: ['0.0.0.0/0'] })]);
  setNaclEntries(docs, REACH.warnedAcl, [
    naclEntry({ rule: 90, egress: false, action: 'deny', ports: 443, cidr: REACH.carvedOut }),
    naclEntry({ rule: 100, egress: false, ports: 443, cidr: '0.0.0.0/0' }),
    ...defaultDenies(false),
    naclEntry({ rule: 100, egress: true, ports: [32768, 65535], cidr: '0.0.0.0/0' }),
    ...defaultDenies(true),
  ]);
  addClientInterface(docs, { id: REACH.carvedClient.eni, subnet: IDS.clientSubnet, ip: REACH.carvedClient.ip, groups: [IDS.clientSg], seed: 40 });
  addClientInterface(docs, { id: REACH.sameGroupClient.eni, subnet: IDS.clientSubnet, ip: REACH.sameGroupClient.ip, groups: [IDS.clientSg], seed: 41 });
  addSecurityGroup(docs, { id: REACH.lockedGroup, name: 'locked-down', ingress: [], egress: [] });
  addClientInterface(docs, { id: REACH.lockedClient.eni, subnet: IDS.clientSubnet, ip: REACH.lockedClient.ip, groups: [REACH.lockedGroup], seed: 42 });
  return docs;
}

export function reachModel(): NetworkModel {
  return toModel(reachDocuments());
}
