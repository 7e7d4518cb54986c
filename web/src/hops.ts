import type { CheckId } from '../../src/core/report.js';

/**
 * Where each check sits on the path a packet takes, for the diagram: the forward lane from
 * the client to the targets, the return lane back. Every check id of the analysis has a
 * place here (a test holds it to src/core/report.ts's CHECK_IDS).
 */

export type Lane = 'endpoint' | 'forward' | 'return' | 'live';

export interface Hop {
  readonly lane: Lane;
  /** Short, for the diagram. */
  readonly label: string;
  /** What it is, for the details and for screen readers. */
  readonly title: string;
}

export const HOPS: Readonly<Record<CheckId, Hop>> = {
  'endpoint.state': { lane: 'endpoint', label: 'Endpoint', title: 'Endpoint state' },
  'client.sg.outbound': { lane: 'forward', label: 'Client SG out', title: 'Client security groups, outbound' },
  'client.nacl.outbound': { lane: 'forward', label: 'Client NACL out', title: "Client subnet's network ACL, outbound" },
  'endpoint.nacl.inbound': { lane: 'forward', label: 'Endpoint NACL in', title: "Endpoint subnet's network ACL, inbound" },
  'endpoint.sg.inbound': { lane: 'forward', label: 'Endpoint SG in', title: 'Endpoint security groups, inbound' },
  'service.listener': { lane: 'forward', label: 'NLB listener', title: "The endpoint service's NLB listener" },
  'nlb.sg.inbound': { lane: 'forward', label: 'NLB SG in', title: 'NLB security groups, inbound (PrivateLink traffic)' },
  'nlb.sg.outbound': { lane: 'forward', label: 'NLB SG out', title: 'NLB security groups, outbound to the targets' },
  'target.sg.inbound': { lane: 'forward', label: 'Target SG in', title: 'Target security groups, inbound from the NLB' },
  'target.nacl.inbound': { lane: 'forward', label: 'Target NACL in', title: "Target subnet's network ACL, inbound" },
  'target.health': { lane: 'forward', label: 'Target health', title: 'Target health' },
  'target.nacl.outbound': { lane: 'return', label: 'Target NACL out', title: "Target subnet's network ACL, outbound (return)" },
  'endpoint.nacl.outbound': { lane: 'return', label: 'Endpoint NACL out', title: "Endpoint subnet's network ACL, outbound (return)" },
  'client.nacl.inbound': { lane: 'return', label: 'Client NACL in', title: "Client subnet's network ACL, inbound (return)" },
  'probe.tcp': { lane: 'live', label: 'Live probe', title: 'Live TCP probe from this service' },
};

/** The forward lane's hops in path order, with the endpoint interface itself between the endpoint's checks and the provider's. */
export const FORWARD: readonly (CheckId | 'interface')[] = [
  'client.sg.outbound',
  'client.nacl.outbound',
  'endpoint.nacl.inbound',
  'endpoint.sg.inbound',
  'interface',
  'service.listener',
  'nlb.sg.inbound',
  'nlb.sg.outbound',
  'target.sg.inbound',
  'target.nacl.inbound',
  'target.health',
];

export const RETURN: readonly CheckId[] = ['target.nacl.outbound', 'endpoint.nacl.outbound', 'client.nacl.inbound'];

export type Status = 'pass' | 'fail' | 'warn' | 'unknown' | 'not_applicable';

/** Worst first: a hop with several checks (several targets) shows the worst. */
export const STATUS_ORDER: readonly Status[] = ['fail', 'unknown', 'warn', 'pass', 'not_applicable'];

/** Told apart without colour: a glyph and a word. */
export const STATUS_TEXT: Readonly<Record<Status, { readonly glyph: string; readonly word: string }>> = {
  pass: { glyph: '✓', word: 'pass' },
  fail: { glyph: '✗', word: 'fail' },
  warn: { glyph: '!', word: 'warn' },
  unknown: { glyph: '?', word: 'unknown' },
  not_applicable: { glyph: '–', word: 'n/a' },
};
