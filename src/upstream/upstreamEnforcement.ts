/**
 * Field enforcement for upstream records: the @pii fields of the gateway schema are wrapped with the
 * very wrapper managed mode uses (enforcement/fieldEnforcement.ts `wrapPiiResolver`: decide, count,
 * redact by strategy). What differs is where the decision's inputs come from:
 * - the subject is the value of the type's subject key, which the request transform fetched under
 *   a reserved response key (subjectKeyTransform.ts), whether or not the client selected it;
 * - consent comes from the gateway's own consent store, loaded in one batch per request and only
 *   when the request-level decision actually depends on consent.
 * Fields without @pii keep their resolver (no wrapper, no cost).
 */
import { defaultMergedResolver } from '@graphql-tools/delegate';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context';
import { wrapPiiResolver } from '../enforcement/fieldEnforcement';
import type { FieldPolicy, Policy } from '../policy/types';
import { loadSubjectConsents, subjectIdFrom, type SubjectConsents } from './subjectConsent';
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

export function wrapUpstreamPiiResolver(field: FieldPolicy, resolve: GraphQLFieldResolver<unknown, GatewayContext>): GraphQLFieldResolver<unknown, GatewayContext> {
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
    return loadSubjectConsents(context.loaders, subjectId).then(
      (consents) => enforced({ _id: subjectId, consents, record } satisfies SubjectView, args, context, info),
      // Consent that cannot be read is no consent: decided without it, which redacts.
      () => enforced({ _id: subjectId, record } satisfies SubjectView, args, context, info),
    );
  };
}

/** A new schema whose @pii fields are enforced per subject; the input schema is untouched. */
export function enforceUpstreamFieldPolicies(schema: GraphQLSchema, policy: Policy): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const field = policy.fields.get(`${typeName}.${fieldName}`);
      if (field === undefined) return fieldConfig;
      const resolve = (fieldConfig.resolve ?? defaultMergedResolver) as GraphQLFieldResolver<unknown, GatewayContext>;
      return { ...fieldConfig, resolve: wrapUpstreamPiiResolver(field, resolve) };
    },
  });
}
