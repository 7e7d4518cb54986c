import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLazyEvidence } from '../../../src/core/checks/rules.js';
import type { Evidence } from '../../../src/core/report.js';

describe('withLazyEvidence', () => {
  const evidence: Evidence[] = [{ kind: 'resource', resourceId: 'vpce-0123456789abcdef0', attribute: 'State', value: 'available', text: 'available' }];
  const head = { id: 'endpoint.state', status: 'pass', scope: { endpointId: 'vpce-0123456789abcdef0' }, summary: 'available' } as const;

  it('builds the evidence on its first read only, and keeps it', () => {
    let built = 0;
    const check = withLazyEvidence(head, () => {
      built++;
      return evidence;
    });
    assert.equal(built, 0, 'a check nobody reads costs no evidence');
    assert.equal(check.evidence, evidence);
    assert.equal(check.evidence, evidence);
    assert.equal(built, 1);
  });

  it('serializes as the literal it stands for: the evidence after the summary, the remediation last', () => {
    const remediation = { summary: 'fix it', actions: [{ kind: 'manual' as const, text: 'do it' }] };
    const literal = { ...head, evidence, remediation };
    const lazy = withLazyEvidence(head, () => evidence, remediation);
    assert.equal(JSON.stringify(lazy), JSON.stringify(literal));
    assert.deepEqual(Object.keys(lazy), ['id', 'status', 'scope', 'summary', 'evidence', 'remediation']);
    assert.deepEqual({ ...lazy }, literal);
    assert.deepEqual(Object.keys(withLazyEvidence(head, () => evidence)), ['id', 'status', 'scope', 'summary', 'evidence']);
  });
});
