import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2ServiceException, LoadBalancerNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { callOutcome, classifyAwsError, CollectionDeadlineError, describeFailure, isNotFound } from '../../../src/sources/aws/errors.js';

/** AWS errors as the model's reasons: a table of what the SDK throws and what the model then says. */

const LIMITS = { callTimeoutMs: 5000, deadlineMs: 60000 };

function ec2Error(name: string, httpStatusCode: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: `${name} happened` }), extra);
}

const CASES: ReadonlyArray<{ readonly what: string; readonly error: unknown; readonly kind: string; readonly outcome: string; readonly reason: string }> = [
  {
    what: "EC2's UnauthorizedOperation",
    error: ec2Error('UnauthorizedOperation', 403),
    kind: 'denied',
    outcome: 'denied',
    reason: 'missing permission ec2:DescribeNetworkAcls (UnauthorizedOperation)',
  },
  {
    what: "ELBv2's AccessDenied",
    error: new ElasticLoadBalancingV2ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'not authorized',
    }),
    kind: 'denied',
    outcome: 'denied',
    reason: 'missing permission ec2:DescribeNetworkAcls (AccessDenied)',
  },
  {
    what: "EC2's RequestLimitExceeded after the retries",
    error: ec2Error('RequestLimitExceeded', 503, { $metadata: { httpStatusCode: 503, attempts: 4 } }),
    kind: 'throttled',
    outcome: 'throttled',
    reason: 'ec2:DescribeNetworkAcls was throttled (RequestLimitExceeded) after 4 attempts',
  },
  {
    what: "ELBv2's Throttling",
    error: new ElasticLoadBalancingV2ServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }),
    kind: 'throttled',
    outcome: 'throttled',
    reason: 'ec2:DescribeNetworkAcls was throttled (Throttling)',
  },
  {
    what: 'any HTTP 429',
    error: ec2Error('SlowDownPlease', 429),
    kind: 'throttled',
    outcome: 'throttled',
    reason: 'ec2:DescribeNetworkAcls was throttled (SlowDownPlease)',
  },
  {
    what: "the node handler's request timeout",
    error: Object.assign(new Error('a request has exceeded the configured 5000 ms requestTimeout.'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      $metadata: { attempts: 3 },
    }),
    kind: 'timeout',
    outcome: 'error',
    reason: 'ec2:DescribeNetworkAcls got no answer within 5000 ms after 3 attempts',
  },
  {
    what: 'a connection timeout',
    error: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }),
    kind: 'timeout',
    outcome: 'error',
    reason: 'ec2:DescribeNetworkAcls got no answer within 5000 ms',
  },
  {
    what: 'the collection deadline',
    error: new CollectionDeadlineError(60000),
    kind: 'deadline',
    outcome: 'error',
    reason: 'ec2:DescribeNetworkAcls did not finish within the collection deadline of 60000 ms',
  },
  {
    what: 'a server error',
    error: Object.assign(ec2Error('InternalError', 500), { message: 'An internal error has occurred' }),
    kind: 'error',
    outcome: 'error',
    reason: 'ec2:DescribeNetworkAcls failed: InternalError: An internal error has occurred',
  },
  {
    what: 'a plain error without a code',
    error: new Error('socket hang up'),
    kind: 'error',
    outcome: 'error',
    reason: 'ec2:DescribeNetworkAcls failed: UnknownError: socket hang up',
  },
  {
    what: 'something not an error at all',
    error: 'boom',
    kind: 'error',
    outcome: 'error',
    reason: 'ec2:DescribeNetworkAcls failed: UnknownError',
  },
];

describe('AWS errors', () => {
  for (const { what, error, kind, outcome, reason } of CASES) {
    it(`${what}: ${kind}, counted as ${outcome}`, () => {
      assert.equal(classifyAwsError(error), kind);
      assert.equal(callOutcome(classifyAwsError(error)), outcome);
      assert.equal(describeFailure('ec2:DescribeNetworkAcls', error, LIMITS), reason);
    });
  }

  it('tells a resource that no longer exists from other errors', () => {
    assert.ok(isNotFound(new LoadBalancerNotFoundException({ $metadata: {}, message: 'gone' })));
    assert.ok(isNotFound(ec2Error('InvalidPrefixListID.NotFound', 400)));
    assert.ok(!isNotFound(ec2Error('UnauthorizedOperation', 403)));
  });
});
