/**
 * Each caller sees only the schema it may use (docs/api.md): introspection per visibility
 * class, FORBIDDEN (UNAUTHENTICATED without a token) for operations hidden from the caller, and
 * "Did you mean" suggestions only for the privacy officer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/policy/operations';
import { ROLES, type Role } from '../../src/policy/roles';
import { roleTokens, startTestGateway, type TestGateway } from '../helpers/gateway';

const SCHEMA_QUERY = '{ __schema { queryType { fields { name } } mutationType { fields { name } } types { name fields { name } } } }';

interface SchemaShape {
  __schema: {
    queryType: { fields: { name: string }[] };
    mutationType: { fields: { name: string }[] } | null;
    types: { name: string; fields: { name: string }[] | null }[];
  };
}

/** Root fields the operations table grants a class, by root type. */
function granted(visibility: Role | 'anonymous', rootType: 'Query' | 'Mutation'): string[] {
  return Object.entries(OPERATIONS)
    .filter(([coordinate, rule]) => coordinate.startsWith(`${rootType}.`)
      && (rule.roles === 'public' || (visibility !== 'anonymous' && rule.roles.includes(visibility))))
    .map(([coordinate]) => coordinate.slice(rootType.length + 1))
    .sort();
}

describe('introspection shows each caller its own schema', () => {
  let gw: TestGateway;
  let tokens: Record<Role | 'anonymous', string | null>;
  const purposes: Record<Role | 'anonymous', string | undefined> = {
    anonymous: undefined, privacy_officer: 'LEGAL_COMPLIANCE', marketer: 'MARKETING', analyst: 'ANALYTICS', support: 'SUPPORT', partner: 'ANALYTICS', customer: undefined,
  };

  beforeAll(async () => {
    gw = await startTestGateway({ customers: 20 });
    const t = await roleTokens(gw);
    const someone = (await gw.store.collection('customers').find({}, { limit: 1 }))[0]!;
    tokens = {
      anonymous: null, privacy_officer: t.officer, marketer: t.marketer, analyst: t.analyst, support: t.support, partner: t.partner,
      customer: await gw.token({ role: 'customer', purposes: [], sub: String(someone._id) }),
    };
  });
  afterAll(async () => gw?.close());

  async function schemaOf(visibility: Role | 'anonymous'): Promise<SchemaShape['__schema']> {
    const response = await gw.gql<SchemaShape>(SCHEMA_QUERY, { token: tokens[visibility], purpose: purposes[visibility] });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.__schema;
  }

  it.each(['anonymous', ...ROLES] as const)('%s: root fields are exactly those the operations table grants', async (visibility) => {
    const schema = await schemaOf(visibility);
    expect(schema.queryType.fields.map((field) => field.name).sort()).toEqual(granted(visibility, 'Query'));
    const mutations = granted(visibility, 'Mutation');
    if (mutations.length === 0) expect(schema.mutationType).toBeNull();
    else expect(schema.mutationType!.fields.map((field) => field.name).sort()).toEqual(mutations);
  });

  it.each(['anonymous', 'partner'] as const)('%s sees no customer type and no field leading to one', async (visibility) => {
    const schema = await schemaOf(visibility);
    const typeNames = schema.types.map((type) => type.name);
    for (const hidden of ['Customer', 'CustomerConnection', 'CustomerEdge', 'Consent', 'CustomerFilter']) expect(typeNames).not.toContain(hidden);
    const allFields = schema.types.flatMap((type) => (type.fields ?? []).map((field) => `${type.name}.${field.name}`));
    expect(allFields.filter((coordinate) => /email|phone|fullName|birthDate|members/.test(coordinate))).toEqual([]);
  });

  it('a marketer sees Customer with its fields (redaction, not hiding, governs values)', async () => {
    const schema = await schemaOf('marketer');
    const customer = schema.types.find((type) => type.name === 'Customer');
    expect(customer?.fields?.map((field) => field.name)).toEqual(expect.arrayContaining(['email', 'phone', 'fullName', 'birthDate', 'consents']));
  });

  it.each([
    { who: 'anonymous' as const, query: '{ customers { totalCount } }', status: 401, code: 'UNAUTHENTICATED', message: 'Authentication required: send a valid bearer token' },
    { who: 'anonymous' as const, query: 'mutation { eraseCustomer(id: "c1", reason: "x") { __typename } }', status: 401, code: 'UNAUTHENTICATED', message: 'Authentication required: send a valid bearer token' },
    { who: 'partner' as const, query: '{ customers { totalCount } }', status: 403, code: 'FORBIDDEN', message: 'Role partner may not use Query.customers' },
    { who: 'partner' as const, query: '{ customers { edges { node { notAFieldAnywhere } } } }', status: 403, code: 'FORBIDDEN', message: 'Role partner may not use Query.customers' },
    { who: 'partner' as const, query: '{ segments { id members { totalCount } } }', status: 403, code: 'FORBIDDEN', message: 'Role partner may not use Segment.members' },
    { who: 'partner' as const, query: 'mutation { createSegment(input: { name: "x", purpose: ANALYTICS, definition: {} }) { id } }', status: 403, code: 'FORBIDDEN', message: 'Role partner may not run mutation operations' },
    { who: 'marketer' as const, query: '{ auditEvents { totalCount } }', status: 403, code: 'FORBIDDEN', message: 'Role marketer may not use Query.auditEvents' },
    { who: 'support' as const, query: '{ customers { totalCount } }', status: 403, code: 'FORBIDDEN', message: 'Role support may not use Query.customers' },
    { who: 'customer' as const, query: '{ customer(id: "c1") { email } }', status: 403, code: 'FORBIDDEN', message: 'Role customer may not use Query.customer' },
    { who: 'partner' as const, query: '{ notAnOperation }', status: 400, code: 'BAD_USER_INPUT', message: 'Cannot query field "notAnOperation" on type "Query".' },
  ])('$who naming $query → $status $code', async ({ who, query, status, code, message }) => {
    const response = await gw.gql(query, { token: tokens[who], purpose: purposes[who] });
    expect(response.status).toBe(status);
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]).toMatchObject({ message, extensions: { code } });
  });

  it('a refusal looks like a gate denial: data null, the path of the field the caller named', async () => {
    const response = await gw.gql('{ mine: customers { totalCount } }', { token: tokens.partner, purpose: 'ANALYTICS' });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      data: null,
      errors: [{ message: 'Role partner may not use Query.customers', locations: [{ line: 1, column: 3 }], path: ['mine'], extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it.each([
    { who: 'partner' as const, status: 403, code: 'FORBIDDEN' },
    { who: 'anonymous' as const, status: 401, code: 'UNAUTHENTICATED' },
  ])('$who naming a hidden input type in variables → $code for every error', async ({ who, status, code }) => {
    const query = 'mutation($p: Purpose!, $s: ConsentStatus!) { setConsent(customerId: "c1", purpose: $p, status: $s) { status } }';
    const response = await gw.gql(query, { token: tokens[who], purpose: purposes[who], variables: { p: 'MARKETING', s: 'GRANTED' } });
    expect(response.status).toBe(status);
    expect(response.body.data).toBeNull();
    expect(response.body.errors!.length).toBeGreaterThan(0);
    expect(response.body.errors!.map((error) => error.extensions?.code)).toEqual(response.body.errors!.map(() => code));
  });

  it('field suggestions only for the privacy officer', async () => {
    const typo = '{ customers(first: 1) { totalCont } }';
    const officer = await gw.gql(typo, { token: tokens.privacy_officer, purpose: 'LEGAL_COMPLIANCE' });
    expect(officer.body.errors?.[0]?.message).toBe('Cannot query field "totalCont" on type "CustomerConnection". Did you mean "totalCount"?');
    for (const who of ['marketer', 'analyst'] as const) {
      const response = await gw.gql(typo, { token: tokens[who], purpose: purposes[who] });
      expect(response.body.errors?.[0]).toMatchObject({ message: 'Cannot query field "totalCont" on type "CustomerConnection".', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });
});
