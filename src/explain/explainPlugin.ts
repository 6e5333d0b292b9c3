/**
 * Apollo plugin: when the request asks for it (explainRequest.ts), adds `extensions.privacy.explain`
 * (explanation.ts) to the response and records in the request's audit batch that an explanation
 * was given. It must run before the audit plugin in the plugin list: both hooks start in list order
 * and this one records synchronously, before the audit plugin collects the batch.
 *
 * An explanation only describes what the caller already got, so every caller may ask for its own.
 * If building it fails, the response goes out without it (the data was already decided) and the
 * failure is logged; an explanation never changes a decision.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext, GatewayServices } from '../admission/context';
import { buildExplanation } from './explanation';
import { wantsExplanation } from './explainRequest';
import { manifestVersion } from './policyVersion';

export const EXPLAIN_OPERATION = 'Privacy.explain';

export function explainPlugin(services: GatewayServices): ApolloServerPlugin<GatewayContext> {
  const version = manifestVersion(services.manifest);
  return {
    async requestDidStart({ request }) {
      if (!wantsExplanation(request)) return undefined;
      return {
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single' || contextValue.privacy === undefined) return;
          const result = response.body.singleResult;
          try {
            const explain = buildExplanation(services.policy, version, contextValue.privacy);
            const privacy = (result.extensions?.privacy as Record<string, unknown> | undefined) ?? { purpose: contextValue.purpose, redactions: {} };
            result.extensions = { ...result.extensions, privacy: { ...privacy, explain } };
            contextValue.audit.record({
              operation: EXPLAIN_OPERATION,
              subjectIds: [],
              fields: Object.keys(explain.coordinates),
              decision: 'ALLOW',
              detail: { policyVersion: explain.policyVersion, coordinates: Object.keys(explain.coordinates).length },
            });
          } catch (error) {
            contextValue.services.logger.error({ requestId: contextValue.requestId, errorName: error instanceof Error ? error.name : 'unknown' }, 'explanation failed');
          }
        },
      };
    },
  };
}
