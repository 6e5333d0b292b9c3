/**
 * The purpose registry (docs/api.md#callers): each processing purpose, its legal basis, and what a
 * subject's consent state means for it. Data, not code: enforcement, the manifest and the consent
 * operations all read this one table.
 */
export const PURPOSES = [
  'MARKETING',
  'PERSONALIZATION',
  'THIRD_PARTY_SHARING',
  'ANALYTICS',
  'SUPPORT',
  'LEGAL_COMPLIANCE',
] as const;
export type Purpose = (typeof PURPOSES)[number];

/** OPT_IN: only GRANTED allows. OPT_OUT: allowed unless DENIED or WITHDRAWN. NONE: consent is not the basis. */
export type ConsentModel = 'OPT_IN' | 'OPT_OUT' | 'NONE';
export type LegalBasis = 'consent' | 'legitimate_interest' | 'contract' | 'legal_obligation';

export interface PurposeDefinition {
  name: Purpose;
  legalBasis: LegalBasis;
  consent: ConsentModel;
  /** Fideslang data use, for the record of processing. */
  dataUse: string;
  description: string;
}

export const PURPOSE_REGISTRY: Readonly<Record<Purpose, PurposeDefinition>> = {
  MARKETING: {
    name: 'MARKETING', legalBasis: 'consent', consent: 'OPT_IN',
    dataUse: 'marketing.communications.email',
    description: 'Direct marketing communications to the subject',
  },
  PERSONALIZATION: {
    name: 'PERSONALIZATION', legalBasis: 'consent', consent: 'OPT_IN',
    dataUse: 'personalize',
    description: 'Tailoring content and offers to the subject',
  },
  THIRD_PARTY_SHARING: {
    name: 'THIRD_PARTY_SHARING', legalBasis: 'consent', consent: 'OPT_IN',
    dataUse: 'third_party_sharing',
    description: 'Sale or sharing of personal data with third parties (CCPA); Sec-GPC records an opt-out',
  },
  ANALYTICS: {
    name: 'ANALYTICS', legalBasis: 'legitimate_interest', consent: 'OPT_OUT',
    dataUse: 'analytics.reporting',
    description: 'Aggregate analysis and reporting; the subject may object',
  },
  SUPPORT: {
    name: 'SUPPORT', legalBasis: 'contract', consent: 'NONE',
    dataUse: 'essential.service',
    description: 'Customer support for the service the subject contracted',
  },
  LEGAL_COMPLIANCE: {
    name: 'LEGAL_COMPLIANCE', legalBasis: 'legal_obligation', consent: 'NONE',
    dataUse: 'essential.legal_obligation',
    description: 'Audits and data-subject requests; privacy officer only, every read audited',
  },
};

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && (PURPOSES as readonly string[]).includes(value);
}

export const CONSENT_STATUSES = ['GRANTED', 'DENIED', 'WITHDRAWN'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
