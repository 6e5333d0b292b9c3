/**
 * Who may run each root operation: the coarse gate, as data. The shield rule tree is generated from
 * this table (enforcement/shieldRules.ts); a root field of the schema missing here stops start-up,
 * so a new operation can never be silently open.
 */
import type { Purpose } from './purposes';
import type { Role } from './roles';

export interface OperationRule {
  /** Roles that may call it; `public` operations need no token at all. */
  roles: readonly Role[] | 'public';
  /** A stated processing purpose is required (every role but `customer` acts for a purpose). */
  purpose: boolean;
  /** Scope a partner token must carry. */
  partnerScope?: string;
  /** For role `customer`: the argument that must equal the caller's own id. */
  ownSubjectArg?: string;
  /**
   * Purpose limitation for objects that name their own purpose: the request's purpose must equal the
   * value at this path, `args.<path>` in the field's arguments or `parent.<path>` in the parent object
   * (else PURPOSE_NOT_ALLOWED). A segment's members are listed, and a segment created, only for its purpose.
   */
  purposeOf?: `args.${string}` | `parent.${string}`;
  /**
   * For every role but `customer` (a subject acting on its own data needs no purpose): the request
   * must state one of these purposes. Staff act on a subject's rights only for the purpose that
   * justifies it — an officer exports or erases under LEGAL_COMPLIANCE, support rectifies under SUPPORT.
   */
  staffPurposes?: readonly Purpose[];
}

const ON_BEHALF: readonly Purpose[] = ['SUPPORT', 'LEGAL_COMPLIANCE'];
const LEGAL: readonly Purpose[] = ['LEGAL_COMPLIANCE'];

const STAFF_READERS: readonly Role[] = ['privacy_officer', 'marketer', 'analyst'];
const SEGMENT_READERS: readonly Role[] = ['privacy_officer', 'marketer', 'analyst', 'partner'];

export const OPERATIONS: Readonly<Record<string, OperationRule>> = {
  'Query.privacyManifest': { roles: 'public', purpose: false },
  'Query.customer': { roles: [...STAFF_READERS, 'support'], purpose: true },
  'Query.customers': { roles: STAFF_READERS, purpose: true },
  'Query.me': { roles: ['customer'], purpose: false },
  'Query.segments': { roles: SEGMENT_READERS, purpose: true, partnerScope: 'segments:read' },
  'Query.segment': { roles: SEGMENT_READERS, purpose: true, partnerScope: 'segments:read' },
  'Query.segmentReport': { roles: SEGMENT_READERS, purpose: true, partnerScope: 'segments:read' },
  'Query.auditEvents': { roles: ['privacy_officer'], purpose: true },
  'Query.verifyAuditChain': { roles: ['privacy_officer'], purpose: true },
  'Query.complianceSummary': { roles: ['privacy_officer'], purpose: true },
  'Query.partners': { roles: ['privacy_officer'], purpose: true },
  'Mutation.setConsent': { roles: ['customer', 'support', 'privacy_officer'], purpose: false, ownSubjectArg: 'customerId', staffPurposes: ON_BEHALF },
  'Mutation.createSegment': { roles: STAFF_READERS, purpose: true, purposeOf: 'args.input.purpose' },
  'Mutation.eraseCustomer': { roles: ['privacy_officer', 'customer'], purpose: false, ownSubjectArg: 'id', staffPurposes: LEGAL },
  'Mutation.exportCustomerData': { roles: ['privacy_officer', 'customer'], purpose: false, ownSubjectArg: 'id', staffPurposes: LEGAL },
  'Mutation.rectifyCustomer': { roles: ['privacy_officer', 'support'], purpose: false, staffPurposes: ON_BEHALF },
  'Mutation.registerPartner': { roles: ['privacy_officer'], purpose: true },
  'Mutation.revokePartner': { roles: ['privacy_officer'], purpose: true },
  // Non-root coordinates: gated like root fields because they reach records from a readable parent.
  // Partners and support may read segments but never their members (records).
  'Segment.members': { roles: STAFF_READERS, purpose: true, purposeOf: 'parent.purpose' },
};
