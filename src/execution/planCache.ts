/**
 * The execution plans of one schema (one visibility class): a bounded LRU keyed by the operation name
 * and the hash of the document text. A plan is a compiled query, or the remembered decision to run the
 * document with graphql-js. Plans hold the document and the schema's resolvers, never a request's
 * variables, context or data, and a cache serves exactly one schema, so no caller's plan can run over
 * another class's schema.
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { withDefaultResolvers } from './defaultResolvers';
import { documentFallback, type FallbackReason } from './executionRule';

export type ExecutionPlan =
  | { kind: 'compiled'; query: CompiledQuery }
  | { kind: 'graphql-js'; reason: FallbackReason };

export interface PlanLookup {
  plan: ExecutionPlan;
  hit: boolean;
}

export class ExecutionPlans {
  private readonly plans: LRUCache<string, ExecutionPlan>;
  /** What plans are compiled against: the class's schema with graphql-js's default field resolution. */
  private readonly executable: GraphQLSchema;

  constructor(schema: GraphQLSchema, maxPlans: number) {
    this.plans = new LRUCache({ max: maxPlans });
    this.executable = withDefaultResolvers(schema);
  }

  /** The plan for this document and operation, compiled on first use. */
  lookup(queryHash: string, operationName: string | null, document: DocumentNode, operation: OperationDefinitionNode): PlanLookup {
    const key = `${operationName ?? ''}\u0000${queryHash}`;
    const cached = this.plans.get(key);
    if (cached !== undefined) return { plan: cached, hit: true };
    const plan = this.compile(document, operation, operationName);
    this.plans.set(key, plan);
    return { plan, hit: false };
  }

  get size(): number {
    return this.plans.size;
  }

  private compile(document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null): ExecutionPlan {
    const reason = documentFallback(document, operation);
    if (reason !== null) return { kind: 'graphql-js', reason };
    let compiled: CompiledQuery | ExecutionResult;
    try {
      compiled = compileQuery(this.executable, document, operationName ?? undefined);
    } catch {
      return { kind: 'graphql-js', reason: 'compile_error' };
    }
    return isCompiledQuery(compiled) ? { kind: 'compiled', query: compiled } : { kind: 'graphql-js', reason: 'compile_error' };
  }
}
