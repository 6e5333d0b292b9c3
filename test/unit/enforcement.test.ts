/** The enforcement layers' structure: what is wrapped, and that failures close. */
import { defaultFieldResolver, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { wrapPiiResolver } from '../../src/enforcement/fieldEnforcement';
import { PrivacyRecorder } from '../../src/enforcement/privacyRecorder';
import { createPseudonymizer } from '../../src/enforcement/redaction';
import { checkOperation } from '../../src/gate/shieldRules';
import { buildAnnotatedSchema, buildGatewaySchema } from '../../src/server/buildSchema';
import type { FieldPolicy } from '../../src/policy/types';

const fieldsOf = (schema: ReturnType<typeof buildAnnotatedSchema>, type: string) => (schema.getType(type) as GraphQLObjectType).getFields();

describe('what the layers wrap', () => {
  const annotated = buildAnnotatedSchema();
  const { schema } = buildGatewaySchema();

  it('fields without a policy keep their resolver: no shield wrapper, no privacy wrapper', () => {
    for (const [type, field] of [['CustomerEdge', 'cursor'], ['CustomerEdge', 'node'], ['PageInfo', 'hasNextPage'], ['CustomerConnection', 'totalCount'], ['Consent', 'status']] as const) {
      expect(fieldsOf(schema, type)[field]!.resolve, `${type}.${field}`).toBe(fieldsOf(annotated, type)[field]!.resolve);
    }
    // graphql-shield's generator would have given each of these a middleware resolver.
    expect(fieldsOf(schema, 'PageInfo').hasNextPage!.resolve).toBeUndefined();
  });

  it('every @pii field and every root field is wrapped', () => {
    expect(fieldsOf(schema, 'Customer').email!.resolve).not.toBe(fieldsOf(annotated, 'Customer').email!.resolve);
    expect(fieldsOf(schema, 'Customer').email!.resolve).toBeTypeOf('function');
    expect(fieldsOf(schema, 'Query').customers!.resolve).not.toBe(fieldsOf(annotated, 'Query').customers!.resolve);
  });
});

describe('fail closed', () => {
  const EMAIL: FieldPolicy = { coordinate: 'Customer.email', type: 'Customer', field: 'email', category: 'CONTACT_EMAIL', purposes: ['MARKETING'], redact: 'MASK' };
  const info = { fieldName: 'email' } as GraphQLResolveInfo;
  const caller = { sub: 'm', role: 'marketer' as const, purposes: ['MARKETING' as const], scopes: [], partnerId: null };

  it('a policy evaluator that throws redacts to null and counts POLICY_ERROR', () => {
    const privacy = new PrivacyRecorder(caller, 'MARKETING');
    privacy.requestDecision = () => { throw new Error('evaluator bug'); };
    const resolve = wrapPiiResolver(EMAIL, defaultFieldResolver);
    const value = resolve({ _id: 'c1', email: 'jane@example.com', consents: { MARKETING: { status: 'GRANTED' } } }, {}, { privacy, pseudonymize: createPseudonymizer('k') }, info);
    expect(value).toBeNull();
    expect(privacy.toExtension().redactions['Customer.email']).toMatchObject({ POLICY_ERROR: 1 });
  });

  it('a document loaded without its consents is never shown in clear', () => {
    const privacy = new PrivacyRecorder(caller, 'MARKETING');
    const resolve = wrapPiiResolver(EMAIL, defaultFieldResolver);
    const value = resolve({ _id: 'c1', email: 'jane@example.com' }, {}, { privacy, pseudonymize: createPseudonymizer('k') }, info);
    expect(value).toBe('j***@e***.com');
    expect(privacy.toExtension().redactions['Customer.email']).toMatchObject({ POLICY_ERROR: 1 });
  });

  it('a resolver that rejects after redaction was decided yields null, not the error text', async () => {
    const privacy = new PrivacyRecorder(caller, 'MARKETING');
    const resolve = wrapPiiResolver(EMAIL, () => Promise.reject(new Error('jane@example.com')));
    await expect(resolve({ _id: 'c1', consents: {} }, {}, { privacy, pseudonymize: createPseudonymizer('k') }, info)).resolves.toBeNull();
  });

  it('the gate records each denial as a Failure naming the coordinate', () => {
    const privacy = new PrivacyRecorder(null, null);
    const result = checkOperation('Query.customers', { roles: ['marketer'], purpose: true }, { caller: null, purpose: null, privacy }, {});
    expect(result).not.toBe(true);
    expect(privacy.failures).toEqual([{ kind: 'unauthenticated', coordinate: 'Query.customers' }]);
  });
});
