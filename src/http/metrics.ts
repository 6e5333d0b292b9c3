/** GET /metrics: this gateway's Prometheus registry in the text exposition format. */
import type { FastifyInstance } from 'fastify';
import type { GatewayServices } from '../admission/context';

export function registerMetricsRoute(app: FastifyInstance, services: GatewayServices): void {
  const { registry } = services.metrics;
  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
