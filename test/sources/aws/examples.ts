import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnalysisRequest } from '../../../src/core/analyze.js';
import { parsePortRange } from '../../../src/core/ports.js';
import type { Report } from '../../../src/core/report.js';

/** The bundled example snapshots and the request each one's scenario.json makes. */

export const EXAMPLES_DIR = new URL('../../../examples/', import.meta.url).pathname;

/** The single-unit examples (one account and region each); the fleet ones hold `<account>/<region>/` folders. */
export const EXAMPLE_NAMES: readonly string[] = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(join(EXAMPLES_DIR, entry.name)).includes('ec2'))
  .map((entry) => entry.name)
  .sort();

export function exampleDir(name: string): string {
  return join(EXAMPLES_DIR, name);
}

export async function exampleRequest(name: string): Promise<AnalysisRequest> {
  const scenario = JSON.parse(await readFile(join(EXAMPLES_DIR, name, 'scenario.json'), 'utf8')) as {
    endpointId: string;
    client: AnalysisRequest['client'];
    port?: number;
    clientEphemeralPorts?: string;
  };
  const clientEphemeralPorts = scenario.clientEphemeralPorts ? parsePortRange(scenario.clientEphemeralPorts) : undefined;
  return {
    endpointId: scenario.endpointId,
    client: scenario.client,
    ...(scenario.port !== undefined ? { port: scenario.port } : {}),
    ...(clientEphemeralPorts ? { clientEphemeralPorts } : {}),
  };
}

/** A report with where its data came from set aside: a live and a replayed analysis differ there only. */
export function withoutSource(report: Report): Omit<Report, 'source'> {
  const { source: _source, ...rest } = report;
  return rest;
}
