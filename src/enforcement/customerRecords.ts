/**
 * Reading customer records is a capability that enforcement hands out: one CustomerRecords per
 * request, created with the context from the verified caller and the stated purpose. Resolvers ask it
 * for records; they never query the customers collection themselves (test/unit/recordAccess.test.ts
 * fails the build if one does). Whatever a resolver asks, the reader applies, in one place:
 *
 * - erasure: an erased subject is never returned, listed, counted or aggregated;
 * - identification: a lookup by a direct identifier only for the roles and purpose that may
 *   (policy/identification.ts), FORBIDDEN alike whether or not the value exists;
 * - filtering is reading: a condition may only use attributes the caller could see, and keeps out the
 *   subjects whose consent hides them (enforcement/filterRestriction.ts);
 * - purpose limitation: an audience (a segment's members) is the subjects whose consent allows the
 *   audience's purpose; an aggregate selects and groups only on attributes whose @purpose holds the
 *   request's purpose, over subjects whose consent allows it (one consent model, policy/consentModel.ts);
 * - the audit of keys used: every lookup is a read of its key coordinate with the subject found, every
 *   filter a read of the filtered coordinates with the subjects matched — whatever the selection.
 *
 * Field values are still decided per subject by the @pii wrappers (fieldEnforcement.ts).
 */
import type { RequestAudit } from '../audit/requestAudit';
import { BadUserInputError, ForbiddenError, invariant } from '../errors/errors';
import { consentFilter } from '../policy/consentModel';
import { identificationRefusal } from '../policy/identification';
import type { Purpose } from '../policy/purposes';
import type { Caller, Coordinate, Policy } from '../policy/types';
import type { Loaders } from '../store/loaders';
import type { Filter, Store } from '../store/port';
import type { CustomerDocument } from '../store/documents';
import { customerPage, type CustomerConnection, type PageArgs } from './customerPage';
import { visibleFilterConditions } from './filterRestriction';
import type { PrivacyRecorder } from './privacyRecorder';

/** Longest lookup value accepted (an email address is at most 320 characters). */
const MAX_KEY_LENGTH = 320;

/** Erased subjects keep a tombstone; they are never listed or looked up as customers. */
export const NOT_ERASED: Filter = { erasedAt: { $exists: false } };

/** What the reader is built from: the request's caller, purpose, loaders and recorders. */
export interface RecordsScope {
  store: Store;
  policy: Policy;
  loaders: Loaders;
  privacy: PrivacyRecorder;
  audit: RequestAudit;
  maxPageSize: number;
}

/** A selection of subjects by the records' own attributes. */
export interface Selection {
  /** The condition, built by the gateway from validated input (never client operators). */
  where: Filter;
  /** The coordinates the condition reads. */
  reads: readonly Coordinate[];
  /** The operation to audit it under, e.g. "Query.customers". */
  operation: string;
  /** Only subjects whose consent allows this purpose (a segment's audience). */
  audienceOf?: Purpose;
}

/** An aggregate over a selection (for the request's purpose), grouped by labelled dimensions. */
export interface Aggregation extends Omit<Selection, 'audienceOf'> {
  dimensions: readonly { label: string; coordinate: Coordinate }[];
}

export type Aggregate = <R = Record<string, unknown>>(pipeline: Record<string, unknown>[]) => Promise<R[]>;

/** All clauses must hold: one flat condition when their keys are disjoint (stores use top-level equalities as indexes), else $and. */
function and(clauses: readonly Filter[]): Filter {
  const kept = clauses.filter((clause) => Object.keys(clause).length > 0);
  const keys = kept.flatMap((clause) => Object.keys(clause));
  if (new Set(keys).size === keys.length) return Object.assign({}, ...kept) as Filter;
  return { $and: kept };
}

const isErased = (customer: CustomerDocument | null): boolean => customer === null || customer.erasedAt !== undefined;

export class CustomerRecords {
  constructor(private readonly scope: RecordsScope) {}

  private get caller(): Caller | null {
    return this.scope.privacy.caller;
  }

  private get purpose(): Purpose | null {
    return this.scope.privacy.purpose;
  }

  private get customers() {
    return this.scope.store.collection<CustomerDocument>('customers');
  }

  /** One subject by its surrogate id; null when unknown or erased. */
  async byId(id: string): Promise<CustomerDocument | null> {
    const customer = await this.scope.loaders.customer.load(id);
    return isErased(customer) ? null : customer;
  }

  /** The calling data subject's own record (role customer). */
  async own(): Promise<CustomerDocument | null> {
    const caller = this.caller;
    return caller === null || caller.role !== 'customer' ? null : this.byId(caller.sub);
  }

  /**
   * Identification: the subject whose `coordinate` equals `value` exactly. Refused (FORBIDDEN, before
   * any store access, so found and not-found cannot be told apart) unless the caller may identify by
   * that key; audited as a read of the key with the subject found, whatever the selection.
   */
  async byKey(coordinate: 'Customer.email', value: string, operation: string): Promise<CustomerDocument | null> {
    const refusal = identificationRefusal(coordinate, this.caller, this.purpose);
    if (refusal !== null) {
      this.scope.privacy.recordFailure(refusal);
      throw new ForbiddenError('Looking a customer up by a direct identifier is not allowed for this role and purpose');
    }
    if (value.length > MAX_KEY_LENGTH) throw new BadUserInputError(`${coordinate} is too long`);
    const customer = await this.customers.findOne({ email: value.trim().toLowerCase(), ...NOT_ERASED });
    if (customer !== null) this.scope.loaders.customer.prime(customer._id, customer);
    this.scope.audit.record({
      operation, subjectIds: customer === null ? [] : [customer._id], fields: [coordinate], decision: 'ALLOW',
      detail: { lookup: coordinate, found: customer !== null },
    });
    return customer;
  }

  /**
   * The id of the subject (erased or not) holding `value` as its `coordinate`, for a write that must
   * keep the key unique (rectification). Only the id, never the record; the write is audited by its caller.
   */
  async holderOf(coordinate: 'Customer.email', value: string): Promise<string | null> {
    if (value.length > MAX_KEY_LENGTH) throw new BadUserInputError(`${coordinate} is too long`);
    const holder = await this.customers.findOne({ email: value.trim().toLowerCase() });
    return holder?._id ?? null;
  }

  /**
   * A page of the selected subjects the caller may select: visible filter attributes, the audience's
   * consent, no erased subject. Audited as a read of the personal coordinates the condition used.
   */
  async page(selection: Selection, args: PageArgs): Promise<CustomerConnection> {
    const { policy, maxPageSize } = this.scope;
    const visible = visibleFilterConditions(policy, this.caller, this.purpose, selection.reads);
    const audience = selection.audienceOf === undefined ? {} : consentFilter(selection.audienceOf);
    const connection = await customerPage(this.customers, and([selection.where, ...visible, audience, NOT_ERASED]), args, maxPageSize);
    for (const { node } of connection.edges) this.scope.loaders.customer.prime(node._id, node);
    const personal = [...new Set(selection.reads.filter((coordinate) => policy.fields.has(coordinate)))].sort();
    if (personal.length > 0) {
      this.scope.audit.record({
        operation: selection.operation, subjectIds: connection.edges.map((edge) => edge.node._id), fields: personal, decision: 'ALLOW',
        detail: { filter: true },
      });
    }
    return connection;
  }

  /**
   * Runs `compute` with an aggregate function whose pipelines always start with the reader's match:
   * the selection, restricted to subjects whose consent allows the request's purpose and not erased.
   * Refused when a dimension or a selecting attribute may not be processed for the request's purpose.
   * The caller audits the aggregate it publishes.
   */
  async aggregate<T>(aggregation: Aggregation, compute: (aggregate: Aggregate) => Promise<T>): Promise<T> {
    const purpose = this.purpose;
    invariant(purpose !== null, 'the gate requires a purpose for aggregates');
    const notFor = (coordinate: Coordinate) => {
      const field = this.scope.policy.fields.get(coordinate);
      return field !== undefined && !field.purposes.includes(purpose);
    };
    const deniedDimensions = aggregation.dimensions.filter((dimension) => notFor(dimension.coordinate)).map((dimension) => dimension.label);
    if (deniedDimensions.length > 0) throw new ForbiddenError(`groupBy ${deniedDimensions.join(', ')} may not be processed for ${purpose}`);
    if (aggregation.reads.some(notFor)) throw new ForbiddenError(`this selection uses attributes that may not be processed for ${purpose}`);
    const match = and([aggregation.where, consentFilter(purpose), NOT_ERASED]);
    const aggregate: Aggregate = <R,>(pipeline: Record<string, unknown>[]) => this.customers.aggregate<R>([{ $match: match }, ...pipeline]);
    return compute(aggregate);
  }
}

export function createCustomerRecords(scope: RecordsScope): CustomerRecords {
  return new CustomerRecords(scope);
}
