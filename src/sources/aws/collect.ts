import {
  paginateDescribeManagedPrefixLists,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcEndpointServiceConfigurations,
  paginateGetManagedPrefixListEntries,
  DescribeVpcEndpointServicesCommand,
  type DescribeVpcEndpointServicesCommandInput,
  type DescribeVpcEndpointServicesCommandOutput,
  type EC2Client,
  type Filter,
  type NetworkAcl,
  type NetworkInterface,
  type SecurityGroup,
  type ServiceConfiguration,
  type Subnet,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeTargetHealthCommand,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CollectionName } from '../../core/model.js';
import { endpointServiceOwner } from '../../core/service.js';
import { AwsCallError, type AwsCaller, type SendOptions } from './caller.js';
import type { AwsClients } from './clients.js';
import { isNotFound } from './errors.js';
import { toPlainJson, type AwsJsonDocument, type AwsResponsesJson } from './responses.js';

/**
 * Collects a region (or the part of it some endpoints need) in a number of calls that
 * does not grow with the number of endpoints beyond pagination:
 *
 * - a scan lists endpoints, network interfaces, subnets, NACLs and security groups of the
 *   whole region, one paginated listing each, all at once: a client can sit in any VPC
 *   (a shared-services VPC reached over a transit gateway is the common case);
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
/** EC2's largest page for these listings (DescribeManagedPrefixLists and its entries: 100). */
const EC2_PAGE_SIZE = 1000;
const PREFIX_LIST_PAGE_SIZE = 100;
/** ELBv2's largest page; its paginators leave the page size to the input. */
const ELBV2_PAGE_SIZE = 400;

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

/** The endpoints themselves could not be listed: there is nothing to analyse. */
export class EndpointsUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the VPC endpoints cannot be listed: ${reason}`);
    this.name = 'EndpointsUnavailableError';
  }
}

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

interface Network {
  readonly networkInterfaces?: NetworkInterface[];
  readonly subnets?: Subnet[];
  readonly networkAcls?: NetworkAcl[];
  readonly securityGroups?: SecurityGroup[];
}

type NetworkName = keyof Network;
const NETWORK_NAMES: readonly NetworkName[] = ['networkInterfaces', 'subnets', 'networkAcls', 'securityGroups'];
const NETWORK_LIST_KEYS: Readonly<Record<NetworkName, string>> = {
  networkInterfaces: 'NetworkInterfaces',
  subnets: 'Subnets',
  networkAcls: 'NetworkAcls',
  securityGroups: 'SecurityGroups',
};

type Writable<T> = { -readonly [K in keyof T]: T[K] };

class RegionCollection {
  private readonly failures = new Map<CollectionName, string>();
  private readonly responses: Writable<AwsResponsesJson> = {};

  constructor(
    private readonly clients: AwsClients,
    private readonly caller: AwsCaller,
  ) {}

  async collect(scope: CollectionScope): Promise<CollectedResponses> {
    const endpointIds = scope.endpointIds?.length ? scope.endpointIds : undefined;
    const listing = this.endpoints(endpointIds);
    // Every service the account offers needs nothing from the endpoints either.
    const offered = scope.offeredServices ? this.serviceConfigurations(undefined) : undefined;
    // A scan needs nothing from the endpoints to list the region's network: start at once.
    const regionNetwork = endpointIds ? undefined : this.network(undefined);
    const endpoints = await listing;
    // The caller's close() ends whatever the scan started meanwhile.
    if (!endpoints) throw new EndpointsUnavailableError(this.failures.get('vpcEndpoints')!);
    this.responses.vpcEndpoints = { VpcEndpoints: toPlainJson(endpoints) };
    const endpointVpcs = unique(endpoints.map((endpoint) => endpoint.VpcId));
    const provider = this.provider(endpoints, offered);
    const network =
      regionNetwork ??
      Promise.all([
        this.network(endpointVpcs),
        provider.then((vpcIds) => this.network(vpcIds.filter((id) => !endpointVpcs.includes(id)))),
      ]).then(mergeNetworks);
    const prefixLists = network.then((found) => (found.securityGroups ? this.prefixLists(found.securityGroups) : undefined));
    const [found] = await Promise.all([network, provider, prefixLists]);
    for (const name of NETWORK_NAMES) {
      const items = found[name];
      if (items) this.responses[name] = { [NETWORK_LIST_KEYS[name]]: toPlainJson(items) };
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
    const { ec2 } = this.clients;
    const inputs = filterInputs('vpc-endpoint-id', endpointIds && unique(endpointIds));
    return this.whole(
      'vpcEndpoints',
      inputs.map((input) =>
        this.caller.list('vpcEndpoints', (options) => paginateDescribeVpcEndpoints({ client: ec2, pageSize: EC2_PAGE_SIZE }, input, options), (page) => page.VpcEndpoints),
      ),
    );
  }

  /** The four consumer-side collections, of the whole region or of some VPCs. */
  private async network(vpcIds: readonly string[] | undefined): Promise<Network> {
    if (vpcIds?.length === 0) return { networkInterfaces: [], subnets: [], networkAcls: [], securityGroups: [] };
    const { ec2 } = this.clients;
    const inputs = filterInputs('vpc-id', vpcIds);
    const pageSize = EC2_PAGE_SIZE;
    const [networkInterfaces, subnets, networkAcls, securityGroups] = await Promise.all([
      this.whole(
        'networkInterfaces',
        inputs.map((input) =>
          this.caller.list('networkInterfaces', (options) => paginateDescribeNetworkInterfaces({ client: ec2, pageSize }, { ...input }, options), (page) => page.NetworkInterfaces),
        ),
      ),
      this.whole(
        'subnets',
        inputs.map((input) => this.caller.list('subnets', (options) => paginateDescribeSubnets({ client: ec2, pageSize }, { ...input }, options), (page) => page.Subnets)),
      ),
      this.whole(
        'networkAcls',
        inputs.map((input) => this.caller.list('networkAcls', (options) => paginateDescribeNetworkAcls({ client: ec2, pageSize }, { ...input }, options), (page) => page.NetworkAcls)),
      ),
      this.whole(
        'securityGroups',
        inputs.map((input) =>
          this.caller.list('securityGroups', (options) => paginateDescribeSecurityGroups({ client: ec2, pageSize }, { ...input }, options), (page) => page.SecurityGroups),
        ),
      ),
    ]);
    return { networkInterfaces, subnets, networkAcls, securityGroups };
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
    const pageSize = PREFIX_LIST_PAGE_SIZE;
    const [lists, entries] = await Promise.all([
      this.whole(
        'prefixLists',
        filterInputs('prefix-list-id', ids).map((input) =>
          this.caller.list('prefixLists', (options) => paginateDescribeManagedPrefixLists({ client: ec2, pageSize }, input, options), (page) => page.PrefixLists),
        ),
      ),
      this.each(
        'prefixListEntries',
        ids.map((id) => ({
          key: id,
          fetch: () =>
            this.caller.list(
              'prefixListEntries',
              (options) => paginateGetManagedPrefixListEntries({ client: ec2, pageSize }, { PrefixListId: id }, options),
              (page) => page.Entries,
            ),
        })),
      ),
    ]);
    if (lists) this.responses.prefixLists = { PrefixLists: toPlainJson(lists) };
    if (entries.size > 0) this.responses.prefixListEntries = documentsByKey(entries, 'Entries');
  }

  /** The account's endpoint service configurations: those named, or every one when `serviceNames` is absent. */
  private serviceConfigurations(serviceNames: readonly string[] | undefined): Promise<ServiceConfiguration[] | undefined> {
    const { ec2 } = this.clients;
    return this.whole(
      'endpointServices',
      filterInputs('service-name', serviceNames).map((input) =>
        this.caller.list(
          'endpointServices',
          (options) => paginateDescribeVpcEndpointServiceConfigurations({ client: ec2, pageSize: EC2_PAGE_SIZE }, input, options),
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
    const serviceNames = unique(endpoints.map((endpoint) => endpoint.ServiceName).filter((name) => name !== undefined && endpointServiceOwner(name) === 'customer'));
    if (serviceNames.length === 0 && !offered) return [];
    const services = await (offered ?? this.serviceConfigurations(serviceNames));
    // Unreadable configurations say nothing of who runs the services: no owner is looked up.
    if (!services) return [];
    this.responses.endpointServices = { ServiceConfigurations: toPlainJson(services) };
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
        this.caller.list('vpcEndpointServices', (options) => vpcEndpointServicePages(ec2, input, options), (page) => page?.ServiceDetails),
      ),
    );
    // As the AWS CLI prints it: the names, then the details.
    if (details) this.responses.vpcEndpointServices = { ServiceNames: unique(details.map((detail) => detail.ServiceName)), ServiceDetails: toPlainJson(details) };
  }

  /** The NLBs of endpoint services, their attributes, listeners, target groups and health; resolves to their VPCs. */
  private async loadBalancersOf(services: readonly ServiceConfiguration[]): Promise<string[]> {
    const { elbv2 } = this.clients;
    const loadBalancerArns = unique(services.flatMap((service) => service.NetworkLoadBalancerArns ?? []));
    if (loadBalancerArns.length === 0) return [];

    const loadBalancers = await this.byArns('loadBalancers', loadBalancerArns, (arns) =>
      this.caller.list(
        'loadBalancers',
        (options) => paginateDescribeLoadBalancers({ client: elbv2 }, { LoadBalancerArns: arns, PageSize: ELBV2_PAGE_SIZE }, options),
        (page) => page.LoadBalancers,
      ),
    );
    if (!loadBalancers) return [];
    this.responses.loadBalancers = { LoadBalancers: toPlainJson(loadBalancers) };
    const named = loadBalancers.filter((lb): lb is LoadBalancer & { LoadBalancerArn: string; LoadBalancerName: string } => !!lb.LoadBalancerArn && !!lb.LoadBalancerName);

    const [attributes, listeners] = await Promise.all([
      this.each(
        'loadBalancerAttributes',
        named.map((lb) => ({
          key: lb.LoadBalancerName,
          fetch: () =>
            this.caller.run('loadBalancerAttributes', async () => {
              const output = await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }), this.caller.sendOptions);
              return output.Attributes ?? [];
            }),
        })),
      ),
      this.each(
        'listeners',
        named.map((lb) => ({
          key: lb.LoadBalancerName,
          fetch: () =>
            this.caller.list(
              'listeners',
              (options) => paginateDescribeListeners({ client: elbv2 }, { LoadBalancerArn: lb.LoadBalancerArn, PageSize: ELBV2_PAGE_SIZE }, options),
              (page) => page.Listeners,
            ),
        })),
      ),
    ]);
    if (attributes.size > 0) this.responses.loadBalancerAttributes = documentsByKey(attributes, 'Attributes');
    if (listeners.size > 0) this.responses.listeners = documentsByKey(listeners, 'Listeners');

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
        (options) => paginateDescribeTargetGroups({ client: elbv2 }, { TargetGroupArns: batch, PageSize: ELBV2_PAGE_SIZE }, options),
        (page) => page.TargetGroups,
      ),
    );
    if (!groups) return;
    this.responses.targetGroups = { TargetGroups: toPlainJson(groups) };
    const named = groups.filter((group): group is TargetGroup & { TargetGroupArn: string; TargetGroupName: string } => !!group.TargetGroupArn && !!group.TargetGroupName);
    const health = await this.each(
      'targetHealth',
      named.map((group) => ({
        key: group.TargetGroupName,
        fetch: () =>
          this.caller.run('targetHealth', async () => {
            const output = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }), this.caller.sendOptions);
            return output.TargetHealthDescriptions ?? [];
          }),
      })),
    );
    if (health.size > 0) this.responses.targetHealth = documentsByKey(health, 'TargetHealthDescriptions');
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
 * DescribeVpcEndpointServices has no paginator in the SDK (its model does not mark it
 * paginated, though it pages): every page, by NextToken.
 */
async function* vpcEndpointServicePages(
  client: EC2Client,
  input: DescribeVpcEndpointServicesCommandInput,
  options: SendOptions,
): AsyncGenerator<DescribeVpcEndpointServicesCommandOutput | undefined> {
  let nextToken: string | undefined;
  do {
    const page = (await client.send(new DescribeVpcEndpointServicesCommand({ ...input, MaxResults: EC2_PAGE_SIZE, ...(nextToken ? { NextToken: nextToken } : {}) }), options)) as
      | DescribeVpcEndpointServicesCommandOutput
      | undefined;
    yield page;
    nextToken = page?.NextToken;
  } while (nextToken);
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

function mergeNetworks(parts: readonly Network[]): Network {
  const merged: Writable<Network> = {};
  for (const name of NETWORK_NAMES) {
    const lists = parts.map((part) => part[name]);
    // One round missing leaves the collection out: its reason is recorded already.
    if (lists.every((list) => list !== undefined)) (merged as Record<NetworkName, unknown[]>)[name] = lists.flat();
  }
  return merged;
}

function documentsByKey<T>(found: ReadonlyMap<string, readonly T[]>, listKey: string): Record<string, AwsJsonDocument> {
  return Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)).map(([key, items]) => [key, { [listKey]: toPlainJson(items) }]));
}

export function collectAwsResponses(clients: AwsClients, caller: AwsCaller, scope: CollectionScope): Promise<CollectedResponses> {
  return new RegionCollection(clients, caller).collect(scope);
}
