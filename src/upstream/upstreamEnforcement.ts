/**
 * Field enforcement for upstream records: the @pii fields of the gateway schema are wrapped with the
 * very wrapper managed mode uses (enforcement/fieldEnforcement.ts `wrapPiiResolver`: decide, count,
 * redact by strategy). What differs is where the decision's inputs come from:
 * - the subject is the value of the type's subject key, which the request transform fetched under
 *   a reserved response key (subjectKeyTransform.ts), whether or not the client selected it;
 * - consent comes from the gateway's own consent store, loaded in one batch per request and only
 *   when the request-level decision actually depends on consent.
 * Every field of an upstream type reads the delegated answer by response key (answerResolvers.ts);
 * only the @pii ones carry the wrapper on top.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../admission/context';
import { wrapPiiResolver } from '../enforcement/fieldEnforcement';
import type { FieldPolicy, Policy } from '../policy/types';
import { responseKeyResolver } from './answerResolvers';
import { subjectIdFrom, type SubjectConsentCache, type SubjectConsents } from './subjectConsent';
import { SUBJECT_KEY_ALIAS } from './subjectKeyTransform';

/** What wrapPiiResolver reads to decide (`_id`, `consents`), with the upstream record it stands for. */
interface SubjectView {
  _id: string | undefined;
  consents?: SubjectConsents;
  record: unknown;
}

function subjectOf(record: unknown): string | undefined {
  return record !== null && typeof record === 'object' ? subjectIdFrom((record as Record<string, unknown>)[SUBJECT_KEY_ALIAS]) : undefined;
}

export function wrapUpstreamPiiResolver(field: FieldPolicy, resolve: GraphQLFieldResolver<unknown, GatewayContext>, cache: SubjectConsentCache): GraphQLFieldResolver<unknown, GatewayContext> {
  const enforced = wrapPiiResolver(field, (view, args, context, info) => resolve((view as SubjectView).record, args, context as GatewayContext, info));
  return (record, args, context, info) => {
    const subjectId = subjectOf(record);
    let needsConsent: boolean;
    try {
      needsConsent = context.privacy.requestDecision(field).kind === 'consent';
    } catch {
      needsConsent = false; // the wrapper decides again and fails closed
    }
    if (!needsConsent || subjectId === undefined) return enforced({ _id: subjectId, record } satisfies SubjectView, args, context, info);
    // Usually prefetched with the page (see prefetchSubjectConsents): decided without a promise.
    const known = cache.peek(context.loaders, subjectId);
    if (known !== undefined) return enforced({ _id: subjectId, consents: known, record } satisfies SubjectView, args, context, info);
    return cache.load(context.loaders, subjectId).then(
      (consents) => enforced({ _id: subjectId, consents, record } satisfies SubjectView, args, context, info),
      // Consent that cannot be read is no consent: decided without it, which redacts.
      () => enforced({ _id: subjectId, record } satisfies SubjectView, args, context, info),
    );
  };
}

/** Does any @pii field's decision in this request depend on each subject's consent? A failing decision counts as no. */
function dependsOnConsent(policy: Policy, context: GatewayContext): boolean {
  try {
    for (const field of policy.fields.values()) if (context.privacy.requestDecision(field).kind === 'consent') return true;
  } catch {
    return false;
  }
  return false;
}

/**
 * Wraps the root operations delegated to upstreams: once an answer arrives and the request's decisions
 * depend on consent, the consent of every subject in it is loaded in one batch before its fields resolve.
 */
function prefetchSubjectConsents(resolve: GraphQLFieldResolver<unknown, GatewayContext>, policy: Policy, cache: SubjectConsentCache): GraphQLFieldResolver<unknown, GatewayContext> {
  return async (source, args, context, info) => {
    const answer: unknown = await resolve(source, args, context, info);
    if (dependsOnConsent(policy, context)) {
      // A failure here only means the values load one by one (and fail closed there).
      await cache.prefetch(context.loaders, answer).catch(() => undefined);
    }
    return answer;
  };
}

/**
 * A new schema whose @pii fields are enforced per subject, whose `upstreamOperations` (root
 * coordinates) prefetch consent, and whose fields of `upstreamTypes` read the upstream answer by
 * response key (answerResolvers.ts); the input schema is untouched.
 */
export function enforceUpstreamFieldPolicies(
  schema: GraphQLSchema, policy: Policy, cache: SubjectConsentCache, upstreamOperations: ReadonlySet<string>, upstreamTypes: ReadonlySet<string>,
): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (fieldConfig, fieldName, typeName) => {
      if (!upstreamOperations.has(`${typeName}.${fieldName}`) || fieldConfig.resolve === undefined) return fieldConfig;
      return { ...fieldConfig, resolve: prefetchSubjectConsents(fieldConfig.resolve as GraphQLFieldResolver<unknown, GatewayContext>, policy, cache) };
    },
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      if (!upstreamTypes.has(typeName)) return fieldConfig;
      const field = policy.fields.get(`${typeName}.${fieldName}`);
      const read = responseKeyResolver as GraphQLFieldResolver<unknown, GatewayContext>;
      return { ...fieldConfig, resolve: field === undefined ? read : wrapUpstreamPiiResolver(field, read, cache) };
    },
  });
}
