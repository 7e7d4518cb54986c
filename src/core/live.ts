import Type, { type Static } from 'typebox';

/** What a live TCP probe saw, as the core reads it: no sockets here, only results. */
/** How one TCP connect ends: the one list the prober, the report schema and the metrics take. */
export const PROBE_OUTCOMES = ['open', 'refused', 'timeout', 'unreachable', 'error'] as const;
export type ProbeOutcome = (typeof PROBE_OUTCOMES)[number];

export const ProbeObservationSchema = Type.Object(
  {
    networkInterfaceId: Type.String(),
    address: Type.String(),
    port: Type.Integer(),
    availabilityZone: Type.Optional(Type.String()),
    availabilityZoneId: Type.Optional(Type.String()),
    outcome: Type.Enum(PROBE_OUTCOMES),
    latencyMs: Type.Number({ minimum: 0 }),
    errno: Type.Optional(Type.String()),
    attempts: Type.Integer({ minimum: 1 }),
    probedAt: Type.String(),
  },
  { additionalProperties: false },
);
export type ProbeObservation = Static<typeof ProbeObservationSchema>;

/** Why a connect ends as it does, for a person deciding where to look next. */
export const LIKELY_CAUSES: Readonly<Record<ProbeObservation['outcome'], readonly string[]>> = {
  open: [],
  refused: ['the endpoint answered but nothing accepts the connection on this port: the NLB has no listener on it, or the service behind it is down'],
  timeout: [
    'a security group or NACL drops the packets (if the static checks pass: one changed since the data was loaded — refresh)',
    "route tables: the prober's subnet has no route to the endpoint subnet (peering, transit gateway, VPN)",
    'provider side: NLB security groups, target security groups or NACLs, or no healthy target in this AZ',
    "a host firewall on the prober's own machine",
  ],
  unreachable: ["no route from the prober to the endpoint interface: route tables, or the prober's own network"],
  error: ['the prober could not open a socket (see errno): a local resource or permission problem, not the network'],
};
