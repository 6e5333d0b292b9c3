/**
 * Segment definitions: validated against an allowlist and compiled by the gateway into a MongoDB
 * filter over the stored, non-identifying attributes (country, loyaltyTier, interests, lifetimeValue,
 * orderCount, lastPurchaseAt and the derived birthYear). Nothing the client sends reaches the store as
 * an operator: every value is checked against a pattern, a known vocabulary or a numeric range, and
 * the filter's shape is fixed here. Stored definitions go through the same validator before use, so a
 * corrupted segment fails closed instead of running an unchecked filter.
 */
import { BadUserInputError } from '../errors/errors';
import type { Purpose } from '../policy/purposes';
import type { Coordinate, Policy } from '../policy/types';
import type { Filter } from '../store/port';
import { INTERESTS, LOYALTY_TIERS } from '../store/documents';

/** Age bands a segment may select (no band for minors: segments never target them). Age = year now − birth year. */
export const SEGMENT_AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
/** Purposes a segment may be defined for: the processing that uses audiences and aggregates. */
export const SEGMENT_PURPOSES: readonly Purpose[] = ['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS'];

const COUNTRY_PATTERN = /^[A-Z]{2}$/;
const MAX_COUNTRIES = 50;
const MAX_LIFETIME_VALUE = 100_000_000;
const MAX_ORDER_COUNT = 1_000_000;
const MAX_PURCHASE_WINDOW_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface SegmentDefinition {
  countries?: string[];
  loyaltyTiers?: string[];
  ageBands?: string[];
  interests?: string[];
  minLifetimeValue?: number;
  maxLifetimeValue?: number;
  minOrderCount?: number;
  maxOrderCount?: number;
  purchasedWithinDays?: number;
}

/** The Customer coordinate each definition attribute reads (filtering is reading). */
const ATTRIBUTE_COORDINATES: Readonly<Record<keyof SegmentDefinition, Coordinate>> = {
  countries: 'Customer.country',
  loyaltyTiers: 'Customer.loyaltyTier',
  ageBands: 'Customer.birthDate',
  interests: 'Customer.interests',
  minLifetimeValue: 'Customer.lifetimeValue',
  maxLifetimeValue: 'Customer.lifetimeValue',
  minOrderCount: 'Customer.orderCount',
  maxOrderCount: 'Customer.orderCount',
  purchasedWithinDays: 'Customer.lastPurchaseAt',
};

const ATTRIBUTES = Object.keys(ATTRIBUTE_COORDINATES) as (keyof SegmentDefinition)[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A list of allowed strings: 1..max entries, each matching `allowed`; duplicates removed, order kept. */
function stringList(name: string, value: unknown, max: number, allowed: (entry: string) => boolean): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new BadUserInputError(`definition.${name} must be a list`);
  if (value.length === 0 || value.length > max) throw new BadUserInputError(`definition.${name} must hold 1 to ${max} values`);
  for (const entry of value) {
    // The message names the attribute, never the offending value (it could be anything).
    if (typeof entry !== 'string' || !allowed(entry)) throw new BadUserInputError(`definition.${name} holds a value that is not allowed`);
  }
  return [...new Set(value as string[])];
}

function numberIn(name: string, value: unknown, min: number, max: number, integer: boolean): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new BadUserInputError(`definition.${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
  }
  return value;
}

const oneOf = (values: readonly string[]) => (entry: string) => values.includes(entry);

/** Validates a definition (client input or stored) into its normalized form; throws BAD_USER_INPUT. */
export function validateSegmentDefinition(input: unknown): SegmentDefinition {
  if (!isRecord(input)) throw new BadUserInputError('definition must be an object');
  for (const key of Object.keys(input)) {
    if (!(ATTRIBUTES as string[]).includes(key)) throw new BadUserInputError('definition holds an unknown attribute');
  }
  const definition: SegmentDefinition = {
    countries: stringList('countries', input.countries, MAX_COUNTRIES, (entry) => COUNTRY_PATTERN.test(entry)),
    loyaltyTiers: stringList('loyaltyTiers', input.loyaltyTiers, LOYALTY_TIERS.length, oneOf(LOYALTY_TIERS)),
    ageBands: stringList('ageBands', input.ageBands, SEGMENT_AGE_BANDS.length, oneOf(SEGMENT_AGE_BANDS)),
    interests: stringList('interests', input.interests, INTERESTS.length, oneOf(INTERESTS)),
    minLifetimeValue: numberIn('minLifetimeValue', input.minLifetimeValue, 0, MAX_LIFETIME_VALUE, false),
    maxLifetimeValue: numberIn('maxLifetimeValue', input.maxLifetimeValue, 0, MAX_LIFETIME_VALUE, false),
    minOrderCount: numberIn('minOrderCount', input.minOrderCount, 0, MAX_ORDER_COUNT, true),
    maxOrderCount: numberIn('maxOrderCount', input.maxOrderCount, 0, MAX_ORDER_COUNT, true),
    purchasedWithinDays: numberIn('purchasedWithinDays', input.purchasedWithinDays, 1, MAX_PURCHASE_WINDOW_DAYS, true),
  };
  const { minLifetimeValue: minLtv, maxLifetimeValue: maxLtv, minOrderCount: minOrders, maxOrderCount: maxOrders } = definition;
  if (minLtv !== undefined && maxLtv !== undefined && minLtv > maxLtv) throw new BadUserInputError('definition.minLifetimeValue is above maxLifetimeValue');
  if (minOrders !== undefined && maxOrders !== undefined && minOrders > maxOrders) throw new BadUserInputError('definition.minOrderCount is above maxOrderCount');
  for (const key of ATTRIBUTES) if (definition[key] === undefined) delete definition[key];
  return definition;
}

/** The Customer coordinates a definition reads, sorted and distinct. */
export function definitionCoordinates(definition: SegmentDefinition): Coordinate[] {
  return [...new Set(ATTRIBUTES.filter((key) => definition[key] !== undefined).map((key) => ATTRIBUTE_COORDINATES[key]))].sort();
}

/**
 * Purpose limitation for selection: each coordinate must list `purpose` in its @purpose, or it may not
 * be used to select or group subjects for that purpose. Returns the coordinates that may not.
 */
export function coordinatesNotAllowedFor(policy: Policy, coordinates: readonly Coordinate[], purpose: Purpose): Coordinate[] {
  return coordinates.filter((coordinate) => {
    const field = policy.fields.get(coordinate);
    return field !== undefined && !field.purposes.includes(purpose);
  });
}

/** The definition attributes (e.g. `ageBands`) that may not be used to select subjects for `purpose`. */
export function attributesNotAllowedFor(policy: Policy, definition: SegmentDefinition, purpose: Purpose): string[] {
  const denied = new Set(coordinatesNotAllowedFor(policy, definitionCoordinates(definition), purpose));
  return ATTRIBUTES.filter((key) => definition[key] !== undefined && denied.has(ATTRIBUTE_COORDINATES[key]));
}

/** Birth years of an age band `lo-hi` / `lo+` in `year`: age is counted as year − birth year. */
function birthYearRange(band: string, year: number): { $gte?: number; $lte: number } {
  const match = /^(\d+)(?:-(\d+)|\+)$/.exec(band);
  if (match === null) throw new BadUserInputError('definition.ageBands holds a value that is not allowed');
  const youngest = Number(match[1]);
  const oldest = match[2] === undefined ? undefined : Number(match[2]);
  return oldest === undefined ? { $lte: year - youngest } : { $gte: year - oldest, $lte: year - youngest };
}

/** Compiles a validated definition to a store filter. `now` fixes "today" for age bands and purchase windows. */
export function compileSegmentFilter(definition: SegmentDefinition, now: Date = new Date()): Filter {
  const clauses: Filter[] = [];
  if (definition.countries) clauses.push({ country: { $in: definition.countries } });
  if (definition.loyaltyTiers) clauses.push({ loyaltyTier: { $in: definition.loyaltyTiers } });
  if (definition.interests) clauses.push({ interests: { $in: definition.interests } });
  if (definition.ageBands) {
    const year = now.getUTCFullYear();
    clauses.push({ $or: definition.ageBands.map((band) => ({ birthYear: birthYearRange(band, year) })) });
  }
  const range = (min: number | undefined, max: number | undefined): Filter | undefined => {
    if (min === undefined && max === undefined) return undefined;
    return { ...(min === undefined ? {} : { $gte: min }), ...(max === undefined ? {} : { $lte: max }) };
  };
  const lifetimeValue = range(definition.minLifetimeValue, definition.maxLifetimeValue);
  if (lifetimeValue) clauses.push({ lifetimeValue });
  const orderCount = range(definition.minOrderCount, definition.maxOrderCount);
  if (orderCount) clauses.push({ orderCount });
  if (definition.purchasedWithinDays !== undefined) {
    // lastPurchaseAt is stored as an ISO-8601 UTC string, so string order is time order.
    const since = new Date(now.getTime() - definition.purchasedWithinDays * DAY_MS).toISOString();
    clauses.push({ lastPurchaseAt: { $gte: since } });
  }
  return clauses.length === 0 ? {} : { $and: clauses };
}

/** The store condition "this subject's consent allows `purpose`": the one consent model's filter. */
export { consentFilter as consentAllowsFilter } from '../policy/consentModel';
