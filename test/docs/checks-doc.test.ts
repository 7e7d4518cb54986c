import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze.js';
import type { ProbeObservation } from '../../src/core/live.js';
import { CHECK_IDS } from '../../src/core/report.js';
import { ENDPOINT_PATHS, IDS, analyzeDocs, baseline, toModel } from '../support/fixtures.js';

/**
 * docs/checks.md and the check ids cannot drift apart: every id of the one table
 * (src/core/report.ts CHECK_IDS), the live probe's `probe.tcp` included, has its section
 * (`## <id>`), written out; and the page names no check id that does not exist.
 */

const DOC = readFileSync(new URL('../../docs/checks.md', import.meta.url), 'utf8');

/** `## heading` -> the text up to the next heading. */
function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  const parts = markdown.split(/^## +/m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf('\n');
    const heading = part.slice(0, newline === -1 ? undefined : newline).trim();
    assert.equal(found.has(heading), false, `docs/checks.md has two "## ${heading}" sections`);
    found.set(heading, newline === -1 ? '' : part.slice(newline + 1).trim());
  }
  return found;
}

/** What looks like a check id: dotted lowercase words whose first is the family of a real id (`endpoint.`, `nlb.`, `probe.` …). */
const FAMILIES = [...new Set(CHECK_IDS.map((id) => id.split('.')[0]!))];
const ID_LIKE = new RegExp(`(?<![\\w.-])(?:${FAMILIES.join('|')})(?:\\.[a-z][a-z0-9_]*)+(?![\\w-])`, 'g');

/** The id the live probe's checks carry, as an analysis with probes reports it. */
function liveProbeIds(): string[] {
  const model = toModel(baseline());
  const observations: ProbeObservation[] = ENDPOINT_PATHS.map((path) => ({
    networkInterfaceId: path.eni,
    address: path.ip,
    port: 443,
    outcome: 'open',
    latencyMs: 1.5,
    attempts: 1,
    probedAt: '2026-01-01T00:00:00.000Z',
  }));
  const report = analyze(model, { endpointId: IDS.endpoint, client: { ip: IDS.clientIp }, port: 443 }, observations);
  const withoutProbes = analyzeDocs(baseline(), { port: 443 });
  const staticIds = new Set(withoutProbes.checks.map((check) => check.id));
  return [...new Set(report.checks.map((check) => check.id).filter((id) => !staticIds.has(id)))];
}

describe('docs/checks.md', () => {
  const documented = sections(DOC);

  it('knows the live probe’s check id: probe.tcp, one of the check ids', () => {
    const ids = liveProbeIds();
    assert.deepEqual(ids, ['probe.tcp']);
    assert.ok((CHECK_IDS as readonly string[]).includes(ids[0]!));
  });

  it('has a section for every check id, probe.tcp included, that says what it judges and how it ends', () => {
    const missing = CHECK_IDS.filter((id) => !documented.has(id));
    assert.deepEqual(missing, [], `check ids without a "## <id>" section in docs/checks.md: ${missing.join(', ')}`);
    for (const id of CHECK_IDS) {
      const text = documented.get(id)!;
      assert.ok(text.length >= 150, `## ${id} is a stub (${text.length} characters): say what it looks at, what its statuses mean, and the usual fix`);
    }
  });

  it('gives the live probe an entry of every status it can take and its fix', () => {
    const text = documented.get('probe.tcp') ?? '';
    for (const status of ['pass', 'fail', 'unknown'] as const) assert.match(text, new RegExp(`\`${status}\``), `probe.tcp: what \`${status}\` means`);
    for (const outcome of ['open', 'refused', 'timeout', 'unreachable', 'error'])
      assert.match(text, new RegExp(`\`${outcome}\``), `probe.tcp: the outcome \`${outcome}\``);
    assert.match(text, /^Fix:/m);
  });

  it('names no check id that does not exist, in a heading or in the text', () => {
    const known = new Set<string>(CHECK_IDS);
    const headings = [...documented.keys()].filter((heading) => /^[a-z]+(?:\.[a-z_]+)+$/.test(heading));
    assert.deepEqual(
      headings.filter((heading) => !known.has(heading)),
      [],
      'sections for ids that do not exist',
    );
    const named = [...DOC.matchAll(ID_LIKE)].map((match) => match[0]);
    assert.ok(named.length > CHECK_IDS.length, 'the scan finds the ids the page names');
    assert.deepEqual([...new Set(named.filter((id) => !known.has(id)))], [], 'ids named in docs/checks.md that are not check ids');
  });
});
