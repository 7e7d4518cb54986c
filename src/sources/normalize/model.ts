import { createNetworkModel, type CollectionName, type ModelSource, type NetworkModel } from '../../core/model.js';
import { createCidrParser } from '../../core/net.js';
import {
  normalizeInstances,
  normalizeNetworkAcls,
  normalizeNetworkInterfaces,
  normalizePrefixLists,
  normalizeSecurityGroups,
  normalizeSubnets,
  normalizeVpcEndpoints,
} from './ec2.js';
import { normalizeEndpointServices, normalizeLoadBalancers, normalizeTargetGroups } from './elbv2.js';
import type { JsonReader } from './json-reader.js';

/**
 * The AWS responses a model is built from, each as the CLI prints it (all pages merged).
 * An absent response was not captured; the model says so, and the checks that need it
 * answer `unknown`.
 */
export interface AwsResponses {
  readonly vpcEndpoints?: JsonReader;
  readonly networkInterfaces?: JsonReader;
  readonly subnets?: JsonReader;
  readonly networkAcls?: JsonReader;
  readonly securityGroups?: JsonReader;
  readonly prefixLists?: JsonReader;
  /** Prefix list id -> its `GetManagedPrefixListEntries` response. */
  readonly prefixListEntries?: ReadonlyMap<string, JsonReader>;
  readonly instances?: JsonReader;
  readonly endpointServices?: JsonReader;
  readonly loadBalancers?: JsonReader;
  /** Load balancer name -> its `DescribeLoadBalancerAttributes` response. */
  readonly loadBalancerAttributes?: ReadonlyMap<string, JsonReader>;
  /** Load balancer name -> its `DescribeListeners` response. */
  readonly listeners?: ReadonlyMap<string, JsonReader>;
  readonly targetGroups?: JsonReader;
  /** Target group name -> its `DescribeTargetHealth` response. */
  readonly targetHealth?: ReadonlyMap<string, JsonReader>;
}

export function modelFromAwsResponses(responses: AwsResponses, source: ModelSource, failures?: ReadonlyMap<CollectionName, string>): NetworkModel {
  const none = new Map<string, JsonReader>();
  const parseCidr = createCidrParser();
  const captured = new Set<CollectionName>();
  const read = <T>(name: CollectionName, response: JsonReader | undefined, normalize: (root: JsonReader) => T[]): T[] => {
    if (!response) return [];
    captured.add(name);
    return normalize(response);
  };
  const endpoints = read('vpcEndpoints', responses.vpcEndpoints, normalizeVpcEndpoints);
  const networkInterfaces = read('networkInterfaces', responses.networkInterfaces, normalizeNetworkInterfaces);
  const subnets = read('subnets', responses.subnets, (root) => normalizeSubnets(root, parseCidr));
  const networkAcls = read('networkAcls', responses.networkAcls, (root) => normalizeNetworkAcls(root, parseCidr));
  const securityGroups = read('securityGroups', responses.securityGroups, (root) => normalizeSecurityGroups(root, parseCidr));
  const instances = read('instances', responses.instances, normalizeInstances);
  const prefixLists = normalizePrefixLists(responses.prefixLists, responses.prefixListEntries ?? none, parseCidr);
  if (responses.prefixLists || (responses.prefixListEntries?.size ?? 0) > 0) captured.add('prefixLists');
  const perResource = { prefixListEntries: responses.prefixListEntries, loadBalancerAttributes: responses.loadBalancerAttributes, listeners: responses.listeners, targetHealth: responses.targetHealth } as const;
  for (const [name, byKey] of Object.entries(perResource)) if ((byKey?.size ?? 0) > 0) captured.add(name as CollectionName);
  const endpointServices = read('endpointServices', responses.endpointServices, normalizeEndpointServices);
  const loadBalancers = read('loadBalancers', responses.loadBalancers, (root) =>
    normalizeLoadBalancers(root, responses.loadBalancerAttributes ?? none, responses.listeners ?? none),
  );
  const targetGroups = read('targetGroups', responses.targetGroups, (root) => normalizeTargetGroups(root, responses.targetHealth ?? none));
  return createNetworkModel({
    source,
    captured,
    ...(failures ? { failures } : {}),
    endpoints,
    networkInterfaces,
    subnets,
    networkAcls,
    securityGroups,
    prefixLists,
    instances,
    endpointServices,
    loadBalancers,
    targetGroups,
  });
}
