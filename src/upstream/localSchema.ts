/**
 * What the gateway itself serves in gateway mode, next to the upstream operations: the consent
 * operations on its own consent store (keyed by subject id, the value of a type's subject key) and
 * the manifest. `setConsent` keeps managed mode's name, arguments, gate rule and validation.
 * Who may call each is the OPERATIONS-style table `LOCAL_OPERATIONS`; resolvers do data access only.
 */
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GatewayContext } from '../admission/context';
import { BadUserInputError, invariant } from '../errors/errors';
import { OPERATIONS, type OperationRule } from '../policy/operations';
import { CONSENT_STATUSES, PURPOSES, type ConsentStatus, type Purpose } from '../policy/purposes';
import { assertConsentGoverns, consentSource, type ConsentView } from '../privacy/consent';
import { toConsentEventView, type ConsentEventView } from '../privacy/consentHistory';
import { recordSubjectConsent, subjectIdFrom, type SubjectConsentCache } from './subjectConsent';

/** Names the gateway adds to the schema; an upstream that also has one of them stops start-up. */
export const LOCAL_TYPE_NAMES = ['Purpose', 'ConsentStatus', 'Consent', 'ConsentEvent', 'DateTime', 'JSON'] as const;

export const localTypeDefs = /* GraphQL */ `
  "Processing purposes (see the purpose registry in the manifest)."
  enum Purpose { ${PURPOSES.join(' ')} }
  enum ConsentStatus { ${CONSENT_STATUSES.join(' ')} }
  scalar DateTime
  scalar JSON
  "A subject's current choice for one purpose, as recorded in the gateway's consent store."
  type Consent { purpose: Purpose! status: ConsentStatus! source: String! updatedAt: DateTime! }
  "One recorded consent choice; the history is append-only."
  type ConsentEvent { purpose: Purpose! status: ConsentStatus! source: String! actor: String! actorRole: String! policyVersion: String! at: DateTime! }
  type Query {
    "The data map compiled from the annotation overlay (public)."
    privacyManifest: JSON!
    "Every consent choice recorded for the subject, oldest first (the subject itself, support, the privacy officer)."
    consentHistory(subjectId: ID!): [ConsentEvent!]!
  }
  type Mutation {
    "Records a subject's consent choice for one purpose; customerId is the subject id (the value of the subject key)."
    setConsent(customerId: ID!, purpose: Purpose!, status: ConsentStatus!, source: String): Consent!
  }
`;

const ON_BEHALF: readonly Purpose[] = ['SUPPORT', 'LEGAL_COMPLIANCE'];

export const LOCAL_OPERATIONS: Readonly<Record<string, OperationRule>> = {
  'Query.privacyManifest': OPERATIONS['Query.privacyManifest']!,
  'Mutation.setConsent': OPERATIONS['Mutation.setConsent']!,
  'Query.consentHistory': { roles: ['customer', 'support', 'privacy_officer'], purpose: false, ownSubjectArg: 'subjectId', staffPurposes: ON_BEHALF },
};

function subjectArg(value: string): string {
  const id = subjectIdFrom(value);
  if (id === undefined) throw new BadUserInputError('A subject id is 1 to 200 characters');
  return id;
}

interface SetConsentArgs {
  customerId: string;
  purpose: Purpose;
  status: ConsentStatus;
  source?: string | null;
}

/** The resolvers of the operations above; consent writes drop the subject from this gateway's per-request cache. */
export const localResolvers = (cache: SubjectConsentCache) => ({
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query: {
    privacyManifest: (_: unknown, __: unknown, context: GatewayContext) => context.services.manifest,
    consentHistory: async (_: unknown, args: { subjectId: string }, context: GatewayContext): Promise<ConsentEventView[]> => {
      const subjectId = subjectArg(args.subjectId);
      const history = (await context.loaders.consentHistory.load(subjectId)).map(toConsentEventView);
      context.audit.record({ operation: 'Query.consentHistory', subjectIds: [subjectId], fields: ['Subject.consentHistory'], decision: 'ALLOW', detail: { events: history.length } });
      return history;
    },
  },
  Mutation: {
    setConsent: async (_: unknown, args: SetConsentArgs, context: GatewayContext): Promise<ConsentView> => {
      const caller = context.caller;
      invariant(caller !== null, 'the gate admits setConsent only with a caller');
      assertConsentGoverns(args.purpose);
      const source = consentSource(args.source, caller.role);
      const subjectId = subjectArg(args.customerId);
      return recordSubjectConsent(context, cache, {
        subjectId, purpose: args.purpose, status: args.status, source, actor: caller.sub, actorRole: caller.role,
      }, { operation: 'Mutation.setConsent', detail: { purpose: args.purpose, source, onBehalf: caller.role !== 'customer' } });
    },
  },
});
