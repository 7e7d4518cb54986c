import {
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
import { COLLECTIONS, type LiveCollectionName, type PerResourceName } from '../../core/collections.js';
import type { CollectionName } from '../../core/model.js';
import { endpointServiceOwner } from '../../core/service.js';
import { AwsCallError, type AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';
import { isNotFound } from './errors.js';
import { documentOf, type AwsJsonDocument, type AwsResponsesJson } from './responses.js';

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
    this.responses.vpcEndpoints = documentOf('vpcEndpoints', endpoints);
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
    const { ec2 } = this.clients;
    const inputs = filterInputs('vpc-endpoint-id', endpointIds && unique(endpointIds));
    return this.whole(
      'vpcEndpoints',
      inputs.map((input) =>
        this.caller.list('vpcEndpoints', (options) => pagesOf('vpcEndpoints', input, (page) => ec2.send(new DescribeVpcEndpointsCommand(page), options)), (page) => page.VpcEndpoints),
      ),
    );
  }

  /** The four consumer-side collections, of the whole region or of some VPCs. */
  private async network(vpcIds: readonly string[] | undefined): Promise<Network> {
    if (vpcIds?.length === 0) return { networkInterfaces: [], subnets: [], networkAcls: [], securityGroups: [] };
    const { ec2 } = this.clients;
    const inputs = filterInputs('vpc-id', vpcIds);
    const [networkInterfaces, subnets, networkAcls, securityGroups] = await Promise.all([
      this.whole(
        'networkInterfaces',
        inputs.map((input) =>
          this.caller.list('networkInterfaces', (options) => pagesOf('networkInterfaces', input, (page) => ec2.send(new DescribeNetworkInterfacesCommand(page), options)), (page) => page.NetworkInterfaces),
        ),
      ),
      this.whole(
        'subnets',
        inputs.map((input) => this.caller.list('subnets', (options) => pagesOf('subnets', input, (page) => ec2.send(new DescribeSubnetsCommand(page), options)), (page) => page.Subnets)),
      ),
      this.whole(
        'networkAcls',
        inputs.map((input) => this.caller.list('networkAcls', (options) => pagesOf('networkAcls', input, (page) => ec2.send(new DescribeNetworkAclsCommand(page), options)), (page) => page.NetworkAcls)),
      ),
      this.whole(
        'securityGroups',
        inputs.map((input) =>
          this.caller.list('securityGroups', (options) => pagesOf('securityGroups', input, (page) => ec2.send(new DescribeSecurityGroupsCommand(page), options)), (page) => page.SecurityGroups),
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
    const [lists, entries] = await Promise.all([
      this.whole(
        'prefixLists',
        filterInputs('prefix-list-id', ids).map((input) =>
          this.caller.list('prefixLists', (options) => pagesOf('prefixLists', input, (page) => ec2.send(new DescribeManagedPrefixListsCommand(page), options)), (page) => page.PrefixLists),
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
    const serviceNames = unique(endpoints.map((endpoint) => endpoint.ServiceName).filter((name) => name !== undefined && endpointServiceOwner(name) === 'customer'));
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
          (options) => pagesOf('vpcEndpointServices', input, (page) => ec2.send(new DescribeVpcEndpointServicesCommand(page), options) as Promise<DescribeVpcEndpointServicesCommandOutput | undefined>),
          (page) => page?.ServiceDetails,
        ),
      ),
    );
    // As the AWS CLI prints it: the names, then the details.
    if (details) this.responses.vpcEndpointServices = { ServiceNames: unique(details.map((detail) => detail.ServiceName)), ...documentOf('vpcEndpointServices', details) };
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
    const named = loadBalancers.filter((lb): lb is LoadBalancer & { LoadBalancerArn: string; LoadBalancerName: string } => !!lb.LoadBalancerArn && !!lb.LoadBalancerName);

    const [attributes, listeners] = await Promise.all([
      this.each(
        'loadBalancerAttributes',
        named.map((lb) => ({
          key: lb.LoadBalancerName,
          fetch: () =>
            this.caller.list(
              'loadBalancerAttributes',
              (options) => pagesOf('loadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn }, (input) => elbv2.send(new DescribeLoadBalancerAttributesCommand(input), options)),
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
    const named = groups.filter((group): group is TargetGroup & { TargetGroupArn: string; TargetGroupName: string } => !!group.TargetGroupArn && !!group.TargetGroupName);
    const health = await this.each(
      'targetHealth',
      named.map((group) => ({
        key: group.TargetGroupName,
        fetch: () =>
          this.caller.list(
            'targetHealth',
            (options) => pagesOf('targetHealth', { TargetGroupArn: group.TargetGroupArn }, (input) => elbv2.send(new DescribeTargetHealthCommand(input), options)),
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
async function* pagesOf<Input extends object, Output>(
  name: LiveCollectionName,
  input: Input,
  send: (input: Input) => Promise<Output>,
): AsyncGenerator<Output> {
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
