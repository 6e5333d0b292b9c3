/**
 * Apollo plugin: writes the request's audit batch before the response leaves.
 *
 * Apollo awaits every willSendResponse hook before it hands the response to the HTTP integration
 * (requestPipeline.ts: `await invokeWillSendResponse()` then `return requestContext.response`), and
 * that holds for execution results and for early errors (parse, validation, gate) alike. So an
 * acknowledged response implies its events are stored. If the write fails, the request fails
 * closed: the body is replaced by a bare INTERNAL_SERVER_ERROR, with no data and no extensions.
 */
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { GatewayContext, GatewayServices } from '../admission/context';
import { ErrorCode } from '../errors/errors';
import { requestEventDrafts, rootCoordinates } from './requestEvents';
import { inSpan } from '../tracing/spans';

function withholdResponse(response: GraphQLResponse): void {
  response.body = {
    kind: 'single',
    singleResult: { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] },
  };
  response.http.status = 500;
}

export function auditPlugin(services: GatewayServices): ApolloServerPlugin<GatewayContext> {
  const { auditLog: log, metrics } = services;
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          const { contextValue, response } = requestContext;
          try {
            const operations = rootCoordinates(requestContext.operation ?? undefined, requestContext.document);
            const drafts = requestEventDrafts(contextValue, operations, new Date().toISOString());
            const stored = await inSpan('gateway.audit', { 'gateway.audit.events': drafts.length }, () => log.append(drafts));
            for (const event of stored) metrics.auditEvents.inc({ decision: event.decision });
          } catch (error) {
            metrics.auditWriteFailures.inc();
            services.logger.error({ requestId: contextValue.requestId, errorName: error instanceof Error ? error.name : 'unknown' }, 'audit write failed: response withheld');
            withholdResponse(response);
          }
        },
      };
    },
  };
}
