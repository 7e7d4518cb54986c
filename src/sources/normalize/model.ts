import { COLLECTION_LIST, COLLECTIONS, type PerResourceName } from '../../core/collections.js';
import { createNetworkModel, type CollectionName, type ModelSource, type NetworkModel } from '../../core/model.js';
import type { DataWarning } from '../../core/report.js';
import { createCidrParser } from '../../core/net.js';
import {
  networkInterfaceItems,
  normalizeInstances,
  normalizeNetworkAcls,
  normalizeNetworkInterfaces,
  normalizePrefixLists,
  normalizeSecurityGroups,
  normalizeSubnets,
  normalizeVpcEndpoints,
  securityGroupItems,
  vpcEndpointItems,
  type CidrParser,
  type ItemNormalizer,
} from './ec2.js';
import { normalizeEndpointServices, normalizeLoadBalancers, normalizeTargetGroups } from './elbv2.js';
import { JsonReader } from './json-reader.js';
import { isTruncated } from './truncation.js';
import { normalizeServiceDetails } from './service-details.js';

/**
 * The AWS responses a model is built from, each as the CLI prints it (all pages merged):
 * one member per collection of the table (core/collections.ts), a reader or, for a
 * per-resource collection (prefix list entries, load balancer attributes, listeners, target
 * health), the readers by the key their files are named after. An absent response was not
 * captured; the model says so, and the checks that need it answer `unknown`.
 */
export type AwsResponses = {
  readonly [Name in CollectionName]?: Name extends PerResourceName
    ? ReadonlyMap<string, JsonReader>
    : Name extends StreamedName
      ? JsonReader | NormalizedList
      : JsonReader;
};

/**
 * A list response whose items were normalized one by one as its file was read, by the
 * collection's item normalizer: its top-level object (with the list's items left out, for
 * the page token) and the model parts its items made.
 */
export interface NormalizedList {
  readonly head: JsonReader;
  readonly items: readonly unknown[];
}

type StreamedName = 'securityGroups' | 'networkInterfaces' | 'vpcEndpoints';

/** The collections whose responses can be normalized item by item: the large ones, whose items stand alone. */
const ITEM_NORMALIZERS: Readonly<Record<StreamedName, (parseCidr: CidrParser) => ItemNormalizer<unknown>>> = {
  securityGroups: securityGroupItems,
  networkInterfaces: networkInterfaceItems,
  vpcEndpoints: vpcEndpointItems,
};

/** The item normalizer of a collection, when its response can be read item by item. */
export function itemNormalizerOf(name: CollectionName, parseCidr: CidrParser): ItemNormalizer<unknown> | undefined {
  return Object.hasOwn(ITEM_NORMALIZERS, name) ? ITEM_NORMALIZERS[name as StreamedName](parseCidr) : undefined;
}

function truncationWarning(name: CollectionName, response: JsonReader): DataWarning {
  return {
    kind: 'truncated',
    file: response.file,
    message: `${response.file} holds one page of several (it ends with a NextToken): ${COLLECTIONS[name].label} not on that page are unknown, not absent; capture with every page (no --max-items)`,
  };
}

export interface ModelOptions {
  /** Why a collection could not be read (a denied call). */
  readonly failures?: ReadonlyMap<CollectionName, string>;
  /** What the source noticed about its files (empty, renamed, decoded, unrecognised). */
  readonly dataWarnings?: readonly DataWarning[];
  /** The CIDR parser the source's item normalizers used, so that the model shares one set of CIDRs. */
  readonly parseCidr?: CidrParser;
}

export function modelFromAwsResponses(responses: AwsResponses, source: ModelSource, options: ModelOptions = {}): NetworkModel {
  const none = new Map<string, JsonReader>();
  const parseCidr = options.parseCidr ?? createCidrParser();
  const captured = new Set<CollectionName>();
  const truncated = new Map<CollectionName, string>();
  const dataWarnings: DataWarning[] = [...(options.dataWarnings ?? [])];
  const read = <T>(name: CollectionName, response: JsonReader | NormalizedList | undefined, normalize: (root: JsonReader) => T[]): T[] => {
    if (!response) return [];
    captured.add(name);
    const root = response instanceof JsonReader ? response : response.head;
    if (isTruncated(root)) {
      truncated.set(name, root.file);
      dataWarnings.push(truncationWarning(name, root));
    }
    return response instanceof JsonReader ? normalize(response) : (response.items as T[]);
  };
  const perResource = COLLECTION_LIST.filter((entry) => entry.keyedBy).map((entry) => [entry.name, responses[entry.name as PerResourceName]] as const);
  for (const [name, byKey] of perResource) {
    for (const response of byKey?.values() ?? []) if (isTruncated(response)) dataWarnings.push(truncationWarning(name, response));
  }
  const endpoints = read('vpcEndpoints', responses.vpcEndpoints, normalizeVpcEndpoints);
  const networkInterfaces = read('networkInterfaces', responses.networkInterfaces, normalizeNetworkInterfaces);
  const subnets = read('subnets', responses.subnets, (root) => normalizeSubnets(root, parseCidr));
  const networkAcls = read('networkAcls', responses.networkAcls, (root) => normalizeNetworkAcls(root, parseCidr));
  const securityGroups = read('securityGroups', responses.securityGroups, (root) => normalizeSecurityGroups(root));
  const instances = read('instances', responses.instances, normalizeInstances);
  const prefixLists = normalizePrefixLists(responses.prefixLists, responses.prefixListEntries ?? none, parseCidr);
  if (responses.prefixLists || (responses.prefixListEntries?.size ?? 0) > 0) captured.add('prefixLists');
  if (responses.prefixLists && isTruncated(responses.prefixLists)) {
    truncated.set('prefixLists', responses.prefixLists.file);
    dataWarnings.push(truncationWarning('prefixLists', responses.prefixLists));
  }
  for (const [name, byKey] of perResource) if ((byKey?.size ?? 0) > 0) captured.add(name);
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
