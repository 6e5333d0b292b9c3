/**
 * The redaction strategies (docs/api.md#schema-annotations). Each is total: a value it does not understand
 * becomes null, never passes through (fail closed).
 */
import { createHmac } from 'node:crypto';
import type { PiiCategory } from '../policy/categories';
import type { Redaction } from '../policy/types';

export type Pseudonymizer = (value: string) => string;

/** HMAC-SHA256 keyed with PSEUDONYM_KEY: stable per key and input, not reversible, never a bare hash. */
export function createPseudonymizer(key: string): Pseudonymizer {
  return (value) => `psd_${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 32)}`;
}

/** `jane.doe@example.com` → `j***@e***.com`: the shape of an address, none of its content. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return maskText(value);
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${value[0]}***@${domain[0] ?? ''}***${tld}`;
}

/** `+49 151 234 5612` → `+** *** *** **12`: formatting kept, all digits but the last two hidden. */
export function maskPhone(value: string): string {
  const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
  let digits = 0;
  for (let at = 0; at < value.length; at += 1) if (isDigit(value.charCodeAt(at))) digits += 1;
  let seen = 0;
  let masked = '';
  for (let at = 0; at < value.length; at += 1) {
    const digit = isDigit(value.charCodeAt(at));
    if (digit) seen += 1;
    masked += digit && seen <= digits - 2 ? '*' : value[at];
  }
  return masked;
}

/** `Jane Doe` → `J*** D***`. */
export function maskName(value: string): string {
  return value.split(/\s+/).filter(Boolean).map((part) => `${part[0]}***`).join(' ');
}

/** Keeps the first character, hides the rest with one star each (length kept: shape only). */
export function maskText(value: string): string {
  return value.length === 0 ? value : value[0] + '*'.repeat(value.length - 1);
}

function mask(category: PiiCategory, value: unknown): unknown {
  if (typeof value !== 'string') return null;
  switch (category) {
    case 'CONTACT_EMAIL': return maskEmail(value);
    case 'CONTACT_PHONE': return maskPhone(value);
    case 'NAME': return maskName(value);
    default: return maskText(value);
  }
}

const ISO_DATE = /^(\d{4})-\d{2}-\d{2}/;

/** Category-specific coarsening: DOB → year, postal code → first 3 characters, money → band of 100, instants → month. */
export function generalize(category: PiiCategory, value: unknown): unknown {
  switch (category) {
    case 'DATE_OF_BIRTH': {
      const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
      return match ? match[1] : null;
    }
    case 'CONTACT_POSTAL_CODE':
      return typeof value === 'string' ? value.replace(/\s+/g, '').slice(0, 3) : null;
    case 'FINANCIAL':
      return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value / 100) * 100 : null;
    case 'BEHAVIOR': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}/.test(value)) return null;
      return `${value.slice(0, 7)}-01T00:00:00.000Z`;
    }
    default:
      return null;
  }
}

function pseudonymize(pseudonym: Pseudonymizer, value: unknown): unknown {
  if (typeof value === 'string') return pseudonym(value);
  if (typeof value === 'number' || typeof value === 'boolean') return pseudonym(String(value));
  return null;
}

export function applyRedaction(strategy: Redaction, category: PiiCategory, value: unknown, pseudonym: Pseudonymizer): unknown {
  if (value === null || value === undefined) return null;
  switch (strategy) {
    case 'NULL':
      return null;
    case 'MASK':
      return Array.isArray(value) ? value.map((item) => mask(category, item)) : mask(category, value);
    case 'PSEUDONYMIZE':
      return Array.isArray(value) ? value.map((item) => pseudonymize(pseudonym, item)) : pseudonymize(pseudonym, value);
    case 'GENERALIZE':
      return Array.isArray(value) ? null : generalize(category, value);
    default: {
      const unreachable: never = strategy;
      void unreachable;
      return null;
    }
  }
}
