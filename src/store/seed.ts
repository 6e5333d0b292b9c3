/**
 * The deterministic demo data set (README: the two commands): synthetic customers with varied countries,
 * ages, tiers and interests, a realistic mix of consent states per purpose, a few segments and the
 * partner `demo-partner`. A fixed seed and a fixed reference date make two fresh starts identical.
 */
import { Faker, base, de, en, es, fr, it, nl, sv, pl } from '@faker-js/faker';
import type { ConsentStatus, Purpose } from '../policy/purposes';
import { POLICY_VERSION } from '../policy/consentModel';
import { INTERESTS, LOYALTY_TIERS, type ConsentEventDocument, type ConsentRecord, type CustomerDocument } from './documents';
import type { Document, Store } from './port';

export const DEMO_SEED = 20261125;
/** "Now" for the generator, so the data does not depend on the day it was generated. */
export const DEMO_REFERENCE_DATE = '2026-11-01T00:00:00.000Z';

export const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'ES', 'IT', 'NL', 'SE', 'PL', 'CA'] as const;
const COUNTRY_WEIGHTS = [18, 12, 20, 12, 8, 8, 6, 5, 5, 6];
const DIAL_CODES: Record<string, string> = { DE: '49', FR: '33', US: '1', GB: '44', ES: '34', IT: '39', NL: '31', SE: '46', PL: '48', CA: '1' };
const TIER_WEIGHTS = [50, 30, 15, 5];
const CONSENT_SOURCES = ['SIGNUP_FORM', 'PREFERENCE_CENTER', 'COOKIE_BANNER', 'CHECKOUT'] as const;

/** Per purpose: weights of GRANTED, DENIED, WITHDRAWN and no record. None is all-granted or all-denied. */
const CONSENT_MIX: Partial<Record<Purpose, [number, number, number, number]>> = {
  MARKETING: [45, 20, 10, 25],
  PERSONALIZATION: [50, 15, 5, 30],
  THIRD_PARTY_SHARING: [20, 40, 5, 35],
  ANALYTICS: [30, 10, 5, 55],
};

export interface DemoData {
  customers: CustomerDocument[];
  consentEvents: ConsentEventDocument[];
  segments: Document[];
  partners: Document[];
}

function weighted<T>(faker: Faker, items: readonly T[], weights: readonly number[]): T {
  return faker.helpers.weightedArrayElement(items.map((value, i) => ({ value, weight: weights[i]! })));
}

/** One subject's consent choices (a realistic mix per purpose), appending their history to `events`. */
function demoConsents(faker: Faker, id: string, createdAt: string, events: ConsentEventDocument[]): Partial<Record<Purpose, ConsentRecord>> {
  const day = 86_400_000;
  const consents: Partial<Record<Purpose, ConsentRecord>> = {};
  for (const [purpose, mix] of Object.entries(CONSENT_MIX) as [Purpose, [number, number, number, number]][]) {
    const state = weighted(faker, ['GRANTED', 'DENIED', 'WITHDRAWN', 'NONE'] as const, mix);
    if (state === 'NONE') continue;
    const source = faker.helpers.arrayElement(CONSENT_SOURCES);
    const grantedAt = new Date(Date.parse(createdAt) + faker.number.int({ min: 0, max: 10 }) * day).toISOString();
    const event = (status: ConsentStatus, at: string, n: number): ConsentEventDocument => ({
      _id: `${id}:${purpose}:${n}`, subjectId: id, purpose, status, source, actor: id, actorRole: 'customer', policyVersion: POLICY_VERSION, at,
    });
    if (state === 'WITHDRAWN') {
      const withdrawnAt = new Date(Date.parse(grantedAt) + faker.number.int({ min: 1, max: 300 }) * day).toISOString();
      events.push(event('GRANTED', grantedAt, 1), event('WITHDRAWN', withdrawnAt, 2));
      consents[purpose] = { status: 'WITHDRAWN', source, updatedAt: withdrawnAt, actor: id, policyVersion: POLICY_VERSION };
    } else {
      events.push(event(state, grantedAt, 1));
      consents[purpose] = { status: state, source, updatedAt: grantedAt, actor: id, policyVersion: POLICY_VERSION };
    }
  }
  return consents;
}

const LOCALES = { DE: de, FR: fr, ES: es, IT: it, NL: nl, SE: sv, PL: pl } as const;

/** The customers and their consent events, generated in batches (same sequence whatever the batch size). */
export function* demoCustomerBatches(count: number, batchSize = 1000, seed = DEMO_SEED): Generator<Pick<DemoData, 'customers' | 'consentEvents'>> {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  const names = new Map<string, Faker>();
  const nameFaker = (country: string): Faker => {
    let localized = names.get(country);
    if (localized === undefined) {
      const locale = LOCALES[country as keyof typeof LOCALES];
      localized = new Faker({ locale: locale ? [locale, en, base] : [en, base] });
      names.set(country, localized);
    }
    localized.seed(faker.number.int({ max: 2 ** 31 }));
    return localized;
  };
  const reference = Date.parse(DEMO_REFERENCE_DATE);
  const day = 86_400_000;
  let customers: CustomerDocument[] = [];
  let consentEvents: ConsentEventDocument[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `cus_${faker.string.alphanumeric({ length: 12, casing: 'lower' })}`;
    const country = weighted(faker, COUNTRIES, COUNTRY_WEIGHTS);
    const local = nameFaker(country);
    const firstName = local.person.firstName();
    const lastName = local.person.lastName();
    const emailLocal = `${firstName}.${lastName}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase() || 'customer';
    const email = `${emailLocal}.${i}@${faker.helpers.arrayElement(['example.com', 'example.org', 'mail.example.net'])}`;
    const digits = faker.string.numeric(9);
    const phone = `+${DIAL_CODES[country]} ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
    const birth = faker.date.between({ from: '1945-01-01T00:00:00.000Z', to: '2007-12-31T00:00:00.000Z' }).toISOString().slice(0, 10);
    const postalCode = country === 'GB' ? `${faker.string.alpha({ length: 2, casing: 'upper' })}${faker.number.int({ min: 1, max: 20 })} ${faker.number.int({ min: 1, max: 9 })}${faker.string.alpha({ length: 2, casing: 'upper' })}` : faker.string.numeric(5);
    const tier = weighted(faker, LOYALTY_TIERS, TIER_WEIGHTS);
    const tierFactor = LOYALTY_TIERS.indexOf(tier) + 1;
    const orderCount = faker.number.int({ min: 0, max: 12 * tierFactor * tierFactor });
    const lifetimeValue = orderCount === 0 ? 0 : Math.round(orderCount * faker.number.float({ min: 15, max: 180 }) * 100) / 100;
    const lastPurchaseAt = orderCount === 0 ? null : new Date(reference - faker.number.int({ min: 0, max: 730 }) * day - faker.number.int({ max: day - 1 })).toISOString();
    const interests = faker.helpers.arrayElements(INTERESTS, { min: 1, max: 4 }).sort();
    const createdAt = new Date(reference - faker.number.int({ min: 30, max: 2000 }) * day).toISOString();
    const consents = demoConsents(faker, id, createdAt, consentEvents);
    customers.push({
      _id: id, email, phone, fullName: `${firstName} ${lastName}`, birthDate: birth, postalCode, country,
      loyaltyTier: tier, lifetimeValue, orderCount, lastPurchaseAt, interests, consents,
      birthYear: Number(birth.slice(0, 4)), postalPrefix: postalCode.replace(/\s+/g, '').slice(0, 3), createdAt,
    });
    if (customers.length >= batchSize) {
      yield { customers, consentEvents };
      customers = [];
      consentEvents = [];
    }
  }
  if (customers.length > 0) yield { customers, consentEvents };
}

function demoReferenceData(): Pick<DemoData, 'segments' | 'partners'> {
  const segmentCreated = DEMO_REFERENCE_DATE;
  const segments: Document[] = [
    { _id: 'seg_de_loyal', name: 'Loyal customers in Germany', description: 'Gold and platinum members in DE', purpose: 'MARKETING', definition: { countries: ['DE'], loyaltyTiers: ['GOLD', 'PLATINUM'] }, createdAt: segmentCreated, createdBy: 'demo' },
    { _id: 'seg_outdoor', name: 'Outdoor enthusiasts', description: 'Interested in outdoor activities', purpose: 'PERSONALIZATION', definition: { interests: ['outdoor'] }, createdAt: segmentCreated, createdBy: 'demo' },
    { _id: 'seg_high_value', name: 'High lifetime value', description: 'Lifetime value of 2,000 or more', purpose: 'ANALYTICS', definition: { minLifetimeValue: 2000 }, createdAt: segmentCreated, createdBy: 'demo' },
    { _id: 'seg_all', name: 'All customers', description: 'Everyone, for aggregate analytics', purpose: 'ANALYTICS', definition: {}, createdAt: segmentCreated, createdBy: 'demo' },
  ];
  const partners: Document[] = [
    { _id: 'demo-partner', name: 'Demo Partner Ltd', purposes: ['ANALYTICS'], agreementExpiresAt: '2099-12-31T00:00:00.000Z', active: true, registeredAt: segmentCreated },
  ];
  return { segments, partners };
}

export function generateDemoData(count: number, seed = DEMO_SEED): DemoData {
  const customers: CustomerDocument[] = [];
  const consentEvents: ConsentEventDocument[] = [];
  for (const batch of demoCustomerBatches(count, 1000, seed)) {
    customers.push(...batch.customers);
    consentEvents.push(...batch.consentEvents);
  }
  return { customers, consentEvents, ...demoReferenceData() };
}

/** Progress of a seed: customers written so far, of `total`. */
export type SeedProgress = (written: number, total: number) => void;

/**
 * Loads the demo data set into a store (embedded on first start, or MongoDB via `npm run seed`),
 * streaming: one batch of customers is generated, written (one transaction per insertMany on the
 * embedded store) and dropped before the next, so memory does not grow with the count.
 */
export async function seedStore(store: Store, count: number, onProgress?: SeedProgress, batchSize = 2000): Promise<void> {
  let written = 0;
  for (const batch of demoCustomerBatches(count, batchSize)) {
    await store.collection<CustomerDocument>('customers').insertMany(batch.customers);
    await store.collection<ConsentEventDocument>('consentEvents').insertMany(batch.consentEvents);
    written += batch.customers.length;
    onProgress?.(written, count);
  }
  const { segments, partners } = demoReferenceData();
  await store.collection('segments').insertMany(segments);
  await store.collection('partners').insertMany(partners);
}
