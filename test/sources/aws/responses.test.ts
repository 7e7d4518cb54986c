import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toAwsResponses, toPlainJson } from '../../../src/sources/aws/responses.js';

/** SDK values as the AWS CLI prints them, and the readers named after the snapshot files. */

describe('toPlainJson', () => {
  it('prints dates as ISO text and drops absent members, as JSON would', () => {
    const sdkValue = {
      LoadBalancerName: 'inventory-api-nlb',
      CreatedTime: new Date('2024-05-01T10:00:00.000Z'),
      Scheme: undefined,
      AvailabilityZones: [{ ZoneName: 'us-east-1a', LoadBalancerAddresses: [] }],
      Port: 443,
      Enabled: false,
      Description: null,
    };
    const plain = toPlainJson(sdkValue);
    assert.deepEqual(plain, JSON.parse(JSON.stringify(sdkValue)));
    assert.deepEqual(plain, {
      LoadBalancerName: 'inventory-api-nlb',
      CreatedTime: '2024-05-01T10:00:00.000Z',
      AvailabilityZones: [{ ZoneName: 'us-east-1a', LoadBalancerAddresses: [] }],
      Port: 443,
      Enabled: false,
      Description: null,
    });
  });
});

describe('toAwsResponses', () => {
  it('names each reader after the file the response is exported to', () => {
    const responses = toAwsResponses({ subnets: { Subnets: [] }, targetHealth: { 'inventory-api-8443': { TargetHealthDescriptions: [] } } });
    assert.equal(responses.subnets?.file, 'ec2/DescribeSubnets.json');
    assert.equal(responses.targetHealth?.get('inventory-api-8443')?.file, 'elbv2/DescribeTargetHealth/inventory-api-8443.json');
    assert.equal(responses.networkAcls, undefined, 'not fetched: not captured');
  });
});
