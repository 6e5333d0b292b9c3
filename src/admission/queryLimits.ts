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
import { getNullableType, getVariableValues, isListType, type DocumentNode, type GraphQLSchema, type ParseOptions, type ValidationRule } from 'graphql';
import { LRUCache } from 'lru-cache';
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

/** Variables longer than this (as JSON) are not used as a cache key: their cost is computed every time. */
const MAX_CACHED_VARIABLES_JSON = 1024;
/** Distinct variable sets remembered per document. */
const COSTS_PER_DOCUMENT = 64;

/**
 * The cost of each operation of a document, remembered per variable set: Apollo hands out the same
 * parsed document for the same query text (per caller class, each with its own schema), and the cost
 * is a pure function of schema, document, operation name and variables. An out-of-range `first` throws
 * and is never cached.
 */
class CostCache {
  private readonly byDocument = new WeakMap<DocumentNode, LRUCache<string, number>>();

  key(operationName: string | undefined, variables: Record<string, unknown>): string | undefined {
    const json = JSON.stringify(variables);
    return json.length > MAX_CACHED_VARIABLES_JSON ? undefined : `${operationName ?? ''}\u0000${json}`;
  }

  get(document: DocumentNode, key: string): number | undefined {
    return this.byDocument.get(document)?.get(key);
  }

  set(document: DocumentNode, key: string, cost: number): void {
    let costs = this.byDocument.get(document);
    if (costs === undefined) {
      costs = new LRUCache<string, number>({ max: COSTS_PER_DOCUMENT });
      this.byDocument.set(document, costs);
    }
    costs.set(key, cost);
  }
}

/** Apollo plugin: computes the cost once the operation is known and refuses it above the limit. */
export function queryCostPlugin(limits: QueryLimitsConfig, maxPageSize: number): ApolloServerPlugin<GatewayContext> {
  const estimators = [listAwareEstimator(limits, maxPageSize)];
  const costs = new CostCache();
  const compute = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number => {
    try {
      return getComplexity({ schema, query: document, variables, operationName, estimators });
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      // Fail closed: a query whose cost cannot be computed does not run.
      throw new QueryTooComplexError('Query cost could not be computed');
    }
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation === undefined) return;
          const variables = request.variables ?? {};
          const operationName = request.operationName ?? undefined;
          const key = costs.key(operationName, variables);
          let cost = key === undefined ? undefined : costs.get(document, key);
          if (cost === undefined) {
            // Variables that do not coerce are reported by execution, before any resolver runs.
            if (getVariableValues(schema, operation.variableDefinitions ?? [], variables).errors) return;
            cost = compute(schema, document, operationName, variables);
            if (key !== undefined) costs.set(document, key, cost);
          }
          if (cost > limits.maxCost) throw new QueryTooComplexError(`Query cost ${cost} exceeds the limit of ${limits.maxCost}`);
        },
      };
    },
  };
}
