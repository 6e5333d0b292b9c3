import { describe, expect, it } from 'vitest';
import { ParsedRows } from '../../src/store/sqlite/parsedRows';

describe('parsed rows: reused only while the stored text is unchanged', () => {
  const text = JSON.stringify({ _id: 'c1', consents: { MARKETING: { status: 'GRANTED' } }, interests: ['books'] });

  it('the same text of the same row is parsed once', () => {
    const rows = new ParsedRows(10);
    expect(rows.parse(1, text)).toBe(rows.parse(1, `${text}`.slice(0)));
  });

  it.each([
    ['the row was rewritten (new text)', (rows: ParsedRows) => rows.parse(1, text.replace('GRANTED', 'DENIED'))],
    ['another row holds the same text', (rows: ParsedRows) => rows.parse(2, text)],
    ['the row was forgotten after a write', (rows: ParsedRows) => { rows.forget(1); return rows.parse(1, text); }],
    ['the cache was cleared after a delete', (rows: ParsedRows) => { rows.clear(); return rows.parse(1, text); }],
  ])('a fresh parse when %s', (_case, read) => {
    const rows = new ParsedRows(10);
    const first = rows.parse<Record<string, unknown>>(1, text);
    const second = read(rows) as Record<string, unknown>;
    expect(second).not.toBe(first);
  });

  it('a rewritten row reads its new content, never the cached one', () => {
    const rows = new ParsedRows(10);
    rows.parse(1, text);
    expect(rows.parse<{ consents: { MARKETING: { status: string } } }>(1, text.replace('GRANTED', 'DENIED')).consents.MARKETING.status).toBe('DENIED');
  });

  it('shared documents are deeply frozen: a change throws instead of reaching the next reader', () => {
    const rows = new ParsedRows(10);
    const doc = rows.parse<{ consents: { MARKETING: { status: string } }; interests: string[] }>(1, text);
    expect(() => { doc.consents.MARKETING.status = 'DENIED'; }).toThrow(TypeError);
    expect(() => doc.interests.push('hacked')).toThrow(TypeError);
    expect(rows.parse<typeof doc>(1, text).consents.MARKETING.status).toBe('GRANTED');
  });

  it('keeps at most its bound of documents', () => {
    const rows = new ParsedRows(2);
    const first = rows.parse(1, text);
    rows.parse(2, text);
    rows.parse(3, text);
    expect(rows.parse(1, text)).not.toBe(first);
  });
});
