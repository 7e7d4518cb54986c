import Type, { type Static } from 'typebox';
import { ProbeObservationSchema } from '../core/live.js';
import { FindingSchema } from '../core/reconcile.js';

/** The probe report: one schema for the prober, the HTTP API and the OpenAPI document. */

export const DnsCheckSchema = Type.Object(
  {
    name: Type.String(),
    kind: Type.Union([Type.Literal('regional'), Type.Literal('zonal')]),
    expected: Type.Array(Type.String()),
    answers: Type.Array(Type.String()),
    matches: Type.Boolean(),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ProbeReportSchema = Type.Object(
  {
    endpointId: Type.String(),
    ports: Type.Array(Type.Integer()),
    overall: Type.Union([Type.Literal('all-open'), Type.Literal('partly-open'), Type.Literal('none-open')]),
    results: Type.Array(ProbeObservationSchema),
    dns: Type.Optional(Type.Array(DnsCheckSchema)),
    reconciliation: Type.Object(
      {
        clientIp: Type.Optional(Type.String({ description: "This service's own address, the client of the static analysis" })),
        staticVerdict: Type.Optional(Type.String()),
        findings: Type.Array(FindingSchema),
        note: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type DnsNameCheck = Static<typeof DnsCheckSchema>;
export type ProbeReport = Static<typeof ProbeReportSchema>;

/** When the report's newest probe was made (ms since the epoch), or undefined when it has none. */
export function probedAt(report: ProbeReport): number | undefined {
  let newest: number | undefined;
  for (const result of report.results) {
    const at = Date.parse(result.probedAt);
    if (Number.isFinite(at) && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}
