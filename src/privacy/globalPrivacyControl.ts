/**
 * Global Privacy Control (CCPA opt-out of sale/share): a request from a data subject (role
 * `customer`) carrying `Sec-GPC: 1` records THIRD_PARTY_SHARING as DENIED with source GPC before the
 * operation runs, so the operation itself (and every later request) already sees the opt-out.
 *
 * Idempotent: when the current state is already DENIED by GPC nothing is written and no history
 * event is added. An explicit later choice by the subject (setConsent) supersedes it until the next
 * GPC request. A failure to record the opt-out fails the request: we never continue as if it held.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../admission/context';
import { GPC_SOURCE, recordConsentInRequest } from './consent';

const GPC_PURPOSE = 'THIRD_PARTY_SHARING' as const;

/** Records the opt-out for the calling subject if the request carries the signal. */
export async function honourGlobalPrivacyControl(context: GatewayContext): Promise<void> {
  const caller = context.caller;
  if (!context.signals.gpc || caller === null || caller.role !== 'customer') return;
  const customer = await context.loaders.customer.load(caller.sub);
  if (customer === null || customer.erasedAt !== undefined) return;
  const current = customer.consents?.[GPC_PURPOSE];
  if (current?.status === 'DENIED' && current.source === GPC_SOURCE) return;
  // The request goes on with the state it just wrote.
  await recordConsentInRequest(context, {
    subjectId: caller.sub, purpose: GPC_PURPOSE, status: 'DENIED', source: GPC_SOURCE, actor: caller.sub, actorRole: 'customer',
  }, { operation: 'Signal.GlobalPrivacyControl', detail: { purpose: GPC_PURPOSE, source: GPC_SOURCE } });
}

export function globalPrivacyControlPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.signals.gpc || contextValue.caller?.role !== 'customer') return undefined;
      return {
        async didResolveOperation({ contextValue: context }) {
          await honourGlobalPrivacyControl(context);
        },
      };
    },
  };
}
