import type { CollectionName } from './model.js';

/**
 * The AWS collections: one row per response a model is built from, and everything every
 * place that names a collection needs to know about it — the snapshot reader and writer
 * (file, top-level key, per-resource folders), the live collector (call, pagination, page
 * size, IAM action, whether it is fetched at all), the messages that name it (label, CLI
 * command), the AWS fake of the tests, docs/iam-policy.json and the README's list of files.
 * Those are derived from this table or held to it by test/sources/collections.test.ts.
 *
 * Pure data: the core may import it (it names collections in its messages); the SDK
 * binding of each call lives with the live source (sources/aws/calls.ts).
 */

/** How a listing is paged: the request's token and page size parameters, the response's token. */
export interface Pagination {
  /** The request parameter that asks for the next page: `NextToken` (EC2), `Marker` (ELBv2). */
  readonly inputToken: 'NextToken' | 'Marker';
  /** The response field that says there is another page: `NextToken` (EC2), `NextMarker` (ELBv2). */
  readonly outputToken: 'NextToken' | 'NextMarker';
  /** The request parameter that sizes a page: `MaxResults` (EC2), `PageSize` (ELBv2). */
  readonly pageSizeParam: 'MaxResults' | 'PageSize';
  /** The smallest and the largest page size the API accepts; the live source asks for the largest. */
  readonly minPageSize: number;
  readonly maxPageSize: number;
}

export type AwsService = 'ec2' | 'elbv2';

export interface CollectionSpec {
  readonly name: CollectionName;
  /** How messages name its items: `network ACLs`. */
  readonly label: string;
  /** The service, which names the snapshot folder and the CLI command: `ec2` or `elbv2`. */
  readonly service: AwsService;
  /** The API operation, which names the file (or the folder): `DescribeSubnets`. */
  readonly call: string;
  /** The AWS CLI command that prints it: `describe-subnets`. */
  readonly command: string;
  /** The IAM action the call needs: `ec2:DescribeSubnets`, `elasticloadbalancing:DescribeListeners`. */
  readonly iamAction: string;
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
  /** Absent: the call answers in one response. */
  readonly pagination?: Pagination;
  /**
   * The consumer-side path (the endpoints, their interfaces, subnets, NACLs and security
   * groups): without it most checks are `unknown`. The others add to the answer when present.
   */
  readonly required: boolean;
  /** What an optional collection adds, as the README's list of files says it. */
  readonly purpose?: string;
  /** Absent: the live source fetches it. Otherwise why it does not (a snapshot may still hold it). */
  readonly notLive?: string;
}

const IAM_PREFIX: Readonly<Record<AwsService, string>> = { ec2: 'ec2', elbv2: 'elasticloadbalancing' };

const EC2_PAGES = Object.freeze({ inputToken: 'NextToken', outputToken: 'NextToken', pageSizeParam: 'MaxResults', minPageSize: 5, maxPageSize: 1000 } as const);
/** DescribeManagedPrefixLists and GetManagedPrefixListEntries: at most 100 a page. */
const PREFIX_LIST_PAGES = Object.freeze({ ...EC2_PAGES, minPageSize: 1, maxPageSize: 100 } as const);
/** DescribeVpcEndpoints: from 1. */
const VPC_ENDPOINT_PAGES = Object.freeze({ ...EC2_PAGES, minPageSize: 1 } as const);
const ELBV2_PAGES = Object.freeze({ inputToken: 'Marker', outputToken: 'NextMarker', pageSizeParam: 'PageSize', minPageSize: 1, maxPageSize: 400 } as const);

interface Options {
  readonly label: string;
  readonly pagination?: Pagination;
  readonly required?: boolean;
  readonly purpose?: string;
  readonly notLive?: string;
  readonly perResource?: { readonly keyedBy: string; readonly resource: string };
}

function spec<const Name extends CollectionName, const Extra extends Options>(
  name: Name,
  service: AwsService,
  call: string,
  topLevelKey: string,
  options: Extra,
): CollectionSpec & { readonly name: Name } & (Extra['perResource'] extends object
    ? { readonly keyedBy: string; readonly resource: string }
    : { readonly keyedBy?: undefined }) &
  (Extra['notLive'] extends string ? { readonly notLive: string } : { readonly notLive?: undefined }) {
  const { perResource, required = false, label, pagination, purpose, notLive } = options;
  const command = call.replace(/[A-Z]/g, (letter, offset: number) => `${offset === 0 ? '' : '-'}${letter.toLowerCase()}`);
  return Object.freeze({
    name,
    label,
    service,
    call,
    command,
    iamAction: `${IAM_PREFIX[service]}:${call}`,
    topLevelKey,
    ...perResource,
    path: perResource ? `${service}/${call}` : `${service}/${call}.json`,
    ...(pagination ? { pagination } : {}),
    required,
    ...(purpose ? { purpose } : {}),
    ...(notLive ? { notLive } : {}),
  }) as never;
}

/** Every collection, in the order of the snapshot layout (contract §4). */
const TABLE = Object.freeze([
  spec('vpcEndpoints', 'ec2', 'DescribeVpcEndpoints', 'VpcEndpoints', { label: 'VPC endpoints', pagination: VPC_ENDPOINT_PAGES, required: true }),
  spec('networkInterfaces', 'ec2', 'DescribeNetworkInterfaces', 'NetworkInterfaces', { label: 'network interfaces', pagination: EC2_PAGES, required: true }),
  spec('subnets', 'ec2', 'DescribeSubnets', 'Subnets', { label: 'subnets', pagination: EC2_PAGES, required: true }),
  spec('networkAcls', 'ec2', 'DescribeNetworkAcls', 'NetworkAcls', { label: 'network ACLs', pagination: EC2_PAGES, required: true }),
  spec('securityGroups', 'ec2', 'DescribeSecurityGroups', 'SecurityGroups', { label: 'security groups', pagination: EC2_PAGES, required: true }),
  spec('prefixLists', 'ec2', 'DescribeManagedPrefixLists', 'PrefixLists', {
    label: 'managed prefix lists',
    pagination: PREFIX_LIST_PAGES,
    purpose: 'prefix lists that security group rules name',
  }),
  spec('prefixListEntries', 'ec2', 'GetManagedPrefixListEntries', 'Entries', {
    label: 'prefix list entries',
    pagination: PREFIX_LIST_PAGES,
    perResource: { keyedBy: 'prefix-list-id', resource: 'prefix list' },
    purpose: "each prefix list's CIDRs",
  }),
  spec('instances', 'ec2', 'DescribeInstances', 'Reservations', {
    label: 'instances',
    pagination: EC2_PAGES,
    purpose: 'primary interfaces the interface listing lacks',
    notLive:
      'the live source lists every network interface of the VPCs it reads, and each one names its instance and device index: ' +
      'DescribeInstances would add nothing to an answer but the largest response of the region and a broader permission',
  }),
  spec('endpointServices', 'ec2', 'DescribeVpcEndpointServiceConfigurations', 'ServiceConfigurations', {
    label: 'endpoint service configurations',
    pagination: EC2_PAGES,
    purpose: "provider side, the service's NLBs",
  }),
  spec('vpcEndpointServices', 'ec2', 'DescribeVpcEndpointServices', 'ServiceDetails', {
    label: 'endpoint services (consumer side)',
    pagination: EC2_PAGES,
    purpose: "consumer side, names the provider's account",
  }),
  spec('loadBalancers', 'elbv2', 'DescribeLoadBalancers', 'LoadBalancers', { label: 'load balancers', pagination: ELBV2_PAGES, purpose: 'provider side' }),
  spec('loadBalancerAttributes', 'elbv2', 'DescribeLoadBalancerAttributes', 'Attributes', {
    label: 'load balancer attributes',
    perResource: { keyedBy: 'lb-name', resource: 'load balancer' },
    purpose: 'cross-zone load balancing',
  }),
  spec('listeners', 'elbv2', 'DescribeListeners', 'Listeners', {
    label: 'listeners',
    pagination: ELBV2_PAGES,
    perResource: { keyedBy: 'lb-name', resource: 'load balancer' },
    purpose: "the NLB's ports and target groups",
  }),
  spec('targetGroups', 'elbv2', 'DescribeTargetGroups', 'TargetGroups', {
    label: 'target groups',
    pagination: ELBV2_PAGES,
    purpose: 'the target type and port',
  }),
  spec('targetHealth', 'elbv2', 'DescribeTargetHealth', 'TargetHealthDescriptions', {
    label: 'target health',
    perResource: { keyedBy: 'target-group-name', resource: 'target group' },
    purpose: 'the targets and their health',
  }),
] as const);

type Row = (typeof TABLE)[number];

/** The collections answered by one response per resource, read from and written to a folder. */
export type PerResourceName = Extract<Row, { readonly keyedBy: string }>['name'];
/** The collections answered by one response, read from and written to one file. */
export type SingleResponseName = Exclude<CollectionName, PerResourceName>;
/** The collections the live source fetches. */
export type LiveCollectionName = Exclude<CollectionName, Extract<Row, { readonly notLive: string }>['name']>;

/** Every collection, in layout order. */
export const COLLECTION_LIST: readonly CollectionSpec[] = TABLE;

/** Each collection's row, by name: the compiler holds the table to `CollectionName`, one row each. */
export const COLLECTIONS: Readonly<Record<CollectionName, CollectionSpec>> = Object.freeze(
  Object.fromEntries(TABLE.map((row) => [row.name, row])) as { [Name in Row['name']]: Extract<Row, { readonly name: Name }> },
);

/** The response fields that say a response is one page of several: `NextToken`, `NextMarker`. */
export const PAGE_TOKENS: readonly string[] = Object.freeze([
  ...new Set(COLLECTION_LIST.flatMap((entry) => (entry.pagination ? [entry.pagination.outputToken] : []))),
]);

/** The AWS CLI command line that prints a response: `aws ec2 describe-subnets`. */
export function commandLine(entry: CollectionSpec): string {
  return `aws ${entry.service} ${entry.command}`;
}

/** Whether the live source fetches a collection. */
export function isLive(entry: CollectionSpec): boolean {
  return entry.notLive === undefined;
}

/** The IAM actions the live source needs to read one account and region, sorted and unique. */
export function liveReadActions(): string[] {
  return [...new Set(COLLECTION_LIST.filter(isLive).map((entry) => entry.iamAction))].sort();
}
