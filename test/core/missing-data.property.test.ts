import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyze, type AnalysisRequest } from '../../src/core/analyze.js';
import { AnalysisError } from '../../src/core/errors.js';
import { parsePortRange } from '../../src/core/ports.js';
import type { Check, Report } from '../../src/core/report.js';
import { modelFromAws, type AwsDocuments } from '../support/model.js';
import { IDS, cidrs, providerDocuments, tcp, type ProviderKnobs } from '../support/provider-fixture.js';

/**
 * A hole in the data can only make an answer less sure, never better (contract §2b): take
 * one referenced thing out of a complete capture — a whole file, the second page of a
 * collection (its NextToken left behind), a NACL, a security group an interface carries, a
 * prefix list or its entries, the client's interface — and no check may go from `fail` or
 * `unknown` to `pass`, no path may start to pass, and the verdict may not become reachable.
 */

type Documents = { -readonly [K in keyof AwsDocuments]?: unknown };
type Json = { [key: string]: unknown };

interface Case {
  readonly name: string;
  readonly documents: Documents;
  readonly request: AnalysisRequest;
}

/** The snapshot layout's files, by the AwsDocuments key they fill; folders hold one file per resource. */
const FILES: Record<keyof AwsDocuments, { readonly path: string; readonly folder?: boolean; readonly listKey: string }> = {
  DescribeVpcEndpoints: { path: 'ec2/DescribeVpcEndpoints.json', listKey: 'VpcEndpoints' },
  DescribeNetworkInterfaces: { path: 'ec2/DescribeNetworkInterfaces.json', listKey: 'NetworkInterfaces' },
  DescribeSubnets: { path: 'ec2/DescribeSubnets.json', listKey: 'Subnets' },
  DescribeNetworkAcls: { path: 'ec2/DescribeNetworkAcls.json', listKey: 'NetworkAcls' },
  DescribeSecurityGroups: { path: 'ec2/DescribeSecurityGroups.json', listKey: 'SecurityGroups' },
  DescribeManagedPrefixLists: { path: 'ec2/DescribeManagedPrefixLists.json', listKey: 'PrefixLists' },
  GetManagedPrefixListEntries: { path: 'ec2/GetManagedPrefixListEntries', folder: true, listKey: 'Entries' },
  DescribeInstances: { path: 'ec2/DescribeInstances.json', listKey: 'Reservations' },
  DescribeVpcEndpointServiceConfigurations: { path: 'ec2/DescribeVpcEndpointServiceConfigurations.json', listKey: 'ServiceConfigurations' },
  DescribeLoadBalancers: { path: 'elbv2/DescribeLoadBalancers.json', listKey: 'LoadBalancers' },
  DescribeLoadBalancerAttributes: { path: 'elbv2/DescribeLoadBalancerAttributes', folder: true, listKey: 'Attributes' },
  DescribeListeners: { path: 'elbv2/DescribeListeners', folder: true, listKey: 'Listeners' },
  DescribeTargetGroups: { path: 'elbv2/DescribeTargetGroups.json', listKey: 'TargetGroups' },
  DescribeTargetHealth: { path: 'elbv2/DescribeTargetHealth', folder: true, listKey: 'TargetHealthDescriptions' },
};

const EXAMPLES_DIR = new URL('../../examples/', import.meta.url).pathname;

function readExample(name: string): Case {
  const dir = join(EXAMPLES_DIR, name);
  const documents: Documents = {};
  for (const [key, file] of Object.entries(FILES) as [keyof AwsDocuments, (typeof FILES)[keyof AwsDocuments]][]) {
    const path = join(dir, file.path);
    let exists = true;
    try {
      statSync(path);
    } catch {
      exists = false;
    }
    if (!exists) continue;
    if (file.folder) {
      const byName: Json = {};
      for (const entry of readdirSync(path).filter((item) => item.endsWith('.json')))
        byName[entry.slice(0, -5)] = JSON.parse(readFileSync(join(path, entry), 'utf8'));
      documents[key] = byName;
    } else {
      documents[key] = JSON.parse(readFileSync(path, 'utf8'));
    }
  }
  const scenario = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as {
    endpointId: string;
    client: AnalysisRequest['client'];
    port?: number;
    clientEphemeralPorts?: string;
  };
  return {
    name,
    documents,
    request: {
      endpointId: scenario.endpointId,
      client: scenario.client,
      ...(scenario.port !== undefined ? { port: scenario.port } : {}),
      ...(scenario.clientEphemeralPorts ? { clientEphemeralPorts: parsePortRange(scenario.clientEphemeralPorts) } : {}),
    },
  };
}

function providerCase(name: string, knobs: ProviderKnobs): Case {
  return {
    name: `provider fixture ${name}`,
    documents: providerDocuments(knobs) as Documents,
    request: { endpointId: IDS.endpoint, client: { ip: IDS.clientIp }, port: 443 },
  };
}

const CASES: readonly Case[] = [
  ...readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    // Single-unit examples; the fleet example's units are §4 snapshots of their own, joined in test/core/fleet.test.ts.
    .filter((entry) => entry.isDirectory() && readdirSync(join(EXAMPLES_DIR, entry.name)).includes('ec2'))
    .map((entry) => readExample(entry.name)),
  providerCase('healthy', {}),
  providerCase('nlb sg denies, enforced', { enforcement: 'on', nlbSgIngress: [tcp(443, 443, cidrs('10.99.0.0/16'))] }),
  providerCase('target sg admits the client only', { nlbSecurityGroups: false, targetSgIngress: [tcp(8443, 8443, cidrs('10.0.0.0/16'))] }),
  providerCase('one target unhealthy', { health: ['healthy', 'unhealthy'] }),
  providerCase('cross-zone on', { crossZone: 'true', health: ['unhealthy', 'healthy'] }),
];

/** One way to take something referenced out of a capture. */
interface Removal {
  readonly label: string;
  readonly apply: (documents: Documents) => void;
}

const listOf = (document: unknown, key: string): Json[] => ((document as Json | undefined)?.[key] as Json[] | undefined) ?? [];

function removals(source: Case): Removal[] {
  const found: Removal[] = [];
  const documents = source.documents;
  for (const [key, file] of Object.entries(FILES) as [keyof AwsDocuments, (typeof FILES)[keyof AwsDocuments]][]) {
    const document = documents[key];
    if (document === undefined) continue;
    found.push({ label: `file ${file.path}`, apply: (docs) => delete docs[key] });
    const pages = file.folder ? Object.keys(document as Json).map((name) => ({ name })) : [{ name: undefined }];
    for (const { name } of pages) {
      const page = name === undefined ? document : (document as Json)[name];
      if (listOf(page, file.listKey).length === 0) continue;
      found.push({
        label: `second page of ${file.path}${name ? `/${name}.json` : ''}`,
        apply: (docs) => {
          const holder = docs[key] as Json | undefined;
          const target = (name === undefined ? holder : holder?.[name]) as Json | undefined;
          // Another removal of the same combination may have taken the file already.
          if (!target) return;
          const list = target[file.listKey] as Json[];
          target[file.listKey] = list.slice(0, Math.floor(list.length / 2));
          target['NextToken'] = 'eyJuZXh0IjoicGFnZSJ9';
        },
      });
      if (name !== undefined) {
        found.push({ label: `file ${file.path}/${name}.json`, apply: (docs) => delete (docs[key] as Json | undefined)?.[name] });
      }
    }
  }
  for (const acl of listOf(documents.DescribeNetworkAcls, 'NetworkAcls')) {
    if (listOf(acl, 'Associations').length === 0) continue;
    const id = acl['NetworkAclId'];
    found.push({
      label: `NACL ${String(id)}`,
      apply: (docs) => {
        const holder = docs.DescribeNetworkAcls as Json | undefined;
        if (holder) holder['NetworkAcls'] = listOf(holder, 'NetworkAcls').filter((item) => item['NetworkAclId'] !== id);
      },
    });
  }
  const carried = new Set(
    listOf(documents.DescribeNetworkInterfaces, 'NetworkInterfaces').flatMap((eni) => listOf(eni, 'Groups').map((group) => group['GroupId'])),
  );
  for (const group of listOf(documents.DescribeSecurityGroups, 'SecurityGroups')) {
    const id = group['GroupId'];
    if (!carried.has(id)) continue;
    found.push({
      label: `security group ${String(id)}`,
      apply: (docs) => {
        const holder = docs.DescribeSecurityGroups as Json | undefined;
        if (holder) holder['SecurityGroups'] = listOf(holder, 'SecurityGroups').filter((item) => item['GroupId'] !== id);
      },
    });
  }
  for (const list of listOf(documents.DescribeManagedPrefixLists, 'PrefixLists')) {
    const id = String(list['PrefixListId']);
    found.push({
      label: `prefix list ${id} and its entries`,
      apply: (docs) => {
        const holder = docs.DescribeManagedPrefixLists as Json | undefined;
        if (holder) holder['PrefixLists'] = listOf(holder, 'PrefixLists').filter((item) => item['PrefixListId'] !== id);
        if (docs.GetManagedPrefixListEntries) delete (docs.GetManagedPrefixListEntries as Json)[id];
      },
    });
  }
  const client = source.request.client;
  const clientEni = listOf(documents.DescribeNetworkInterfaces, 'NetworkInterfaces').find(
    (eni) =>
      eni['NetworkInterfaceId'] === client.eniId ||
      (client.instanceId !== undefined && (eni['Attachment'] as Json | undefined)?.['InstanceId'] === client.instanceId) ||
      listOf(eni, 'PrivateIpAddresses').some((address) => address['PrivateIpAddress'] === client.ip),
  );
  if (clientEni) {
    found.push({
      label: `the client's interface ${String(clientEni['NetworkInterfaceId'])}`,
      apply: (docs) => {
        const holder = docs.DescribeNetworkInterfaces as Json | undefined;
        if (holder)
          holder['NetworkInterfaces'] = listOf(holder, 'NetworkInterfaces').filter((item) => item['NetworkInterfaceId'] !== clientEni['NetworkInterfaceId']);
      },
    });
  }
  return found;
}

/** The report, or undefined when the request cannot be answered on this data (an error is no better answer). */
function analyzeOrNothing(documents: Documents, request: AnalysisRequest): Report | undefined {
  try {
    return analyze(modelFromAws(documents as AwsDocuments), request);
  } catch (error) {
    if (error instanceof AnalysisError) return undefined;
    throw error;
  }
}

const keyOf = (check: Check) => `${check.id}|${check.scope.networkInterfaceId ?? check.scope.endpointId}|${check.scope.port ?? ''}`;
const pathKey = (path: Report['paths'][number]) => `${path.networkInterfaceId}|${path.port}`;

/** The property: what `after` (less data) says is never better than what `before` said. */
function assertNoBetter(before: Report, after: Report, label: string): void {
  const statusBefore = new Map<string, Set<string>>();
  for (const check of before.checks) statusBefore.set(keyOf(check), (statusBefore.get(keyOf(check)) ?? new Set()).add(check.status));
  for (const check of after.checks) {
    const was = statusBefore.get(keyOf(check));
    if (check.status === 'pass' && was && !was.has('pass') && (was.has('fail') || was.has('unknown'))) {
      assert.fail(`${label}: ${keyOf(check)} went from ${[...was].join('/')} to pass: ${check.summary}`);
    }
  }
  const passingBefore = new Set(before.paths.filter((path) => path.status === 'pass').map(pathKey));
  for (const path of after.paths) {
    if (path.status === 'pass') assert.ok(passingBefore.has(pathKey(path)), `${label}: path ${pathKey(path)} started to pass`);
  }
  if (after.verdict === 'reachable') assert.equal(before.verdict, 'reachable', `${label}: verdict ${before.verdict} became reachable`);
}

function withRemovals(source: Case, chosen: readonly Removal[]): Documents {
  const documents = structuredClone(source.documents);
  for (const removal of chosen) removal.apply(documents);
  return documents;
}

describe('missing data never improves an answer', () => {
  it('holds for every single removal from every example and provider fixture', () => {
    let compared = 0;
    for (const source of CASES) {
      const before = analyzeOrNothing(source.documents, source.request);
      assert.ok(before, `${source.name} must be answerable on its complete data`);
      for (const removal of removals(source)) {
        const after = analyzeOrNothing(withRemovals(source, [removal]), source.request);
        if (!after) continue;
        assertNoBetter(before, after, `${source.name}, without ${removal.label}`);
        compared += 1;
      }
    }
    assert.ok(compared > 500, `compared ${compared} removals`);
  });

  it('holds for random combinations of removals', () => {
    const withRemovalLists = CASES.map((source) => ({ source, options: removals(source) }));
    fc.assert(
      fc.property(
        fc
          .nat({ max: withRemovalLists.length - 1 })
          .chain((index) =>
            fc.tuple(fc.constant(index), fc.uniqueArray(fc.nat({ max: withRemovalLists[index]!.options.length - 1 }), { minLength: 2, maxLength: 4 })),
          ),
        ([index, picks]) => {
          const { source, options } = withRemovalLists[index]!;
          const chosen = picks.map((pick) => options[pick]!);
          const before = analyzeOrNothing(source.documents, source.request)!;
          const after = analyzeOrNothing(withRemovals(source, chosen), source.request);
          if (after) assertNoBetter(before, after, `${source.name}, without ${chosen.map((removal) => removal.label).join(', ')}`);
        },
      ),
      { numRuns: 400 },
    );
  });
});
