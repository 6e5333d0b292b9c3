/**
 * Wraps exactly the @pii fields of the schema (others keep their resolver: no wrapper, no cost) so
 * that each value is decided per subject and either passed through or redacted by the field's
 * strategy. The per-request half of the decision is memoized in the PrivacyRecorder, so the per-value
 * work is a consent lookup on the parent document, which the data layer loaded with the record.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { decideForSubject, POLICY_ERROR_DECISION } from '../policy/decide';
import type { ConsentStatus, Purpose } from '../policy/purposes';
import type { Decision, FieldPolicy, Policy, Redaction, SubjectConsent } from '../policy/types';
import type { PrivacyRecorder } from './privacyRecorder';
import { applyRedaction, type Pseudonymizer } from './redaction';

/** What the field wrappers need from the GraphQL context. */
export interface EnforcementContext {
  privacy: PrivacyRecorder;
  pseudonymize: Pseudonymizer;
}

/** A stored subject document: `_id` plus `consents: { PURPOSE: { status } }` as the data layer loads it. */
interface SubjectDocument {
  _id?: unknown;
  id?: unknown;
  consents?: Record<string, { status?: ConsentStatus } | undefined>;
}

function subjectIdOf(parent: SubjectDocument): string | undefined {
  const id = parent._id ?? parent.id;
  return typeof id === 'string' ? id : undefined;
}

type StoredConsents = NonNullable<SubjectDocument['consents']>;

/** Consent read straight off the loaded document (a small view, no closure). */
class DocumentConsent implements SubjectConsent {
  constructor(private readonly consents: StoredConsents) {}

  get(purpose: Purpose): ConsentStatus | undefined {
    return this.consents[purpose]?.status;
  }
}

/**
 * One view per stored consents object, reused by every field and request that reads it (the store
 * hands out the same frozen consents while the record is unchanged): no allocation per value.
 */
const consentViews = new WeakMap<StoredConsents, DocumentConsent>();

/** A document loaded without consents yields undefined (fail closed). */
function consentOf(parent: SubjectDocument): SubjectConsent | undefined {
  const consents = parent.consents;
  if (consents === null || typeof consents !== 'object') return undefined;
  let view = consentViews.get(consents);
  if (view === undefined) consentViews.set(consents, view = new DocumentConsent(consents));
  return view;
}

function decideValue(field: FieldPolicy, parent: SubjectDocument, context: EnforcementContext): Decision {
  try {
    const request = context.privacy.requestDecision(field);
    // Consent is looked up only where the decision depends on it.
    return decideForSubject(request, subjectIdOf(parent), request.kind === 'consent' ? consentOf(parent) : undefined);
  } catch {
    return POLICY_ERROR_DECISION;
  }
}

/** The redacted form of a value; a strategy that throws yields null (fail closed). */
function redacted(field: FieldPolicy, strategy: Redaction, value: unknown, pseudonymize: Pseudonymizer): unknown {
  try {
    return applyRedaction(strategy, field.category, value, pseudonymize);
  } catch {
    return null;
  }
}

const NO_PARENT: SubjectDocument = {};

/**
 * The enforced resolver of one @pii field. Per value: one memoized request-level decision (a map
 * lookup), the subject's consent when the decision depends on it, one count. A value redacted to
 * NULL is never read (for encrypted fields: never decrypted); no closure or promise is created per
 * value unless the original resolver itself returns a promise.
 */
export function wrapPiiResolver(field: FieldPolicy, resolve: GraphQLFieldResolver<unknown, EnforcementContext>): GraphQLFieldResolver<unknown, EnforcementContext> {
  return function enforcedResolver(parent, args, context, info) {
    const subject = (parent ?? NO_PARENT) as SubjectDocument;
    const subjectId = subjectIdOf(subject);
    const decision = decideValue(field, subject, context);
    if (decision.kind === 'allow') {
      context.privacy.recordClear(field.coordinate, subjectId);
      return resolve(parent, args, context, info);
    }
    context.privacy.recordRedaction(field.coordinate, subjectId, decision.reason);
    // NULL needs no value at all: do not even run the resolver.
    if (decision.strategy === 'NULL') return null;
    const value: unknown = resolve(parent, args, context, info);
    if (value instanceof Promise) {
      return value.then((settled: unknown) => redacted(field, decision.strategy, settled, context.pseudonymize), () => null);
    }
    return redacted(field, decision.strategy, value, context.pseudonymize);
  };
}

/** A new schema whose @pii fields are enforced; the input schema is untouched. */
export function enforceFieldPolicies(schema: GraphQLSchema, policy: Policy): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const field = policy.fields.get(`${typeName}.${fieldName}`);
      if (field === undefined) return fieldConfig;
      const resolve = (fieldConfig.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, EnforcementContext>;
      return { ...fieldConfig, resolve: wrapPiiResolver(field, resolve) };
    },
  });
}
