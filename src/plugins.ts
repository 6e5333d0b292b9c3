/**
 * The Apollo plugins every gateway instance runs, in order. Plugins are factories returning hook
 * objects; each lives in the module of its concern.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext, GatewayServices } from './context';
import { privacyExtensionPlugin } from './privacy/privacyExtensionPlugin';
import { globalPrivacyControlPlugin } from './privacy/globalPrivacyControl';
import { auditPlugin } from './audit/auditPlugin';
import { metricsPlugin } from './metrics/metricsPlugin';
import { explainPlugin } from './explain/explainPlugin';
import { previewPlugin } from './preview/previewPlugin';
import { unexpectedErrorPlugin } from './unexpectedErrors';

export function gatewayPlugins(services: GatewayServices): ApolloServerPlugin<GatewayContext>[] {
  // explainPlugin after privacyExtensionPlugin (it extends extensions.privacy); explain, preview and the
  // unexpected-error plugin before auditPlugin (they record events).
  return [
    globalPrivacyControlPlugin(), privacyExtensionPlugin(), explainPlugin(services), previewPlugin(),
    unexpectedErrorPlugin(services), metricsPlugin(services), auditPlugin(services),
  ];
}
