import fp from 'fastify-plugin';
import type { Metrics } from '../../metrics/registry.js';

/** Times every request by its route template and status class: bounded labels only. */
export const httpMetricsPlugin = fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    // Fastify's callback form: an async hook would cost a promise and a microtask per request.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequestDuration.observe({ method: request.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'vpce-doctor-http-metrics' },
);
