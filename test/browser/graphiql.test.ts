/**
 * GraphiQL in a real browser (Debian's Chromium through playwright-core): the page loads from local
 * assets, the header editor is prefilled, a query run with a real token shows data, and no request
 * leaves the machine. Chromium missing is a failure, not a skip: .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editor } from '../helpers/codeMirror';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const CHROMIUM = '/usr/bin/chromium';
const CUSTOMERS = 12;

interface SeenRequest {
  url: string;
  method: string;
  authorization: string | undefined;
  purpose: string | undefined;
}


describe('GraphiQL, offline, in Chromium', () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  const requests: SeenRequest[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`).toBe(true);
    gw = await startTestGateway({ customers: CUSTOMERS });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage();
    page.on('request', (request) => {
      const headers = request.headers();
      requests.push({ url: request.url(), method: request.method(), authorization: headers.authorization, purpose: headers['x-purpose'] });
    });
    await page.goto(`${gw.url}/graphql`);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 20_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('prefills the header editor with a token placeholder and X-Purpose', async () => {
    const headers = JSON.parse(await editor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)'));
    expect(headers).toEqual({ Authorization: 'Bearer <paste a token from npm run token>', 'X-Purpose': 'MARKETING' });
  });

  it('loads the public schema while the placeholder is there (no Authorization sent)', async () => {
    await expect.poll(() => requests.filter((request) => request.method === 'POST').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const introspection = requests.find((request) => request.method === 'POST')!;
    expect(introspection.authorization).toBeUndefined();
  });

  it('runs a query with a real token and shows the data', async () => {
    const token = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-browser' });
    await editor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${token}`, 'X-Purpose': 'MARKETING' }, null, 2));
    await editor(page, '.graphiql-query-editor', '{ customers(first: 2) { totalCount edges { node { id email } } } }');
    await page.click('.graphiql-execute-button');
    await expect.poll(() => editor(page, '.graphiql-response'), { timeout: 15_000 }).toContain('totalCount');
    const result = JSON.parse(await editor(page, '.graphiql-response'));
    expect(result.errors).toBeUndefined();
    expect(result.data.customers.totalCount).toBe(CUSTOMERS);
    expect(result.data.customers.edges).toHaveLength(2);
    expect(result.extensions.privacy.purpose).toBe('MARKETING');
    const sent = requests.filter((request) => request.method === 'POST').at(-1)!;
    expect(sent).toMatchObject({ authorization: `Bearer ${token}`, purpose: 'MARKETING' });
  });

  it('never requested anything outside this machine', () => {
    expect(requests.length).toBeGreaterThanOrEqual(6);
    const origin = new URL(gw.url).origin;
    const elsewhere = requests.filter((request) => !request.url.startsWith('data:') && new URL(request.url).origin !== origin);
    expect(elsewhere).toEqual([]);
    expect(requests.map((request) => new URL(request.url).pathname)).toEqual(expect.arrayContaining([
      '/graphql', '/graphiql/graphiql.min.js', '/graphiql/graphiql.min.css', '/graphiql/react.production.min.js', '/graphiql/react-dom.production.min.js',
    ]));
  });
});
