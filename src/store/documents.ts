/**
 * The stored shapes of the gateway's own records (customers and their consent history) and the value
 * sets of their non-identifying attributes. The demo seed writes these shapes; the domain reads them.
 */
import type { ConsentStatus, Purpose } from '../policy/purposes';
import type { Document } from './port';

export const INTERESTS = ['outdoor', 'fashion', 'electronics', 'books', 'travel', 'sports', 'cooking', 'gaming', 'beauty', 'music', 'home', 'pets'] as const;
export const LOYALTY_TIERS = ['BRONZE', 'SILVER', 'GOLD', 'PLATINUM'] as const;
export interface ConsentRecord {
  status: ConsentStatus;
  source: string;
  updatedAt: string;
  actor: string;
  policyVersion: string;
}

export interface CustomerDocument extends Document {
  email: string | null;
  phone: string | null;
  fullName: string | null;
  birthDate: string | null;
  postalCode: string | null;
  country: string | null;
  loyaltyTier: string | null;
  lifetimeValue: number | null;
  orderCount: number | null;
  lastPurchaseAt: string | null;
  interests: string[] | null;
  consents: Partial<Record<Purpose, ConsentRecord>>;
  /** Derived, non-identifying attributes kept for segments and reports. */
  birthYear: number | null;
  postalPrefix: string | null;
  createdAt: string;
  erasedAt?: string;
}

export interface ConsentEventDocument extends Document {
  subjectId: string;
  purpose: Purpose;
  status: ConsentStatus;
  source: string;
  actor: string;
  actorRole: string;
  policyVersion: string;
  at: string;
}
