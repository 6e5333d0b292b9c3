/**
 * Apollo plugins that gateway mode adds in front of the shared ones (plugins.ts):
 * - the reserved response key: a document that uses `_pg_subject` as an alias is refused
 *   (BAD_USER_INPUT) before anything runs, so a client cannot read one field under the key the
 *   gateway uses to fetch subject keys;
 * - Global Privacy Control: `Sec-GPC: 1` from a data subject records THIRD_PARTY_SHARING as DENIED
 *   (source GPC) in the gateway's consent store before the operation runs; idempotent, as in managed mode.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import type { GatewayContext } from '../admission/context';
import { BadUserInputError } from '../errors/errors';
import { GPC_SOURCE } from '../privacy/consent';
import { recordSubjectConsent, type SubjectConsentCache } from './subjectConsent';
import { SUBJECT_KEY_ALIAS } from './subjectKeyTransform';

/** Per parsed document (Apollo reuses the parsed document of a query it has seen): the answer depends on the document alone. */
const reservedAliasSeen = new WeakMap<DocumentNode, boolean>();

function usesReservedAlias(document: DocumentNode): boolean {
  const known = reservedAliasSeen.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (node.alias?.value === SUBJECT_KEY_ALIAS) found = true;
    },
  });
  reservedAliasSeen.set(document, found);
  return found;
}

export function reservedAliasPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document }) {
          if (!usesReservedAlias(document)) return;
          throw new BadUserInputError(`The response key ${SUBJECT_KEY_ALIAS} is reserved by the gateway`).refusingRequest();
        },
      };
    },
  };
}

const GPC_PURPOSE = 'THIRD_PARTY_SHARING' as const;

/** Records the opt-out of the calling subject when the request carries the signal. */
export async function honourUpstreamGpc(context: GatewayContext, cache: SubjectConsentCache): Promise<void> {
  const caller = context.caller;
  if (!context.signals.gpc || caller === null || caller.role !== 'customer') return;
  const current = (await cache.load(context.loaders, caller.sub))[GPC_PURPOSE];
  if (current?.status === 'DENIED' && current.source === GPC_SOURCE) return;
  await recordSubjectConsent(context, cache, {
    subjectId: caller.sub, purpose: GPC_PURPOSE, status: 'DENIED', source: GPC_SOURCE, actor: caller.sub, actorRole: 'customer',
  }, { operation: 'Signal.GlobalPrivacyControl', detail: { purpose: GPC_PURPOSE, source: GPC_SOURCE } });
}

export function upstreamGpcPlugin(cache: SubjectConsentCache): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.signals.gpc || contextValue.caller?.role !== 'customer') return undefined;
      return {
        async didResolveOperation({ contextValue: context }) {
          await honourUpstreamGpc(context, cache);
        },
      };
    },
  };
}
