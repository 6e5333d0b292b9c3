/** Apollo plugin: adds `extensions.privacy` (purpose and redaction counts) to every response that touched personal data. */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../admission/context';

export function privacyExtensionPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single' || !contextValue.privacy?.touchedPersonalData) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, privacy: contextValue.privacy.toExtension() };
        },
      };
    },
  };
}
