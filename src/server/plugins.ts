/**
 * The Apollo plugins every gateway instance runs, in order. Plugins are factories returning hook
 * objects; each lives in the module of its concern.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayContext, GatewayServices } from '../admission/context';
import { privacyExtensionPlugin } from '../privacy/privacyExtensionPlugin';
import { globalPrivacyControlPlugin } from '../privacy/globalPrivacyControl';
import { auditPlugin } from '../audit/auditPlugin';
import { metricsPlugin } from '../metrics/metricsPlugin';
import { explainPlugin } from '../explain/explainPlugin';
import { previewPlugin } from '../preview/previewPlugin';
import { tracingPlugin } from '../tracing/tracingPlugin';
import { unexpectedErrorPlugin } from '../errors/unexpectedErrors';

export function gatewayPlugins(services: GatewayServices): ApolloServerPlugin<GatewayContext>[] {
  return [
    // Every response is computed for one caller: HTTP cache hints would mean nothing, and Apollo's
    // default cache-control plugin costs a hook on every resolved field.
    ApolloServerPluginCacheControlDisabled(),
    // explainPlugin after privacyExtensionPlugin (it extends extensions.privacy); explain, preview and the
    // unexpected-error plugin before auditPlugin (they record events).
    globalPrivacyControlPlugin(), privacyExtensionPlugin(), explainPlugin(services), previewPlugin(),
    unexpectedErrorPlugin(services), metricsPlugin(services), tracingPlugin(), auditPlugin(services),
  ];
}
