/** The privacy officer's audit queries (the gate in policy/operations.ts admits only that role). Read-only: no mutation touches events. */
import type { GatewayContext } from '../src/admission/context';
import type { AuditEventDocument } from '../src/audit/auditEvent';
import { auditEventPage, type AuditPageArgs } from '../src/audit/auditQuery';
import { complianceSummary } from '../src/audit/complianceSummary';
import { verifyAuditChain } from '../src/audit/verifyChain';

function auditCollection(context: GatewayContext) {
  return context.services.store.collection<AuditEventDocument>('audit');
}

/** Stored document → the AuditEvent type (enum spellings, the sequence as `sequence`). */
function toAuditEvent(event: AuditEventDocument) {
  return { ...event, id: event._id, sequence: event.seq, kind: event.kind.toUpperCase(), detail: event.detail ?? {} };
}

export const auditQueries = {
  auditEvents: async (_: unknown, args: AuditPageArgs, context: GatewayContext) => {
    const page = await auditEventPage(auditCollection(context), args, context.services.config.maxPageSize);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toAuditEvent(edge.node) })) };
  },

  verifyAuditChain: (_: unknown, __: unknown, context: GatewayContext) => verifyAuditChain(auditCollection(context)),

  // Consent coverage is an aggregate over customer records: through the reader, like every record read.
  complianceSummary: (_: unknown, args: { since?: Date | null; until?: Date | null }, context: GatewayContext) =>
    context.records.aggregate({ where: {}, reads: ['Customer.consents'], dimensions: [], operation: 'Query.complianceSummary' },
      (aggregate) => complianceSummary(auditCollection(context), { aggregate }, args.since, args.until)),
};
