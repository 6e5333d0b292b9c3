/**
 * The execution plans of one schema (one visibility class): a bounded LRU keyed by the operation name
 * and the hash of the document text. A plan is a compiled query, or the remembered decision to run the
 * document with graphql-js. Plans hold the document and the schema's resolvers, never a request's
 * variables, context or data, and a cache serves exactly one schema, so no caller's plan can run over
 * another class's schema.
 *
 * Compiling costs several milliseconds and ~100 KB per plan, far more than running a document once
 * with graphql-js, so a document is compiled only when it comes back: until it has been seen
 * `compileAfter` times (counted in a second, larger LRU of keys only) it runs on graphql-js as `cold`.
 * A stream of one-off documents therefore never compiles anything.
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { withDefaultResolvers } from './defaultResolvers';
import { documentFallback, type FallbackReason } from './executionRule';

export type ExecutionPlan =
  | { kind: 'compiled'; query: CompiledQuery }
  | { kind: 'graphql-js'; reason: FallbackReason };

/** `hit`: a stored plan; `miss`: a plan made now (compiled, or a lasting fallback); `cold`: not compiled yet. */
export type PlanLookupResult = 'hit' | 'miss' | 'cold';

export interface PlanLookup {
  plan: ExecutionPlan;
  result: PlanLookupResult;
}

export interface PlanCacheOptions {
  /** Plans kept (least recently used dropped first). */
  maxPlans: number;
  /** Runs of a document before it is compiled (1: compile on first sight). */
  compileAfter: number;
}

const COLD: ExecutionPlan = { kind: 'graphql-js', reason: 'cold' };

export class ExecutionPlans {
  private readonly plans: LRUCache<string, ExecutionPlan>;
  /** How often documents not compiled yet have run. */
  private readonly sightings: LRUCache<string, number>;
  /** What plans are compiled against: the class's schema with graphql-js's default field resolution. */
  private readonly executable: GraphQLSchema;

  constructor(schema: GraphQLSchema, private readonly options: PlanCacheOptions) {
    this.plans = new LRUCache({ max: options.maxPlans });
    this.sightings = new LRUCache({ max: options.maxPlans * 10 });
    this.executable = withDefaultResolvers(schema);
  }

  /** The plan for this document and operation. */
  lookup(queryHash: string, operationName: string | null, document: DocumentNode, operation: OperationDefinitionNode): PlanLookup {
    const key = `${operationName ?? ''}\u0000${queryHash}`;
    const cached = this.plans.get(key);
    if (cached !== undefined) return { plan: cached, result: 'hit' };
    const reason = documentFallback(document, operation);
    if (reason === null) {
      const seen = (this.sightings.get(key) ?? 0) + 1;
      if (seen < this.options.compileAfter) {
        this.sightings.set(key, seen);
        return { plan: COLD, result: 'cold' };
      }
      this.sightings.delete(key);
    }
    const plan: ExecutionPlan = reason === null ? this.compile(document, operationName) : { kind: 'graphql-js', reason };
    this.plans.set(key, plan);
    return { plan, result: 'miss' };
  }

  private compile(document: DocumentNode, operationName: string | null): ExecutionPlan {
    let compiled: CompiledQuery | ExecutionResult;
    try {
      compiled = compileQuery(this.executable, document, operationName ?? undefined);
    } catch {
      return { kind: 'graphql-js', reason: 'compile_error' };
    }
    return isCompiledQuery(compiled) ? { kind: 'compiled', query: compiled } : { kind: 'graphql-js', reason: 'compile_error' };
  }
}
