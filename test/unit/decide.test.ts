/**
 * decide() read like the contract: role × purpose × consent state → clear or the field's redaction
 * with its reason. Exhaustive over every role, purpose and consent state for representative fields.
 */
import { describe, expect, it } from 'vitest';
import { consentAllows, decide, decideForRequest, decideForSubject } from '../../src/policy/decide';
import { PURPOSES, type ConsentStatus, type Purpose } from '../../src/policy/purposes';
import { ROLE_TABLE, ROLES, type Role } from '../../src/policy/roles';
import type { Caller, FieldPolicy, Policy } from '../../src/policy/types';

const field = (coordinate: string, category: FieldPolicy['category'], purposes: Purpose[], redact: FieldPolicy['redact']): FieldPolicy => {
  const [type, name] = coordinate.split('.') as [string, string];
  return { coordinate, type, field: name, category, purposes, redact };
};
const EMAIL = field('Customer.email', 'CONTACT_EMAIL', ['MARKETING', 'ANALYTICS', 'SUPPORT', 'LEGAL_COMPLIANCE'], 'MASK');
const BIRTH = field('Customer.birthDate', 'DATE_OF_BIRTH', ['PERSONALIZATION', 'ANALYTICS', 'LEGAL_COMPLIANCE'], 'GENERALIZE');
const COUNTRY = field('Customer.country', 'LOCATION', ['MARKETING', 'ANALYTICS', 'SUPPORT', 'LEGAL_COMPLIANCE'], 'NULL');
const policy: Policy = { fields: new Map([EMAIL, BIRTH, COUNTRY].map((f) => [f.coordinate, f])), subjectTypes: new Set(['Customer']) };

const caller = (role: Role, purposes: Purpose[] = [...ROLE_TABLE[role].purposes], sub = `${role}-1`): Caller =>
  ({ sub, role, purposes, scopes: [], partnerId: role === 'partner' ? 'p' : null });
const consent = (entries: Partial<Record<Purpose, ConsentStatus>>) => new Map(Object.entries(entries) as [Purpose, ConsentStatus][]);
const ALL_GRANTED = consent({ MARKETING: 'GRANTED', PERSONALIZATION: 'GRANTED', THIRD_PARTY_SHARING: 'GRANTED', ANALYTICS: 'GRANTED' });
const NONE = consent({});
const clear = { kind: 'allow' };
const redacted = (strategy: string, reason: string) => ({ kind: 'redact', strategy, reason });

describe('decide: the contract table', () => {
  it.each([
    // role, purpose, subject consent, coordinate, expected
    ['marketer', 'MARKETING', ALL_GRANTED, 'Customer.email', clear],
    ['marketer', 'MARKETING', consent({ MARKETING: 'DENIED' }), 'Customer.email', redacted('MASK', 'CONSENT_DENIED')],
    ['marketer', 'MARKETING', consent({ MARKETING: 'WITHDRAWN' }), 'Customer.email', redacted('MASK', 'CONSENT_DENIED')],
    ['marketer', 'MARKETING', NONE, 'Customer.email', redacted('MASK', 'CONSENT_MISSING')],
    ['marketer', 'MARKETING', ALL_GRANTED, 'Customer.birthDate', redacted('GENERALIZE', 'PURPOSE')],
    ['marketer', 'LEGAL_COMPLIANCE', ALL_GRANTED, 'Customer.email', redacted('MASK', 'ROLE')],
    ['marketer', 'SUPPORT', ALL_GRANTED, 'Customer.country', redacted('NULL', 'ROLE')],
    ['analyst', 'ANALYTICS', NONE, 'Customer.email', redacted('PSEUDONYMIZE', 'ROLE')],
    ['analyst', 'ANALYTICS', ALL_GRANTED, 'Customer.email', redacted('PSEUDONYMIZE', 'ROLE')],
    ['analyst', 'ANALYTICS', consent({ ANALYTICS: 'DENIED' }), 'Customer.email', redacted('NULL', 'CONSENT_DENIED')],
    ['analyst', 'ANALYTICS', NONE, 'Customer.birthDate', clear],
    ['analyst', 'ANALYTICS', consent({ ANALYTICS: 'WITHDRAWN' }), 'Customer.birthDate', redacted('GENERALIZE', 'CONSENT_DENIED')],
    ['analyst', 'ANALYTICS', NONE, 'Customer.country', clear],
    ['support', 'SUPPORT', consent({ MARKETING: 'DENIED', ANALYTICS: 'DENIED' }), 'Customer.email', clear],
    ['support', 'SUPPORT', NONE, 'Customer.birthDate', redacted('GENERALIZE', 'PURPOSE')],
    ['privacy_officer', 'LEGAL_COMPLIANCE', NONE, 'Customer.email', clear],
    ['privacy_officer', 'LEGAL_COMPLIANCE', consent({ MARKETING: 'DENIED' }), 'Customer.birthDate', clear],
    ['privacy_officer', 'MARKETING', NONE, 'Customer.email', redacted('MASK', 'CONSENT_MISSING')],
    ['partner', 'ANALYTICS', ALL_GRANTED, 'Customer.email', redacted('MASK', 'ROLE')],
    ['partner', 'ANALYTICS', ALL_GRANTED, 'Customer.country', redacted('NULL', 'ROLE')],
  ] as const)('%s under %s, consent %o: %s → %o', (role, purpose, subjectConsent, coordinate, expected) => {
    expect(decide(policy, caller(role), purpose, subjectConsent, coordinate)).toEqual(expected);
  });

  it('a customer sees its own record in clear and nobody else\'s', () => {
    const me = caller('customer', [], 'cus_1');
    expect(decide(policy, me, null, NONE, 'Customer.email', 'cus_1')).toEqual(clear);
    expect(decide(policy, me, null, NONE, 'Customer.email', 'cus_2')).toEqual(redacted('MASK', 'ROLE'));
    expect(decide(policy, me, null, NONE, 'Customer.email', undefined)).toEqual(redacted('MASK', 'ROLE'));
  });
});

describe('decide: fail closed', () => {
  const everyCombination = ROLES.flatMap((role) => [null, ...PURPOSES].map((purpose) => [role, purpose] as const));

  it.each(everyCombination)('%s / %s: no purpose, an unknown coordinate or a missing consent map never yields clear unless consent is not the basis', (role, purpose) => {
    const who = caller(role);
    expect(decide(policy, who, purpose, ALL_GRANTED, 'Customer.unknownField')).toEqual(redacted('NULL', 'POLICY_ERROR'));
    expect(decide(policy, null, purpose, ALL_GRANTED, 'Customer.email')).toEqual(redacted('NULL', 'POLICY_ERROR'));
    if (role !== 'privacy_officer' && role !== 'customer' && purpose === null) {
      expect(decide(policy, who, purpose, ALL_GRANTED, 'Customer.email').kind).toBe('redact');
    }
    const withoutConsent = decide(policy, who, purpose, undefined, 'Customer.country');
    if (withoutConsent.kind === 'allow') {
      // Clear without a consent record is only possible where consent is not the legal basis.
      expect(purpose === 'SUPPORT' || purpose === 'LEGAL_COMPLIANCE').toBe(true);
    }
  });

  it('a purpose outside the caller\'s token is never clear, even if the role could use it', () => {
    expect(decide(policy, caller('marketer', ['ANALYTICS']), 'MARKETING', ALL_GRANTED, 'Customer.email')).toEqual(redacted('MASK', 'ROLE'));
  });

  it('an unknown consent status is not consent', () => {
    const odd = { get: () => 'MAYBE' as unknown as ConsentStatus };
    expect(decide(policy, caller('marketer'), 'MARKETING', odd, 'Customer.email')).toEqual(redacted('MASK', 'POLICY_ERROR'));
    expect(decide(policy, caller('analyst'), 'ANALYTICS', odd, 'Customer.country')).toEqual(redacted('NULL', 'POLICY_ERROR'));
  });

  it('a consent lookup that throws redacts with POLICY_ERROR', () => {
    const broken = { get: () => { throw new Error('boom'); } };
    expect(decide(policy, caller('marketer'), 'MARKETING', broken, 'Customer.email')).toEqual(redacted('NULL', 'POLICY_ERROR'));
  });

  it('the two stages compose to decide()', () => {
    const request = decideForRequest(EMAIL, caller('marketer'), 'MARKETING');
    expect(request).toEqual({ kind: 'consent', purpose: 'MARKETING', strategy: 'MASK', thenRedact: null });
    expect(decideForSubject(request, 'x', ALL_GRANTED)).toEqual(clear);
    expect(decideForSubject(request, 'x', undefined)).toEqual(redacted('MASK', 'POLICY_ERROR'));
  });
});

describe('consentAllows follows the legal basis of the purpose registry', () => {
  it.each([
    ['MARKETING', 'GRANTED', true], ['MARKETING', undefined, false], ['MARKETING', 'DENIED', false], ['MARKETING', 'WITHDRAWN', false],
    ['PERSONALIZATION', undefined, false], ['THIRD_PARTY_SHARING', 'GRANTED', true], ['THIRD_PARTY_SHARING', undefined, false],
    ['ANALYTICS', undefined, true], ['ANALYTICS', 'GRANTED', true], ['ANALYTICS', 'DENIED', false], ['ANALYTICS', 'WITHDRAWN', false],
    ['SUPPORT', 'DENIED', true], ['LEGAL_COMPLIANCE', undefined, true],
    // A record without a status is no record (the store's `{ status: null }` matches both alike).
    ['ANALYTICS', null, true], ['MARKETING', null, false],
    // A status the model does not know is never consent, not even for an opt-out purpose.
    ['ANALYTICS', 'BOGUS' as never, false],
  ] as const)('%s with %s → %s', (purpose, status, allowed) => {
    expect(consentAllows(purpose, status).allowed).toBe(allowed);
  });
});
