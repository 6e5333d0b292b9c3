/**
 * Turns one request's privacy record into audit event drafts:
 * - one `read` event when the request read @pii fields (in clear or redacted): the root operation(s),
 *   every subject touched, every coordinate read, ALLOW or REDACT, and the counts per coordinate
 *   (clear reads, redactions by reason) in `detail`, so the compliance summary can total them;
 * - one `denial` event per refusal from the gate (DENY, the failure kind in `detail`);
 * - the `operation` events resolvers recorded explicitly (data-subject operations).
 */
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from '../admission/context';
import type { Failure } from '../policy/types';
import type { AuditEventDraft } from './auditEvent';
import { attributePreview } from '../preview/previewAudit';

const ROOT_TYPE_NAMES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** Root field coordinates the operation selects (through fragments), introspection excluded. */
export function rootCoordinates(operation: OperationDefinitionNode | undefined, document: DocumentNode | undefined): string[] {
  if (operation === undefined) return [];
  const typeName = ROOT_TYPE_NAMES[operation.operation];
  const fragments = new Map((document?.definitions ?? []).flatMap((definition) =>
    definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition.selectionSet] as const] : []));
  const names = new Set<string>();
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.name.value.startsWith('__')) names.add(`${typeName}.${selection.name.value}`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined) walk(fragment);
      }
    }
  };
  walk(operation.selectionSet);
  return [...names].sort();
}

function denialDetail(failure: Failure): Record<string, unknown> {
  switch (failure.kind) {
    case 'role': return { kind: failure.kind, role: failure.role };
    case 'scope': return { kind: failure.kind, scope: failure.scope };
    case 'unauthenticated':
    case 'purpose-required':
    case 'purpose-mismatch':
    case 'not-own-subject':
    case 'evaluator-error':
      return { kind: failure.kind };
  }
}

export function requestEventDrafts(context: GatewayContext, operations: readonly string[], at: string): AuditEventDraft[] {
  const caller = context.caller;
  const base = {
    at,
    actor: caller?.sub ?? null,
    role: caller?.role ?? null,
    partnerId: caller?.partnerId ?? null,
    purpose: context.purpose,
    requestId: context.requestId,
  };
  const drafts: AuditEventDraft[] = [];
  const privacy = context.privacy;
  if (privacy.touchedPersonalData) {
    const redactions: { coordinate: string; reason: string; count: number }[] = [];
    for (const [coordinate, counts] of privacy.redactions) {
      for (const [reason, count] of Object.entries(counts)) if (count > 0) redactions.push({ coordinate, reason, count });
    }
    const clearReads = [...privacy.clearReads].map(([coordinate, count]) => ({ coordinate, count }));
    drafts.push({
      ...base,
      kind: 'read',
      operation: operations.length > 0 ? operations.join(', ') : 'unknown',
      subjectIds: [...privacy.subjects].sort(),
      fields: privacy.fields,
      decision: redactions.length > 0 ? 'REDACT' : 'ALLOW',
      detail: { clearReads, redactions },
    });
  }
  for (const failure of privacy.failures) {
    drafts.push({ ...base, kind: 'denial', operation: failure.coordinate, subjectIds: [], fields: [], decision: 'DENY', detail: denialDetail(failure) });
  }
  for (const event of context.audit.events) {
    drafts.push({
      ...base,
      kind: 'operation',
      operation: event.operation,
      subjectIds: [...event.subjectIds],
      fields: [...event.fields],
      decision: event.decision,
      detail: event.detail ?? {},
    });
  }
  return attributePreview(context.preview, drafts);
}
