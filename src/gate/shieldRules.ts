/**
 * The coarse gate: graphql-shield rules generated from the OPERATIONS table (policy/operations.ts).
 *
 * Every root field gets an explicit rule; a root field the table does not name stops start-up.
 * Shield's generator wraps every field of every object type with the fallback rule, which costs a
 * promise per field on large lists; we keep only the root-type middleware, because no other field is
 * reachable without first passing a root rule and the per-value decisions happen in the @pii wrappers.
 * The exception is data: a non-root coordinate listed in OPERATIONS (e.g. `Segment.members`, records
 * reachable from an object partners may read) gets its own rule, and only that field is wrapped.
 * Options follow DESIGN.md: fallbackRule deny, allowExternalErrors false, our error codes.
 */
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRule } from 'graphql-shield';
import { GraphQLSchema, isObjectType, type GraphQLObjectType } from 'graphql';
import { ForbiddenError, GatewayError, PurposeNotAllowedError, PurposeRequiredError, UnauthenticatedError } from '../errors/errors';
import { OPERATIONS, type OperationRule } from '../policy/operations';
import type { Caller, Failure } from '../policy/types';
import type { Purpose } from '../policy/purposes';
import type { PrivacyRecorder } from '../enforcement/privacyRecorder';
import { tracedGate } from '../tracing/gateSpan';

export interface GateContext {
  caller: Caller | null;
  purpose: Purpose | null;
  privacy: PrivacyRecorder;
}

export class OperationTableError extends Error {
  override name = 'OperationTableError';
}

function refuse(context: GateContext, failure: Failure, error: GatewayError): GatewayError {
  context.privacy.recordFailure(failure);
  return error;
}

/** The value at `args.a.b` / `parent.a` for a rule's `purposeOf`; undefined when absent. */
function valueAt(path: string, args: Record<string, unknown>, parent: unknown): unknown {
  const [root, ...keys] = path.split('.');
  let value: unknown = root === 'args' ? args : root === 'parent' ? parent : undefined;
  for (const key of keys) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** The gate decision for one operation: true, or the error to return. Pure apart from recording. */
export function checkOperation(coordinate: string, operation: OperationRule, context: GateContext, args: Record<string, unknown>, parent?: unknown): true | GatewayError {
  if (operation.roles === 'public') return true;
  const caller = context.caller;
  if (caller === null) return refuse(context, { kind: 'unauthenticated', coordinate }, new UnauthenticatedError());
  if (!operation.roles.includes(caller.role)) {
    return refuse(context, { kind: 'role', coordinate, role: caller.role }, new ForbiddenError(`Role ${caller.role} may not use ${coordinate}`));
  }
  if (caller.role === 'partner' && (operation.partnerScope === undefined || !caller.scopes.includes(operation.partnerScope))) {
    const scope = operation.partnerScope ?? '(none grants it)';
    return refuse(context, { kind: 'scope', coordinate, scope }, new ForbiddenError(`${coordinate} needs scope ${scope}`));
  }
  if (operation.purpose && context.purpose === null) {
    return refuse(context, { kind: 'purpose-required', coordinate }, new PurposeRequiredError());
  }
  if (caller.role === 'customer' && operation.ownSubjectArg !== undefined && args[operation.ownSubjectArg] !== caller.sub) {
    return refuse(context, { kind: 'not-own-subject', coordinate }, new ForbiddenError(`${coordinate}: a customer may act on its own record only`));
  }
  if (operation.staffPurposes !== undefined && caller.role !== 'customer') {
    if (context.purpose === null) return refuse(context, { kind: 'purpose-required', coordinate }, new PurposeRequiredError());
    if (!operation.staffPurposes.includes(context.purpose)) {
      return refuse(context, { kind: 'purpose-mismatch', coordinate }, new PurposeNotAllowedError(`${coordinate} may only be performed for ${operation.staffPurposes.join(' or ')}`));
    }
  }
  // The object names its own purpose: the stated one must be it (a missing value never matches).
  if (operation.purposeOf !== undefined && (context.purpose === null || valueAt(operation.purposeOf, args, parent) !== context.purpose)) {
    return refuse(context, { kind: 'purpose-mismatch', coordinate }, new PurposeNotAllowedError(`${coordinate} is only available for the purpose its object names`));
  }
  return true;
}

function rootTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
    (type): type is GraphQLObjectType => type !== null && type !== undefined,
  );
}

/**
 * A check that throws (a bug) refuses the operation — nothing runs — but is answered as the failure
 * it is: a plain error, which the formatter masks to INTERNAL_SERVER_ERROR, never a FORBIDDEN.
 */
function guardedCheck(coordinate: string, operation: OperationRule, context: GateContext, args: Record<string, unknown>, parent: unknown): true | Error {
  try {
    return checkOperation(coordinate, operation, context, args, parent);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    context.privacy.recordFailure({ kind: 'evaluator-error', coordinate });
    return error instanceof Error ? error : new Error(`gate check for ${coordinate} failed`);
  }
}

function gateRule(coordinate: string, operation: OperationRule): IRule {
  return operation.roles === 'public'
    ? (allow as unknown as IRule)
    : rule(`gate:${coordinate}`, { cache: 'no_cache' })((parent, args: Record<string, unknown>, context: GateContext) =>
      tracedGate(coordinate, () => guardedCheck(coordinate, operation, context, args, parent)));
}

/**
 * What shield answers when the rule said no without an error of its own (`thrown` null: a denial),
 * or when the resolver behind a passed gate threw. A refusal we raised keeps its code; anything else
 * thrown is a failure and stays one, so the formatter answers INTERNAL_SERVER_ERROR and the
 * unexpected-error plugin logs and audits it — never graphql-shield's FORBIDDEN fallback.
 */
export function gateFallbackError(thrown: unknown): Error {
  if (thrown === null || thrown === undefined) return new ForbiddenError();
  if (thrown instanceof Error) return thrown;
  return new Error('a non-error value was thrown');
}

/**
 * Rules for the non-root coordinates OPERATIONS lists (e.g. `Segment.members`: a readable object that
 * leads to records). Only the listed fields are gated; the type's other fields keep no middleware.
 */
function addNonRootRules(schema: GraphQLSchema, tree: Record<string, Record<string, IRule>>, operations: Readonly<Record<string, OperationRule>>): void {
  const roots = new Set(rootTypes(schema).map((type) => type.name));
  for (const [coordinate, operation] of Object.entries(operations)) {
    const [typeName, fieldName, ...rest] = coordinate.split('.');
    if (typeName === undefined || fieldName === undefined || rest.length > 0) throw new OperationTableError(`${coordinate} is not a Type.field coordinate`);
    if (roots.has(typeName) || ['Query', 'Mutation', 'Subscription'].includes(typeName)) continue;
    const type = schema.getType(typeName);
    if (!isObjectType(type) || type.getFields()[fieldName] === undefined) {
      throw new OperationTableError(`${coordinate} in the operations table is not a field of the schema`);
    }
    (tree[typeName] ??= {})[fieldName] = gateRule(coordinate, operation);
  }
}

/** Rule tree for every root field; throws when a root field has no entry in OPERATIONS (or the given table). */
export function buildRuleTree(schema: GraphQLSchema, operations: Readonly<Record<string, OperationRule>> = OPERATIONS): Record<string, Record<string, IRule>> {
  const tree: Record<string, Record<string, IRule>> = {};
  for (const type of rootTypes(schema)) {
    const fields: Record<string, IRule> = {};
    for (const fieldName of Object.keys(type.getFields())) {
      const coordinate = `${type.name}.${fieldName}`;
      const operation = operations[coordinate];
      if (operation === undefined) throw new OperationTableError(`${coordinate} has no entry in the operations table (policy/operations.ts)`);
      fields[fieldName] = gateRule(coordinate, operation);
    }
    tree[type.name] = fields;
  }
  addNonRootRules(schema, tree, operations);
  return tree;
}

/** A new schema with the shield gate on its root fields only (gateway mode passes its own table). */
export function applyShield(schema: GraphQLSchema, operations: Readonly<Record<string, OperationRule>> = OPERATIONS): GraphQLSchema {
  const tree = buildRuleTree(schema, operations);
  const generator = shield(tree, {
    fallbackRule: deny,
    allowExternalErrors: false,
    fallbackError: gateFallbackError,
  });
  const fullMap = generator.generate(schema) as IMiddlewareFieldMap;
  // Keep only the middleware of the fields the tree names (all root fields, listed non-root ones).
  const rootOnly: IMiddlewareFieldMap = {};
  for (const [typeName, fields] of Object.entries(tree)) {
    const typeMiddleware = fullMap[typeName] as Record<string, unknown> | undefined;
    if (typeMiddleware === undefined) continue;
    rootOnly[typeName] = Object.fromEntries(Object.keys(fields).map((field) => [field, typeMiddleware[field]])) as IMiddlewareFieldMap[string];
  }
  return applyMiddleware(schema, rootOnly);
}
