/**
 * The GraphiQL role switcher in Debian's Chromium (playwright-core, no browser download): in
 * development the page offers a role / purpose / partner picker that mints a short-lived development
 * token; switching the caller changes the schema in the docs pane and the values in the result.
 * With SAVE_SCREENSHOTS=1 it saves the screenshots used in the documentation (docs/images/).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../src/enforcement/redaction';
import { customerDocument, insertCustomers } from '../helpers/fixtures';
import { editor } from '../helpers/codeMirror';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const CHROMIUM = '/usr/bin/chromium';
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const SUBJECT = customerDocument('cus_b_jane', { MARKETING: 'GRANTED', ANALYTICS: 'GRANTED', PERSONALIZATION: 'GRANTED' });
const QUERY = '{\n  customer(id: "cus_b_jane") {\n    id\n    email\n    fullName\n    birthDate\n    country\n  }\n}\n';
const pseudonym = createPseudonymizer('dev-only-pseudonym-key-change-me-0123456789ab');


/** Texts of the elements matching `selector`. */
function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}

describe('GraphiQL role switcher (development), in Chromium', () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  const urls: string[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    gw = await startTestGateway({ customers: 20 });
    await insertCustomers(gw, [SUBJECT]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${gw.url}/graphql`);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 20_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** Picks a caller in the switcher, waits for GraphiQL to remount with it, opens the docs pane. */
  async function useCaller(role: string, purpose?: string): Promise<void> {
    await page.selectOption('#pg-role', role);
    if (purpose !== undefined) await page.selectOption('#pg-purpose', purpose);
    await page.click('#pg-use');
    await page.waitForSelector(`#role-switcher[data-active="${role}/${purpose ?? ''}"]`, { timeout: 10_000 });
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror');
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name', { timeout: 10_000 });
  }

  /** The docs pane's list of types, and the fields of Query (after clicking it). */
  async function docs(): Promise<{ types: string[]; queryFields: string[] }> {
    const types = await texts(page, '.graphiql-doc-explorer-section-content a.graphiql-doc-explorer-type-name');
    await page.locator('.graphiql-doc-explorer-section-content a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
    await page.waitForSelector('.graphiql-doc-explorer-field-name');
    const queryFields = await texts(page, '.graphiql-doc-explorer-field-name');
    return { types, queryFields };
  }

  async function run(query: string): Promise<{ data?: any; errors?: { extensions?: { code?: string } }[] }> {
    await editor(page, '.graphiql-query-editor', query);
    const before = await editor(page, '.graphiql-response');
    await page.click('.graphiql-execute-button');
    await expect.poll(async () => {
      const text = await editor(page, '.graphiql-response');
      return text !== before && text.trim().startsWith('{');
    }, { timeout: 15_000 }).toBe(true);
    return JSON.parse(await editor(page, '.graphiql-response'));
  }

  async function screenshot(name: string): Promise<void> {
    if (process.env.SAVE_SCREENSHOTS !== '1') return;
    mkdirSync(IMAGES, { recursive: true });
    await page.screenshot({ path: `${IMAGES}${name}.png` });
  }

  it('offers every role, and each role only the purposes it may act under', async () => {
    expect(await editor(page, '.graphiql-query-editor')).toMatch(/^# Development: pick a caller in the bar above/);
    expect(await texts(page, '#pg-role option')).toEqual(['privacy_officer', 'marketer', 'analyst', 'support', 'partner', 'customer']);
    await page.selectOption('#pg-role', 'support');
    expect(await texts(page, '#pg-purpose option')).toEqual(['SUPPORT (NONE)']);
    await page.selectOption('#pg-role', 'partner');
    expect(await page.isVisible('#pg-partner')).toBe(true);
  });

  it('as a marketer for MARKETING: customer types in the docs, values in clear for a consenting subject', async () => {
    await useCaller('marketer', 'MARKETING');
    const { types, queryFields } = await docs();
    expect(types).toEqual(expect.arrayContaining(['Customer', 'Segment']));
    expect(queryFields).toEqual(expect.arrayContaining(['customer', 'customers', 'segments']));
    expect(queryFields).not.toContain('auditEvents');
    const result = await run(QUERY);
    expect(result.errors).toBeUndefined();
    expect(result.data.customer).toEqual({ id: 'cus_b_jane', email: SUBJECT.email, fullName: SUBJECT.fullName, birthDate: '1990', country: 'DE' });
    await screenshot('graphiql-role-switcher-marketer');
  });

  it('as an analyst for ANALYTICS: the same query shows a pseudonym for the email, null for the name (not an ANALYTICS field, and never a mask)', async () => {
    await useCaller('analyst', 'ANALYTICS');
    const result = await run(QUERY);
    expect(result.data.customer).toEqual({
      id: 'cus_b_jane', email: pseudonym(SUBJECT.email as string), fullName: null, birthDate: SUBJECT.birthDate, country: 'DE',
    });
  });

  it('as a partner: no customer types in the docs, and the customer query is FORBIDDEN', async () => {
    await useCaller('partner', 'ANALYTICS');
    const { types, queryFields } = await docs();
    expect(types).not.toContain('Customer');
    expect(queryFields.sort()).toEqual(['privacyManifest', 'segment', 'segmentReport', 'segments']);
    const result = await run(QUERY);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const report = await run('{\n  segmentReport(segmentId: "seg_all", groupBy: [COUNTRY]) {\n    total\n    groups { keys count suppressed }\n  }\n}\n');
    expect(report.errors).toBeUndefined();
    expect(report.data.segmentReport.total).toBeGreaterThan(0);
    await screenshot('graphiql-role-switcher-partner');
  });

  it('as the privacy officer for LEGAL_COMPLIANCE: the audit in the docs, every value in clear', async () => {
    await useCaller('privacy_officer', 'LEGAL_COMPLIANCE');
    const { queryFields } = await docs();
    expect(queryFields).toEqual(expect.arrayContaining(['auditEvents', 'complianceSummary', 'partners']));
    const result = await run(QUERY);
    expect(result.data.customer.birthDate).toBe(SUBJECT.birthDate);
  });

  it('as a customer: only its own record', async () => {
    await page.selectOption('#pg-role', 'customer');
    await page.fill('#pg-sub', 'cus_b_jane');
    await useCaller('customer');
    const { queryFields } = await docs();
    expect(queryFields.sort()).toEqual(['me', 'privacyManifest']);
    const result = await run('{\n  me { id email fullName }\n}\n');
    expect(result.data.me).toEqual({ id: 'cus_b_jane', email: SUBJECT.email, fullName: SUBJECT.fullName });
  });

  it('never requested anything outside this machine', () => {
    const origin = new URL(gw.url).origin;
    expect(urls.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin)).toEqual([]);
    expect(urls.filter((url) => url.endsWith('/dev/token')).length).toBe(5);
  });
});
