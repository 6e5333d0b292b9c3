/**
 * A graphql-tools delegation transform that shapes every request the gateway sends to an upstream:
 * - the subject key of every subject type in the selection is fetched under a reserved response key
 *   (`_pg_subject: customerId`), whether or not the client selected it; the gateway schema has no
 *   such field, so it never reaches the response;
 * - a @pii field this request may only ever see as null (the request-level decision is a NULL
 *   redaction: wrong role, wrong purpose) is removed, so the upstream never sends what the caller may
 *   not see. Fields that are masked, pseudonymized or generalized, or that depend on each subject's
 *   consent, are fetched: the gateway needs the value to transform it, and decides per subject.
 * Matching is by field name, so an alias or a fragment cannot smuggle a field through.
 */
import type { DelegationContext, Transform } from '@graphql-tools/delegate';
import type { ExecutionRequest } from '@graphql-tools/utils';
import {
  Kind, TypeInfo, isAbstractType, isObjectType, visit, visitWithTypeInfo,
  type FieldNode, type GraphQLNamedType, type GraphQLSchema, type SelectionNode, type SelectionSetNode,
} from 'graphql';
import type { GatewayContext } from '../admission/context';
import type { Policy } from '../policy/types';
import type { SubjectKeys } from './overlay';

/** The response key the subject key is fetched under; clients may not use it (upstreamPlugins.ts). */
export const SUBJECT_KEY_ALIAS = '_pg_subject';

function field(name: string, alias?: string): FieldNode {
  return { kind: Kind.FIELD, name: { kind: Kind.NAME, value: name }, ...(alias ? { alias: { kind: Kind.NAME, value: alias } } : {}) };
}

function keyFieldFor(typeName: string, subjectKeys: SubjectKeys): FieldNode | null {
  const key = subjectKeys.get(typeName);
  return key === undefined ? null : field(key, SUBJECT_KEY_ALIAS);
}

export class SubjectKeyTransform implements Transform<unknown, GatewayContext> {
  constructor(private readonly policy: Policy, private readonly subjectKeys: SubjectKeys) {}

  /** May this request ever see `coordinate` other than as null? Unknown context or a failing decision: no. */
  private fetchable(coordinate: string, context: GatewayContext | undefined): boolean {
    const policy = this.policy.fields.get(coordinate);
    if (policy === undefined) return true;
    try {
      if (context?.privacy === undefined) return false;
      const decision = context.privacy.requestDecision(policy);
      return !(decision.kind === 'final' && decision.decision.kind === 'redact' && decision.decision.strategy === 'NULL');
    } catch {
      return false;
    }
  }

  private reshape(type: GraphQLNamedType | null | undefined, node: SelectionSetNode, schema: GraphQLSchema, context: GatewayContext | undefined): SelectionSetNode {
    // A client selection under the reserved key (refused earlier, see upstreamPlugins.ts) never goes out.
    let selections: SelectionNode[] = node.selections.filter((selection) => selection.kind !== Kind.FIELD || selection.alias?.value !== SUBJECT_KEY_ALIAS);
    if (isObjectType(type)) {
      selections = selections.filter((selection) => selection.kind !== Kind.FIELD || this.fetchable(`${type.name}.${selection.name.value}`, context));
      const key = keyFieldFor(type.name, this.subjectKeys);
      if (key !== null) selections.push(key);
    } else if (isAbstractType(type)) {
      for (const possible of schema.getPossibleTypes(type)) {
        const key = keyFieldFor(possible.name, this.subjectKeys);
        if (key === null) continue;
        selections.push({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: possible.name } },
          selectionSet: { kind: Kind.SELECTION_SET, selections: [key] },
        });
      }
    }
    if (selections.length === 0) selections.push(field('__typename'));
    return { ...node, selections };
  }

  transformRequest(request: ExecutionRequest, delegationContext: DelegationContext<GatewayContext>): ExecutionRequest {
    const schema = delegationContext.targetSchema;
    const context = delegationContext.context;
    const typeInfo = new TypeInfo(schema);
    const document = visit(request.document, visitWithTypeInfo(typeInfo, {
      SelectionSet: {
        // At leave, typeInfo still describes this selection set (it is popped after the visitor).
        leave: (node) => this.reshape(typeInfo.getParentType(), node, schema, context),
      },
    }));
    return { ...request, document };
  }
}
