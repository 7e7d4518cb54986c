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
}

function reader(name: string, document: unknown): JsonReader | undefined {
  return document === undefined ? undefined : new JsonReader(`${name}.json`, document);
}

export function modelFromAws(documents: AwsDocuments): NetworkModel {
  const entries = Object.entries(documents.GetManagedPrefixListEntries ?? {});
  return modelFromAwsResponses(
    {
      vpcEndpoints: reader('DescribeVpcEndpoints', documents.DescribeVpcEndpoints),
      networkInterfaces: reader('DescribeNetworkInterfaces', documents.DescribeNetworkInterfaces),
      subnets: reader('DescribeSubnets', documents.DescribeSubnets),
      networkAcls: reader('DescribeNetworkAcls', documents.DescribeNetworkAcls),
      securityGroups: reader('DescribeSecurityGroups', documents.DescribeSecurityGroups),
      prefixLists: reader('DescribeManagedPrefixLists', documents.DescribeManagedPrefixLists),
      prefixListEntries: new Map(entries.map(([id, doc]) => [id, new JsonReader(`${id}.json`, doc)])),
      instances: reader('DescribeInstances', documents.DescribeInstances),
    },
    { kind: 'snapshot', location: 'test' },
  );
}
