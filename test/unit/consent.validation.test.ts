/**
 * The rules behind consent and the data-subject operations, as pure functions: what a valid consent
 * choice is, what a valid correction is, and which stored attributes erasure removes (read from the
 * compiled policy, so a new @pii field is erased without anyone touching erasure.ts).
 */
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../src/errors/errors';
import { assertConsentGoverns, consentPurposes, consentSource } from '../../src/privacy/consent';
import { erasableCustomerFields, erasureReason } from '../../src/privacy/erasure';
import { postalPrefixOf, validateRectification } from '../../src/privacy/rectificationInput';
import { PURPOSES } from '../../src/policy/purposes';
import { buildGatewaySchema, loadTypeDefs } from '../../src/server/buildSchema';

const TODAY = new Date('2026-06-15T12:00:00.000Z');

describe('consent choices', () => {
  it.each(PURPOSES.map((purpose) => [purpose, ['SUPPORT', 'LEGAL_COMPLIANCE'].includes(purpose)] as const))(
    '%s: refused as a consent purpose → %s', (purpose, refused) => {
      if (refused) expect(() => assertConsentGoverns(purpose)).toThrow(BadUserInputError);
      else expect(() => assertConsentGoverns(purpose)).not.toThrow();
    });

  it('the consent purposes are exactly the opt-in and opt-out ones', () => {
    expect(consentPurposes()).toEqual(['MARKETING', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ANALYTICS']);
  });

  it.each([
    [undefined, 'customer', 'SELF_SERVICE'],
    [null, 'support', 'SUPPORT_AGENT'],
    [null, 'privacy_officer', 'PRIVACY_OFFICER'],
    ['  PREFERENCE_CENTER ', 'customer', 'PREFERENCE_CENTER'],
    ['app:v2.1-ios', 'customer', 'app:v2.1-ios'],
    ['X'.repeat(64), 'support', 'X'.repeat(64)],
  ] as const)('source %j from %s is recorded as %s', (given, role, expected) => {
    expect(consentSource(given, role)).toBe(expected);
  });

  it.each([
    ['over 64 characters', 'X'.repeat(65)],
    ['empty', ''],
    ['free text with spaces', 'called on monday'],
    ['an email address', 'jane@example.com'],
    ['reserved GPC', 'GPC'],
    ['reserved ERASURE in lower case', 'erasure'],
  ])('a source %s is refused', (_name, source) => {
    expect(() => consentSource(source, 'customer')).toThrow(BadUserInputError);
  });
});

describe('rectification input', () => {
  it('normalises what it accepts and recomputes derived attributes', () => {
    expect(validateRectification({ email: ' A.B@Example.ORG ', birthDate: '2000-02-29', postalCode: ' ab1  2cd ', country: 'fr', fullName: ' Jean   Dupont ', phone: '+33  1 23 45 67 89' }, TODAY)).toEqual({
      set: {
        email: 'a.b@example.org', birthDate: '2000-02-29', postalCode: 'AB1 2CD', country: 'FR', fullName: 'Jean Dupont', phone: '+33 1 23 45 67 89',
        birthYear: 2000, postalPrefix: 'AB1',
      },
      fields: ['email', 'phone', 'fullName', 'birthDate', 'postalCode', 'country'],
      email: 'a.b@example.org',
    });
  });

  it.each([
    ['1900-02-29', false], ['2000-02-29', true], ['2023-02-29', false], ['2024-02-29', true],
    ['2026-06-15', true], ['2026-06-16', false], ['1899-12-31', false], ['1990-13-01', false], ['1990-00-10', false], ['1990-1-1', false],
  ])('birthDate %s accepted → %s', (birthDate, accepted) => {
    const attempt = () => validateRectification({ birthDate }, TODAY);
    if (accepted) expect(attempt().set.birthYear).toBe(Number(birthDate.slice(0, 4)));
    else expect(attempt).toThrow(BadUserInputError);
  });

  it('messages name the input field, never the value', () => {
    expect(() => validateRectification({ email: 'secret-value@@x' }, TODAY)).toThrow(/^input\.email must be an email address$/);
  });

  it('the postal prefix matches the demo data\'s rule (no spaces, first 3 characters)', () => {
    expect(postalPrefixOf('SW1A 1AA')).toBe('SW1');
    expect(postalPrefixOf('10115')).toBe('101');
  });
});

describe('erasure', () => {
  it('erases every stored @pii field of Customer except the consent record, plus the derived attributes', () => {
    const { policy } = buildGatewaySchema();
    const { attributes, coordinates } = erasableCustomerFields(policy);
    expect(new Set(attributes)).toEqual(new Set([
      'email', 'phone', 'fullName', 'birthDate', 'postalCode', 'country', 'loyaltyTier', 'lifetimeValue', 'orderCount', 'lastPurchaseAt', 'interests',
      'birthYear', 'postalPrefix',
    ]));
    expect(coordinates).not.toContain('Customer.consents');
  });

  it('a @pii field added to the schema is erased without changing erasure.ts', () => {
    const extra = 'extend type Customer { nickname: String @pii(category: NAME, redact: MASK) @purpose(allowed: [SUPPORT]) }';
    const { policy } = buildGatewaySchema([...loadTypeDefs(), extra]);
    expect(erasableCustomerFields(policy).attributes).toContain('nickname');
  });

  it.each([['', false], ['   ', false], ['r'.repeat(500), true], ['r'.repeat(501), false], ['tab\there', false], ['Art. 17 — Löschung', true]])(
    'reason %j accepted → %s', (reason, accepted) => {
      if (accepted) expect(erasureReason(reason)).toBe(reason.trim());
      else expect(() => erasureReason(reason)).toThrow(BadUserInputError);
    });
});
