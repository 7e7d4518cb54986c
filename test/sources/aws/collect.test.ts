import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { DescribeNetworkAclsCommand, DescribeVpcEndpointsCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Registry } from 'prom-client';
import { COLLECTIONS } from '../../../src/core/collections.js';
import { analyze, type AnalysisRequest } from '../../../src/core/analyze.js';
import type { CollectionName } from '../../../src/core/model.js';
import { registerAwsMetrics } from '../../../src/metrics/aws.js';
import { AwsCredentialsError, awsSource, EndpointsUnavailableError, type AwsSourceOptions } from '../../../src/sources/aws/index.js';
import type { AwsJsonDocument, AwsResponsesJson } from '../../../src/sources/aws/responses.js';
import { SnapshotFormatError } from '../../../src/sources/normalize/json-reader.js';
import { readSnapshot } from '../../../src/sources/snapshot/read.js';
import { EXAMPLE_NAMES, exampleDir, exampleRequest, withoutSource } from './examples.js';
import { regionFromSnapshot, type FakeService } from './fake-aws.js';
import { isolateFromAws, mockedRegion, REGION, type MockedRegion } from './support.js';

/** The collector over aws-sdk-client-mock stubs answered by an in-memory region. */

isolateFromAws();

const ACCOUNT = '111122223333';
const PROVIDER_EXAMPLE = 'provider-healthy';
const PREFIX_LIST_EXAMPLE = 'healthy-aws-service';
const PROVIDER_ENDPOINT = 'vpce-0c5df4b356e4e567d';
const CONSUMER_VPC = 'vpc-050d43238d4322d28';
const PROVIDER_VPC = 'vpc-0b45bd1d84dffc753';

async function region(name: string, options?: Parameters<typeof mockedRegion>[1]): Promise<MockedRegion> {
  return mockedRegion(await regionFromSnapshot(exampleDir(name)), options);
}

function source(mocked: MockedRegion, options: Partial<AwsSourceOptions> = {}) {
  return awsSource({ region: REGION, clients: mocked.clients, ...options });
}

function listOf(document: AwsJsonDocument | undefined, key: string): Array<Record<string, unknown>> {
  return (document?.[key] as Array<Record<string, unknown>> | undefined) ?? [];
}

function hex(value: number, digits = 17): string {
  return value.toString(16).padStart(digits, '0');
}

/**
 * A region of `endpoints` interface endpoints, one VPC each, the first `customerServices`
 * of them to services this account runs behind their own NLBs (in the endpoint's VPC).
 */
function syntheticRegion(endpoints: number, customerServices = 0): AwsResponsesJson {
  const serviceName = (index: number) => `com.amazonaws.vpce.${REGION}.vpce-svc-${hex(index)}`;
  const lbArn = (index: number) => `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/net/nlb-${index}/${hex(index, 16)}`;
  return {
    vpcEndpoints: {
      VpcEndpoints: Array.from({ length: endpoints }, (_, index) => ({
        VpcEndpointId: `vpce-${hex(index)}`,
        VpcEndpointType: 'Interface',
        VpcId: `vpc-${hex(index)}`,
        ServiceName: index < customerServices ? serviceName(index) : `com.amazonaws.${REGION}.kms`,
        State: 'available',
        SubnetIds: [],
        Groups: [],
        NetworkInterfaceIds: [],
        OwnerId: ACCOUNT,
      })),
    },
    networkInterfaces: { NetworkInterfaces: [] },
    subnets: { Subnets: [] },
    networkAcls: { NetworkAcls: [] },
    securityGroups: { SecurityGroups: [] },
    endpointServices: {
      ServiceConfigurations: Array.from({ length: customerServices }, (_, index) => ({
        ServiceId: `vpce-svc-${hex(index)}`,
        ServiceName: serviceName(index),
        NetworkLoadBalancerArns: [lbArn(index)],
      })),
    },
    loadBalancers: {
      LoadBalancers: Array.from({ length: customerServices }, (_, index) => ({
        LoadBalancerArn: lbArn(index),
        LoadBalancerName: `nlb-${index}`,
        Type: 'network',
        VpcId: `vpc-${hex(index)}`,
        AvailabilityZones: [],
      })),
    },
  };
}

function operations(mocked: MockedRegion): string[] {
  return mocked.region.calls.map((call) => call.operation);
}

function count(mocked: MockedRegion, operation: string): number {
  return mocked.region.callsOf(operation).length;
}

function filterValues(mocked: MockedRegion, operation: string): string[][] {
  return mocked.region.callsOf(operation).map((call) => (call.input.Filters as Array<{ Values: string[] }>)[0]!.Values);
}

describe('awsSource over a region', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: the same analysis as the snapshot the region was made from, every page followed`, async () => {
      const mocked = await region(name, { pageLimit: 2 });
      const request = await exampleRequest(name);
      const live = analyze(await source(mocked).load(), request);
      const snapshot = analyze(await readSnapshot(exampleDir(name)), request);
      assert.deepEqual(withoutSource(live), withoutSource(snapshot));
      assert.deepEqual(live.source, { kind: 'aws', location: `${ACCOUNT}/${REGION}` });
    });
  }

  it('follows every paginator to its last page, ELBv2 markers included', async () => {
    // Two listeners on its NLB, so that DescribeListeners has pages too.
    const mocked = await region('provider-port-inference', { pageLimit: 1 });
    const model = await source(mocked).load();
    const data = mocked.region.data;
    const expectedPages: Record<string, number> = {
      DescribeNetworkInterfaces: listOf(data.networkInterfaces, 'NetworkInterfaces').length,
      DescribeSubnets: listOf(data.subnets, 'Subnets').length,
      DescribeNetworkAcls: listOf(data.networkAcls, 'NetworkAcls').length,
      DescribeSecurityGroups: listOf(data.securityGroups, 'SecurityGroups').length,
      DescribeListeners: listOf(data.listeners?.['inventory-api-nlb'], 'Listeners').length,
    };
    for (const [operation, pages] of Object.entries(expectedPages)) {
      assert.ok(pages > 1, `${operation} has several pages`);
      assert.equal(count(mocked, operation), pages, operation);
      const tokens = mocked.region.callsOf(operation).map((call) => call.input.NextToken ?? call.input.Marker);
      assert.deepEqual(tokens, [undefined, ...Array.from({ length: pages - 1 }, (_, index) => `fake-page:${index + 1}`)], `${operation} passes each token on`);
    }
    assert.equal(model.networkInterfaces.size, expectedPages.DescribeNetworkInterfaces);
    assert.equal(model.subnets.size, expectedPages.DescribeSubnets);
    assert.equal(model.networkAcls.size, expectedPages.DescribeNetworkAcls);
    assert.equal(model.securityGroups.size, expectedPages.DescribeSecurityGroups);
    assert.equal([...model.loadBalancers.values()][0]?.listeners?.length, expectedPages.DescribeListeners);
  });

  it('asks for the largest page each API allows', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    await source(mocked).load();
    const pageSizes = Object.fromEntries(mocked.region.calls.map((call) => [call.operation, call.input.MaxResults ?? call.input.PageSize]));
    assert.deepEqual(pageSizes, {
      DescribeVpcEndpoints: 1000,
      DescribeNetworkInterfaces: 1000,
      DescribeSubnets: 1000,
      DescribeNetworkAcls: 1000,
      DescribeSecurityGroups: 1000,
      DescribeVpcEndpointServiceConfigurations: 1000,
      DescribeLoadBalancers: 400,
      DescribeLoadBalancerAttributes: undefined,
      DescribeListeners: 400,
      DescribeTargetGroups: 400,
      DescribeTargetHealth: undefined,
    });
  });

  it('lists the region in one call per collection whatever the number of endpoints, beyond pagination', async () => {
    const costs = [];
    for (const endpoints of [10, 1000, 2500]) {
      const mocked = mockedRegion(syntheticRegion(endpoints));
      const model = await source(mocked).load();
      assert.equal(model.endpoints.size, endpoints);
      costs.push(operations(mocked).sort());
    }
    const network = ['DescribeNetworkAcls', 'DescribeNetworkInterfaces', 'DescribeSecurityGroups', 'DescribeSubnets'];
    assert.deepEqual(costs[0], [...network.slice(0, 3), 'DescribeSubnets', 'DescribeVpcEndpoints'].sort());
    assert.deepEqual(costs[1], costs[0], '1,000 endpoints fit one page');
    assert.deepEqual(costs[2], [...network, 'DescribeVpcEndpoints', 'DescribeVpcEndpoints', 'DescribeVpcEndpoints'].sort(), '2,500 endpoints: three pages');
  });

  it('asks nothing of the provider side when every endpoint is for an AWS service', async () => {
    const mocked = await region(PREFIX_LIST_EXAMPLE);
    await source(mocked).load();
    assert.equal(mocked.region.calls.filter((call) => call.service === 'elbv2').length, 0);
    assert.equal(count(mocked, 'DescribeVpcEndpointServiceConfigurations'), 0);
  });

  it('asks for the prefix lists that security group rules name, and only when one does', async () => {
    const withList = await region(PREFIX_LIST_EXAMPLE);
    await source(withList).load();
    assert.deepEqual(filterValues(withList, 'DescribeManagedPrefixLists'), [['pl-053eb48a519367a56']]);
    assert.deepEqual(
      withList.region.callsOf('GetManagedPrefixListEntries').map((call) => call.input.PrefixListId),
      ['pl-053eb48a519367a56'],
    );
    const withoutList = await region(PROVIDER_EXAMPLE);
    await source(withoutList).load();
    assert.equal(count(withoutList, 'DescribeManagedPrefixLists') + count(withoutList, 'GetManagedPrefixListEntries'), 0);
  });
});

/**
 * A region large enough for a scan to split its listings: `vpcs` VPCs of four /22 subnets
 * each, every subnet about 119 addresses in use (so about 3,800 interfaces expected, 16
 * parts), though it holds two interfaces; one interface endpoint, one security group and
 * one NACL per VPC; a gateway endpoint in the first VPC and in one VPC without subnets.
 */
function splitRegion(vpcs = 8): AwsResponsesJson {
  const vpc = (index: number) => `vpc-${hex(index)}`;
  const subnets = Array.from({ length: vpcs * 4 }, (_, index) => ({
    SubnetId: `subnet-${hex(index)}`,
    VpcId: vpc(Math.floor(index / 4)),
    CidrBlock: `10.${Math.floor(index / 4)}.${(index % 4) * 4}.0/22`,
    AvailableIpAddressCount: 900,
    AvailabilityZone: `${REGION}${'abcd'[index % 4]}`,
  }));
  return {
    vpcEndpoints: {
      VpcEndpoints: [
        ...Array.from({ length: vpcs }, (_, index) => ({
          VpcEndpointId: `vpce-${hex(index)}`,
          VpcEndpointType: 'Interface',
          VpcId: vpc(index),
          ServiceName: `com.amazonaws.${REGION}.kms`,
          State: 'available',
          SubnetIds: [],
          Groups: [],
          NetworkInterfaceIds: [],
          OwnerId: ACCOUNT,
        })),
        ...[0, vpcs].map((index) => ({
          VpcEndpointId: `vpce-${hex(1000 + index)}`,
          VpcEndpointType: 'Gateway',
          VpcId: vpc(index),
          ServiceName: `com.amazonaws.${REGION}.s3`,
          State: 'available',
          OwnerId: ACCOUNT,
        })),
      ],
    },
    subnets: { Subnets: subnets },
    networkInterfaces: {
      NetworkInterfaces: subnets.flatMap((subnet, index) =>
        [0, 1].map((host) => ({
          NetworkInterfaceId: `eni-${hex(index * 2 + host)}`,
          SubnetId: subnet.SubnetId,
          VpcId: subnet.VpcId,
          AvailabilityZone: subnet.AvailabilityZone,
          InterfaceType: 'interface',
          PrivateIpAddress: `10.${Math.floor(index / 4)}.${(index % 4) * 4}.${10 + host}`,
          PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: `10.${Math.floor(index / 4)}.${(index % 4) * 4}.${10 + host}` }],
          Groups: [{ GroupId: `sg-${hex(Math.floor(index / 4))}`, GroupName: 'default' }],
          OwnerId: ACCOUNT,
          Status: 'in-use',
        })),
      ),
    },
    networkAcls: {
      NetworkAcls: Array.from({ length: vpcs + 1 }, (_, index) => ({
        NetworkAclId: `acl-${hex(index)}`,
        VpcId: vpc(index),
        IsDefault: true,
        Entries: [],
        Associations: subnets
          .filter((subnet) => subnet.VpcId === vpc(index))
          .map((subnet) => ({ NetworkAclId: `acl-${hex(index)}`, SubnetId: subnet.SubnetId })),
      })),
    },
    securityGroups: {
      SecurityGroups: Array.from({ length: vpcs + 1 }, (_, index) => ({
        GroupId: `sg-${hex(index)}`,
        GroupName: 'default',
        VpcId: vpc(index),
        IpPermissions: [],
        IpPermissionsEgress: [],
        OwnerId: ACCOUNT,
      })),
    },
  };
}

function filtersOf(mocked: MockedRegion, operation: string): Array<Array<{ Name: string; Values: string[] }> | undefined> {
  return mocked.region.callsOf(operation).map((call) => call.input.Filters as Array<{ Name: string; Values: string[] }> | undefined);
}

describe('awsSource over a large region: listings split into concurrent parts', () => {
  it('lists the interfaces by chunks of subnets and the endpoints and security groups by VPCs, concurrently, every item once', async () => {
    const data = splitRegion();
    const mocked = mockedRegion(data, { latencyMs: 20 });
    const maxConcurrentCalls = 8;
    const model = await source(mocked, { maxConcurrentCalls }).load();
    assert.deepEqual([...model.failures], []);
    assert.equal(model.endpoints.size, listOf(data.vpcEndpoints, 'VpcEndpoints').length, 'every endpoint once, the gateway endpoints too');
    assert.equal(model.networkInterfaces.size, listOf(data.networkInterfaces, 'NetworkInterfaces').length);
    assert.equal(model.subnets.size, 32);
    assert.equal(model.networkAcls.size, 9, 'few NACLs: one unfiltered listing');
    // Security groups act through interfaces, which are in subnets: a VPC without subnets is not read.
    assert.deepEqual(
      [...model.securityGroups.keys()].sort(),
      Array.from({ length: 8 }, (_, index) => `sg-${hex(index)}`),
    );

    // The subnets first, alone; then the parts.
    assert.equal(mocked.region.calls[0]?.operation, 'DescribeSubnets');
    assert.deepEqual(filtersOf(mocked, 'DescribeSubnets'), [undefined]);
    assert.deepEqual(filtersOf(mocked, 'DescribeNetworkAcls'), [undefined]);
    const interfaceParts = filtersOf(mocked, 'DescribeNetworkInterfaces');
    assert.equal(interfaceParts.length, 16);
    for (const filters of interfaceParts) assert.equal(filters?.[0]?.Name, 'subnet-id');
    assert.deepEqual(
      interfaceParts.flatMap((filters) => filters![0]!.Values).sort(),
      listOf(data.subnets, 'Subnets')
        .map((subnet) => subnet.SubnetId)
        .sort(),
      'every subnet in exactly one part',
    );
    const vpcsWithSubnets = Array.from({ length: 8 }, (_, index) => `vpc-${hex(index)}`);
    assert.deepEqual(
      filtersOf(mocked, 'DescribeSecurityGroups')
        .flatMap((filters) => filters![0]!.Values)
        .sort(),
      vpcsWithSubnets,
    );
    const endpointParts = filtersOf(mocked, 'DescribeVpcEndpoints');
    assert.deepEqual(
      endpointParts.filter((filters) => filters![0]!.Name === 'vpc-endpoint-type'),
      [[{ Name: 'vpc-endpoint-type', Values: ['Gateway'] }]],
    );
    assert.deepEqual(endpointParts.flatMap((filters) => (filters![0]!.Name === 'vpc-id' ? filters![0]!.Values : [])).sort(), vpcsWithSubnets);

    // Concurrent, within the collection's bound, and leaving a call in flight to the rest.
    assert.ok(mocked.region.peakInFlight('DescribeNetworkInterfaces') > 1, `interfaces: ${mocked.region.peakInFlight('DescribeNetworkInterfaces')} at once`);
    assert.ok(mocked.region.peakInFlight('DescribeVpcEndpoints') > 1, `endpoints: ${mocked.region.peakInFlight('DescribeVpcEndpoints')} at once`);
    assert.ok(mocked.region.peakInFlight('DescribeNetworkInterfaces') <= maxConcurrentCalls - 1);
    assert.ok(mocked.region.peakInFlight() <= maxConcurrentCalls, `${mocked.region.peakInFlight()} calls at once`);
  });

  it('pages each part on its own', async () => {
    const data = splitRegion();
    const mocked = mockedRegion(data, { pageLimit: 1 });
    const model = await source(mocked).load();
    assert.equal(model.networkInterfaces.size, 64);
    // Two subnets a part, two interfaces a subnet, one a page: four pages a part.
    assert.equal(count(mocked, 'DescribeNetworkInterfaces'), 64);
    for (const part of new Set(mocked.region.callsOf('DescribeNetworkInterfaces').map((call) => JSON.stringify(call.input.Filters)))) {
      const tokens = mocked.region
        .callsOf('DescribeNetworkInterfaces')
        .filter((call) => JSON.stringify(call.input.Filters) === part)
        .map((call) => call.input.NextToken);
      assert.deepEqual(tokens, [undefined, 'fake-page:1', 'fake-page:2', 'fake-page:3']);
    }
  });

  it('leaves a collection out whole, with the reason, when one of its parts fails', async () => {
    const data = splitRegion();
    const mocked = mockedRegion(data);
    const failing = `subnet-${hex(5)}`;
    mocked.region.failWith(
      'DescribeNetworkInterfaces',
      () => mocked.region.error('ec2', 'InternalFailure', 'We encountered an internal error.', 500),
      (input) => ((input.Filters as Array<{ Values: string[] }> | undefined)?.[0]?.Values ?? []).includes(failing),
    );
    const live = source(mocked);
    const model = await live.load();
    assert.ok(count(mocked, 'DescribeNetworkInterfaces') > 1, 'the other parts were listed');
    assert.deepEqual([...model.failures], [['networkInterfaces', 'ec2:DescribeNetworkInterfaces failed: InternalFailure: We encountered an internal error.']]);
    assert.equal(model.networkInterfaces.size, 0);
    assert.ok(!model.captured.has('networkInterfaces'));
    assert.equal(live.lastResponses()?.networkInterfaces, undefined, 'no partial list is exported either');
    assert.equal(model.securityGroups.size, 8);
  });

  it('fails the load when a part of the endpoints fails', async () => {
    const mocked = mockedRegion(splitRegion());
    mocked.region.deny('ec2', 'DescribeVpcEndpoints', (input) => (input.Filters as Array<{ Name: string }> | undefined)?.[0]?.Name === 'vpc-endpoint-type');
    await assert.rejects(source(mocked).load(), /the VPC endpoints cannot be listed: missing permission ec2:DescribeVpcEndpoints/);
  });

  it('lists the region whole when the subnets cannot be listed', async () => {
    const data = splitRegion();
    const mocked = mockedRegion(data);
    mocked.region.deny('ec2', 'DescribeSubnets');
    const model = await source(mocked).load();
    assert.deepEqual([...model.failures.keys()], ['subnets']);
    for (const operation of ['DescribeVpcEndpoints', 'DescribeNetworkInterfaces', 'DescribeNetworkAcls', 'DescribeSecurityGroups']) {
      assert.deepEqual(filtersOf(mocked, operation), [undefined], operation);
    }
    assert.equal(model.networkInterfaces.size, 64);
    assert.equal(model.securityGroups.size, 9);
  });

  it('asks for the health of every target group at once', async () => {
    const data = syntheticRegion(1, 1);
    const lb = listOf(data.loadBalancers, 'LoadBalancers')[0]!;
    const groups = [0, 1, 2].map((index) => ({
      TargetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/tg-${index}/${hex(index, 16)}`,
      TargetGroupName: `tg-${index}`,
      Protocol: 'TCP',
      Port: 443,
      TargetType: 'ip',
      VpcId: lb.VpcId,
      LoadBalancerArns: [lb.LoadBalancerArn],
    }));
    const listeners = groups.map((group, index) => ({
      ListenerArn: `${String(lb.LoadBalancerArn).replace(':loadbalancer/', ':listener/')}/${hex(index, 16)}`,
      LoadBalancerArn: lb.LoadBalancerArn,
      Port: 443 + index,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: group.TargetGroupArn }],
    }));
    const mocked = mockedRegion(
      {
        ...data,
        listeners: { [String(lb.LoadBalancerName)]: { Listeners: listeners } },
        targetGroups: { TargetGroups: groups },
        targetHealth: Object.fromEntries(groups.map((group) => [group.TargetGroupName, { TargetHealthDescriptions: [] }])),
      },
      { latencyMs: 20 },
    );
    const model = await source(mocked).load();
    assert.deepEqual([...model.failures], []);
    assert.equal(count(mocked, 'DescribeTargetHealth'), 3);
    assert.equal(mocked.region.peakInFlight('DescribeTargetHealth'), 3);
  });
});

describe('awsSource over named endpoints', () => {
  it('costs a small fixed number of calls, filtered to the endpoint, its VPC and its provider', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    const model = await source(mocked, { endpointIds: [PROVIDER_ENDPOINT] }).load();
    const calls = mocked.region.calls.map((call) => {
      const { MaxResults: _maxResults, PageSize: _pageSize, ...input } = call.input;
      return `${call.operation} ${JSON.stringify(input)}`;
    });
    const vpcFilter = (vpc: string) => JSON.stringify({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] });
    const lbArn = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/inventory-api-nlb/7de694042d08e882';
    const tgArn = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/inventory-api-8443/25ed9bbf5d14c4e7';
    assert.deepEqual(calls.sort(), [
      `DescribeListeners ${JSON.stringify({ LoadBalancerArn: lbArn })}`,
      `DescribeLoadBalancerAttributes ${JSON.stringify({ LoadBalancerArn: lbArn })}`,
      `DescribeLoadBalancers ${JSON.stringify({ LoadBalancerArns: [lbArn] })}`,
      `DescribeNetworkAcls ${vpcFilter(CONSUMER_VPC)}`,
      `DescribeNetworkAcls ${vpcFilter(PROVIDER_VPC)}`,
      `DescribeNetworkInterfaces ${vpcFilter(CONSUMER_VPC)}`,
      `DescribeNetworkInterfaces ${vpcFilter(PROVIDER_VPC)}`,
      `DescribeSecurityGroups ${vpcFilter(CONSUMER_VPC)}`,
      `DescribeSecurityGroups ${vpcFilter(PROVIDER_VPC)}`,
      `DescribeSubnets ${vpcFilter(CONSUMER_VPC)}`,
      `DescribeSubnets ${vpcFilter(PROVIDER_VPC)}`,
      `DescribeTargetGroups ${JSON.stringify({ TargetGroupArns: [tgArn] })}`,
      `DescribeTargetHealth ${JSON.stringify({ TargetGroupArn: tgArn })}`,
      `DescribeVpcEndpointServiceConfigurations ${JSON.stringify({ Filters: [{ Name: 'service-name', Values: ['com.amazonaws.vpce.us-east-1.vpce-svc-0e61021529b366ea2'] }] })}`,
      `DescribeVpcEndpoints ${JSON.stringify({ Filters: [{ Name: 'vpc-endpoint-id', Values: [PROVIDER_ENDPOINT] }] })}`,
    ]);
    const request = await exampleRequest(PROVIDER_EXAMPLE);
    assert.deepEqual(withoutSource(analyze(model, request)), withoutSource(analyze(await readSnapshot(exampleDir(PROVIDER_EXAMPLE)), request)));
  });

  it('batches ids: 200 values in one EC2 filter, 20 ARNs in one ELBv2 call', async () => {
    const endpoints = 450;
    const mocked = mockedRegion(syntheticRegion(endpoints, 45));
    const ids = Array.from({ length: endpoints }, (_, index) => `vpce-${hex(index)}`);
    const model = await source(mocked, { endpointIds: ids }).load();
    assert.equal(model.endpoints.size, endpoints);
    const sizes = (operation: string) => filterValues(mocked, operation).map((values) => values.length);
    assert.deepEqual(sizes('DescribeVpcEndpoints'), [200, 200, 50]);
    for (const operation of ['DescribeNetworkInterfaces', 'DescribeSubnets', 'DescribeNetworkAcls', 'DescribeSecurityGroups']) {
      assert.deepEqual(sizes(operation), [200, 200, 50], operation);
    }
    assert.deepEqual(sizes('DescribeVpcEndpointServiceConfigurations'), [45]);
    assert.deepEqual(
      mocked.region.callsOf('DescribeLoadBalancers').map((call) => (call.input.LoadBalancerArns as string[]).length),
      [20, 20, 5],
    );
    // ELBv2 has no batch form of these: one call per NLB.
    assert.equal(count(mocked, 'DescribeLoadBalancerAttributes'), 45);
    assert.equal(count(mocked, 'DescribeListeners'), 45);
    assert.equal(model.loadBalancers.size, 45);
  });

  it('leaves out an endpoint id that does not exist, without failing the others', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    const model = await source(mocked, { endpointIds: [PROVIDER_ENDPOINT, 'vpce-00000000000000dead'] }).load();
    assert.deepEqual([...model.endpoints.keys()], [PROVIDER_ENDPOINT]);
    assert.equal(model.failures.size, 0);
  });

  it('leaves out an NLB that no longer exists and reads the others of its batch one by one', async () => {
    const data = syntheticRegion(3, 3);
    const present = listOf(data.loadBalancers, 'LoadBalancers').filter((lb) => lb.LoadBalancerName !== 'nlb-1');
    const mocked = mockedRegion({ ...data, loadBalancers: { LoadBalancers: present } });
    const model = await source(mocked).load();
    assert.deepEqual([...model.loadBalancers.values()].map((lb) => lb.name).sort(), ['nlb-0', 'nlb-2']);
    assert.deepEqual(
      mocked.region.callsOf('DescribeLoadBalancers').map((call) => (call.input.LoadBalancerArns as string[]).length),
      [3, 1, 1, 1],
    );
    assert.equal(model.failures.size, 0);
  });
});

/** The two scenarios the denials are judged on: a visible provider, and prefix lists. */
const PROVIDER_SCENARIO = { example: PROVIDER_EXAMPLE, request: { endpointId: PROVIDER_ENDPOINT, client: { ip: '10.0.1.25' }, port: 443 } };
const PREFIX_LIST_SCENARIO = { example: PREFIX_LIST_EXAMPLE, request: { endpointId: 'vpce-068e9dcc184a273ab', client: { ip: '192.168.10.25' } } };

interface Denial {
  readonly service: FakeService;
  readonly operation: string;
  readonly collection: CollectionName;
  readonly example: string;
  readonly request: AnalysisRequest;
  /** True when the analysis does not depend on the call's output in this scenario. */
  readonly unaffected?: string;
}

/** The call of a collection, as the collections table names it, denied in a scenario. */
function denial(collection: CollectionName, scenario: { readonly example: string; readonly request: AnalysisRequest }, unaffected?: string): Denial {
  const { service, call } = COLLECTIONS[collection];
  return { service, operation: call, collection, ...scenario, ...(unaffected ? { unaffected } : {}) };
}

/** Each call denied in turn: the reason in the model, and the checks that need it `unknown`, never `pass` by default. */
const DENIALS: readonly Denial[] = [
  denial('networkInterfaces', PROVIDER_SCENARIO),
  denial('subnets', PROVIDER_SCENARIO),
  denial('networkAcls', PROVIDER_SCENARIO),
  denial('securityGroups', PROVIDER_SCENARIO),
  denial('prefixLists', PREFIX_LIST_SCENARIO, 'the entries, read apart, decide; the list names only label them'),
  denial('prefixListEntries', PREFIX_LIST_SCENARIO),
  denial('endpointServices', PROVIDER_SCENARIO),
  denial('loadBalancers', PROVIDER_SCENARIO),
  denial(
    'loadBalancerAttributes',
    PROVIDER_SCENARIO,
    'cross-zone load balancing falls back to the NLB default (off), which the report notes; this NLB has it off',
  ),
  denial('listeners', PROVIDER_SCENARIO),
  denial('targetGroups', PROVIDER_SCENARIO),
  denial('targetHealth', PROVIDER_SCENARIO),
];

describe('awsSource when AWS refuses or fails a call', () => {
  for (const denial of DENIALS) {
    it(`${denial.operation} denied: ${denial.collection} missing with the permission named; ${denial.unaffected ? 'the analysis unchanged' : 'the checks that need it unknown'}`, async () => {
      const mocked = await region(denial.example);
      mocked.region.deny(denial.service, denial.operation);
      const model = await source(mocked).load();
      const action = `${denial.service === 'ec2' ? 'ec2' : 'elasticloadbalancing'}:${denial.operation}`;
      const reason = `missing permission ${action} (${denial.service === 'ec2' ? 'UnauthorizedOperation' : 'AccessDenied'})`;
      assert.deepEqual([...model.failures], [[denial.collection, reason]]);
      // The lists' entries, read apart, make the lists known even when their names are not.
      if (denial.collection !== 'prefixLists') assert.ok(!model.captured.has(denial.collection), `${denial.collection} is not captured`);
      const report = analyze(model, denial.request);
      const complete = analyze(await readSnapshot(exampleDir(denial.example)), denial.request);
      const statuses = (of: typeof report) => [of.verdict, ...of.checks.map((check) => `${check.id} ${check.scope.networkInterfaceId ?? ''} ${check.status}`)];
      if (denial.unaffected) {
        assert.deepEqual(statuses(report), statuses(complete), denial.unaffected);
        return;
      }
      const changed = report.checks.filter((check, index) => check.status !== complete.checks[index]?.status);
      assert.ok(changed.length > 0, 'some check depends on it');
      for (const check of changed) assert.equal(check.status, 'unknown', `${check.id}: ${check.summary}`);
      if (complete.verdict === 'reachable') assert.equal(report.verdict, 'unknown', report.verdictSummary);
    });
  }

  it('quotes the missing permission in the checks that became unknown', async () => {
    const lists = await region(PREFIX_LIST_EXAMPLE);
    lists.region.deny('ec2', 'GetManagedPrefixListEntries');
    const onPremises = analyze(await source(lists).load(), DENIALS[5]!.request);
    for (const check of onPremises.checks.filter((candidate) => candidate.id === 'endpoint.sg.inbound')) {
      assert.equal(check.status, 'unknown');
      assert.match(check.summary, /prefix list entries could not be read: missing permission ec2:GetManagedPrefixListEntries \(UnauthorizedOperation\)/);
    }

    const mocked = await region(PROVIDER_EXAMPLE);
    mocked.region.deny('ec2', 'DescribeNetworkAcls');
    const report = analyze(await source(mocked).load(), DENIALS[2]!.request);
    const naclChecks = report.checks.filter((check) => check.id.includes('.nacl.'));
    assert.ok(naclChecks.length > 0);
    for (const check of naclChecks) {
      assert.equal(check.status, 'unknown', check.id);
      assert.match(check.summary, /network ACLs could not be read: missing permission ec2:DescribeNetworkAcls \(UnauthorizedOperation\)/);
    }
  });

  it('fails the load, naming the permission, when the endpoints themselves cannot be listed', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    mocked.region.deny('ec2', 'DescribeVpcEndpoints');
    const live = source(mocked);
    await assert.rejects(live.load(), (error: unknown) => {
      assert.ok(error instanceof EndpointsUnavailableError);
      assert.equal(error.message, 'the VPC endpoints cannot be listed: missing permission ec2:DescribeVpcEndpoints (UnauthorizedOperation)');
      return true;
    });
    assert.equal(live.lastResponses(), undefined);
  });

  it('leaves a collection out whole when a later page fails: never a partial list read as complete', async () => {
    const mocked = await region(PROVIDER_EXAMPLE, { pageLimit: 2 });
    mocked.region.failWith(
      'DescribeNetworkAcls',
      () => mocked.region.throttlingError('ec2'),
      (input) => input.NextToken !== undefined,
    );
    const model = await source(mocked).load();
    assert.ok(count(mocked, 'DescribeNetworkAcls') >= 2, 'the first page was read');
    assert.ok(!model.captured.has('networkAcls'));
    assert.equal(model.networkAcls.size, 0);
    assert.equal(model.failures.get('networkAcls'), 'ec2:DescribeNetworkAcls was throttled (RequestLimitExceeded)');
    assert.equal(source(mocked).lastResponses(), undefined, 'a new source has fetched nothing');
  });

  it('says how many attempts a throttled call had', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    mocked.region.failWith(
      'DescribeSubnets',
      () =>
        new EC2ServiceException({
          name: 'RequestLimitExceeded',
          $fault: 'client',
          $metadata: { httpStatusCode: 503, attempts: 5 },
          message: 'Request limit exceeded.',
        }),
    );
    const model = await source(mocked).load();
    assert.equal(model.failures.get('subnets'), 'ec2:DescribeSubnets was throttled (RequestLimitExceeded) after 5 attempts');
  });

  it('names the code and message of any other error', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    mocked.region.failWith('DescribeTargetGroups', () => mocked.region.error('elbv2', 'InternalFailure', 'We encountered an internal error.', 500));
    const model = await source(mocked).load();
    assert.equal(model.failures.get('targetGroups'), 'elasticloadbalancing:DescribeTargetGroups failed: InternalFailure: We encountered an internal error.');
  });

  it('keeps the resources whose per-resource call succeeded, and counts the ones that failed', async () => {
    const data = await regionFromSnapshot(exampleDir(PREFIX_LIST_EXAMPLE));
    const secondList = 'pl-0aaaaaaaaaaaaaaa2';
    const groups = listOf(data.securityGroups, 'SecurityGroups').map((group, index) =>
      index === 0 ? { ...group, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: secondList }] }] } : group,
    );
    const mocked = mockedRegion({
      ...data,
      securityGroups: { SecurityGroups: groups },
      prefixListEntries: { ...data.prefixListEntries, [secondList]: { Entries: [{ Cidr: '198.51.100.0/24' }] } },
    });
    mocked.region.deny('ec2', 'GetManagedPrefixListEntries', (input) => input.PrefixListId === 'pl-053eb48a519367a56');
    const live = source(mocked);
    const model = await live.load();
    assert.equal(model.failures.get('prefixListEntries'), 'missing permission ec2:GetManagedPrefixListEntries (UnauthorizedOperation) (1 of 2)');
    assert.deepEqual(Object.keys(live.lastResponses()?.prefixListEntries ?? {}), [secondList]);
    assert.equal(model.prefixLists.get(secondList)?.entries?.length, 1);
    assert.equal(model.prefixLists.get('pl-053eb48a519367a56')?.entries, undefined);
  });

  it('ends a call still running at the collection deadline and keeps the rest', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    mocked.ec2.on(DescribeNetworkAclsCommand).callsFake(() => new Promise(() => {}));
    const started = performance.now();
    const model = await source(mocked, { collectionDeadlineMs: 300 }).load();
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `ended after ${Math.round(elapsed)} ms`);
    assert.equal(model.failures.get('networkAcls'), 'ec2:DescribeNetworkAcls did not finish within the collection deadline of 300 ms');
    assert.ok(model.captured.has('securityGroups') && model.captured.has('targetHealth'));
  });

  it('fails the load at the deadline when the endpoints have not been listed by then', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    mocked.ec2.on(DescribeVpcEndpointsCommand).callsFake(() => new Promise(() => {}));
    await assert.rejects(
      source(mocked, { collectionDeadlineMs: 200 }).load(),
      /the VPC endpoints cannot be listed: ec2:DescribeVpcEndpoints did not finish within the collection deadline of 200 ms/,
    );
  });
});

describe('awsSource as a model source', () => {
  it('shares one collection among concurrent loads, and collects afresh after', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    const live = source(mocked);
    const [first, second] = await Promise.all([live.load(), live.load()]);
    assert.equal(first, second);
    assert.equal(count(mocked, 'DescribeVpcEndpoints'), 1);
    const third = await live.load();
    assert.notEqual(third, first);
    assert.equal(count(mocked, 'DescribeVpcEndpoints'), 2);
  });

  it('names the account and region, or the role and region', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    assert.equal((await source(mocked).load()).source.location, `${ACCOUNT}/${REGION}`);
    assert.equal(source(mocked).description, `AWS ${REGION}`);
    const roleArn = 'arn:aws:iam::444455556666:role/vpce-doctor-reader';
    const viaRole = source(mocked, { roleArn, endpointIds: [PROVIDER_ENDPOINT] });
    assert.equal(viaRole.description, `AWS ${REGION} as ${roleArn} (endpoints ${PROVIDER_ENDPOINT})`);
    assert.deepEqual((await viaRole.load()).source, { kind: 'aws', location: `${roleArn}/${REGION}` });
  });

  it('keeps what the last successful load fetched', async () => {
    const mocked = await region(PROVIDER_EXAMPLE);
    const live = source(mocked);
    assert.equal(live.lastResponses(), undefined);
    await live.load();
    const fetched = live.lastResponses();
    assert.deepEqual(
      listOf(fetched?.vpcEndpoints, 'VpcEndpoints').map((endpoint) => endpoint.VpcEndpointId),
      [PROVIDER_ENDPOINT],
    );
    assert.deepEqual(Object.keys(fetched?.targetHealth ?? {}), ['inventory-api-8443']);
    mocked.region.deny('ec2', 'DescribeVpcEndpoints');
    await assert.rejects(live.load());
    assert.equal(live.lastResponses(), fetched, 'a failed load keeps the previous responses');
  });

  it('fails the load on a response the model cannot read, naming the file it would be exported to and the JSON path', async () => {
    const mocked = mockedRegion({
      ...syntheticRegion(1),
      subnets: { Subnets: [{ SubnetId: 'subnet-0aaaaaaaaaaaaaaa1', VpcId: 'vpc-1', AvailabilityZone: 'us-east-1a', CidrBlock: 'not-a-cidr' }] },
    });
    await assert.rejects(source(mocked).load(), (error: unknown) => {
      assert.ok(error instanceof SnapshotFormatError);
      assert.equal(error.message, 'ec2/DescribeSubnets.json: $.Subnets[0].CidrBlock: "not-a-cidr" is not a CIDR block');
      return true;
    });
  });

  it('refuses options it cannot use, naming them', () => {
    const clients = mockedRegion({}).clients;
    assert.throws(() => awsSource({ region: '', clients }), /region: required/);
    assert.throws(() => awsSource({ region: REGION, roleArn: 'vpce-doctor-reader', clients }), /roleArn: expected arn:aws:iam::<account>:role\/<name>/);
    assert.throws(() => awsSource({ region: REGION, callTimeoutMs: 0, clients }), /callTimeoutMs: expected a positive integer, got 0/);
    assert.throws(() => awsSource({ region: REGION, maxAttempts: 1.5, clients }), /maxAttempts/);
  });

  it('times each collection by outcome', async () => {
    const registry = new Registry();
    const metrics = registerAwsMetrics(registry);
    const complete = await region(PROVIDER_EXAMPLE);
    await source(complete, { metrics }).load();
    const partial = await region(PROVIDER_EXAMPLE);
    partial.region.deny('ec2', 'DescribeNetworkAcls');
    await source(partial, { metrics }).load();
    const failed = await region(PROVIDER_EXAMPLE);
    failed.region.deny('ec2', 'DescribeVpcEndpoints');
    await assert.rejects(source(failed, { metrics }).load());
    const counts = (await registry.getSingleMetric('vpce_doctor_aws_collection_duration_seconds')!.get()).values
      .filter((value) => (value as { metricName?: string }).metricName === 'vpce_doctor_aws_collection_duration_seconds_count')
      .map((value) => [value.labels.outcome, value.value]);
    assert.deepEqual(counts.sort(), [
      ['complete', 1],
      ['failed', 1],
      ['partial', 1],
    ]);
  });

  it('fails the load with one clear error when no credentials can be had', async () => {
    const saved = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const config = { region: REGION, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 };
      const live = awsSource({ region: REGION, clients: { ec2: new EC2Client(config), elbv2: new ElasticLoadBalancingV2Client(config) } });
      await assert.rejects(live.load(), (error: unknown) => {
        assert.ok(error instanceof AwsCredentialsError);
        assert.match(error.message, /^AWS credentials cannot be obtained from the standard chain/);
        return true;
      });
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
