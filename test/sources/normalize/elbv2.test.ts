import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEndpointServices, normalizeLoadBalancers, normalizeTargetGroups } from '../../../src/sources/normalize/elbv2.js';
import { JsonReader, SnapshotFormatError } from '../../../src/sources/normalize/json-reader.js';

/** The provider side: ports AWS could not hold and duplicate ids are errors naming the file and JSON path. */

const LB_FILE = 'elbv2/DescribeLoadBalancers.json';
const TG_FILE = 'elbv2/DescribeTargetGroups.json';
const LISTENERS_FILE = 'elbv2/DescribeListeners/nlb.json';
const HEALTH_FILE = 'elbv2/DescribeTargetHealth/tg.json';

function expectError(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SnapshotFormatError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

const arn = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/${name}/0123456789abcdef`;
const tgArn = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/${name}/0123456789abcdef`;
const loadBalancer = (name: string, lbArn = arn(name)) => ({ LoadBalancerArn: lbArn, LoadBalancerName: name, Type: 'network', AvailabilityZones: [] });
const listener = (port: unknown, id = '1') => ({ ListenerArn: `${arn('nlb')}/listener-${id}`, Port: port, Protocol: 'TCP', DefaultActions: [] });
const targetGroup = (name: string, fields: object = {}) => ({
  TargetGroupArn: tgArn(name),
  TargetGroupName: name,
  Protocol: 'TCP',
  Port: 8443,
  TargetType: 'instance',
  ...fields,
});
const target = (id: string, port?: unknown) => ({ Target: { Id: id, ...(port === undefined ? {} : { Port: port }) }, TargetHealth: { State: 'healthy' } });

function loadBalancersWith(listeners: object[], balancers: object[] = [loadBalancer('nlb')]) {
  return () =>
    normalizeLoadBalancers(
      new JsonReader(LB_FILE, { LoadBalancers: balancers }),
      new Map(),
      new Map([['nlb', new JsonReader(LISTENERS_FILE, { Listeners: listeners })]]),
    );
}

function targetGroupsWith(groups: object[], targets: object[] = []) {
  return () =>
    normalizeTargetGroups(
      new JsonReader(TG_FILE, { TargetGroups: groups }),
      new Map([['tg', new JsonReader(HEALTH_FILE, { TargetHealthDescriptions: targets })]]),
    );
}

describe('ELBv2 values AWS could not have produced', () => {
  const cases: [string, () => unknown, string][] = [
    ['a listener on port 0', loadBalancersWith([listener(0)]), `${LISTENERS_FILE}: $.Listeners[0].Port: expected a port from 1 to 65535, found number 0`],
    [
      'a listener on port 70000',
      loadBalancersWith([listener(70000)]),
      `${LISTENERS_FILE}: $.Listeners[0].Port: expected a port from 1 to 65535, found number 70000`,
    ],
    ['a listener without a port', loadBalancersWith([listener(undefined)]), `${LISTENERS_FILE}: $.Listeners[0]: required field Port is missing`],
    [
      'two listeners with one ARN',
      loadBalancersWith([listener(443), listener(8443)]),
      `${LISTENERS_FILE}: $.Listeners[1]: duplicate ListenerArn "${arn('nlb')}/listener-1": $.Listeners[0] has it too`,
    ],
    [
      'two load balancers with one ARN',
      loadBalancersWith([], [loadBalancer('nlb'), loadBalancer('other', arn('nlb'))]),
      `${LB_FILE}: $.LoadBalancers[1]: duplicate LoadBalancerArn "${arn('nlb')}": $.LoadBalancers[0] has it too`,
    ],
    [
      'two load balancers with one name',
      loadBalancersWith([], [loadBalancer('nlb'), loadBalancer('nlb', arn('nlb').replace('0123', '9999'))]),
      `${LB_FILE}: $.LoadBalancers[1]: duplicate LoadBalancerName "nlb": $.LoadBalancers[0] has it too`,
    ],
    [
      'a target group on port 0',
      targetGroupsWith([targetGroup('tg', { Port: 0 })]),
      `${TG_FILE}: $.TargetGroups[0].Port: expected a port from 1 to 65535, found number 0`,
    ],
    [
      'a target group on port 65536',
      targetGroupsWith([targetGroup('tg', { Port: 65536 })]),
      `${TG_FILE}: $.TargetGroups[0].Port: expected a port from 1 to 65535, found number 65536`,
    ],
    [
      'two target groups with one ARN',
      targetGroupsWith([targetGroup('tg'), targetGroup('other', { TargetGroupArn: tgArn('tg') })]),
      `${TG_FILE}: $.TargetGroups[1]: duplicate TargetGroupArn "${tgArn('tg')}": $.TargetGroups[0] has it too`,
    ],
    [
      'two target groups with one name',
      targetGroupsWith([targetGroup('tg'), targetGroup('tg', { TargetGroupArn: tgArn('tg2') })]),
      `${TG_FILE}: $.TargetGroups[1]: duplicate TargetGroupName "tg": $.TargetGroups[0] has it too`,
    ],
    [
      'a target on port 70000',
      targetGroupsWith([targetGroup('tg')], [target('i-1', 70000)]),
      `${HEALTH_FILE}: $.TargetHealthDescriptions[0].Target.Port: expected a port from 1 to 65535, found number 70000`,
    ],
    [
      'one target registered twice on one port',
      targetGroupsWith([targetGroup('tg')], [target('i-1', 8443), target('i-2', 8443), target('i-1', 8443)]),
      `${HEALTH_FILE}: $.TargetHealthDescriptions[2].Target: duplicate target (Id and Port) "i-1:8443": $.TargetHealthDescriptions[0].Target has it too`,
    ],
    [
      'two endpoint services with one id',
      () =>
        normalizeEndpointServices(
          new JsonReader('ec2/DescribeVpcEndpointServiceConfigurations.json', {
            ServiceConfigurations: [
              { ServiceId: 'vpce-svc-1', ServiceName: 'a' },
              { ServiceId: 'vpce-svc-1', ServiceName: 'b' },
            ],
          }),
        ),
      'ec2/DescribeVpcEndpointServiceConfigurations.json: $.ServiceConfigurations[1]: duplicate ServiceId "vpce-svc-1": $.ServiceConfigurations[0] has it too',
    ],
  ];
  for (const [what, run, message] of cases) it(`refuses ${what}`, () => expectError(run, message));

  it('reads one target on several ports, and target groups without a port (Lambda)', () => {
    const [group] = targetGroupsWith([targetGroup('tg', { Port: undefined, TargetType: 'lambda' })], [target('i-1', 8443), target('i-1', 9443)])();
    assert.equal(group!.port, undefined);
    assert.deepEqual(
      group!.targets?.map((item) => item.port),
      [8443, 9443],
    );
  });
});
