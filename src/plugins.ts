/**
 * The Apollo plugins every gateway instance runs, in order. Plugins are factories returning hook
 * objects; each lives in the module of its concern.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext, GatewayServices } from './context';
import { privacyExtensionPlugin } from './privacy/privacyExtensionPlugin';

export function gatewayPlugins(services: GatewayServices): ApolloServerPlugin<GatewayContext>[] {
  void services;
  return [privacyExtensionPlugin()];
}
