/** Crafted customers for report tests: small, exact populations whose group sizes the tests state. */
import type { ConsentStatus, Purpose } from '../../src/policy/purposes';
import type { CustomerDocument } from '../../src/store/documents';

export interface Craft {
  n: number;
  country: string;
  ltv: number;
  birthYear: number;
  postalPrefix: string;
  interests: string[];
  tier?: string;
  consents?: Partial<Record<Purpose, ConsentStatus>>;
  erased?: boolean;
}

let sequence = 0;

export function craftCustomers(crafts: readonly Craft[]): CustomerDocument[] {
  const at = '2026-01-01T00:00:00.000Z';
  return crafts.flatMap((craft) => Array.from({ length: craft.n }, () => {
    sequence += 1;
    const id = `cus_t${String(sequence).padStart(6, '0')}`;
    const consents = Object.fromEntries(Object.entries(craft.consents ?? {}).map(([purpose, status]) => [
      purpose, { status, source: 'TEST', updatedAt: at, actor: id, policyVersion: '2026-01' },
    ]));
    return {
      _id: id, email: `${id}@example.com`, phone: null, fullName: `Test ${sequence}`,
      birthDate: `${craft.birthYear}-06-15`, postalCode: `${craft.postalPrefix}99`, country: craft.country,
      loyaltyTier: craft.tier ?? 'BRONZE', lifetimeValue: craft.ltv, orderCount: 1, lastPurchaseAt: at,
      interests: craft.interests, consents, birthYear: craft.birthYear, postalPrefix: craft.postalPrefix, createdAt: at,
      ...(craft.erased ? { erasedAt: at } : {}),
    } as CustomerDocument;
  }));
}
