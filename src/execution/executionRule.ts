/**
 * Which engine executes an operation: the compiled executor (graphql-jit) by default, graphql-js's
 * `execute` for the operations the compiled executor is not trusted with. The rule is explicit and
 * closed; every execution is counted under its reason (execution/executionMetrics.ts).
 *
 * - `disabled`: GRAPHQL_EXECUTOR=graphql-js.
 * - `upstream`: gateway mode. Stitching delegates each root field by rebuilding the upstream request
 *   from the resolver's `info` (operation, fragments, variable values, path); graphql-js builds that
 *   object exactly as @graphql-tools/delegate expects.
 * - `no_operation`: the document names no single operation to run (several and no operationName, or
 *   an unknown one); graphql-js reports it, as Apollo expects.
 * - `subscription`: not served over HTTP; graphql-js answers with its own error.
 * - `introspection`: `__schema` / `__type` at the root. Rare, never on a data path, and answered by
 *   graphql-js's own introspection resolvers exactly as validation saw the schema.
 * - `cold`: a document not seen often enough yet to be worth compiling (EXECUTION_COMPILE_AFTER).
 * - `variables`: the request's variables do not coerce; graphql-js reports them, so the errors keep
 *   the shape Apollo turns into BAD_USER_INPUT.
 * - `compile_error`: graphql-jit refused to compile a valid document (remembered per document).
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export const FALLBACK_REASONS = ['disabled', 'upstream', 'no_operation', 'subscription', 'introspection', 'cold', 'variables', 'compile_error'] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

const INTROSPECTION_ROOT_FIELDS = new Set(['__schema', '__type']);

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Does this root selection set (through inline fragments and fragment spreads) select `__schema` or `__type`? */
function selectsIntrospection(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (INTROSPECTION_ROOT_FIELDS.has(selection.name.value)) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selectsIntrospection(selection.selectionSet, fragments, seen)) return true;
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment !== undefined && selectsIntrospection(fragment.selectionSet, fragments, seen)) return true;
    }
  }
  return false;
}

/** The reason an operation is never compiled, from the document alone; null when it may be compiled. */
export function documentFallback(document: DocumentNode, operation: OperationDefinitionNode): FallbackReason | null {
  if (operation.operation === 'subscription') return 'subscription';
  if (operation.operation === 'query' && selectsIntrospection(operation.selectionSet, fragmentsOf(document), new Set())) return 'introspection';
  return null;
}
