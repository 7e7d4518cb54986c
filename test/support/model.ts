import type { NetworkModel } from '../../src/core/model.js';
import { JsonReader } from '../../src/sources/normalize/json-reader.js';
import { modelFromAwsResponses } from '../../src/sources/normalize/model.js';

/**
 * Builds a model from AWS CLI-shaped JSON documents, as a snapshot holds them, so that unit
 * tests state their fixtures in AWS's own terms. A document left out is "not captured",
 * exactly as a missing snapshot file.
 */
export interface AwsDocuments {
  readonly DescribeVpcEndpoints?: { VpcEndpoints: unknown[] };
  readonly DescribeNetworkInterfaces?: { NetworkInterfaces: unknown[] };
  readonly DescribeSubnets?: { Subnets: unknown[] };
  readonly DescribeNetworkAcls?: { NetworkAcls: unknown[] };
  readonly DescribeSecurityGroups?: { SecurityGroups: unknown[] };
  readonly DescribeManagedPrefixLists?: { PrefixLists: unknown[] };
  /** Prefix list id -> `GetManagedPrefixListEntries` output. */
  readonly GetManagedPrefixListEntries?: Record<string, { Entries: unknown[] }>;
  readonly DescribeInstances?: { Reservations: unknown[] };
  readonly DescribeVpcEndpointServiceConfigurations?: { ServiceConfigurations: unknown[] };
  readonly DescribeLoadBalancers?: { LoadBalancers: unknown[] };
  /** Load balancer name -> `DescribeLoadBalancerAttributes` output. */
  readonly DescribeLoadBalancerAttributes?: Record<string, { Attributes: unknown[] }>;
  /** Load balancer name -> `DescribeListeners` output. */
  readonly DescribeListeners?: Record<string, { Listeners: unknown[] }>;
  readonly DescribeTargetGroups?: { TargetGroups: unknown[] };
  /** Target group name -> `DescribeTargetHealth` output. */
  readonly DescribeTargetHealth?: Record<string, { TargetHealthDescriptions: unknown[] }>;
}

function reader(name: string, document: unknown): JsonReader | undefined {
  return document === undefined ? undefined : new JsonReader(`${name}.json`, document);
}

function readers(name: string, documents: Record<string, unknown> | undefined): Map<string, JsonReader> {
  return new Map(Object.entries(documents ?? {}).map(([key, document]) => [key, new JsonReader(`${name}/${key}.json`, document)]));
}

export function modelFromAws(documents: AwsDocuments): NetworkModel {
  return modelFromAwsResponses(
    {
      vpcEndpoints: reader('DescribeVpcEndpoints', documents.DescribeVpcEndpoints),
      networkInterfaces: reader('DescribeNetworkInterfaces', documents.DescribeNetworkInterfaces),
      subnets: reader('DescribeSubnets', documents.DescribeSubnets),
      networkAcls: reader('DescribeNetworkAcls', documents.DescribeNetworkAcls),
      securityGroups: reader('DescribeSecurityGroups', documents.DescribeSecurityGroups),
      prefixLists: reader('DescribeManagedPrefixLists', documents.DescribeManagedPrefixLists),
      prefixListEntries: readers('GetManagedPrefixListEntries', documents.GetManagedPrefixListEntries),
      instances: reader('DescribeInstances', documents.DescribeInstances),
      endpointServices: reader('DescribeVpcEndpointServiceConfigurations', documents.DescribeVpcEndpointServiceConfigurations),
      loadBalancers: reader('DescribeLoadBalancers', documents.DescribeLoadBalancers),
      loadBalancerAttributes: readers('DescribeLoadBalancerAttributes', documents.DescribeLoadBalancerAttributes),
      listeners: readers('DescribeListeners', documents.DescribeListeners),
      targetGroups: reader('DescribeTargetGroups', documents.DescribeTargetGroups),
      targetHealth: readers('DescribeTargetHealth', documents.DescribeTargetHealth),
    },
    { kind: 'snapshot', location: 'test' },
  );
}
