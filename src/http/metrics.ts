/** GET /metrics: this gateway's Prometheus registry in the text exposition format. */
import type { FastifyInstance } from 'fastify';
import type { GatewayServices } from '../context';
import { metricsFor } from '../metrics/metricsFor';

export function registerMetricsRoute(app: FastifyInstance, services: GatewayServices): void {
  const { registry } = metricsFor(services);
  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
