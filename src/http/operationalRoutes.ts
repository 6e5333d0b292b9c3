/** /healthz, /readyz and the public /privacy/manifest (JSON, or Markdown with ?format=md). */
import type { FastifyInstance } from 'fastify';
import type { GatewayServices } from '../admission/context';
import { manifestToMarkdown } from '../privacy/manifest';

const READY_TIMEOUT_MS = 2000;

export function registerOperationalRoutes(app: FastifyInstance, services: GatewayServices): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await Promise.race([
        services.store.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ]);
      return { status: 'ready', store: services.store.kind };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  const { manifest } = services;
  const markdown = manifestToMarkdown(manifest);
  app.get<{ Querystring: { format?: string } }>('/privacy/manifest', async (request, reply) => {
    if (request.query.format === 'md') return reply.type('text/markdown; charset=utf-8').send(markdown);
    return manifest;
  });
}
