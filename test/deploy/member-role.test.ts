import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, type Tags } from 'yaml';

/**
 * docs/member-role.cfn.yaml, the read role deployed (by a StackSet) in every member account:
 * a valid CloudFormation template whose policy is docs/iam-policy.json's read statement —
 * no more (no sts, no organizations: only the base role needs those) and no less — trusting
 * only the base role, with the external id condition when one is given. CloudFormation's
 * short forms (!Ref, !If, …) are read as the long forms they stand for.
 */

const ROOT = new URL('../../', import.meta.url);
const TEMPLATE = readFileSync(new URL('docs/member-role.cfn.yaml', ROOT), 'utf8');
const POLICY = JSON.parse(readFileSync(new URL('docs/iam-policy.json', ROOT), 'utf8')) as {
  Statement: Array<{ Sid: string; Action: string[]; Resource: string }>;
};
const DEPLOY = readFileSync(new URL('docs/deploy.md', ROOT), 'utf8');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The intrinsic functions' short forms, each as its long form (`!Ref X` -> `{Ref: X}`, `!If [...]` -> `{"Fn::If": [...]}`). */
function intrinsicTags(): Tags {
  const names = [
    'Base64',
    'Cidr',
    'FindInMap',
    'GetAtt',
    'GetAZs',
    'ImportValue',
    'Join',
    'Select',
    'Split',
    'Sub',
    'Transform',
    'And',
    'Equals',
    'If',
    'Not',
    'Or',
    'Condition',
    'Ref',
  ];
  const key = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
  const plain = (value: unknown): unknown =>
    value !== null && typeof value === 'object' && 'toJSON' in value ? (value as { toJSON(): unknown }).toJSON() : value;
  const tags: Tags = [];
  for (const name of names) {
    tags.push({
      tag: `!${name}`,
      // `!GetAtt Resource.Attribute` is `{"Fn::GetAtt": ["Resource", "Attribute"]}`.
      resolve: (value: string) => ({ [key(name)]: name === 'GetAtt' ? value.split('.') : value }),
    });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({ tag: `!${name}`, collection, resolve: (value) => ({ [key(name)]: plain(value) }) });
    }
  }
  return tags;
}

const template = parse(TEMPLATE, { customTags: intrinsicTags() }) as {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string; Default?: string; AllowedPattern?: string }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties: Record<string, Json> }>;
  Outputs: Record<string, { Value: Json }>;
};

/** Every `{Ref: …}`, `{Condition: …}` / `Fn::If` condition name, and `Fn::GetAtt` resource in a value. */
function references(value: unknown, found = { refs: new Set<string>(), conditions: new Set<string>(), resources: new Set<string>() }) {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      if (key === 'Ref') found.refs.add(member as string);
      if (key === 'Condition' && typeof member === 'string') found.conditions.add(member);
      if (key === 'Fn::If') found.conditions.add((member as string[])[0]!);
      if (key === 'Fn::GetAtt') found.resources.add((member as string[])[0]!);
      references(member, found);
    }
  }
  return found;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
  'AWS::NotificationARNs',
]);

function role() {
  const roles = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::IAM::Role');
  assert.equal(roles.length, 1);
  return roles[0]!.Properties as {
    RoleName: Json;
    AssumeRolePolicyDocument: { Version: string; Statement: Array<{ Effect: string; Principal: { AWS: Json }; Action: string; Condition: Json }> };
    Policies: Array<{
      PolicyName: string;
      PolicyDocument: { Version: string; Statement: Array<{ Sid: string; Effect: string; Action: string[]; Resource: string }> };
    }>;
  };
}

describe('docs/member-role.cfn.yaml', () => {
  it('is a CloudFormation template whose references all resolve', () => {
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09');
    const { refs, conditions, resources } = references({ Conditions: template.Conditions, Resources: template.Resources, Outputs: template.Outputs });
    for (const ref of refs) assert.ok(ref in template.Parameters || ref in template.Resources || PSEUDO_PARAMETERS.has(ref), `!Ref ${ref}`);
    for (const condition of conditions) assert.ok(condition in template.Conditions, `condition ${condition}`);
    for (const resource of resources) assert.ok(resource in template.Resources, `!GetAtt ${resource}`);
    for (const [name, parameter] of Object.entries(template.Parameters)) assert.equal(parameter.Type, 'String', name);
  });

  it("grants exactly docs/iam-policy.json's read statement, and nothing of STS or Organizations", () => {
    const read = POLICY.Statement.find((statement) => statement.Sid === 'VpceDoctorReadNetworkPath')!;
    const policies = role().Policies;
    assert.equal(policies.length, 1);
    const statements = policies[0]!.PolicyDocument.Statement;
    assert.equal(policies[0]!.PolicyDocument.Version, '2012-10-17');
    assert.deepEqual(statements, [{ Sid: read.Sid, Effect: 'Allow', Action: read.Action, Resource: read.Resource }]);
    for (const action of statements.flatMap((statement) => statement.Action)) assert.doesNotMatch(action, /^(sts|organizations|iam):/);
  });

  it('is assumable by the base role only, with the external id when one is given', () => {
    const trust = role().AssumeRolePolicyDocument;
    assert.equal(trust.Version, '2012-10-17');
    assert.equal(trust.Statement.length, 1);
    const [statement] = trust.Statement;
    assert.equal(statement!.Effect, 'Allow');
    assert.equal(statement!.Action, 'sts:AssumeRole');
    assert.deepEqual(statement!.Principal, { AWS: { Ref: 'TrustedRoleArn' } });
    assert.deepEqual(statement!.Condition, {
      'Fn::If': ['HasExternalId', { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } }, { Ref: 'AWS::NoValue' }],
    });
    assert.deepEqual(template.Conditions.HasExternalId, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ExternalId' }, ''] }] });

    const trusted = new RegExp(template.Parameters.TrustedRoleArn!.AllowedPattern!);
    assert.ok(trusted.test('arn:aws:iam::123456789012:role/vpce-doctor'));
    assert.ok(trusted.test('arn:aws-us-gov:iam::123456789012:role/platform/vpce-doctor'));
    assert.ok(!trusted.test('arn:aws:iam::123456789012:root'), 'a role, never a whole account');
    assert.ok(!trusted.test('*'));
    const externalId = new RegExp(template.Parameters.ExternalId!.AllowedPattern!);
    assert.ok(externalId.test('') && externalId.test('vpce-doctor-7f3a') && !externalId.test('x') && !externalId.test('has space'));
  });

  it("names the role as the base policy's AssumeRole statement does, and says so in docs/deploy.md", () => {
    assert.deepEqual(role().RoleName, { Ref: 'RoleName' });
    const roleName = template.Parameters.RoleName!.Default!;
    const assume = POLICY.Statement.find((statement) => statement.Action.includes('sts:AssumeRole'))!;
    assert.equal(assume.Resource, `arn:aws:iam::*:role/${roleName}`);
    assert.deepEqual(template.Outputs.RoleArn!.Value, { 'Fn::GetAtt': ['ReadRole', 'Arn'] });
    assert.match(DEPLOY, /## \d+\. Many accounts and regions/);
    assert.ok(DEPLOY.includes('docs/member-role.cfn.yaml'));
    assert.ok(DEPLOY.includes(`VPCE_DOCTOR_AWS_ORGANIZATION_ROLE_NAME=${roleName}`));
  });
});
