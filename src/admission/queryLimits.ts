/**
 * Query limits, all checked before execution so a rejected query never reaches a resolver or the
 * store (docs/api.md#errors: QUERY_TOO_COMPLEX, or BAD_USER_INPUT for an out-of-range `first`).
 *
 * - tokens: graphql-js's own parser limit (`parseOptions.maxTokens`), so a huge document stops
 *   while it is being lexed;
 * - depth, aliases, directives: graphql-armor's validation rules, reporting our error;
 * - cost and `first`: graphql-query-complexity, after validation, with the request's variables (a
 *   validation rule cannot see them, and `first: $n` must be capped too). See listAwareEstimator.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { getNullableType, getVariableValues, isListType, type ParseOptions, type ValidationRule } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { QueryLimitsConfig } from '../config/config';
import type { GatewayContext } from './context';
import { BadUserInputError, GatewayError, QueryTooComplexError } from '../errors/errors';

/** The message graphql-js gives when `maxTokens` stops the parser (errorFormatting maps it to QUERY_TOO_COMPLEX). */
export const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens\. Parsing aborted\.$/;

/** graphql-js's own introspection guard (a specified rule since 16.9): also a complexity refusal. */
export const INTROSPECTION_DEPTH_MESSAGE = /^Maximum introspection depth exceeded$/;


const reject: GraphQLArmorRejectCallback = (context, error) => {
  context?.reportError(new QueryTooComplexError(error.message.replace(/^Syntax Error: /, '')));
};

/** Validation rules for depth, aliases and directives. Introspection is not exempt from depth. */
export function limitValidationRules(limits: QueryLimitsConfig): ValidationRule[] {
  const onRejection = { onReject: [reject], propagateOnRejection: false, exposeLimits: true };
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: false, flattenFragments: true, ...onRejection }),
    maxAliasesRule({ n: limits.maxAliases, ...onRejection }),
    maxDirectivesRule({ n: limits.maxDirectives, ...onRejection }),
  ];
}

export function limitParseOptions(limits: QueryLimitsConfig): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * Cost of a field = 1 + (expected list size) × (cost of its selection). The list size is the field's
 * `first` argument when it has one (defaults included), 1 for the edges of a connection (the
 * connection's `first` already counted them) and for introspection (bounded by depth and tokens),
 * and `listCostFactor` for any other list. A `first` outside 0..maxPageSize is refused here.
 */
export function listAwareEstimator(limits: QueryLimitsConfig, maxPageSize: number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const first: unknown = args.first;
    if (typeof first === 'number') {
      if (!Number.isInteger(first) || first < 0 || first > maxPageSize) {
        throw new BadUserInputError(`${type.name}.${field.name}: first must be between 0 and ${maxPageSize}`).refusingRequest();
      }
      return 1 + first * childComplexity;
    }
    const introspection = type.name.startsWith('__') || field.name.startsWith('__');
    const inConnection = type.name.endsWith('Connection');
    const size = isListType(getNullableType(field.type)) && !introspection && !inConnection ? limits.listCostFactor : 1;
    return 1 + size * childComplexity;
  };
}

/** Apollo plugin: computes the cost once the operation is known and refuses it above the limit. */
export function queryCostPlugin(limits: QueryLimitsConfig, maxPageSize: number): ApolloServerPlugin<GatewayContext> {
  const estimators = [listAwareEstimator(limits, maxPageSize)];
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation === undefined) return;
          // Variables that do not coerce are reported by execution, before any resolver runs.
          if (getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}).errors) return;
          let cost: number;
          try {
            cost = getComplexity({ schema, query: document, variables: request.variables ?? {}, operationName: request.operationName ?? undefined, estimators });
          } catch (error) {
            if (error instanceof GatewayError) throw error;
            // Fail closed: a query whose cost cannot be computed does not run.
            throw new QueryTooComplexError('Query cost could not be computed');
          }
          if (cost > limits.maxCost) throw new QueryTooComplexError(`Query cost ${cost} exceeds the limit of ${limits.maxCost}`);
        },
      };
    },
  };
}
