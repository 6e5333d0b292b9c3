import { describe, expect, it } from 'vitest';
import { applyRedaction, createPseudonymizer, generalize, maskEmail, maskName, maskPhone } from '../../src/enforcement/redaction';

const pseudonym = createPseudonymizer('k'.repeat(32));

describe('MASK keeps the shape, hides the content', () => {
  it.each([
    ['jane.doe@example.com', 'j***@e***.com'],
    ['a@b.co.uk', 'a***@b***.uk'],
    ['not-an-email', 'n***********'],
  ])('email %s → %s', (value, expected) => expect(maskEmail(value)).toBe(expected));

  it.each([
    ['+49 151 234 5612', '+** *** *** **12'],
    ['+1 555 010 99', '+* *** *** 99'],
    ['7', '7'],
    ['12', '12'],
    ['(030) 1234-56', '(***) ****-56'],
    ['no digits', 'no digits'],
    ['٣٤٥ 12', '٣٤٥ 12'],
  ])('phone %s → %s', (value, expected) => expect(maskPhone(value)).toBe(expected));

  it('names become initials', () => expect(maskName('Jane  van Doe')).toBe('J*** v*** D***'));
});

describe('PSEUDONYMIZE is a keyed HMAC: stable, key-dependent, not a bare hash', () => {
  it('is stable for the same key and input', () => {
    expect(pseudonym('jane@example.com')).toBe(createPseudonymizer('k'.repeat(32))('jane@example.com'));
  });
  it('differs across keys and inputs', () => {
    expect(pseudonym('jane@example.com')).not.toBe(createPseudonymizer('other-key'.repeat(4))('jane@example.com'));
    expect(pseudonym('jane@example.com')).not.toBe(pseudonym('john@example.com'));
  });
  it('does not contain the input or its unkeyed SHA-256', async () => {
    const { createHash } = await import('node:crypto');
    const value = pseudonym('jane@example.com');
    expect(value).not.toContain('jane');
    expect(createHash('sha256').update('jane@example.com').digest('hex')).not.toContain(value.slice(4));
  });
});

describe('GENERALIZE coarsens by category', () => {
  it.each([
    ['DATE_OF_BIRTH', '1990-04-17', '1990'],
    ['CONTACT_POSTAL_CODE', '10115', '101'],
    ['CONTACT_POSTAL_CODE', 'SW1A 1AA', 'SW1'],
    ['FINANCIAL', 1234.56, 1200],
    ['FINANCIAL', 99.99, 0],
    ['BEHAVIOR', '2026-03-14T10:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['DATE_OF_BIRTH', 'garbage', null],
    ['FINANCIAL', 'not a number', null],
    ['LOCATION', 'DE', null],
  ] as const)('%s %s → %s', (category, value, expected) => expect(generalize(category, value)).toBe(expected));
});

describe('applyRedaction is total', () => {
  it.each([
    ['NULL', 'CONTACT_EMAIL', 'jane@example.com', null],
    ['MASK', 'CONTACT_EMAIL', 42, null],
    ['MASK', 'NAME', ['Jane Doe', 'Jo Bloggs'], ['J*** D***', 'J*** B***']],
    ['GENERALIZE', 'BEHAVIOR', ['a', 'b'], null],
    ['PSEUDONYMIZE', 'CONTACT_EMAIL', { nested: true }, null],
    ['MASK', 'CONTACT_EMAIL', null, null],
    ['MASK', 'CONTACT_EMAIL', undefined, null],
  ] as const)('%s over %s of %o → %o', (strategy, category, value, expected) => {
    expect(applyRedaction(strategy, category, value, pseudonym)).toEqual(expected);
  });
});
