/**
 * The coarse gate: graphql-shield rules generated from the OPERATIONS table (policy/operations.ts).
 *
 * Every root field gets an explicit rule; a root field the table does not name stops start-up.
 * Shield's generator wraps every field of every object type with the fallback rule, which costs a
 * promise per field on large lists; we keep only the root-type middleware, because no other field is
 * reachable without first passing a root rule and the per-value decisions happen in the @pii wrappers.
 * Options follow DESIGN.md: fallbackRule deny, allowExternalErrors false, our error codes.
 */
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRule } from 'graphql-shield';
import { GraphQLSchema, type GraphQLObjectType } from 'graphql';
import { ForbiddenError, GatewayError, PurposeRequiredError, UnauthenticatedError } from '../errors';
import { OPERATIONS, type OperationRule } from '../policy/operations';
import type { Caller, Failure } from '../policy/types';
import type { Purpose } from '../policy/purposes';
import type { PrivacyRecorder } from './privacyRecorder';

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

/** The gate decision for one operation: true, or the error to return. Pure apart from recording. */
export function checkOperation(coordinate: string, operation: OperationRule, context: GateContext, args: Record<string, unknown>): true | GatewayError {
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
  return true;
}

function rootTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
    (type): type is GraphQLObjectType => type !== null && type !== undefined,
  );
}

/** Rule tree for every root field; throws when a root field has no entry in OPERATIONS. */
export function buildRuleTree(schema: GraphQLSchema): Record<string, Record<string, IRule>> {
  const tree: Record<string, Record<string, IRule>> = {};
  for (const type of rootTypes(schema)) {
    const fields: Record<string, IRule> = {};
    for (const fieldName of Object.keys(type.getFields())) {
      const coordinate = `${type.name}.${fieldName}`;
      const operation = OPERATIONS[coordinate];
      if (operation === undefined) throw new OperationTableError(`${coordinate} has no entry in the operations table (policy/operations.ts)`);
      fields[fieldName] = operation.roles === 'public'
        ? (allow as unknown as IRule)
        : rule(`gate:${coordinate}`, { cache: 'no_cache' })((_parent, args: Record<string, unknown>, context: GateContext) =>
          checkOperation(coordinate, operation, context, args));
    }
    tree[type.name] = fields;
  }
  return tree;
}

/** A new schema with the shield gate on its root fields only. */
export function applyShield(schema: GraphQLSchema): GraphQLSchema {
  const tree = buildRuleTree(schema);
  const generator = shield(tree, {
    fallbackRule: deny,
    allowExternalErrors: false,
    // A rule that throws (a bug) is a denial, never an allow.
    fallbackError: (thrown) => (thrown instanceof GatewayError ? thrown : new ForbiddenError()),
  });
  const fullMap = generator.generate(schema) as IMiddlewareFieldMap;
  const rootOnly: IMiddlewareFieldMap = {};
  for (const typeName of Object.keys(tree)) {
    const typeMiddleware = fullMap[typeName];
    if (typeMiddleware !== undefined) rootOnly[typeName] = typeMiddleware;
  }
  return applyMiddleware(schema, rootOnly);
}
