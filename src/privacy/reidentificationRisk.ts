/**
 * Re-identification risk of redacted output: how many subjects are singled out by the combination of
 * values a caller still sees after redaction (masked name, birth year, postal prefix, …). Each
 * quasi-identifier is computed with the gateway's own redaction functions, so the figures describe
 * what the gateway really returns. Used by reidentificationCli.ts and its test; never at request time.
 */
import { applyRedaction } from '../enforcement/redaction';
import type { CustomerDocument } from '../store/documents';

/** What a caller sees of one attribute once redacted; the pseudonymizer is never used by these views. */
const noPseudonym = (): string => { throw new Error('not used'); };
const masked = (category: 'NAME' | 'CONTACT_EMAIL' | 'CONTACT_PHONE', value: unknown) => applyRedaction('MASK', category, value, noPseudonym);

export const QUASI_IDENTIFIERS = {
  maskedName: (c: CustomerDocument) => masked('NAME', c.fullName),
  maskedEmail: (c: CustomerDocument) => masked('CONTACT_EMAIL', c.email),
  maskedPhone: (c: CustomerDocument) => masked('CONTACT_PHONE', c.phone),
  birthYear: (c: CustomerDocument) => applyRedaction('GENERALIZE', 'DATE_OF_BIRTH', c.birthDate, noPseudonym),
  postalPrefix: (c: CustomerDocument) => applyRedaction('GENERALIZE', 'CONTACT_POSTAL_CODE', c.postalCode, noPseudonym),
  country: (c: CustomerDocument) => c.country ?? null,
  lifetimeValueBand: (c: CustomerDocument) => applyRedaction('GENERALIZE', 'FINANCIAL', c.lifetimeValue, noPseudonym),
  purchaseMonth: (c: CustomerDocument) => applyRedaction('GENERALIZE', 'BEHAVIOR', c.lastPurchaseAt, noPseudonym),
} as const;
export type QuasiIdentifier = keyof typeof QUASI_IDENTIFIERS;

export interface RiskFigures {
  subjects: number;
  /** Subjects alone in their combination (singled out). */
  unique: number;
  /** Subjects in a combination shared by fewer than k. */
  belowK: number;
}

/** Equivalence classes of `customers` under the combination `columns`; counts of singled-out subjects. */
export function measureRisk(customers: readonly CustomerDocument[], columns: readonly QuasiIdentifier[], k: number): RiskFigures {
  const classes = new Map<string, number>();
  const keys = customers.map((customer) => JSON.stringify(columns.map((column) => QUASI_IDENTIFIERS[column](customer))));
  for (const key of keys) classes.set(key, (classes.get(key) ?? 0) + 1);
  let unique = 0;
  let belowK = 0;
  for (const key of keys) {
    const size = classes.get(key)!;
    if (size === 1) unique += 1;
    if (size < k) belowK += 1;
  }
  return { subjects: customers.length, unique, belowK };
}
