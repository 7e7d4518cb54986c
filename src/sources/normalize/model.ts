import { COLLECTION_SOURCES, createNetworkModel, type CollectionName, type ModelSource, type NetworkModel } from '../../core/model.js';
import type { DataWarning } from '../../core/report.js';
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
import { isTruncated } from './truncation.js';
import { normalizeServiceDetails } from './service-details.js';

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
  /** `DescribeVpcEndpointServices` (consumer side, §5): the owner of each service the endpoints use. */
  readonly vpcEndpointServices?: JsonReader;
  readonly loadBalancers?: JsonReader;
  /** Load balancer name -> its `DescribeLoadBalancerAttributes` response. */
  readonly loadBalancerAttributes?: ReadonlyMap<string, JsonReader>;
  /** Load balancer name -> its `DescribeListeners` response. */
  readonly listeners?: ReadonlyMap<string, JsonReader>;
  readonly targetGroups?: JsonReader;
  /** Target group name -> its `DescribeTargetHealth` response. */
  readonly targetHealth?: ReadonlyMap<string, JsonReader>;
}

function truncationWarning(name: CollectionName, response: JsonReader): DataWarning {
  return {
    kind: 'truncated',
    file: response.file,
    message: `${response.file} holds one page of several (it ends with a NextToken): ${COLLECTION_SOURCES[name].label} not on that page are unknown, not absent; capture with every page (no --max-items)`,
  };
}

export interface ModelOptions {
  /** Why a collection could not be read (a denied call). */
  readonly failures?: ReadonlyMap<CollectionName, string>;
  /** What the source noticed about its files (empty, renamed, decoded, unrecognised). */
  readonly dataWarnings?: readonly DataWarning[];
}

export function modelFromAwsResponses(responses: AwsResponses, source: ModelSource, options: ModelOptions = {}): NetworkModel {
  const none = new Map<string, JsonReader>();
  const parseCidr = createCidrParser();
  const captured = new Set<CollectionName>();
  const truncated = new Map<CollectionName, string>();
  const dataWarnings: DataWarning[] = [...(options.dataWarnings ?? [])];
  const read = <T>(name: CollectionName, response: JsonReader | undefined, normalize: (root: JsonReader) => T[]): T[] => {
    if (!response) return [];
    captured.add(name);
    if (isTruncated(response)) {
      truncated.set(name, response.file);
      dataWarnings.push(truncationWarning(name, response));
    }
    return normalize(response);
  };
  const perResourceFiles: [CollectionName, ReadonlyMap<string, JsonReader> | undefined][] = [
    ['prefixListEntries', responses.prefixListEntries],
    ['loadBalancerAttributes', responses.loadBalancerAttributes],
    ['listeners', responses.listeners],
    ['targetHealth', responses.targetHealth],
  ];
  for (const [name, byKey] of perResourceFiles) {
    for (const response of byKey?.values() ?? []) if (isTruncated(response)) dataWarnings.push(truncationWarning(name, response));
  }
  const endpoints = read('vpcEndpoints', responses.vpcEndpoints, normalizeVpcEndpoints);
  const networkInterfaces = read('networkInterfaces', responses.networkInterfaces, normalizeNetworkInterfaces);
  const subnets = read('subnets', responses.subnets, (root) => normalizeSubnets(root, parseCidr));
  const networkAcls = read('networkAcls', responses.networkAcls, (root) => normalizeNetworkAcls(root, parseCidr));
  const securityGroups = read('securityGroups', responses.securityGroups, (root) => normalizeSecurityGroups(root, parseCidr));
  const instances = read('instances', responses.instances, normalizeInstances);
  const prefixLists = normalizePrefixLists(responses.prefixLists, responses.prefixListEntries ?? none, parseCidr);
  if (responses.prefixLists || (responses.prefixListEntries?.size ?? 0) > 0) captured.add('prefixLists');
  if (responses.prefixLists && isTruncated(responses.prefixLists)) {
    truncated.set('prefixLists', responses.prefixLists.file);
    dataWarnings.push(truncationWarning('prefixLists', responses.prefixLists));
  }
  const perResource = { prefixListEntries: responses.prefixListEntries, loadBalancerAttributes: responses.loadBalancerAttributes, listeners: responses.listeners, targetHealth: responses.targetHealth } as const;
  for (const [name, byKey] of Object.entries(perResource)) if ((byKey?.size ?? 0) > 0) captured.add(name as CollectionName);
  const endpointServices = read('endpointServices', responses.endpointServices, normalizeEndpointServices);
  const loadBalancers = read('loadBalancers', responses.loadBalancers, (root) =>
    normalizeLoadBalancers(root, responses.loadBalancerAttributes ?? none, responses.listeners ?? none),
  );
  const serviceDetails = read('vpcEndpointServices', responses.vpcEndpointServices, normalizeServiceDetails);
  const targetGroups = read('targetGroups', responses.targetGroups, (root) => normalizeTargetGroups(root, responses.targetHealth ?? none));
  return createNetworkModel({
    source,
    captured,
    ...(options.failures ? { failures: options.failures } : {}),
    truncated,
    dataWarnings,
    endpoints,
    networkInterfaces,
    subnets,
    networkAcls,
    securityGroups,
    prefixLists,
    instances,
    endpointServices,
    serviceDetails,
    loadBalancers,
    targetGroups,
  });
}
