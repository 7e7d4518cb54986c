import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Doctor } from '../../doctor.js';
import type { Metrics } from '../../metrics/registry.js';
import { HealthResponse } from '../schemas.js';

/** Liveness, readiness and metrics: open to all, for kubelets and Prometheus. */

export interface HealthRouteOptions {
  readonly doctor: Doctor;
  readonly metrics: Metrics;
  readonly isShuttingDown: () => boolean;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRouteOptions> = async (app, { doctor, metrics, isShuttingDown }) => {
  app.get(
    '/healthz',
    { schema: { operationId: 'healthz', tags: ['operations'], summary: 'The process is alive', response: { 200: HealthResponse } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'readyz',
        tags: ['operations'],
        summary: 'The data source is loaded and the service takes traffic',
        description: '503 while the source cannot be loaded, and during shutdown. Never depends on any endpoint being reachable.',
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      if (isShuttingDown()) return reply.code(503).header('retry-after', '30').send({ status: 'shutting down' });
      try {
        // Ready once every unit was tried and one at least loaded (the source rejects otherwise).
        const fleet = await doctor.fleet();
        const unread = fleet.value.units.filter((unit) => !unit.model).length;
        const units = fleet.value.units.length > 1 ? `; ${fleet.value.units.length - unread} of ${fleet.value.units.length} units loaded` : '';
        return { status: 'ready', detail: `${doctor.source.description}${units}${fleet.stale ? ' (stale: the last reload failed)' : ''}` };
      } catch (error) {
        return reply
          .code(503)
          .header('retry-after', '30')
          .send({ status: 'unavailable', detail: (error as Error).message });
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { operationId: 'metrics', tags: ['operations'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] } },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};
