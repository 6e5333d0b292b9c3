/** Customers with known values and consent states, inserted into a test gateway's store. */
import type { Purpose, ConsentStatus } from '../../src/policy/purposes';
import type { CustomerDocument } from '../../src/store/documents';
import type { TestGateway } from './gateway';

export const JANE = {
  email: 'jane.doe@example.com',
  phone: '+49 151 234 5612',
  fullName: 'Jane Doe',
  birthDate: '1990-04-17',
  postalCode: '10115',
  country: 'DE',
  loyaltyTier: 'GOLD',
  lifetimeValue: 1234.56,
  orderCount: 7,
  lastPurchaseAt: '2026-03-14T10:00:00.000Z',
  interests: ['books', 'travel'],
} as const;

export function customerDocument(id: string, consents: Partial<Record<Purpose, ConsentStatus>>, overrides: Partial<CustomerDocument> = {}): CustomerDocument {
  return {
    _id: id,
    ...JANE,
    email: `${id}@example.com`,
    interests: [...JANE.interests],
    consents: Object.fromEntries(Object.entries(consents).map(([purpose, status]) => [purpose, {
      status, source: 'SIGNUP_FORM', updatedAt: '2026-01-01T00:00:00.000Z', actor: id, policyVersion: '2026-01',
    }])),
    birthYear: 1990,
    postalPrefix: '101',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  } as CustomerDocument;
}

export async function insertCustomers(gw: TestGateway, docs: CustomerDocument[]): Promise<void> {
  await gw.store.collection<CustomerDocument>('customers').insertMany(docs);
}
