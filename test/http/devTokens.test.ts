/**
 * The development token endpoint behind the GraphiQL role switcher, through the real HTTP server:
 * present only outside production and only with the public development JWT secret; mints
 * short-lived tokens the gateway accepts; validates its input; and in production (or with a real
 * secret) neither the endpoint nor the switcher exists — GraphiQL keeps asking for a token.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const STRONG = (c: string) => c.repeat(40);
const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: STRONG('j'), PSEUDONYM_KEY: STRONG('p'), MASTER_KEY: STRONG('m'), BLIND_INDEX_KEY: STRONG('b') };

async function mint(gw: TestGateway, body: unknown, contentType = 'application/json') {
  const response = await fetch(`${gw.url}/dev/token`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, headers: response.headers };
}

const page = async (gw: TestGateway) => (await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } })).text();

describe('development (the development JWT secret)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ customers: 15 });
  });
  afterAll(async () => gw?.close());

  it('mints a 15-minute token for the chosen caller that the gateway accepts', async () => {
    const { status, json, headers } = await mint(gw, { role: 'marketer', purposes: ['MARKETING'] });
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(json.token);
    expect(claims).toMatchObject({ role: 'marketer', purposes: ['MARKETING'], sub: 'dev-marketer', aud: 'privacy-gateway' });
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    const response = await gw.gql('{ customers(first: 2) { totalCount edges { node { email } } } }', { token: json.token });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.extensions?.privacy?.purpose).toBe('MARKETING');
  });

  it('a partner token carries the partner and its scopes; a customer token defaults to the first customer', async () => {
    const partner = await mint(gw, { role: 'partner', purposes: ['ANALYTICS'], partner: 'demo-partner', scopes: ['segments:read'] });
    expect(decodeJwt(partner.json.token)).toMatchObject({ partner_id: 'demo-partner', scope: 'segments:read' });
    const report = await gw.gql('{ segments { id } }', { token: partner.json.token });
    expect(report.body.errors).toBeUndefined();
    const [first] = await gw.store.collection('customers').find({}, { sort: { _id: 1 }, limit: 1 });
    const customer = await mint(gw, { role: 'customer' });
    expect(customer.json.sub).toBe(first!._id);
    const me = await gw.gql('{ me { id } }', { token: customer.json.token });
    expect((me.body.data as any).me.id).toBe(first!._id);
  });

  it.each([
    ['not an object', [1, 2]],
    ['unknown role', { role: 'root' }],
    ['unknown purpose', { role: 'marketer', purposes: ['SPYING'] }],
    ['purposes not a list', { role: 'marketer', purposes: 'MARKETING' }],
    ['unknown scope', { role: 'partner', partner: 'demo-partner', scopes: ['admin'] }],
    ['partner without partner id', { role: 'partner', purposes: ['ANALYTICS'] }],
    ['partner id on another role', { role: 'marketer', partner: 'demo-partner' }],
    ['malformed sub', { role: 'customer', sub: '{"$ne":null}' }],
    ['unknown property', { role: 'marketer', ttl: '10y' }],
  ])('%s → 400, nothing echoed', async (_name, body) => {
    const { status, json } = await mint(gw, body);
    expect(status).toBe(400);
    expect(typeof json.error).toBe('string');
    for (const echoed of ['root', 'SPYING', 'admin', '$ne', '10y']) expect(json.error).not.toContain(echoed);
    expect(json.token).toBeUndefined();
  });

  it('takes JSON only, so a cross-site form cannot post it', async () => {
    const { status } = await mint(gw, 'role=privacy_officer', 'application/x-www-form-urlencoded');
    expect(status).toBe(415);
  });

  it('the GraphiQL page carries the role switcher, served from local assets', async () => {
    const html = await page(gw);
    expect(html).toContain('<div id="role-switcher"></div>');
    expect(html).toContain('/graphiql/role-switcher.js');
    const script = await fetch(`${gw.url}/graphiql/role-switcher.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('/dev/token');
  });
});

describe.each([
  ['production', PRODUCTION],
  ['development with a real JWT_SECRET', { NODE_ENV: 'development', JWT_SECRET: STRONG('r') }],
])('%s', (_name, env) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ customers: 5, env });
  });
  afterAll(async () => gw?.close());

  it('has no development token endpoint (404)', async () => {
    const { status, json } = await mint(gw, { role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'] });
    expect(status).toBe(404);
    expect(json?.token).toBeUndefined();
  });

  it('serves GraphiQL without the switcher: the page keeps asking for a token', async () => {
    const html = await page(gw);
    expect(html).toContain('/graphiql/init.js');
    expect(html).not.toContain('role-switcher');
    expect((await fetch(`${gw.url}/graphiql/role-switcher.js`)).status).toBe(404);
    const init = await (await fetch(`${gw.url}/graphiql/init.js`)).text();
    expect(init).toContain('<paste a token from npm run token>');
  });
});
