/** The segment definition compiler: allowlist validation and the exact store filter it produces. */
import { Query } from 'mingo';
import { describe, expect, it } from 'vitest';
import { compileSegmentFilter, consentAllowsFilter, validateSegmentDefinition } from '../../src/privacy/segmentFilter';

const NOW = new Date('2026-06-15T12:00:00.000Z');

describe('compileSegmentFilter', () => {
  it('compiles every attribute to a fixed-shape filter over the stored non-identifying fields', () => {
    const definition = validateSegmentDefinition({
      countries: ['DE', 'FR'], loyaltyTiers: ['GOLD'], ageBands: ['25-34', '65+'], interests: ['books'],
      minLifetimeValue: 100, maxLifetimeValue: 500.5, minOrderCount: 1, maxOrderCount: 9, purchasedWithinDays: 30,
    });
    expect(compileSegmentFilter(definition, NOW)).toEqual({
      $and: [
        { country: { $in: ['DE', 'FR'] } },
        { loyaltyTier: { $in: ['GOLD'] } },
        { interests: { $in: ['books'] } },
        { $or: [{ birthYear: { $gte: 1992, $lte: 2001 } }, { birthYear: { $lte: 1961 } }] },
        { lifetimeValue: { $gte: 100, $lte: 500.5 } },
        { orderCount: { $gte: 1, $lte: 9 } },
        { lastPurchaseAt: { $gte: '2026-05-16T12:00:00.000Z' } },
      ],
    });
  });

  it('an empty definition selects everyone', () => {
    expect(compileSegmentFilter(validateSegmentDefinition({}), NOW)).toEqual({});
  });

  it.each([
    [1992, '25-34', true], [2001, '25-34', true], [2002, '25-34', false], [1991, '25-34', false],
    [1961, '65+', true], [1962, '65+', false], [2008, '18-24', true], [2009, '18-24', false],
  ])('birth year %i is in band %s: %s', (birthYear, band, inBand) => {
    const filter = compileSegmentFilter(validateSegmentDefinition({ ageBands: [band] }), NOW);
    expect(new Query(filter).test({ birthYear })).toBe(inBand);
  });

  it('never matches a subject on a personal field it does not name', () => {
    const json = JSON.stringify(compileSegmentFilter(validateSegmentDefinition({ ageBands: ['18-24'], countries: ['DE'] }), NOW));
    for (const field of ['email', 'birthDate', 'postalCode', 'fullName', 'phone', '$where', '$expr', '$function']) expect(json).not.toContain(field);
  });
});

describe('validateSegmentDefinition', () => {
  it.each([
    ['an unknown attribute', { email: 'a@b.c' }],
    ['an operator key', { $where: 'true' }],
    ['an operator object in a list', { countries: [{ $ne: null }] }],
    ['a non-list', { countries: 'DE' }],
    ['a string number', { minOrderCount: '5' }],
    ['a fractional order count', { minOrderCount: 1.5 }],
    ['an infinite value', { maxLifetimeValue: Number.POSITIVE_INFINITY }],
    ['NaN', { minLifetimeValue: Number.NaN }],
    ['an unknown tier', { loyaltyTiers: ['DIAMOND'] }],
    ['51 countries', { countries: Array.from({ length: 51 }, (_, i) => String.fromCharCode(65 + (i % 26)) + String.fromCharCode(65 + Math.floor(i / 26))) }],
  ])('refuses %s', (_label, input) => {
    expect(() => validateSegmentDefinition(input)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
  });

  it('drops duplicates and nulls', () => {
    expect(validateSegmentDefinition({ countries: ['DE', 'DE'], interests: null, minOrderCount: undefined })).toEqual({ countries: ['DE'] });
  });
});

describe('consentAllowsFilter', () => {
  it.each([
    ['MARKETING', { 'consents.MARKETING.status': 'GRANTED' }],
    ['PERSONALIZATION', { 'consents.PERSONALIZATION.status': 'GRANTED' }],
    ['ANALYTICS', { 'consents.ANALYTICS.status': { $in: [null, 'GRANTED'] } }],
    ['SUPPORT', {}],
  ] as const)('%s', (purpose, filter) => {
    expect(consentAllowsFilter(purpose)).toEqual(filter);
  });
});
