/**
 * Apollo plugin for preview requests (admitPreview.ts; markResponse.ts marks the response): records one `Privacy.preview` audit event (the audit batch's other events are re-attributed to the
 * officer by previewAudit.ts), and refuses anything but a query — a preview shows what a caller
 * would get; it never writes on anyone's behalf. Must run before the audit plugin (see plugins.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../admission/context';
import { BadUserInputError } from '../errors/errors';
import { PREVIEW_OPERATION } from './admitPreview';

export function previewPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (contextValue.preview === undefined) return undefined;
      return {
        async didResolveOperation({ operation }) {
          if (operation === undefined || operation.operation === 'query') return;
          throw new BadUserInputError('A preview (X-Preview-As) runs queries only').refusingRequest();
        },
        async willSendResponse({ contextValue: context }) {
          if (context.preview === undefined) return;
          context.audit.record({ operation: PREVIEW_OPERATION, subjectIds: [], fields: [], decision: 'ALLOW', detail: {} });
        },
      };
    },
  };
}
