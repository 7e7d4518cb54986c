import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import { EC2ServiceException, type DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ElasticLoadBalancingV2ServiceException,
  type DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { COLLECTION_LIST, type AwsService, type CollectionSpec } from '../../../src/core/collections.js';
import type { AwsClients } from '../../../src/sources/aws/clients.js';
import type { AwsJsonDocument, AwsJsonDocumentsByKey, AwsResponsesJson } from '../../../src/sources/aws/responses.js';

/**
 * An in-memory AWS region that answers the EC2 and ELBv2 describe calls the way the real
 * APIs do, as far as the collector and the benchmark depend on it: id parameters (a
 * missing id fails the call with AWS's NotFound code), filters (an unknown filter name,
 * or more than 200 values, is refused as EC2 refuses it), pagination with AWS's page size
 * limits, ELBv2's 20-ARN limit. It can deny or fail an operation, add latency, and
 * throttle with token buckets like EC2's request rate limiting.
 *
 * Plugged in with aws-sdk-client-mock (`attach`: the SDK's `send` is replaced, so retries
 * and middleware do not run) or as a middleware inside the SDK's stack (`installOn`:
 * serialization, signing, adaptive retries and pagination all run; only HTTP does not).
 */

export type FakeService = AwsService;

/**
 * What the region holds: a response for every collection of the table
 * (core/collections.ts), those the collector does not call (DescribeInstances) too, since a
 * capture with the AWS CLI does.
 */
export type FakeRegionData = AwsResponsesJson;

/** The collections table's row of an operation. */
function specOf(service: FakeService, operation: string): CollectionSpec | undefined {
  return COLLECTION_LIST.find((entry) => entry.service === service && entry.call === operation);
}

/** The IAM action of an operation, as the collections table names it: `ec2:DescribeSubnets`, `elasticloadbalancing:DescribeListeners`. */
export function iamAction(service: FakeService, operation: string): string {
  return specOf(service, operation)?.iamAction ?? `${service === 'ec2' ? 'ec2' : 'elasticloadbalancing'}:${operation}`;
}

export interface FakeCall {
  readonly service: FakeService;
  readonly operation: string;
  /** The input as it was when sent (paginators reuse and change one object). */
  readonly input: Record<string, unknown>;
  /** `throttled` when the token bucket refused it. */
  readonly outcome: 'answered' | 'throttled' | 'failed';
}

export interface TokenBucketOptions {
  readonly capacity: number;
  readonly refillPerSecond: number;
  /** One bucket per API action (EC2's current documentation), or one for all describe calls of a service. */
  readonly perAction: boolean;
}

/** EC2's documented request rate limit for non-mutating (Describe*) actions. */
export const EC2_DESCRIBE_BUCKET: TokenBucketOptions = { capacity: 100, refillPerSecond: 20, perAction: true };

export interface FakeRegionOptions {
  /** Added to every call, answered or throttled. */
  readonly latencyMs?: number;
  /** Added per item returned: a page of 1000 network interfaces takes EC2 longer than a page of 5. */
  readonly latencyPerItemMs?: number;
  readonly throttle?: TokenBucketOptions;
  /** At most this many items per page when a page size is asked (AWS may return fewer than asked). */
  readonly pageLimit?: number;
  readonly accountId?: string;
}

class TokenBucket {
  private tokens: number;
  private updatedAt = performance.now();

  constructor(private readonly options: TokenBucketOptions) {
    this.tokens = options.capacity;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.options.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.options.refillPerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

type Item = Record<string, unknown>;
type FilterValues = (item: Item) => unknown[];

/** How an EC2 listing answers; its list field, page sizes and tokens are the collections table's. */
interface Listing {
  readonly items: (region: FakeAwsRegion, input: Item) => Item[];
  /** EC2: the id parameter, the item's id field and the NotFound code. */
  readonly ids?: { readonly param: string; readonly field: string; readonly notFound: string };
  readonly filters?: Readonly<Record<string, FilterValues>>;
  /** EC2 refuses MaxResults together with this id parameter. */
  readonly noPageSizeWith?: string;
  /** Members of the response besides the list and the token. */
  readonly extra?: (items: Item[]) => Record<string, unknown>;
}

const field =
  (name: string): FilterValues =>
  (item) => [item[name]];
const nested =
  (list: string, name: string): FilterValues =>
  (item) =>
    ((item[list] as Item[] | undefined) ?? []).map((entry) => entry[name]);
const itemsOf = (document: AwsJsonDocument | undefined, key: string): Item[] => (document?.[key] as Item[] | undefined) ?? [];

const EC2_LISTINGS: Readonly<Record<string, Listing>> = {
  DescribeVpcEndpoints: {
    items: (region) => itemsOf(region.data.vpcEndpoints, 'VpcEndpoints'),
    ids: { param: 'VpcEndpointIds', field: 'VpcEndpointId', notFound: 'InvalidVpcEndpointId.NotFound' },
    filters: {
      'vpc-endpoint-id': field('VpcEndpointId'),
      'vpc-id': field('VpcId'),
      'service-name': field('ServiceName'),
      'vpc-endpoint-type': field('VpcEndpointType'),
    },
  },
  DescribeNetworkInterfaces: {
    items: (region) => itemsOf(region.data.networkInterfaces, 'NetworkInterfaces'),
    ids: { param: 'NetworkInterfaceIds', field: 'NetworkInterfaceId', notFound: 'InvalidNetworkInterfaceID.NotFound' },
    filters: {
      'vpc-id': field('VpcId'),
      'subnet-id': field('SubnetId'),
      'network-interface-id': field('NetworkInterfaceId'),
      description: field('Description'),
      'group-id': nested('Groups', 'GroupId'),
      'addresses.private-ip-address': nested('PrivateIpAddresses', 'PrivateIpAddress'),
    },
    noPageSizeWith: 'NetworkInterfaceIds',
  },
  DescribeSubnets: {
    items: (region) => itemsOf(region.data.subnets, 'Subnets'),
    ids: { param: 'SubnetIds', field: 'SubnetId', notFound: 'InvalidSubnetID.NotFound' },
    filters: { 'vpc-id': field('VpcId'), 'subnet-id': field('SubnetId') },
  },
  DescribeNetworkAcls: {
    items: (region) => itemsOf(region.data.networkAcls, 'NetworkAcls'),
    ids: { param: 'NetworkAclIds', field: 'NetworkAclId', notFound: 'InvalidNetworkAclID.NotFound' },
    filters: {
      'vpc-id': field('VpcId'),
      'network-acl-id': field('NetworkAclId'),
      'association.subnet-id': nested('Associations', 'SubnetId'),
      default: (item) => [String(item.IsDefault)],
    },
  },
  DescribeSecurityGroups: {
    items: (region) => itemsOf(region.data.securityGroups, 'SecurityGroups'),
    ids: { param: 'GroupIds', field: 'GroupId', notFound: 'InvalidGroup.NotFound' },
    filters: { 'vpc-id': field('VpcId'), 'group-id': field('GroupId') },
  },
  DescribeManagedPrefixLists: {
    items: (region) => itemsOf(region.data.prefixLists, 'PrefixLists'),
    ids: { param: 'PrefixListIds', field: 'PrefixListId', notFound: 'InvalidPrefixListID.NotFound' },
    filters: { 'prefix-list-id': field('PrefixListId'), 'prefix-list-name': field('PrefixListName') },
  },
  GetManagedPrefixListEntries: {
    items: (region, input) => {
      const id = String(input.PrefixListId);
      const entries = region.data.prefixListEntries?.[id];
      if (!entries) throw region.error('ec2', 'InvalidPrefixListID.NotFound', `The prefix list ID '${id}' does not exist`, 400);
      return itemsOf(entries, 'Entries');
    },
  },
  DescribeVpcEndpointServiceConfigurations: {
    items: (region) => itemsOf(region.data.endpointServices, 'ServiceConfigurations'),
    ids: { param: 'ServiceIds', field: 'ServiceId', notFound: 'InvalidVpcEndpointServiceId.NotFound' },
    filters: { 'service-name': field('ServiceName'), 'service-id': field('ServiceId') },
  },
  DescribeInstances: {
    // Instance ids pick instances, not reservations: each reservation keeps only the instances asked for.
    items: (region, input) => {
      const reservations = itemsOf(region.data.instances, 'Reservations');
      const ids = input.InstanceIds as string[] | undefined;
      if (!ids?.length) return reservations;
      const instancesOf = (reservation: Item) => itemsOf(reservation, 'Instances');
      const missing = ids.filter((id) => !reservations.some((reservation) => instancesOf(reservation).some((instance) => instance.InstanceId === id)));
      if (missing.length > 0) throw region.error('ec2', 'InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`, 400);
      return reservations
        .map((reservation) => ({ ...reservation, Instances: instancesOf(reservation).filter((instance) => ids.includes(instance.InstanceId as string)) }))
        .filter((reservation) => reservation.Instances.length > 0);
    },
    filters: {
      'instance-id': (item) => itemsOf(item, 'Instances').map((instance) => instance.InstanceId),
      'vpc-id': (item) => itemsOf(item, 'Instances').map((instance) => instance.VpcId),
    },
    noPageSizeWith: 'InstanceIds',
  },
  DescribeVpcEndpointServices: {
    // AWS answers for every service of the region; the fake knows the ones its data names.
    items: (region, input) => {
      const details = itemsOf(region.data.vpcEndpointServices, 'ServiceDetails');
      const names = input.ServiceNames as string[] | undefined;
      if (!names?.length) return details;
      const missing = names.filter((name) => !details.some((detail) => detail.ServiceName === name));
      if (missing.length > 0) throw region.error('ec2', 'InvalidServiceName', `The Vpc Endpoint Service '${missing[0]}' does not exist`, 400);
      return details.filter((detail) => names.includes(detail.ServiceName as string));
    },
    filters: { 'service-name': field('ServiceName'), 'service-type': nested('ServiceType', 'ServiceType'), owner: field('Owner') },
    extra: (items) => ({ ServiceNames: items.map((item) => item.ServiceName) }),
  },
};

/** The SDK command class of each call of the table: `DescribeSubnets` -> `DescribeSubnetsCommand`. */
function commandClass(entry: CollectionSpec): typeof DescribeSubnetsCommand {
  const module: Record<string, unknown> = entry.service === 'ec2' ? ec2Sdk : elbv2Sdk;
  const command = module[`${entry.call}Command`];
  if (typeof command !== 'function') throw new Error(`the SDK has no ${entry.call}Command for ${entry.name}`);
  return command as typeof DescribeSubnetsCommand;
}

const PAGE_TOKEN_PREFIX = 'fake-page:';

export class FakeAwsRegion {
  readonly calls: FakeCall[] = [];
  private readonly faults = new Map<string, Array<{ readonly error: () => Error; readonly when: (input: Item) => boolean }>>();
  private readonly buckets = new Map<string, TokenBucket>();
  private allowed: ReadonlySet<string> | undefined;
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();

  constructor(
    readonly data: FakeRegionData,
    private readonly options: FakeRegionOptions = {},
  ) {}

  /** Calls by operation name, in order. */
  callsOf(operation: string): FakeCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  /** The most calls of `operation` (of every operation, when absent) the region was answering at once. */
  peakInFlight(operation?: string): number {
    return this.peaks.get(operation ?? '*') ?? 0;
  }

  /** Makes `operation` fail with `error` for the calls `when` picks (all by default). */
  failWith(operation: string, error: () => Error, when: (input: Item) => boolean = () => true): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), { error, when }]);
  }

  /** As AWS answers a principal whose policy lacks the action. */
  deny(service: FakeService, operation: string, when?: (input: Item) => boolean): void {
    this.failWith(operation, () => this.denial(service, operation), when);
  }

  /** As AWS answers a principal whose only policy allows these IAM actions (`ec2:DescribeSubnets`): every other call is denied. */
  allowOnly(actions: Iterable<string>): void {
    this.allowed = new Set(actions);
  }

  private denial(service: FakeService, operation: string): Error {
    const action = iamAction(service, operation);
    const principal = `arn:aws:sts::${this.options.accountId ?? '111122223333'}:assumed-role/vpce-doctor/test`;
    const message = `User: ${principal} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
    return this.error(service, service === 'ec2' ? 'UnauthorizedOperation' : 'AccessDenied', message, 403);
  }

  error(service: FakeService, code: string, message: string, httpStatusCode: number): Error {
    const options = { name: code, $fault: httpStatusCode >= 500 ? ('server' as const) : ('client' as const), $metadata: { httpStatusCode }, message };
    return service === 'ec2' ? new EC2ServiceException(options) : new ElasticLoadBalancingV2ServiceException(options);
  }

  throttlingError(service: FakeService): Error {
    return service === 'ec2'
      ? this.error('ec2', 'RequestLimitExceeded', 'Request limit exceeded.', 503)
      : this.error('elbv2', 'Throttling', 'Rate exceeded', 400);
  }

  async handle(service: FakeService, operation: string, input: Item): Promise<Record<string, unknown>> {
    const keys = [operation, '*'];
    for (const key of keys) {
      const now = (this.inFlight.get(key) ?? 0) + 1;
      this.inFlight.set(key, now);
      this.peaks.set(key, Math.max(now, this.peaks.get(key) ?? 0));
    }
    try {
      return await this.answer(service, operation, input);
    } finally {
      for (const key of keys) this.inFlight.set(key, this.inFlight.get(key)! - 1);
    }
  }

  private async answer(service: FakeService, operation: string, input: Item): Promise<Record<string, unknown>> {
    const record = (outcome: FakeCall['outcome']) => this.calls.push({ service, operation, input: structuredClone(input), outcome });
    if (this.options.latencyMs) await sleep(this.options.latencyMs);
    if (this.options.throttle) {
      const key = this.options.throttle.perAction ? `${service}:${operation}` : service;
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.options.throttle)));
      if (!bucket.take()) {
        record('throttled');
        throw this.throttlingError(service);
      }
    }
    if (this.allowed && !this.allowed.has(iamAction(service, operation))) {
      record('failed');
      throw this.denial(service, operation);
    }
    const fault = this.faults.get(operation)?.find((candidate) => candidate.when(input));
    if (fault) {
      record('failed');
      throw fault.error();
    }
    try {
      const output = service === 'ec2' ? this.ec2(operation, input) : this.elbv2(operation, input);
      const items = Object.values(output).find(Array.isArray)?.length ?? 0;
      if (this.options.latencyPerItemMs) await sleep(items * this.options.latencyPerItemMs);
      record('answered');
      // Fresh lists, shared items: the collector copies what it keeps, and copying here would
      // bill AWS's work to the benchmark's wall time.
      return { ...output, $metadata: { httpStatusCode: 200 } };
    } catch (error) {
      record('failed');
      throw error;
    }
  }

  private ec2(operation: string, input: Item): Record<string, unknown> {
    const listing = EC2_LISTINGS[operation];
    const spec = specOf('ec2', operation);
    if (!listing || !spec) throw this.error('ec2', 'InvalidAction', `The action ${operation} is not valid for this web service.`, 400);
    let items = listing.items(this, input);
    const ids = listing.ids && (input[listing.ids.param] as string[] | undefined);
    if (listing.ids && ids && ids.length > 0) {
      const { field: idField, notFound } = listing.ids;
      const missing = ids.filter((id) => !items.some((item) => item[idField] === id));
      if (missing.length > 0) throw this.error('ec2', notFound, `The ${idField} '${missing.join(', ')}' does not exist`, 400);
      items = items.filter((item) => ids.includes(item[idField] as string));
    }
    for (const filter of (input.Filters as Array<{ Name: string; Values: string[] }> | undefined) ?? []) {
      const values = listing.filters?.[filter.Name];
      if (!values) throw this.error('ec2', 'InvalidParameterValue', `The filter '${filter.Name}' is invalid`, 400);
      if (filter.Values.length > 200)
        throw this.error('ec2', 'FilterLimitExceeded', 'The maximum number of filter values specified on a single call is 200', 400);
      items = items.filter((item) => values(item).some((value) => filter.Values.includes(String(value))));
    }
    const maxResults = input.MaxResults as number | undefined;
    if (maxResults !== undefined && listing.noPageSizeWith && (input[listing.noPageSizeWith] as unknown[] | undefined)?.length) {
      throw this.error('ec2', 'InvalidParameterCombination', `The parameter ${listing.noPageSizeWith} cannot be used with the parameter MaxResults`, 400);
    }
    const pageSize = spec.pagination && { min: spec.pagination.minPageSize, max: spec.pagination.maxPageSize };
    if (maxResults !== undefined && pageSize && (maxResults < pageSize.min || (maxResults > pageSize.max && operation !== 'DescribeVpcEndpoints'))) {
      throw this.error('ec2', 'InvalidParameterValue', `Value (${maxResults}) for parameter maxResults is invalid.`, 400);
    }
    const page = this.page(items, input.NextToken, maxResults === undefined ? undefined : Math.min(maxResults, pageSize?.max ?? maxResults));
    return { [spec.topLevelKey]: page.items, ...listing.extra?.(page.items), ...(page.next ? { NextToken: page.next } : {}) };
  }

  private elbv2(operation: string, input: Item): Record<string, unknown> {
    const loadBalancers = itemsOf(this.data.loadBalancers, 'LoadBalancers');
    const targetGroups = itemsOf(this.data.targetGroups, 'TargetGroups');
    const byArn = (items: Item[], arnField: string, arn: unknown, code: string): Item => {
      const found = items.find((item) => item[arnField] === arn);
      if (!found) throw this.error('elbv2', code, `One or more resources not found: '${String(arn)}'`, 400);
      return found;
    };
    const paged = (listKey: string, items: Item[]) => {
      const paging = specOf('elbv2', operation)!.pagination!;
      const pageSize = input[paging.pageSizeParam] as number | undefined;
      if (pageSize !== undefined && (pageSize < paging.minPageSize || pageSize > paging.maxPageSize)) {
        throw this.error('elbv2', 'ValidationError', `PageSize must be between ${paging.minPageSize} and ${paging.maxPageSize}`, 400);
      }
      const page = this.page(items, input[paging.inputToken], pageSize);
      return { [listKey]: page.items, ...(page.next ? { [paging.outputToken]: page.next } : {}) };
    };
    const documentOf = (documents: Record<string, AwsJsonDocument> | undefined, key: string, listKey: string) => itemsOf(documents?.[key], listKey);
    switch (operation) {
      case 'DescribeLoadBalancers': {
        const arns = input.LoadBalancerArns as string[] | undefined;
        if (arns && arns.length > 20) throw this.error('elbv2', 'ValidationError', 'You can specify up to 20 load balancers', 400);
        const selected = arns?.length ? arns.map((arn) => byArn(loadBalancers, 'LoadBalancerArn', arn, 'LoadBalancerNotFoundException')) : loadBalancers;
        return paged('LoadBalancers', selected);
      }
      case 'DescribeLoadBalancerAttributes': {
        const lb = byArn(loadBalancers, 'LoadBalancerArn', input.LoadBalancerArn, 'LoadBalancerNotFoundException');
        return { Attributes: documentOf(this.data.loadBalancerAttributes, String(lb.LoadBalancerName), 'Attributes') };
      }
      case 'DescribeListeners': {
        const lb = byArn(loadBalancers, 'LoadBalancerArn', input.LoadBalancerArn, 'LoadBalancerNotFoundException');
        return paged('Listeners', documentOf(this.data.listeners, String(lb.LoadBalancerName), 'Listeners'));
      }
      case 'DescribeTargetGroups': {
        const arns = input.TargetGroupArns as string[] | undefined;
        let selected = arns?.length ? arns.map((arn) => byArn(targetGroups, 'TargetGroupArn', arn, 'TargetGroupNotFoundException')) : targetGroups;
        if (input.LoadBalancerArn)
          selected = selected.filter((group) => ((group.LoadBalancerArns as string[] | undefined) ?? []).includes(String(input.LoadBalancerArn)));
        return paged('TargetGroups', selected);
      }
      case 'DescribeTargetHealth': {
        const group = byArn(targetGroups, 'TargetGroupArn', input.TargetGroupArn, 'TargetGroupNotFoundException');
        return { TargetHealthDescriptions: documentOf(this.data.targetHealth, String(group.TargetGroupName), 'TargetHealthDescriptions') };
      }
      default:
        throw this.error('elbv2', 'InvalidAction', `Could not find operation ${operation}`, 400);
    }
  }

  private page(items: Item[], token: unknown, size: number | undefined): { items: Item[]; next?: string } {
    let start = 0;
    if (token !== undefined && token !== null && token !== '') {
      if (typeof token !== 'string' || !token.startsWith(PAGE_TOKEN_PREFIX)) throw this.error('ec2', 'InvalidNextToken', 'The token is invalid', 400);
      start = Number(token.slice(PAGE_TOKEN_PREFIX.length));
    }
    // Without a page size AWS answers with everything.
    if (size === undefined) return { items: items.slice(start) };
    const end = start + Math.min(size, this.options.pageLimit ?? size);
    return { items: items.slice(start, end), ...(end < items.length ? { next: `${PAGE_TOKEN_PREFIX}${end}` } : {}) };
  }

  /** Answers every command of the collector through aws-sdk-client-mock stubs. */
  attach(ec2: AwsClientStub<EC2Client>, elbv2: AwsClientStub<ElasticLoadBalancingV2Client>): void {
    for (const entry of COLLECTION_LIST) {
      const answer = (input: Item) => this.handle(entry.service, entry.call, input);
      if (entry.service === 'ec2') ec2.on(commandClass(entry)).callsFake(answer);
      else elbv2.on(commandClass(entry) as unknown as typeof DescribeLoadBalancersCommand).callsFake(answer);
    }
  }

  /**
   * Answers inside the SDK's stack, in place of the deserializer: the retry, adaptive rate
   * limiting, signing and metrics middleware all run around it.
   */
  installOn(clients: AwsClients): void {
    const answer =
      (service: FakeService) =>
      <Args extends { input: unknown }, Result>(_next: (args: Args) => Promise<Result>, context: { readonly commandName?: string }) =>
      async (args: Args): Promise<Result> => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        const output = await this.handle(service, operation, args.input as Item);
        return { output, response: { statusCode: 200, headers: {} } } as Result;
      };
    const options = { step: 'deserialize', priority: 'high', name: 'fakeAwsRegion', override: true } as const;
    clients.ec2.middlewareStack.add(answer('ec2'), options);
    clients.elbv2.middlewareStack.add(answer('elbv2'), options);
  }
}

async function readJsonIfPresent(path: string): Promise<AwsJsonDocument | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as AwsJsonDocument;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A snapshot directory as the region's contents: a response for every collection of the table, at its place in the layout. */
export async function regionFromSnapshot(dir: string): Promise<FakeRegionData> {
  const region: Record<string, AwsJsonDocument | AwsJsonDocumentsByKey> = {};
  for (const { name, path, keyedBy } of COLLECTION_LIST) {
    if (!keyedBy) {
      const document = await readJsonIfPresent(join(dir, path));
      if (document) region[name] = document;
      continue;
    }
    let names: string[] = [];
    try {
      names = (await readdir(join(dir, path))).filter((file) => file.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (names.length === 0) continue;
    const documents: Record<string, AwsJsonDocument> = {};
    for (const file of names) documents[file.slice(0, -'.json'.length)] = (await readJsonIfPresent(join(dir, path, file)))!;
    region[name] = documents;
  }
  return region as FakeRegionData;
}
