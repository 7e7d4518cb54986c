import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, it } from 'node:test';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Registry } from 'prom-client';
import { registerAwsMetrics } from '../../../src/metrics/aws.js';
import { createAwsClients } from '../../../src/sources/aws/clients.js';
import { AwsCredentialsError, awsSource, EndpointsUnavailableError } from '../../../src/sources/aws/index.js';
import { ec2Answer, ec2Error, elbv2Answer, startQueryServer, stsAssumeRoleAnswer, stsError, type QueryServer } from './query-server.js';
import { isolateFromAws, REGION } from './support.js';

/**
 * The real SDK stack against loopback servers speaking the AWS query protocols: per-call
 * timeouts that end, adaptive retries, endpoint variables, assumed roles, and the metrics
 * every attempt feeds. Every endpoint is 127.0.0.1.
 */

isolateFromAws();

const servers: QueryServer[] = [];
async function server(answer: Parameters<typeof startQueryServer>[0]): Promise<QueryServer> {
  const started = await startQueryServer(answer);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((started) => started.close()));
  isolateFromAws();
});

/** Every EC2 describe answered with an empty list. */
const emptyEc2 = (request: { action: string }) => ec2Answer(request.action);

async function callCounts(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('vpce_doctor_aws_api_calls_total')!.get();
  return Object.fromEntries(metric.values.map((value) => [`${value.labels.service} ${value.labels.operation} ${value.labels.outcome}`, value.value]));
}

describe('per-call timeout', () => {
  it('ends a call to a server that accepts and never answers, at its timeout', async () => {
    const silent = await server(() => 'never');
    process.env.AWS_ENDPOINT_URL = silent.url;
    const started = performance.now();
    await assert.rejects(awsSource({ region: REGION, callTimeoutMs: 300, maxAttempts: 1 }).load(), (error: unknown) => {
      assert.ok(error instanceof EndpointsUnavailableError);
      assert.equal(error.reason, 'ec2:DescribeVpcEndpoints got no answer within 300 ms');
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `ended after ${Math.round(elapsed)} ms`);
    assert.ok(silent.actions().includes('DescribeVpcEndpoints'), 'the request reached the server');
  });

  it('retries an unanswered call and says how many attempts it had', async () => {
    const silent = await server(() => 'never');
    process.env.AWS_ENDPOINT_URL = silent.url;
    const started = performance.now();
    await assert.rejects(
      awsSource({ region: REGION, callTimeoutMs: 200, maxAttempts: 2 }).load(),
      /ec2:DescribeVpcEndpoints got no answer within 200 ms after 2 attempts/,
    );
    assert.ok(performance.now() - started >= 390);
    assert.equal(silent.actions().filter((action) => action === 'DescribeVpcEndpoints').length, 2);
  });
});

describe('throttling', () => {
  it('retries throttled attempts in adaptive mode, counting each one', async () => {
    let throttled = 0;
    const ec2 = await server((request) => {
      if (request.action === 'DescribeVpcEndpoints' && throttled < 2) {
        throttled += 1;
        return ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
      }
      return emptyEc2(request);
    });
    process.env.AWS_ENDPOINT_URL = ec2.url;
    const registry = new Registry();
    const model = await awsSource({ region: REGION, maxAttempts: 3, metrics: registerAwsMetrics(registry) }).load();
    assert.equal(model.failures.size, 0);
    assert.ok(model.captured.has('vpcEndpoints'));
    assert.equal(ec2.actions().filter((action) => action === 'DescribeVpcEndpoints').length, 3);
    const counts = await callCounts(registry);
    assert.equal(counts['ec2 DescribeVpcEndpoints throttled'], 2);
    assert.equal(counts['ec2 DescribeVpcEndpoints success'], 1);
    assert.equal(counts['ec2 DescribeSubnets success'], 1);
  });

  it('leaves the collection out, with the cause, when throttling outlasts the retries', async () => {
    const ec2 = await server((request) =>
      request.action === 'DescribeNetworkAcls' ? ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.') : emptyEc2(request),
    );
    process.env.AWS_ENDPOINT_URL = ec2.url;
    const registry = new Registry();
    const model = await awsSource({ region: REGION, maxAttempts: 3, metrics: registerAwsMetrics(registry) }).load();
    assert.deepEqual([...model.failures], [['networkAcls', 'ec2:DescribeNetworkAcls was throttled (RequestLimitExceeded) after 3 attempts']]);
    assert.equal((await callCounts(registry))['ec2 DescribeNetworkAcls throttled'], 3);
  });
});

describe('denied calls over the wire', () => {
  it('names the missing permission and does not retry', async () => {
    const ec2 = await server((request) =>
      request.action === 'DescribeNetworkAcls'
        ? ec2Error(
            403,
            'UnauthorizedOperation',
            'You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/reader/s is not authorized to perform: ec2:DescribeNetworkAcls',
          )
        : emptyEc2(request),
    );
    process.env.AWS_ENDPOINT_URL = ec2.url;
    const registry = new Registry();
    const model = await awsSource({ region: REGION, maxAttempts: 3, metrics: registerAwsMetrics(registry) }).load();
    assert.equal(model.failures.get('networkAcls'), 'missing permission ec2:DescribeNetworkAcls (UnauthorizedOperation)');
    assert.equal(ec2.actions().filter((action) => action === 'DescribeNetworkAcls').length, 1);
    assert.equal((await callCounts(registry))['ec2 DescribeNetworkAcls denied'], 1);
  });
});

const SERVICE_NAME = `com.amazonaws.vpce.${REGION}.vpce-svc-0e61021529b366ea2`;
const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:111122223333:loadbalancer/net/inventory-api-nlb/7de694042d08e882`;

function consumerRegion(request: { action: string }) {
  switch (request.action) {
    case 'DescribeVpcEndpoints':
      return ec2Answer(
        request.action,
        '<vpcEndpointSet><item><vpcEndpointId>vpce-0c5df4b356e4e567d</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType>' +
          `<vpcId>vpc-050d43238d4322d28</vpcId><serviceName>${SERVICE_NAME}</serviceName><state>available</state>` +
          '<subnetIdSet><item>subnet-0e2d7e7b9c1a3f456</item></subnetIdSet><groupSet><item><groupId>sg-04e747ab1ca930080</groupId><groupName>inventory-endpoint</groupName></item></groupSet>' +
          '<networkInterfaceIdSet><item>eni-02c7cb8766d936570</item></networkInterfaceIdSet><privateDnsEnabled>false</privateDnsEnabled>' +
          '<ownerId>111122223333</ownerId><creationTimestamp>2024-05-01T10:00:00.000Z</creationTimestamp></item></vpcEndpointSet>',
      );
    case 'DescribeVpcEndpointServiceConfigurations':
      return ec2Answer(
        request.action,
        '<serviceConfigurationSet><item><serviceId>vpce-svc-0e61021529b366ea2</serviceId>' +
          `<serviceName>${SERVICE_NAME}</serviceName><serviceState>Available</serviceState><acceptanceRequired>false</acceptanceRequired>` +
          `<networkLoadBalancerArnSet><item>${LB_ARN}</item></networkLoadBalancerArnSet></item></serviceConfigurationSet>`,
      );
    default:
      return ec2Answer(request.action);
  }
}

function providerRegion(request: { action: string }) {
  switch (request.action) {
    case 'DescribeLoadBalancers':
      return elbv2Answer(
        request.action,
        `<LoadBalancers><member><LoadBalancerArn>${LB_ARN}</LoadBalancerArn><LoadBalancerName>inventory-api-nlb</LoadBalancerName>` +
          '<Type>network</Type><Scheme>internal</Scheme><VpcId>vpc-0b45bd1d84dffc753</VpcId><CreatedTime>2024-05-01T10:00:00.000Z</CreatedTime>' +
          '<AvailabilityZones><member><ZoneName>us-east-1a</ZoneName><SubnetId>subnet-0f1e2d3c4b5a69788</SubnetId>' +
          '<LoadBalancerAddresses><member><PrivateIPv4Address>10.20.0.37</PrivateIPv4Address></member></LoadBalancerAddresses></member></AvailabilityZones></member></LoadBalancers>',
      );
    case 'DescribeLoadBalancerAttributes':
      return elbv2Answer(request.action, '<Attributes><member><Key>load_balancing.cross_zone.enabled</Key><Value>false</Value></member></Attributes>');
    default:
      return elbv2Answer(request.action);
  }
}

describe('endpoints from the SDK endpoint variables', () => {
  it('sends EC2 to AWS_ENDPOINT_URL_EC2 and ELBv2 to AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, reading real responses', async () => {
    const ec2 = await server(consumerRegion);
    const elbv2 = await server(providerRegion);
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    process.env.AWS_ENDPOINT_URL_EC2 = ec2.url;
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = elbv2.url;
    const live = awsSource({ region: REGION });
    const model = await live.load();
    assert.deepEqual(ec2.actions().sort(), [
      'DescribeNetworkAcls',
      'DescribeNetworkInterfaces',
      'DescribeSecurityGroups',
      'DescribeSubnets',
      'DescribeVpcEndpointServiceConfigurations',
      'DescribeVpcEndpoints',
    ]);
    assert.deepEqual(elbv2.actions().sort(), ['DescribeListeners', 'DescribeLoadBalancerAttributes', 'DescribeLoadBalancers']);
    assert.equal(model.failures.size, 0);
    assert.equal(model.loadBalancers.get(LB_ARN)?.crossZoneEnabled, false);
    // As the AWS CLI prints it: PascalCase, dates as ISO text, nothing of the SDK's own.
    assert.deepEqual(live.lastResponses()?.vpcEndpoints, {
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-0c5df4b356e4e567d',
          VpcEndpointType: 'Interface',
          VpcId: 'vpc-050d43238d4322d28',
          ServiceName: SERVICE_NAME,
          State: 'available',
          SubnetIds: ['subnet-0e2d7e7b9c1a3f456'],
          Groups: [{ GroupId: 'sg-04e747ab1ca930080', GroupName: 'inventory-endpoint' }],
          NetworkInterfaceIds: ['eni-02c7cb8766d936570'],
          PrivateDnsEnabled: false,
          OwnerId: '111122223333',
          CreationTimestamp: '2024-05-01T10:00:00.000Z',
        },
      ],
    });
    assert.deepEqual(live.lastResponses()?.loadBalancerAttributes, {
      'inventory-api-nlb': { Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'false' }] },
    });
  });

  it('sends both services to AWS_ENDPOINT_URL when no service variable is set', async () => {
    const both = await server((request) => (request.action === 'DescribeLoadBalancers' ? elbv2Answer(request.action) : emptyEc2(request)));
    process.env.AWS_ENDPOINT_URL = both.url;
    const clients = createAwsClients({ region: REGION, callTimeoutMs: 2000, maxAttempts: 1 });
    await clients.ec2.send(new DescribeSubnetsCommand({}));
    await clients.elbv2.send(new DescribeLoadBalancersCommand({}));
    assert.deepEqual(both.actions(), ['DescribeSubnets', 'DescribeLoadBalancers']);
  });
});

describe('cross-account role', () => {
  const roleArn = 'arn:aws:iam::444455556666:role/vpce-doctor-reader';

  it('assumes the role through STS and signs every call with its credentials', async () => {
    const sts = await server(() => stsAssumeRoleAnswer('ASIAFAKEASSUMEDROLE1', roleArn));
    const ec2 = await server(emptyEc2);
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    process.env.AWS_ENDPOINT_URL_EC2 = ec2.url;
    const model = await awsSource({ region: REGION, roleArn }).load();
    assert.equal(model.source.location, `${roleArn}/${REGION}`);
    const assumeRole = sts.requests.find((request) => request.action === 'AssumeRole');
    assert.equal(assumeRole?.params.get('RoleArn'), roleArn);
    assert.equal(assumeRole?.params.get('RoleSessionName'), 'vpce-doctor');
    assert.match(assumeRole?.authorization ?? '', /Credential=AKIAFAKEFAKEFAKEFAKE\//, 'the standard chain signs the AssumeRole call');
    assert.ok(ec2.requests.length >= 5);
    for (const request of ec2.requests) assert.match(request.authorization, /Credential=ASIAFAKEASSUMEDROLE1\//, request.action);
  });

  it('fails the load with one error naming the role when it cannot be assumed', async () => {
    const sts = await server(() =>
      stsError(403, 'AccessDenied', `User: arn:aws:iam::111122223333:user/ci is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`),
    );
    const ec2 = await server(emptyEc2);
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    process.env.AWS_ENDPOINT_URL_EC2 = ec2.url;
    await assert.rejects(awsSource({ region: REGION, roleArn, maxAttempts: 1 }).load(), (error: unknown) => {
      assert.ok(error instanceof AwsCredentialsError);
      assert.match(error.message, new RegExp(`^AWS credentials cannot be obtained assuming ${roleArn}: .*not authorized to perform: sts:AssumeRole`));
      return true;
    });
    assert.equal(ec2.requests.length, 0, 'nothing is asked of EC2 without credentials');
  });
});
