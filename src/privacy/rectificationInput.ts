/**
 * Validation of a rectification (GDPR Art. 16): every given value is checked and normalised, derived
 * attributes are recomputed with it, and one bad value rejects the whole correction. Messages name
 * the input field, never the value. Lengths are checked before any pattern runs.
 */
import { CountryCodeResolver, EmailAddressResolver, PostalCodeResolver } from 'graphql-scalars';
import { BadUserInputError } from '../errors/errors';

export interface RectifyCustomerInput {
  email?: string | null;
  phone?: string | null;
  fullName?: string | null;
  birthDate?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export const RECTIFIABLE_FIELDS = ['email', 'phone', 'fullName', 'birthDate', 'postalCode', 'country'] as const;
export type RectifiableField = (typeof RECTIFIABLE_FIELDS)[number];

export const MAX_LENGTHS: Readonly<Record<RectifiableField, number>> = {
  email: 254, phone: 32, fullName: 200, birthDate: 10, postalCode: 12, country: 2,
};

/** The validated correction: stored attributes to set (including derived ones) and the fields given. */
export interface Rectification {
  set: Record<string, string | number>;
  fields: RectifiableField[];
  email: string | undefined;
}

const EARLIEST_BIRTH_YEAR = 1900;

function accepts(parse: (value: unknown) => unknown, value: string): boolean {
  try {
    parse(value);
    return true;
  } catch {
    return false;
  }
}

/** The stored date of birth's year (kept for age bands). */
export function birthYearOf(birthDate: string): number {
  return Number(birthDate.slice(0, 4));
}

/** The stored postal prefix, computed exactly as the demo data does (store/seed.ts). */
export function postalPrefixOf(postalCode: string): string {
  return postalCode.replace(/\s+/g, '').slice(0, 3);
}

function isRealPastDate(value: string, today: Date): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const isReal = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return isReal && year >= EARLIEST_BIRTH_YEAR && value <= today.toISOString().slice(0, 10);
}

const NORMALISE: Readonly<Record<RectifiableField, (value: string, today: Date) => string | null>> = {
  email: (value) => {
    const email = value.toLowerCase();
    return accepts(EmailAddressResolver.parseValue, email) ? email : null;
  },
  phone: (value) => {
    const phone = value.replace(/\s+/g, ' ');
    const digits = phone.replace(/\D/g, '').length;
    return /^\+[0-9][0-9 ()-]*$/.test(phone) && digits >= 7 && digits <= 15 ? phone : null;
  },
  fullName: (value) => {
    const name = value.replace(/\s+/g, ' ');
    return /\p{L}/u.test(name) && !/[\p{Cc}\p{Cf}]/u.test(name) ? name : null;
  },
  birthDate: (value, today) => (isRealPastDate(value, today) ? value : null),
  postalCode: (value) => {
    const code = value.toUpperCase().replace(/\s+/g, ' ');
    return /^[A-Z0-9][A-Z0-9 -]*$/.test(code) && accepts(PostalCodeResolver.parseValue, code) ? code : null;
  },
  country: (value) => {
    const country = value.toUpperCase();
    return /^[A-Z]{2}$/.test(country) && accepts(CountryCodeResolver.parseValue, country) ? country : null;
  },
};

const EXPECTED: Readonly<Record<RectifiableField, string>> = {
  email: 'an email address',
  phone: 'a phone number in international format (+ and 7 to 15 digits)',
  fullName: 'a name',
  birthDate: `a real date YYYY-MM-DD between ${EARLIEST_BIRTH_YEAR} and today`,
  postalCode: 'a postal code',
  country: 'an ISO 3166-1 alpha-2 country code',
};

export function validateRectification(input: RectifyCustomerInput, today: Date = new Date()): Rectification {
  const set: Record<string, string | number> = {};
  const fields: RectifiableField[] = [];
  for (const field of RECTIFIABLE_FIELDS) {
    const raw = input[field];
    if (raw === undefined) continue;
    if (raw === null) throw new BadUserInputError(`input.${field} cannot be null: rectification corrects data, eraseCustomer removes it`);
    const value = raw.trim();
    if (value.length === 0 || value.length > MAX_LENGTHS[field]) {
      throw new BadUserInputError(`input.${field} must be 1 to ${MAX_LENGTHS[field]} characters`);
    }
    const normalised = NORMALISE[field](value, today);
    if (normalised === null) throw new BadUserInputError(`input.${field} must be ${EXPECTED[field]}`);
    set[field] = normalised;
    fields.push(field);
  }
  if (fields.length === 0) throw new BadUserInputError('input must correct at least one field');
  if (typeof set.birthDate === 'string') set.birthYear = birthYearOf(set.birthDate);
  if (typeof set.postalCode === 'string') set.postalPrefix = postalPrefixOf(set.postalCode);
  return { set, fields, email: typeof set.email === 'string' ? set.email : undefined };
}
