/**
 * The snapshot layout of the analysis contract §4: one AWS CLI JSON file per call. This is
 * the one table of the layout: the reader, the live export and the error messages all
 * derive from it.
 */

import type { CollectionName } from '../../core/model.js';

/** The responses a snapshot can hold: one per collection of the model, named alike. */
export type ResponseName = CollectionName;

export interface LayoutEntry {
  readonly name: ResponseName;
  /** The folder of the service: `ec2` or `elbv2`. */
  readonly service: 'ec2' | 'elbv2';
  /** The API operation, which names the file (or the folder): `DescribeSubnets`. */
  readonly call: string;
  /** The AWS CLI command that prints it: `aws ec2 describe-subnets`. */
  readonly command: string;
  /** The list the response holds, which tells the call by its content: `Subnets`. */
  readonly topLevelKey: string;
  /**
   * Per-resource responses: a folder of `<key>.json` files, one per resource, where the key
   * is what the file stands for (the response itself does not say).
   */
  readonly keyedBy?: string;
  /** What each file of a per-resource folder is for: `load balancer`. */
  readonly resource?: string;
  /** Relative to the snapshot directory: `ec2/DescribeSubnets.json`, or the folder `ec2/GetManagedPrefixListEntries`. */
  readonly path: string;
}

function entry(
  name: ResponseName,
  service: LayoutEntry['service'],
  call: string,
  topLevelKey: string,
  perResource?: { keyedBy: string; resource: string },
): LayoutEntry {
  const command = call.replace(/[A-Z]/g, (letter, offset: number) => `${offset === 0 ? '' : '-'}${letter.toLowerCase()}`);
  return {
    name,
    service,
    call,
    command,
    topLevelKey,
    ...perResource,
    path: perResource ? `${service}/${call}` : `${service}/${call}.json`,
  };
}

/** Every file and folder of the layout, in the order of §4. */
export const SNAPSHOT_LAYOUT: Readonly<Record<ResponseName, LayoutEntry>> = {
  vpcEndpoints: entry('vpcEndpoints', 'ec2', 'DescribeVpcEndpoints', 'VpcEndpoints'),
  networkInterfaces: entry('networkInterfaces', 'ec2', 'DescribeNetworkInterfaces', 'NetworkInterfaces'),
  subnets: entry('subnets', 'ec2', 'DescribeSubnets', 'Subnets'),
  networkAcls: entry('networkAcls', 'ec2', 'DescribeNetworkAcls', 'NetworkAcls'),
  securityGroups: entry('securityGroups', 'ec2', 'DescribeSecurityGroups', 'SecurityGroups'),
  prefixLists: entry('prefixLists', 'ec2', 'DescribeManagedPrefixLists', 'PrefixLists'),
  prefixListEntries: entry('prefixListEntries', 'ec2', 'GetManagedPrefixListEntries', 'Entries', { keyedBy: 'prefix-list-id', resource: 'prefix list' }),
  instances: entry('instances', 'ec2', 'DescribeInstances', 'Reservations'),
  endpointServices: entry('endpointServices', 'ec2', 'DescribeVpcEndpointServiceConfigurations', 'ServiceConfigurations'),
  vpcEndpointServices: entry('vpcEndpointServices', 'ec2', 'DescribeVpcEndpointServices', 'ServiceDetails'),
  loadBalancers: entry('loadBalancers', 'elbv2', 'DescribeLoadBalancers', 'LoadBalancers'),
  loadBalancerAttributes: entry('loadBalancerAttributes', 'elbv2', 'DescribeLoadBalancerAttributes', 'Attributes', { keyedBy: 'lb-name', resource: 'load balancer' }),
  listeners: entry('listeners', 'elbv2', 'DescribeListeners', 'Listeners', { keyedBy: 'lb-name', resource: 'load balancer' }),
  targetGroups: entry('targetGroups', 'elbv2', 'DescribeTargetGroups', 'TargetGroups'),
  targetHealth: entry('targetHealth', 'elbv2', 'DescribeTargetHealth', 'TargetHealthDescriptions', { keyedBy: 'target-group-name', resource: 'target group' }),
};

export const LAYOUT_ENTRIES: readonly LayoutEntry[] = Object.values(SNAPSHOT_LAYOUT);

/** The AWS CLI command line that prints a response: `aws ec2 describe-subnets`. */
export function commandLine(entry: LayoutEntry): string {
  return `aws ${entry.service} ${entry.command}`;
}
