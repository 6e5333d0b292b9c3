import { describe, expect, it } from 'vitest';
import { newRowVersion, ParsedRows } from '../../src/store/sqlite/parsedRows';

const text = JSON.stringify({ _id: 'c1', consents: { MARKETING: { status: 'GRANTED' } }, interests: ['books'] });

describe('parsed rows: reused only at the version they were parsed at', () => {
  it('a row parsed at a version is cached at that version only', () => {
    const rows = new ParsedRows(10);
    const doc = rows.parse(1, 7, text);
    expect(rows.cached(1, 7)).toBeDefined();
    expect(rows.cached(1, 7)).toBe(doc);
    expect(rows.cached(1, 8)).toBeUndefined();
    expect(rows.cached(1, 8)).toBeUndefined();
    expect(rows.cached(2, 7)).toBeUndefined();
  });

  it.each([
    ['forgotten after a write', (rows: ParsedRows) => rows.forget(1)],
    ['cleared after a delete', (rows: ParsedRows) => rows.clear()],
  ])('a row %s is no longer cached', (_case, drop) => {
    const rows = new ParsedRows(10);
    rows.parse(1, 7, text);
    drop(rows);
    expect(rows.cached(1, 7)).toBeUndefined();
  });

  it('shared documents are deeply frozen: a change throws instead of reaching the next reader', () => {
    const rows = new ParsedRows(10);
    const doc = rows.parse<{ consents: { MARKETING: { status: string } }; interests: string[] }>(1, 7, text);
    expect(() => { doc.consents.MARKETING.status = 'DENIED'; }).toThrow(TypeError);
    expect(() => doc.interests.push('hacked')).toThrow(TypeError);
    expect(rows.cached<typeof doc>(1, 7)?.consents.MARKETING.status).toBe('GRANTED');
  });

  it('keeps at most its bound of documents', () => {
    const rows = new ParsedRows(2);
    rows.parse(1, 1, text);
    rows.parse(2, 1, text);
    rows.parse(3, 1, text);
    expect(rows.cached(1, 1)).toBeUndefined();
    expect(rows.cached(3, 1)).toBeDefined();
  });

  it('row versions are positive, below 2^53, and do not repeat in practice', () => {
    const versions = Array.from({ length: 10_000 }, newRowVersion);
    expect(versions.every((version) => Number.isSafeInteger(version) && version > 0)).toBe(true);
    expect(new Set(versions).size).toBe(versions.length);
  });
});
