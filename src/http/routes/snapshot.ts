import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Doctor } from '../../doctor.js';
import { isExportable } from '../../sources/from-config.js';
import { snapshotFiles } from '../../sources/snapshot/write.js';
import { ProblemError } from '../problem.js';
import { PROBLEM_RESPONSES, RefreshQuery } from '../schemas.js';

/** What the live source fetched, in the snapshot layout: replay any live analysis offline. */

const SnapshotExportSchema = Type.Object(
  {
    source: Type.Object({ kind: Type.String(), location: Type.String() }),
    loadedAt: Type.String({ description: 'When the data was fetched (ISO 8601)' }),
    failures: Type.Record(Type.String(), Type.String(), { description: 'What could not be read, and why (a denied permission, throttling)' }),
    files: Type.Record(Type.String(), Type.Unknown(), { description: 'Snapshot path -> the AWS CLI JSON document; write each to its path to get a snapshot directory' }),
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
      const responses = source.lastResponses();
      const model = fleet.value.units.find((unit) => unit.model)?.model;
      if (!responses || !model) throw new ProblemError('snapshot-not-available', 'nothing has been fetched yet');
      reply.header('cache-control', 'no-store');
      return {
        source: { kind: model.source.kind, location: model.source.location },
        loadedAt: new Date(fleet.loadedAt).toISOString(),
        failures: Object.fromEntries(model.failures),
        files: Object.fromEntries(snapshotFiles(responses).map((file) => [file.path, file.document])),
      };
    },
  );
};
