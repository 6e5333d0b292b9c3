/**
 * Callers through HTTP (docs/api.md#callers): tokens (HS256, audience, exp, alg none, roles) and the
 * X-Purpose rules. Every rejected token answers UNAUTHENTICATED with HTTP 401 and no data.
 */
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretKey, TOKEN_AUDIENCE } from '../../src/auth/tokens';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
let key: Uint8Array;
beforeAll(async () => {
  gw = await startTestGateway({ customers: 30 });
  key = secretKey(gw.config.jwtSecret);
});
afterAll(async () => gw?.close());

const QUERY = '{ customers(first: 1) { totalCount edges { node { id email } } } }';
const now = () => Math.floor(Date.now() / 1000);
const signed = (claims: Record<string, unknown>, options: { alg?: string; key?: Uint8Array; audience?: string | null; exp?: number | null; nbf?: number } = {}) => {
  let jwt = new SignJWT({ role: 'marketer', purposes: ['MARKETING'], ...claims }).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setSubject('mk-1');
  if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? TOKEN_AUDIENCE);
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now() + 600);
  if (options.nbf !== undefined) jwt = jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? key);
};

describe('tokens', () => {
  it.each([
    ['garbage', async () => 'not-a-jwt'],
    ['an empty bearer', async () => ''],
    ['alg none', async () => new UnsecuredJWT({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'] }).setSubject('x').setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').encode()],
    ['a wrong signature', async () => signed({}, { key: new TextEncoder().encode('another-secret-another-secret-0000') })],
    ['another algorithm (HS512)', async () => signed({}, { alg: 'HS512' })],
    ['a wrong audience', async () => signed({}, { audience: 'someone-else' })],
    ['no audience', async () => signed({}, { audience: null })],
    ['expired', async () => signed({}, { exp: now() - 10 })],
    ['no exp', async () => signed({}, { exp: null })],
    ['not yet valid (nbf)', async () => signed({}, { nbf: now() + 3600 })],
    ['an unknown role', async () => signed({ role: 'admin' })],
    ['a partner without partner_id', async () => signed({ role: 'partner', purposes: ['ANALYTICS'], scope: 'segments:read' })],
    ['purposes that are not an array', async () => signed({ purposes: 'MARKETING' })],
    ['an oversized token', async () => 'a'.repeat(10_000)],
  ])('%s → 401 UNAUTHENTICATED, no data', async (_what, make) => {
    const token = await make();
    const response = await gw.gql(QUERY, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.body.data ?? null).toBeNull();
    expect(JSON.stringify(response.body)).not.toMatch(/@example|stack/);
  });

  describe('a token verified before is remembered, never beyond what it proved', () => {
    const ask = (token: string) => gw.gql(QUERY, { headers: { authorization: `Bearer ${token}` }, purpose: 'MARKETING' });

    it('accepted while valid, then refused as expired once its exp passes (with no new signature check to fail)', async () => {
      const token = await signed({}, { exp: now() + 2 });
      expect((await ask(token)).status).toBe(200);
      expect((await ask(token)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const late = await ask(token);
      expect(late.status).toBe(401);
      expect(late.body.errors?.[0]).toMatchObject({ message: 'Token expired', extensions: { code: 'UNAUTHENTICATED' } });
    });

    it.each([
      ['its signature altered', (token: string) => `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`],
      ['its payload altered (same signature)', (token: string) => {
        const [header, payload, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
        return [header, Buffer.from(JSON.stringify({ ...claims, role: 'privacy_officer' })).toString('base64url'), signature].join('.');
      }],
    ])('a remembered token with %s is refused', async (_what, alter) => {
      const token = await signed({});
      expect((await ask(token)).status).toBe(200);
      const altered = await ask(alter(token));
      expect(altered.status).toBe(401);
      expect(altered.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  it('a non-Bearer authorization scheme is not a token', async () => {
    const response = await gw.gql(QUERY, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('no token: data fields answer UNAUTHENTICATED (401); the public manifest and __typename answer', async () => {
    const denied = await gw.gql(QUERY);
    expect(denied.status).toBe(401);
    expect(denied.body).toMatchObject({ data: null, errors: [{ path: ['customers'], extensions: { code: 'UNAUTHENTICATED' } }] });
    const open = await gw.gql('{ __typename privacyManifest { purposes { name } } }');
    expect(open.status).toBe(200);
    expect(open.body.errors).toBeUndefined();
    expect((open.body.data as any).__typename).toBe('Query');
  });

  it('a valid token answers', async () => {
    const response = await gw.gql(QUERY, { token: await signed({}) });
    expect(response.status).toBe(200);
    expect((response.body.data as any).customers.totalCount).toBe(30);
  });
});

describe('X-Purpose', () => {
  it.each([
    ['several purposes and no header', ['MARKETING', 'ANALYTICS'], undefined, 'PURPOSE_REQUIRED'],
    ['a purpose not in the token', ['MARKETING'], 'ANALYTICS', 'PURPOSE_NOT_ALLOWED'],
    ['an unknown purpose', ['MARKETING'], 'SPYING', 'PURPOSE_NOT_ALLOWED'],
    ['LEGAL_COMPLIANCE claimed by a marketer', ['LEGAL_COMPLIANCE'], 'LEGAL_COMPLIANCE', 'PURPOSE_NOT_ALLOWED'],
    ['a lower-case purpose', ['MARKETING'], 'marketing', 'PURPOSE_NOT_ALLOWED'],
  ])('%s (token %j, header %s) → %s', async (_what, purposes, header, code) => {
    const token = await gw.token({ role: 'marketer', purposes: purposes as never });
    const response = await gw.gql(QUERY, { token, ...(header ? { purpose: header } : {}) });
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.body.data ?? null).toBeNull();
  });

  it('a token with exactly one purpose implies it', async () => {
    const token = await gw.token({ role: 'marketer', purposes: ['MARKETING'] });
    const response = await gw.gql(QUERY, { token });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.extensions?.privacy?.purpose).toBe('MARKETING');
  });

  it('the stated purpose is used when the token holds several', async () => {
    const token = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'ANALYTICS'] });
    const response = await gw.gql(QUERY, { token, purpose: 'ANALYTICS' });
    expect(response.body.extensions?.privacy?.purpose).toBe('ANALYTICS');
  });

  it('the public manifest needs no purpose even with a multi-purpose token', async () => {
    const token = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'ANALYTICS'] });
    const response = await gw.gql('{ privacyManifest { fields { field } } }', { token });
    expect(response.body.errors).toBeUndefined();
  });

  it('role customer needs no purpose', async () => {
    const [first] = await gw.store.collection('customers').find({}, { limit: 1 });
    const token = await gw.token({ role: 'customer', purposes: [], sub: first!._id });
    const response = await gw.gql('{ me { id email } }', { token });
    expect(response.body).toMatchObject({ data: { me: { id: first!._id, email: first!.email } } });
  });
});

describe('who may call what (the operations table)', () => {
  it.each([
    ['support', ['SUPPORT'], '{ customers(first: 1) { totalCount } }', 'FORBIDDEN'],
    ['partner', ['ANALYTICS'], '{ customers(first: 1) { totalCount } }', 'FORBIDDEN'],
    ['partner', ['ANALYTICS'], '{ customer(id: "x") { id } }', 'FORBIDDEN'],
    ['customer', [], '{ customers(first: 1) { totalCount } }', 'FORBIDDEN'],
    ['customer', [], '{ customer(id: "x") { id } }', 'FORBIDDEN'],
    ['marketer', ['MARKETING'], '{ me { id } }', 'FORBIDDEN'],
    ['analyst', ['ANALYTICS'], '{ me { id } }', 'FORBIDDEN'],
  ])('%s with purposes %j: %s → %s', async (role, purposes, query, code) => {
    const token = await gw.token({
      role: role as never, purposes: purposes as never, sub: role === 'partner' ? 'demo-partner' : `${role}-1`,
      ...(role === 'partner' ? { partnerId: 'demo-partner', scope: 'segments:read' } : {}),
    });
    const response = await gw.gql(query, { token });
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    // Nullable root fields answer null beside the error; non-null ones null the whole data.
    expect(Object.values(response.body.data ?? {}).every((value) => value === null)).toBe(true);
  });
});
