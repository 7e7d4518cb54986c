import {
  type EC2Client,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcEndpointServiceConfigurationsCommand,
  DescribeVpcEndpointServicesCommand,
  GetManagedPrefixListEntriesCommand,
  type DescribeVpcEndpointServicesCommandOutput,
  type Filter,
  type NetworkAcl,
  type NetworkInterface,
  type SecurityGroup,
  type ServiceConfiguration,
  type Subnet,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import pLimit, { type LimitFunction } from 'p-limit';
import { COLLECTIONS, type LiveCollectionName, type PerResourceName } from '../../core/collections.js';
import type { CollectionName } from '../../core/model.js';
import { endpointServiceOwner } from '../../core/service.js';
import { AwsCallError, type AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';
import { EndpointsUnavailableError, isNotFound } from './errors.js';
import { documentOf, type AwsJsonDocument, type AwsResponsesJson } from './responses.js';

/**
 * Collects a region (or the part of it some endpoints need) in a number of calls that
 * does not grow with the number of endpoints beyond pagination:
 *
 * - a scan lists the subnets of the whole region first (a region has few), then the
 *   region's endpoints, network interfaces, NACLs and security groups, each split by the
 *   subnets' ids or VPCs into independent filtered listings run concurrently, each
 *   paginated on its own (see `regionChunks`): a client can sit in any VPC (a
 *   shared-services VPC reached over a transit gateway is the common case), and AWS
 *   answers the pages of one listing one after another, so a region's worth of interfaces
 *   in one listing would take as long as all its pages. A small region is listed whole,
 *   one listing each, as is any listing when the subnets cannot be had (or take more than
 *   a quarter of the deadline);
 * - a scan of named endpoints lists those endpoints, then the same four collections
 *   filtered to their VPCs (and to the provider NLBs' VPCs), so that one endpoint costs a
 *   small fixed number of calls; clients outside those VPCs are then outside the data;
 * - the provider side is asked for only when an endpoint names a customer service: its
 *   configurations by service name, their NLBs by ARN, and per NLB its attributes and
 *   listeners, per target group its health (ELBv2 has no batch form of those three);
 *   in a fleet (`offeredServices`), every service the account offers, whoever uses it,
 *   since the consumers may be other units;
 * - a customer service the endpoints use that this account does not offer is asked of
 *   DescribeVpcEndpointServices, whose `Owner` names the provider's account;
 * - prefix lists are asked for only when a security group rule names one.
 *
 * Ids go into filters, not id parameters: an id that no longer exists then drops out
 * instead of failing the whole call. A collection with any failed part is left out
 * whole, with the reason, since a partial list would read as complete (a subnet missing
 * its NACL association would fall back to the default NACL).
 */

/** EC2 takes at most 200 values in one filter. */
const FILTER_VALUES_PER_CALL = 200;
/** DescribeLoadBalancers takes at most 20 ARNs; target groups are asked for in the same batches. */
const ARNS_PER_CALL = 20;
/**
 * The items one part of a split listing aims at: below a few hundred, AWS's time per call
 * outweighs its time per item and more parts would only cost calls.
 */
const ITEMS_PER_CHUNK = 250;
/**
 * A split listing has at most this many parts (more only when the filter's 200 values
 * need them): its calls stay bounded, well within a throttling bucket's burst (EC2: 100
 * per action).
 */
export const MAX_CHUNKS_PER_LISTING = 16;
/**
 * Of the collection's calls in flight, the ones the split listings leave to the rest (the
 * endpoints, the provider side, the prefix lists), which would otherwise queue behind a
 * region's worth of listing parts.
 */
const SLOTS_KEPT_FROM_CHUNKS = 1;
/** The share of the collection deadline a scan waits for the subnets before it lists the rest of the region whole. */
const SUBNETS_WAIT_SHARE = 0.25;
/** Gateway endpoints are the ones in no subnet: a split by the subnets' VPCs lists them apart, region-wide. */
const GATEWAY_ENDPOINTS: Filter = { Name: 'vpc-endpoint-type', Values: ['Gateway'] };

export interface CollectionScope {
  /** Only these endpoints, their VPCs and their providers; absent or empty: the whole region. */
  readonly endpointIds?: readonly string[];
  /** Also every endpoint service the account offers (with its NLB), not only those its endpoints use. */
  readonly offeredServices?: boolean;
}

export interface CollectedResponses {
  readonly responses: AwsResponsesJson;
  readonly failures: ReadonlyMap<CollectionName, string>;
}

export { EndpointsUnavailableError };

function unique(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((value): value is string => value !== undefined && value !== ''))];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** One listing per batch of filter values, or one unfiltered listing when `values` is absent. */
function filterInputs(name: string, values: readonly string[] | undefined): Array<{ Filters?: Filter[] }> {
  if (values === undefined) return [{}];
  return chunks([...values].sort(), FILTER_VALUES_PER_CALL).map((batch) => ({ Filters: [{ Name: name, Values: batch }] }));
}

interface NetworkItems {
  readonly networkInterfaces: NetworkInterface;
  readonly subnets: Subnet;
  readonly networkAcls: NetworkAcl;
  readonly securityGroups: SecurityGroup;
}

type NetworkName = keyof NetworkItems;
type Network = { readonly [Name in NetworkName]?: NetworkItems[Name][] };
/** One promise per collection: what needs one (the prefix lists, the security groups) need not wait for the others. */
type NetworkListings = { readonly [Name in NetworkName]: Promise<NetworkItems[Name][] | undefined> };
const NETWORK_NAMES: readonly NetworkName[] = ['networkInterfaces', 'subnets', 'networkAcls', 'securityGroups'];

type ListingInput = { Filters?: Filter[] };

/** Every item of one (filtered) listing of a consumer-side collection, its pages one after another. */
const NETWORK_LISTINGS: { readonly [Name in NetworkName]: (ec2: EC2Client, caller: AwsCaller, input: ListingInput) => Promise<NetworkItems[Name][]> } = {
  networkInterfaces: (ec2, caller, input) =>
    caller.list(
      'networkInterfaces',
      (options) => pagesOf('networkInterfaces', input, (page) => ec2.send(new DescribeNetworkInterfacesCommand(page), options)),
      (page) => page.NetworkInterfaces,
    ),
  subnets: (ec2, caller, input) =>
    caller.list(
      'subnets',
      (options) => pagesOf('subnets', input, (page) => ec2.send(new DescribeSubnetsCommand(page), options)),
      (page) => page.Subnets,
    ),
  networkAcls: (ec2, caller, input) =>
    caller.list(
      'networkAcls',
      (options) => pagesOf('networkAcls', input, (page) => ec2.send(new DescribeNetworkAclsCommand(page), options)),
      (page) => page.NetworkAcls,
    ),
  securityGroups: (ec2, caller, input) =>
    caller.list(
      'securityGroups',
      (options) => pagesOf('securityGroups', input, (page) => ec2.send(new DescribeSecurityGroupsCommand(page), options)),
      (page) => page.SecurityGroups,
    ),
};

/**
 * `keys` in parts of at most 200 (one filter's values), as many as their weights (the
 * items they are expected to hold) call for at `ITEMS_PER_CHUNK` a part, at most
 * `MAX_CHUNKS_PER_LISTING`, each key to the lightest part, heaviest first. Undefined when
 * one part would do: the listing is then not filtered at all.
 */
export function weightedChunks(weights: ReadonlyMap<string, number>): string[][] | undefined {
  const total = [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  const count = Math.max(Math.ceil(weights.size / FILTER_VALUES_PER_CALL), Math.min(MAX_CHUNKS_PER_LISTING, weights.size, Math.ceil(total / ITEMS_PER_CHUNK)));
  if (count <= 1) return undefined;
  const parts = Array.from({ length: count }, () => ({ keys: [] as string[], weight: 0 }));
  const heaviestFirst = [...weights].sort(([a, wa], [b, wb]) => wb - wa || a.localeCompare(b));
  for (const [key, weight] of heaviestFirst) {
    let lightest: (typeof parts)[number] | undefined;
    for (const part of parts) if (part.keys.length < FILTER_VALUES_PER_CALL && (!lightest || part.weight < lightest.weight)) lightest = part;
    lightest!.keys.push(key);
    lightest!.weight += weight;
  }
  return parts.filter((part) => part.keys.length > 0).map((part) => part.keys.sort());
}

/**
 * The interfaces a subnet holds, about: its IPv4 addresses in use (AWS keeps 5 of each
 * block), one or more per interface. Undefined when the subnet does not say (IPv6 only).
 */
function interfacesIn(subnet: Subnet): number | undefined {
  const prefix = Number(subnet.CidrBlock?.split('/')[1]);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32 || subnet.AvailableIpAddressCount === undefined) return undefined;
  return Math.max(1, 2 ** (32 - prefix) - 5 - subnet.AvailableIpAddressCount);
}

/** How a scan splits the region's listings: the filter of each part, or undefined for one unfiltered listing. */
interface RegionChunks {
  readonly vpcEndpoints?: Filter[];
  readonly networkInterfaces?: Filter[];
  readonly networkAcls?: Filter[];
  readonly securityGroups?: Filter[];
}

/**
 * The parts of the region's listings, from its complete list of subnets: every network
 * interface is in a subnet, so the interfaces go by subnet ids; NACLs act through the
 * subnets they are associated with and security groups through the interfaces that wear
 * them, in their own VPC, so both go by the subnets' VPCs (those of a VPC without a subnet
 * could decide nothing). Endpoints go by the subnets' VPCs too, but for the gateway
 * endpoints, which are in no subnet: the caller lists those apart. Weighted by the
 * interfaces each subnet seems to hold (endpoints and security groups follow them,
 * roughly) and by the subnets of each VPC (one NACL each at most, and the default). A
 * listing that fits one part is not filtered at all: a small region is listed whole.
 */
export function regionChunks(subnets: readonly Subnet[]): RegionChunks {
  const estimates = subnets.filter((subnet) => subnet.SubnetId).map((subnet) => [subnet, interfacesIn(subnet)] as const);
  const known = estimates.flatMap(([, estimate]) => (estimate === undefined ? [] : [estimate]));
  const fallback = known.length > 0 ? known.reduce((sum, estimate) => sum + estimate, 0) / known.length : 1;
  const bySubnet = new Map<string, number>();
  const byVpcInterfaces = new Map<string, number>();
  const byVpcSubnets = new Map<string, number>();
  for (const [subnet, estimate = fallback] of estimates) {
    bySubnet.set(subnet.SubnetId!, (bySubnet.get(subnet.SubnetId!) ?? 0) + estimate);
    if (!subnet.VpcId) continue;
    byVpcInterfaces.set(subnet.VpcId, (byVpcInterfaces.get(subnet.VpcId) ?? 0) + estimate);
    byVpcSubnets.set(subnet.VpcId, (byVpcSubnets.get(subnet.VpcId) ?? 1) + 1);
  }
  const filters = (name: string, chunks: string[][] | undefined) => chunks?.map((values) => ({ Name: name, Values: values }));
  const byVpc = weightedChunks(byVpcInterfaces);
  return {
    vpcEndpoints: filters('vpc-id', byVpc),
    networkInterfaces: filters('subnet-id', weightedChunks(bySubnet)),
    networkAcls: filters('vpc-id', weightedChunks(byVpcSubnets)),
    securityGroups: filters('vpc-id', byVpc),
  };
}

/** What `work` resolves to, or undefined when it fails or has not settled within `ms`. */
function settledWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    // The collection's own deadline timer keeps the process up; this one need not.
    const timer = setTimeout(() => resolve(undefined), ms).unref();
    const done = (value: T | undefined) => {
      clearTimeout(timer);
      resolve(value);
    };
    work.then(done, () => done(undefined));
  });
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

class RegionCollection {
  private readonly failures = new Map<CollectionName, string>();
  private readonly responses: Writable<AwsResponsesJson> = {};
  /** The parts of the split listings in flight at once, within the caller's own bound. */
  private readonly chunkLimit: LimitFunction;

  constructor(
    private readonly clients: AwsClients,
    private readonly caller: AwsCaller,
  ) {
    this.chunkLimit = pLimit(Math.max(1, caller.maxConcurrentCalls - SLOTS_KEPT_FROM_CHUNKS));
  }

  async collect(scope: CollectionScope): Promise<CollectedResponses> {
    const endpointIds = scope.endpointIds?.length ? scope.endpointIds : undefined;
    // A scan needs nothing from the endpoints to list the region's network: start at once.
    const region = endpointIds ? undefined : this.region();
    const regionNetwork = region?.network;
    const listing = region?.endpoints ?? this.endpoints(endpointIds);
    // Every service the account offers needs nothing from the endpoints either.
    const offered = scope.offeredServices ? this.serviceConfigurations(undefined) : undefined;
    const endpoints = await listing;
    // The caller's close() ends whatever the scan started meanwhile.
    if (!endpoints) throw new EndpointsUnavailableError(this.failures.get('vpcEndpoints')!);
    this.responses.vpcEndpoints = documentOf('vpcEndpoints', endpoints);
    const endpointVpcs = unique(endpoints.map((endpoint) => endpoint.VpcId));
    const provider = this.provider(endpoints, offered);
    const network = regionNetwork
      ? allListed(regionNetwork)
      : Promise.all([this.network(endpointVpcs), provider.then((vpcIds) => this.network(vpcIds.filter((id) => !endpointVpcs.includes(id))))]).then(
          mergeNetworks,
        );
    // In a scan the prefix lists wait for the security groups alone, not for the interfaces.
    const groups = regionNetwork ? regionNetwork.securityGroups : network.then((found) => found.securityGroups);
    const prefixLists = groups.then((found) => (found ? this.prefixLists(found) : undefined));
    const [found] = await Promise.all([network, provider, prefixLists]);
    for (const name of NETWORK_NAMES) {
      const items = found[name];
      if (items) this.responses[name] = documentOf(name, items);
    }
    return { responses: this.responses, failures: this.failures };
  }

  /** Awaits every part; any failed part leaves the whole collection out, with its reason. */
  private async whole<T>(name: CollectionName, parts: ReadonlyArray<Promise<T[]>>): Promise<T[] | undefined> {
    const settled = await Promise.allSettled(parts);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) {
      this.recordFailure(name, failed.reason);
      return undefined;
    }
    return settled.flatMap((result) => (result as PromiseFulfilledResult<T[]>).value);
  }

  /**
   * One call per resource; each that fails is left out (the model says "unknown" for that
   * resource alone) and the collection's reason counts how many did.
   */
  private async each<T>(name: CollectionName, resources: ReadonlyArray<{ readonly key: string; readonly fetch: () => Promise<T> }>): Promise<Map<string, T>> {
    const settled = await Promise.allSettled(resources.map((resource) => resource.fetch()));
    const found = new Map<string, T>();
    const rejected: unknown[] = [];
    settled.forEach((result, index) => {
      if (result.status === 'fulfilled') found.set(resources[index]!.key, result.value);
      else rejected.push(result.reason);
    });
    if (rejected.length > 0) {
      this.recordFailure(name, rejected[0]);
      if (rejected.length < resources.length) this.failures.set(name, `${this.failures.get(name)!} (${rejected.length} of ${resources.length})`);
    }
    return found;
  }

  private recordFailure(name: CollectionName, error: unknown): void {
    if (!(error instanceof AwsCallError)) throw error;
    if (!this.failures.has(name)) this.failures.set(name, error.reason);
  }

  private endpoints(endpointIds: readonly string[] | undefined): Promise<VpcEndpoint[] | undefined> {
    const inputs = filterInputs('vpc-endpoint-id', endpointIds && unique(endpointIds));
    return this.whole(
      'vpcEndpoints',
      inputs.map((input) => this.listEndpoints(input)),
    );
  }

  private listEndpoints(input: ListingInput): Promise<VpcEndpoint[]> {
    const { ec2 } = this.clients;
    return this.caller.list(
      'vpcEndpoints',
      (options) => pagesOf('vpcEndpoints', input, (page) => ec2.send(new DescribeVpcEndpointsCommand(page), options)),
      (page) => page.VpcEndpoints,
    );
  }

  /**
   * The endpoints of the whole region, in the parts `regionChunks` made of them, the
   * gateway endpoints apart (they are in no subnet); one listing when it made none. An
   * endpoint two parts return (a gateway endpoint in a VPC with subnets) is kept once.
   */
  private async regionEndpoints(filters: readonly Filter[] | undefined): Promise<VpcEndpoint[] | undefined> {
    const inputs = filters ? [...filters, GATEWAY_ENDPOINTS].map((filter) => ({ Filters: [filter] })) : [{}];
    const found = await this.whole(
      'vpcEndpoints',
      inputs.map((input) => this.listEndpoints(input)),
    );
    if (!found || !filters) return found;
    const seen = new Set<string>();
    return found.filter((endpoint) => {
      const id = endpoint.VpcEndpointId;
      if (id === undefined) return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  /** One consumer-side collection in listings of the given filters, concurrent; any failed part leaves it out whole. */
  private listed<Name extends NetworkName>(name: Name, inputs: readonly ListingInput[], limit?: LimitFunction): Promise<NetworkItems[Name][] | undefined> {
    const fetch = (input: ListingInput) => NETWORK_LISTINGS[name](this.clients.ec2, this.caller, input);
    return this.whole(
      name,
      inputs.map((input) => (limit ? limit(() => fetch(input)) : fetch(input))),
    );
  }

  /** The four consumer-side collections of some VPCs, one listing each per 200 VPCs. */
  private async network(vpcIds: readonly string[]): Promise<Network> {
    if (vpcIds.length === 0) return { networkInterfaces: [], subnets: [], networkAcls: [], securityGroups: [] };
    const inputs = filterInputs('vpc-id', vpcIds);
    const [networkInterfaces, subnets, networkAcls, securityGroups] = await Promise.all([
      this.listed('networkInterfaces', inputs),
      this.listed('subnets', inputs),
      this.listed('networkAcls', inputs),
      this.listed('securityGroups', inputs),
    ]);
    return { networkInterfaces, subnets, networkAcls, securityGroups };
  }

  /**
   * The endpoints and the four consumer-side collections of the whole region: the subnets
   * first (a region has few), then the others in the parts `regionChunks` makes of them,
   * each part paginated on its own and all of them concurrent: the endpoints' parts first
   * (the provider side waits for them), then the security groups' (the longest, and the
   * prefix lists wait for them), then the NACLs' and the interfaces'; the parts of the
   * last three hold at most `maxConcurrentCalls - SLOTS_KEPT_FROM_CHUNKS` of the calls in
   * flight. Subnets that cannot be listed, or not within a share of the deadline, leave one
   * unfiltered listing of each, as a region too small to split has anyway.
   */
  private region(): { readonly endpoints: Promise<VpcEndpoint[] | undefined>; readonly network: NetworkListings } {
    const subnets = this.listed('subnets', [{}]);
    const chunks = settledWithin(subnets, this.caller.deadlineMs * SUBNETS_WAIT_SHARE).then((found): RegionChunks => (found ? regionChunks(found) : {}));
    const endpoints = chunks.then((plan) => this.regionEndpoints(plan.vpcEndpoints));
    const split = <Name extends Exclude<NetworkName, 'subnets'>>(name: Name) =>
      chunks.then((plan) => this.listed(name, plan[name]?.map((filter) => ({ Filters: [filter] })) ?? [{}], this.chunkLimit));
    const securityGroups = split('securityGroups');
    const networkAcls = split('networkAcls');
    const networkInterfaces = split('networkInterfaces');
    return { endpoints, network: { networkInterfaces, subnets, networkAcls, securityGroups } };
  }

  /** Managed prefix lists named by security group rules, and each one's entries. */
  private async prefixLists(groups: readonly SecurityGroup[]): Promise<void> {
    const ids = unique(
      groups
        .flatMap((group) => [...(group.IpPermissions ?? []), ...(group.IpPermissionsEgress ?? [])])
        .flatMap((permission) => permission.PrefixListIds ?? [])
        .map((reference) => reference.PrefixListId),
    ).sort();
    if (ids.length === 0) return;
    const { ec2 } = this.clients;
    const [lists, entries] = await Promise.all([
      this.whole(
        'prefixLists',
        filterInputs('prefix-list-id', ids).map((input) =>
          this.caller.list(
            'prefixLists',
            (options) => pagesOf('prefixLists', input, (page) => ec2.send(new DescribeManagedPrefixListsCommand(page), options)),
            (page) => page.PrefixLists,
          ),
        ),
      ),
      this.each(
        'prefixListEntries',
        ids.map((id) => ({
          key: id,
          fetch: () =>
            this.caller.list(
              'prefixListEntries',
              (options) => pagesOf('prefixListEntries', { PrefixListId: id }, (page) => ec2.send(new GetManagedPrefixListEntriesCommand(page), options)),
              (page) => page.Entries,
            ),
        })),
      ),
    ]);
    if (lists) this.responses.prefixLists = documentOf('prefixLists', lists);
    if (entries.size > 0) this.responses.prefixListEntries = documentsByKey('prefixListEntries', entries);
  }

  /** The account's endpoint service configurations: those named, or every one when `serviceNames` is absent. */
  private serviceConfigurations(serviceNames: readonly string[] | undefined): Promise<ServiceConfiguration[] | undefined> {
    const { ec2 } = this.clients;
    return this.whole(
      'endpointServices',
      filterInputs('service-name', serviceNames).map((input) =>
        this.caller.list(
          'endpointServices',
          (options) => pagesOf('endpointServices', input, (page) => ec2.send(new DescribeVpcEndpointServiceConfigurationsCommand(page), options)),
          (page) => page.ServiceConfigurations,
        ),
      ),
    );
  }

  /**
   * The provider side of the endpoints' customer services, when this account runs them
   * (and of every service it offers, when `offered` lists them). Resolves to the VPCs of
   * their NLBs, whose network a scan of named endpoints adds.
   */
  private async provider(endpoints: readonly VpcEndpoint[], offered: Promise<ServiceConfiguration[] | undefined> | undefined): Promise<string[]> {
    const serviceNames = unique(
      endpoints.map((endpoint) => endpoint.ServiceName).filter((name) => name !== undefined && endpointServiceOwner(name) === 'customer'),
    );
    if (serviceNames.length === 0 && !offered) return [];
    const services = await (offered ?? this.serviceConfigurations(serviceNames));
    // Unreadable configurations say nothing of who runs the services: no owner is looked up.
    if (!services) return [];
    this.responses.endpointServices = documentOf('endpointServices', services);
    const here = new Set(services.map((service) => service.ServiceName));
    const elsewhere = serviceNames.filter((name) => !here.has(name));
    const [vpcIds] = await Promise.all([this.loadBalancersOf(services), elsewhere.length > 0 ? this.serviceOwners(elsewhere) : undefined]);
    return vpcIds;
  }

  /**
   * Who runs the customer services the endpoints use and this account does not offer
   * (consumer side, DescribeVpcEndpointServices): the `Owner` names the provider's account
   * when its unit is not in the data.
   */
  private async serviceOwners(serviceNames: readonly string[]): Promise<void> {
    const { ec2 } = this.clients;
    const details = await this.whole(
      'vpcEndpointServices',
      filterInputs('service-name', serviceNames).map((input) =>
        this.caller.list(
          'vpcEndpointServices',
          // aws-sdk-client-mock answers a command it has no stub for with nothing.
          (options) =>
            pagesOf(
              'vpcEndpointServices',
              input,
              (page) => ec2.send(new DescribeVpcEndpointServicesCommand(page), options) as Promise<DescribeVpcEndpointServicesCommandOutput | undefined>,
            ),
          (page) => page?.ServiceDetails,
        ),
      ),
    );
    // As the AWS CLI prints it: the names, then the details.
    if (details)
      this.responses.vpcEndpointServices = { ServiceNames: unique(details.map((detail) => detail.ServiceName)), ...documentOf('vpcEndpointServices', details) };
  }

  /** The NLBs of endpoint services, their attributes, listeners, target groups and health; resolves to their VPCs. */
  private async loadBalancersOf(services: readonly ServiceConfiguration[]): Promise<string[]> {
    const { elbv2 } = this.clients;
    const loadBalancerArns = unique(services.flatMap((service) => service.NetworkLoadBalancerArns ?? []));
    if (loadBalancerArns.length === 0) return [];

    const loadBalancers = await this.byArns('loadBalancers', loadBalancerArns, (arns) =>
      this.caller.list(
        'loadBalancers',
        (options) => pagesOf('loadBalancers', { LoadBalancerArns: arns }, (page) => elbv2.send(new DescribeLoadBalancersCommand(page), options)),
        (page) => page.LoadBalancers,
      ),
    );
    if (!loadBalancers) return [];
    this.responses.loadBalancers = documentOf('loadBalancers', loadBalancers);
    const named = loadBalancers.filter(
      (lb): lb is LoadBalancer & { LoadBalancerArn: string; LoadBalancerName: string } => !!lb.LoadBalancerArn && !!lb.LoadBalancerName,
    );

    const [attributes, listeners] = await Promise.all([
      this.each(
        'loadBalancerAttributes',
        named.map((lb) => ({
          key: lb.LoadBalancerName,
          fetch: () =>
            this.caller.list(
              'loadBalancerAttributes',
              (options) =>
                pagesOf('loadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn }, (input) =>
                  elbv2.send(new DescribeLoadBalancerAttributesCommand(input), options),
                ),
              (output) => output.Attributes,
            ),
        })),
      ),
      this.each(
        'listeners',
        named.map((lb) => ({
          key: lb.LoadBalancerName,
          fetch: () =>
            this.caller.list(
              'listeners',
              (options) => pagesOf('listeners', { LoadBalancerArn: lb.LoadBalancerArn }, (page) => elbv2.send(new DescribeListenersCommand(page), options)),
              (page) => page.Listeners,
            ),
        })),
      ),
    ]);
    if (attributes.size > 0) this.responses.loadBalancerAttributes = documentsByKey('loadBalancerAttributes', attributes);
    if (listeners.size > 0) this.responses.listeners = documentsByKey('listeners', listeners);

    const targetGroupArns = unique(
      [...listeners.values()]
        .flat()
        .flatMap((listener) => listener.DefaultActions ?? [])
        .flatMap((action) => [action.TargetGroupArn, ...(action.ForwardConfig?.TargetGroups ?? []).map((group) => group.TargetGroupArn)]),
    );
    if (targetGroupArns.length > 0) await this.targetGroups(targetGroupArns);
    return unique(loadBalancers.map((lb) => lb.VpcId));
  }

  private async targetGroups(arns: readonly string[]): Promise<void> {
    const { elbv2 } = this.clients;
    const groups = await this.byArns('targetGroups', arns, (batch) =>
      this.caller.list(
        'targetGroups',
        (options) => pagesOf('targetGroups', { TargetGroupArns: batch }, (page) => elbv2.send(new DescribeTargetGroupsCommand(page), options)),
        (page) => page.TargetGroups,
      ),
    );
    if (!groups) return;
    this.responses.targetGroups = documentOf('targetGroups', groups);
    const named = groups.filter(
      (group): group is TargetGroup & { TargetGroupArn: string; TargetGroupName: string } => !!group.TargetGroupArn && !!group.TargetGroupName,
    );
    const health = await this.each(
      'targetHealth',
      named.map((group) => ({
        key: group.TargetGroupName,
        fetch: () =>
          this.caller.list(
            'targetHealth',
            (options) =>
              pagesOf('targetHealth', { TargetGroupArn: group.TargetGroupArn }, (input) => elbv2.send(new DescribeTargetHealthCommand(input), options)),
            (output) => output.TargetHealthDescriptions,
          ),
      })),
    );
    if (health.size > 0) this.responses.targetHealth = documentsByKey('targetHealth', health);
  }

  /** ELBv2 resources by ARN, in batches; see `withoutMissing`. */
  private byArns<T>(name: CollectionName, arns: readonly string[], fetch: (batch: string[]) => Promise<T[]>): Promise<T[] | undefined> {
    return this.whole(
      name,
      chunks([...arns].sort(), ARNS_PER_CALL).map((batch) => withoutMissing(batch, fetch)),
    );
  }
}

/**
 * Every page of one listing, as the collections table (core/collections.ts) pages its call:
 * the largest page the API allows, each response's token passed on until one has none (the
 * SDK has no paginator for DescribeVpcEndpointServices, whose model does not mark it
 * paginated, though it pages). A call the table does not page answers in one response.
 */
async function* pagesOf<Input extends object, Output>(name: LiveCollectionName, input: Input, send: (input: Input) => Promise<Output>): AsyncGenerator<Output> {
  const paging = COLLECTIONS[name].pagination;
  if (!paging) {
    yield await send(input);
    return;
  }
  let token: string | undefined;
  do {
    const page = await send({ ...input, [paging.pageSizeParam]: paging.maxPageSize, ...(token ? { [paging.inputToken]: token } : {}) });
    yield page;
    const next = (page as Record<string, unknown> | undefined)?.[paging.outputToken];
    token = typeof next === 'string' && next !== '' ? next : undefined;
  } while (token);
}

/**
 * ELBv2 fails a whole batch when one ARN no longer exists (an NLB deleted while its
 * service still names it): ask again one by one, and leave out only the missing ones.
 */
async function withoutMissing<T>(batch: string[], fetch: (batch: string[]) => Promise<T[]>): Promise<T[]> {
  try {
    return await fetch(batch);
  } catch (error) {
    if (!(error instanceof AwsCallError) || !isNotFound(error.cause)) throw error;
    if (batch.length === 1) return [];
    const singles = await Promise.all(batch.map((arn) => withoutMissing([arn], fetch)));
    return singles.flat();
  }
}

async function allListed(listings: NetworkListings): Promise<Network> {
  const [networkInterfaces, subnets, networkAcls, securityGroups] = await Promise.all([
    listings.networkInterfaces,
    listings.subnets,
    listings.networkAcls,
    listings.securityGroups,
  ]);
  return { networkInterfaces, subnets, networkAcls, securityGroups };
}

function mergeNetworks(parts: readonly Network[]): Network {
  const merged: Writable<Network> = {};
  for (const name of NETWORK_NAMES) {
    const lists = parts.map((part) => part[name]);
    // One round missing leaves the collection out: its reason is recorded already.
    if (lists.every((list) => list !== undefined)) (merged as Record<NetworkName, unknown[]>)[name] = lists.flat();
  }
  return merged;
}

function documentsByKey<T>(name: PerResourceName, found: ReadonlyMap<string, readonly T[]>): Record<string, AwsJsonDocument> {
  return Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)).map(([key, items]) => [key, documentOf(name, items)]));
}

export function collectAwsResponses(clients: AwsClients, caller: AwsCaller, scope: CollectionScope): Promise<CollectedResponses> {
  return new RegionCollection(clients, caller).collect(scope);
}
