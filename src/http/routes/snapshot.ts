import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Doctor } from '../../doctor.js';
import { isExportable } from '../../sources/from-config.js';
import { fleetSnapshotFiles, snapshotFiles } from '../../sources/snapshot/write.js';
import { ProblemError } from '../problem.js';
import { PROBLEM_RESPONSES, RefreshQuery } from '../schemas.js';

/** What the live source fetched, in the snapshot layout: replay any live analysis offline. */

const SnapshotExportSchema = Type.Object(
  {
    source: Type.Object({ kind: Type.String(), location: Type.String() }),
    loadedAt: Type.String({ description: 'When the data was fetched (ISO 8601)' }),
    failures: Type.Record(Type.String(), Type.String(), {
      description: 'What could not be read, and why (a denied permission, throttling); with several units, keyed `account/region: collection`',
    }),
    files: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Snapshot path -> the AWS CLI JSON document; write each to its path to get a snapshot directory (with several units, the fleet layout `<account>/<region>/…`)',
    }),
  },
  { additionalProperties: false },
);

export const snapshotRoutes: FastifyPluginAsyncTypebox<{ doctor: Doctor }> = async (app, { doctor }) => {
  app.get(
    '/snapshot',
    {
      schema: {
        operationId: 'exportSnapshot',
        tags: ['operations'],
        summary: 'Export what the live AWS source fetched, in the snapshot layout',
        querystring: RefreshQuery,
        response: { 200: SnapshotExportSchema, ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const { source } = doctor;
      if (!isExportable(source)) throw new ProblemError('snapshot-not-available', `${source.description}: the files are already a snapshot`);
      const fleet = await doctor.fleet({ refresh: request.query.refresh ?? false });
      const units = source.lastResponses();
      const loaded = fleet.value.units.filter((unit) => unit.model);
      if (units.size === 0 || loaded.length === 0) throw new ProblemError('snapshot-not-available', 'nothing has been fetched yet');
      reply.header('cache-control', 'no-store');
      // One unit keeps the single layout; several are written as a fleet.
      const single = units.size === 1 ? [...units.values()][0]! : undefined;
      const failures = loaded.flatMap((unit) =>
        [...unit.model!.failures].map(([collection, reason]) => [loaded.length === 1 ? collection : `${unit.key}: ${collection}`, reason] as const),
      );
      return {
        source:
          loaded.length === 1
            ? { kind: loaded[0]!.model!.source.kind, location: loaded[0]!.model!.source.location }
            : { kind: 'aws', location: source.description },
        loadedAt: new Date(fleet.loadedAt).toISOString(),
        failures: Object.fromEntries(failures),
        files: Object.fromEntries((single ? snapshotFiles(single) : fleetSnapshotFiles(units)).map((file) => [file.path, file.document])),
      };
    },
  );
};
