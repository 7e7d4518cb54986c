import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze, type AnalysisRequest } from '../../src/core/analyze.js';
import { applyChanges, validateChanges, type Change, type InvalidChange } from '../../src/core/change.js';
import { AnalysisError } from '../../src/core/errors.js';
import type { Fleet } from '../../src/core/fleet.js';
import type { NetworkModel } from '../../src/core/model.js';
import { blastRadius, whatIf } from '../../src/core/what-if.js';
import { readFleetSnapshot } from '../../src/sources/snapshot/fleet.js';
import { exampleDir, exampleRequest } from '../sources/aws/examples.js';

/**
 * Contract §7, the change format: validation names the change by index and the field at
 * fault, and the overlay that applies changes leaves the data itself untouched, whoever
 * else reads it at the same time.
 */

const NAME = 'endpoint-sg-missing-port';
const ENDPOINT_SG = 'sg-0d3885bab18906d3d';
const OTHER_SG = 'sg-0c44172a126845ea3';
const ENDPOINT = 'vpce-04d16890aa090a0c4';
const FLEET_CONSUMER = '111122223333';
const FLEET_COPY = '999988887777';
const FLEET_ENDPOINT = 'vpce-0c5df4b356e4e567d';
const FLEET_ENDPOINT_SG = 'sg-04e747ab1ca930080';
const FLEET_ACL = 'acl-011c42b5a4bce238a';

let scratch: string;
let fleet: Fleet;
let model: NetworkModel;
let request: AnalysisRequest;
let twoUnits: Fleet;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vpce-doctor-change-'));
  fleet = (await readFleetSnapshot(exampleDir(NAME))).fleet;
  model = fleet.units[0]!.model!;
  request = await exampleRequest(NAME);
  // The consumer account twice: every consumer id is in two units.
  const root = join(scratch, 'two-units');
  await cp(exampleDir('fleet-cross-account'), root, { recursive: true });
  await cp(join(root, FLEET_CONSUMER), join(root, FLEET_COPY), { recursive: true });
  twoUnits = (await readFleetSnapshot(root)).fleet;
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const sgRule = (extra: Partial<Extract<Change, { kind: 'sg-rule' }>> = {}): Change => ({
  op: 'add',
  kind: 'sg-rule',
  groupId: ENDPOINT_SG,
  direction: 'inbound',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  cidr: '10.0.1.25/32',
  ...extra,
});

function firstEntry(aclId: string, egress: boolean): { aclId: string; ruleNumber: number } {
  const acl = model.networkAcls.get(aclId)!;
  return { aclId, ruleNumber: (egress ? acl.egress : acl.ingress)[0]!.ruleNumber };
}

const naclEntry = (extra: Partial<Extract<Change, { kind: 'nacl-entry' }>> = {}): Change => {
  const aclId = [...model.networkAcls.keys()][0]!;
  return {
    op: 'add',
    kind: 'nacl-entry',
    networkAclId: aclId,
    egress: false,
    ruleNumber: 42,
    protocol: '6',
    fromPort: 443,
    toPort: 443,
    cidr: '10.0.1.25/32',
    action: 'allow',
    ...extra,
  };
};

/** The one problem found, by field name; the reason must match. */
function assertOnly(problems: InvalidChange[], name: string, reason: RegExp): void {
  assert.deepEqual(
    problems.map((problem) => problem.name),
    [name],
    JSON.stringify(problems),
  );
  assert.match(problems[0]!.reason, reason);
}

describe('validateChanges names the change and the field', () => {
  it('accepts changes that apply', () => {
    assert.deepEqual(validateChanges(fleet, [sgRule(), naclEntry(), { op: 'attach', kind: 'endpoint-sg', endpointId: ENDPOINT, groupId: OTHER_SG }]), []);
  });

  it('a security group, NACL, endpoint or load balancer that is not in the data', () => {
    assertOnly(validateChanges(fleet, [sgRule({ groupId: 'sg-0000000000000000a' })]), 'changes.0.groupId', /sg-0000000000000000a is not in the data/);
    assertOnly(
      validateChanges(fleet, [naclEntry({ networkAclId: 'acl-0000000000000000a' })]),
      'changes.0.networkAclId',
      /acl-0000000000000000a is not in the data/,
    );
    assertOnly(
      validateChanges(fleet, [{ op: 'attach', kind: 'endpoint-sg', endpointId: 'vpce-0000000000000000a', groupId: ENDPOINT_SG }]),
      'changes.0.endpointId',
      /vpce-0000000000000000a is not in the data/,
    );
    assertOnly(
      validateChanges(fleet, [{ op: 'attach', kind: 'endpoint-sg', endpointId: ENDPOINT, groupId: 'sg-0000000000000000b' }]),
      'changes.0.groupId',
      /sg-0000000000000000b/,
    );
    const arn = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nope/0123456789abcdef';
    assertOnly(
      validateChanges(fleet, [{ op: 'set', kind: 'nlb-attribute', loadBalancerArn: arn, key: 'load_balancing.cross_zone.enabled', value: 'true' }]),
      'changes.0.loadBalancerArn',
      /not in the data/,
    );
  });

  it('a rule already in the data, or added twice in one list (AWS answers InvalidPermission.Duplicate)', () => {
    const existing = model.securityGroups.get(ENDPOINT_SG)!.ingress.find((rule) => rule.peer.kind === 'cidr')!;
    assert.ok(existing.peer.kind === 'cidr' && existing.portRange);
    const inData = sgRule({ protocol: '6', fromPort: existing.portRange.from, toPort: existing.portRange.to, cidr: existing.peer.cidr.text });
    assertOnly(validateChanges(fleet, [inData]), 'changes.0.groupId', /already has this inbound rule/);
    assertOnly(validateChanges(fleet, [sgRule(), sgRule({ description: 'the same rule, another description' })]), 'changes.1.groupId', /already has/);
    // Another direction, port or peer is another rule.
    assert.deepEqual(validateChanges(fleet, [sgRule(), sgRule({ direction: 'outbound' }), sgRule({ toPort: 444 }), sgRule({ cidr: '10.0.1.26/32' })]), []);
  });

  it('a NACL rule number taken in the data or earlier in the list, in that direction only', () => {
    const aclId = [...model.networkAcls.keys()][0]!;
    const taken = firstEntry(aclId, false);
    assertOnly(
      validateChanges(fleet, [naclEntry({ networkAclId: aclId, ruleNumber: taken.ruleNumber })]),
      'changes.0.ruleNumber',
      new RegExp(`rule number ${taken.ruleNumber} is taken`),
    );
    assertOnly(validateChanges(fleet, [naclEntry(), naclEntry({ cidr: '10.0.1.26/32' })]), 'changes.1.ruleNumber', /rule number 42 is taken/);
    assert.deepEqual(validateChanges(fleet, [naclEntry(), naclEntry({ egress: true })]), []);
    // Replacing a taken number is how to change it.
    assert.deepEqual(validateChanges(fleet, [naclEntry({ op: 'replace', networkAclId: aclId, ruleNumber: taken.ruleNumber })]), []);
  });

  it('removing what is not there', () => {
    assertOnly(validateChanges(fleet, [sgRule({ op: 'remove' })]), 'changes.0.groupId', /has no such inbound rule to remove/);
    assertOnly(
      validateChanges(fleet, [{ op: 'remove', kind: 'nacl-entry', networkAclId: [...model.networkAcls.keys()][0]!, egress: false, ruleNumber: 4242 }]),
      'changes.0.ruleNumber',
      /no rule 4242 to remove/,
    );
    assertOnly(
      validateChanges(fleet, [{ op: 'detach', kind: 'endpoint-sg', endpointId: ENDPOINT, groupId: OTHER_SG }]),
      'changes.0.groupId',
      /is not attached/,
    );
    // Added, then removed in one list: each sees the one before.
    assert.deepEqual(
      validateChanges(fleet, [sgRule(), sgRule({ op: 'remove' }), sgRule({ op: 'remove' })]).map((problem) => problem.name),
      ['changes.2.groupId'],
    );
  });

  it('a CIDR that is not one, or of the other family', () => {
    assertOnly(validateChanges(fleet, [sgRule({ cidr: '10.0.0.300/32' })]), 'changes.0.cidr', /is not an IPv4 CIDR/);
    assertOnly(validateChanges(fleet, [sgRule({ cidr: '2600:1f18::/64' })]), 'changes.0.cidr', /is not an IPv4 CIDR/);
    assertOnly(validateChanges(fleet, [sgRule({ cidr: undefined, ipv6Cidr: '10.0.0.0/8' })]), 'changes.0.ipv6Cidr', /is not an IPv6 CIDR/);
    assertOnly(validateChanges(fleet, [naclEntry({ cidr: 'everywhere' })]), 'changes.0.cidr', /"everywhere" is not an IPv4 CIDR/);
    assertOnly(validateChanges(fleet, [naclEntry({ cidr: undefined, ipv6Cidr: '::/129' })]), 'changes.0.ipv6Cidr', /is not an IPv6 CIDR/);
    assertOnly(validateChanges(fleet, [sgRule({ peerGroupId: OTHER_SG })]), 'changes.0.peerGroupId', /exactly one of/);
  });

  it('every broken change, each by its own index, the valid ones between them untouched', () => {
    const problems = validateChanges(fleet, [
      sgRule(),
      naclEntry(),
      sgRule({ groupId: 'sg-0000000000000000a' }),
      sgRule({ cidr: 'x' }),
      naclEntry({ ruleNumber: 42 }),
    ]);
    assert.deepEqual(
      problems.map((problem) => problem.name),
      ['changes.2.groupId', 'changes.3.cidr', 'changes.4.ruleNumber'],
    );
    assert.throws(
      () => applyChanges(fleet, [sgRule(), naclEntry(), sgRule({ groupId: 'sg-0000000000000000a' }), sgRule({ cidr: 'x' })]),
      (error: unknown) =>
        error instanceof AnalysisError &&
        error.code === 'change_invalid' &&
        error.field === 'changes.2.groupId' &&
        /\(and 1 more\)/.test(error.message) &&
        error.invalidParams?.map((param) => param.name).join() === 'changes.2.groupId,changes.3.cidr',
    );
  });

  it('an id found in two units of a fleet, unless accountId (or accountId and region) names one', () => {
    const inTwo = [
      { change: sgRule({ groupId: FLEET_ENDPOINT_SG }), field: 'groupId' },
      { change: naclEntry({ networkAclId: FLEET_ACL, ruleNumber: 5 }), field: 'networkAclId' },
      { change: { op: 'attach', kind: 'endpoint-sg', endpointId: FLEET_ENDPOINT, groupId: 'sg-0420e291bc62e8af7' } as Change, field: 'endpointId' },
    ];
    for (const { change, field } of inTwo) {
      const problems = validateChanges(twoUnits, [change]);
      assertOnly(problems, `changes.0.${field}`, /is in 2 units .*111122223333\/us-east-1.*999988887777\/us-east-1.*name one with accountId and region/);
      // The region alone does not tell them apart; the account does.
      assertOnly(validateChanges(twoUnits, [{ ...change, region: 'us-east-1' }]), `changes.0.${field}`, /is in 2 units/);
      assert.deepEqual(validateChanges(twoUnits, [{ ...change, accountId: FLEET_COPY }]), []);
      assert.deepEqual(validateChanges(twoUnits, [{ ...change, accountId: FLEET_CONSUMER, region: 'us-east-1' }]), []);
      assertOnly(validateChanges(twoUnits, [{ ...change, accountId: FLEET_CONSUMER, region: 'eu-west-1' }]), `changes.0.${field}`, /not in the data of/);
    }
    // Applied with an account, only that unit changes.
    const applied = applyChanges(twoUnits, [{ ...sgRule({ groupId: FLEET_ENDPOINT_SG }), accountId: FLEET_COPY }]);
    assert.deepEqual([...applied.touched.keys()], [`${FLEET_COPY}/us-east-1`]);
    const rulesIn = (data: Fleet, account: string) =>
      data.units.find((unit) => unit.accountId === account)!.model!.securityGroups.get(FLEET_ENDPOINT_SG)!.ingress.length;
    assert.equal(rulesIn(applied.fleet, FLEET_COPY), rulesIn(twoUnits, FLEET_COPY) + 1);
    assert.equal(rulesIn(applied.fleet, FLEET_CONSUMER), rulesIn(twoUnits, FLEET_CONSUMER));
  });
});

// ------------------------------------------------------------------------------------ the overlay

/** The model's resources a change can touch, as JSON: maps and sets as sorted entries. */
function dump(data: Fleet): string {
  return JSON.stringify(
    data.units.map((unit) => {
      const m = unit.model!;
      return {
        key: unit.key,
        securityGroups: m.securityGroups,
        networkAcls: m.networkAcls,
        networkAclBySubnet: m.networkAclBySubnet,
        endpoints: m.endpoints,
        networkInterfaces: m.networkInterfaces,
        interfaceByIp: m.interfaceByIp,
        loadBalancers: m.loadBalancers,
      };
    }),
    (_key, value: unknown) =>
      value instanceof Map ? [...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))) : value instanceof Set ? [...value].sort() : value,
  );
}

/** Runs a synchronous step on a later turn of the event loop, so that many interleave. */
function later<T>(step: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(step());
      } catch (error) {
        reject(error as Error);
      }
    }),
  );
}

describe('the overlay never mutates the data', () => {
  it('applyChanges, whatIf, blastRadius and the fix plan leave the model as it was', async () => {
    const { fleet: providerFleet } = await readFleetSnapshot(exampleDir('provider-az-unhealthy-cross-zone-off'));
    for (const data of [fleet, twoUnits, providerFleet]) {
      const before = dump(data);
      const changes: Change[] = [];
      const unit = data.units[0]!;
      const m = unit.model!;
      const where = { ...(unit.accountId ? { accountId: unit.accountId } : {}), ...(unit.region ? { region: unit.region } : {}) };
      const endpoint = [...m.endpoints.values()][0]!;
      const group = endpoint.securityGroupIds[0]!;
      const acl = m.networkAclBySubnet.get(endpoint.subnetIds[0]!)!;
      const other = [...m.securityGroups.keys()].find((id) => !endpoint.securityGroupIds.includes(id))!;
      changes.push(sgRule({ groupId: group, ...where }));
      changes.push({ ...naclEntry({ networkAclId: acl.id, ruleNumber: 1, action: 'deny', cidr: '0.0.0.0/0' }), ...where });
      changes.push({
        op: 'replace',
        kind: 'nacl-entry',
        networkAclId: acl.id,
        egress: true,
        ruleNumber: acl.egress[0]!.ruleNumber,
        protocol: '-1',
        cidr: '0.0.0.0/0',
        action: 'deny',
        ...where,
      });
      changes.push({ op: 'attach', kind: 'endpoint-sg', endpointId: endpoint.id, groupId: other, ...where });
      changes.push({ op: 'detach', kind: 'endpoint-sg', endpointId: endpoint.id, groupId: group, ...where });
      for (const lb of m.loadBalancers.values()) {
        changes.push({
          op: 'set',
          kind: 'nlb-attribute',
          loadBalancerArn: lb.arn,
          key: 'load_balancing.cross_zone.enabled',
          value: String(!lb.crossZoneEnabled),
          ...where,
        });
      }
      const applied = applyChanges(data, changes);
      assert.notEqual(dump(applied.fleet), before, 'the overlay shows the changes');
      const appliedModel = applied.fleet.units.find((candidate) => candidate.key === unit.key)!.model!;
      assert.deepEqual(appliedModel.endpoints.get(endpoint.id)!.securityGroupIds, [other]);
      for (const eniId of endpoint.networkInterfaceIds) assert.deepEqual(appliedModel.networkInterfaces.get(eniId)?.securityGroupIds, [other]);
      assert.equal(appliedModel.networkAcls.get(acl.id)!.ingress[0]!.ruleNumber, 1);
      const endpointRequest: AnalysisRequest = { endpointId: endpoint.id, client: { ip: '10.0.1.25' }, port: 443, ...where };
      whatIf(data, endpointRequest, changes);
      blastRadius(data, { changes, clientIps: ['10.0.1.25'] });
      analyze(data, { ...endpointRequest, fixScope: 'vpc' });
      assert.equal(dump(data), before, 'the data is as it was');
    }
  });

  it('analyses and what-ifs run interleaved each see only their own data', async () => {
    const clientCidr = '10.0.1.25/32';
    // Each list admits the client (or not) in its own way; the endpoint's group lacks 443 today.
    const lists: Change[][] = [
      [],
      [sgRule({ cidr: clientCidr })],
      [sgRule({ cidr: '10.0.1.0/24' })],
      [sgRule({ cidr: '192.0.2.1/32' })],
      [sgRule({ cidr: clientCidr }), naclEntry({ networkAclId: [...model.networkAcls.keys()][1]!, ruleNumber: 1, action: 'deny', cidr: '0.0.0.0/0' })],
      [sgRule({ cidr: clientCidr }), sgRule({ op: 'remove', cidr: clientCidr })],
      [sgRule({ protocol: '-1', fromPort: undefined, toPort: undefined, cidr: '0.0.0.0/0' })],
      [
        { op: 'detach', kind: 'endpoint-sg', endpointId: ENDPOINT, groupId: ENDPOINT_SG },
        { op: 'attach', kind: 'endpoint-sg', endpointId: ENDPOINT, groupId: OTHER_SG },
      ],
    ];
    const before = dump(fleet);
    const expectedAnalysis = analyze(fleet, request);
    const expected = lists.map((changes) => whatIf(fleet, request, changes));
    // The expectations differ, so that mixing them up would show.
    assert.ok(new Set(expected.map((result) => `${result.verdictAfter} ${JSON.stringify(result.moved)}`)).size >= 4);
    const twoStep = async (changes: Change[]) => {
      const applied = await later(() => applyChanges(fleet, changes));
      await later(() => analyze(fleet, request));
      return later(() => analyze(applied.fleet, request));
    };
    const rounds = await Promise.all(
      [1, 2, 3].flatMap(() => [
        ...lists.map((changes, index) => later(() => whatIf(fleet, request, changes)).then((result) => ({ kind: 'what-if' as const, index, result }))),
        ...lists.map((changes, index) => twoStep(changes).then((report) => ({ kind: 'two-step' as const, index, report }))),
        later(() => analyze(fleet, request)).then((report) => ({ kind: 'analysis' as const, report })),
      ]),
    );
    for (const round of rounds) {
      if (round.kind === 'what-if') assert.deepEqual(round.result, expected[round.index], `what-if ${round.index}`);
      else if (round.kind === 'two-step') assert.deepEqual(round.report, expected[round.index]!.after, `two-step ${round.index}`);
      else assert.deepEqual(round.report, expectedAnalysis);
    }
    assert.equal(dump(fleet), before);
  });
});
