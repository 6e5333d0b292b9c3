/**
 * The policy compiled from the schema, and start-up errors for bad annotations (fail closed).
 * The printed annotated schema is snapshotted: any change to an annotation shows up in review.
 */
import { lexicographicSortSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../directives/compilePolicy';
import { buildAnnotatedSchema, buildGatewaySchema, loadTypeDefs } from '../../src/server/buildSchema';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { piiDirectiveTypeDefs } from '../../directives/pii';
import { purposeDirectiveTypeDefs } from '../../directives/purpose';

const compile = (sdl: string) =>
  compilePolicy(makeExecutableSchema({ typeDefs: [piiDirectiveTypeDefs, purposeDirectiveTypeDefs, sdl, 'type Query { x: Int }'] }));

describe('compilePolicy', () => {
  it('compiles every @pii field of the demo schema with its category, purposes and redaction', () => {
    const policy = compilePolicy(buildAnnotatedSchema());
    expect(policy.fields.get('Customer.email')).toEqual({
      coordinate: 'Customer.email', type: 'Customer', field: 'email', category: 'CONTACT_EMAIL',
      purposes: ['MARKETING', 'ANALYTICS', 'SUPPORT', 'LEGAL_COMPLIANCE'], redact: 'MASK',
    });
    // Every personal attribute of the contract's Customer is annotated (the id is a surrogate key).
    expect([...policy.fields.keys()]).toEqual(expect.arrayContaining([
      'Customer.birthDate', 'Customer.consents', 'Customer.country', 'Customer.email', 'Customer.fullName', 'Customer.interests',
      'Customer.lastPurchaseAt', 'Customer.lifetimeValue', 'Customer.loyaltyTier', 'Customer.orderCount', 'Customer.phone', 'Customer.postalCode',
    ]));
    expect(policy.fields.has('Customer.id')).toBe(false);
    expect(policy.subjectTypes).toEqual(new Set(['Customer']));
  });

  it('inherits a type-level @purpose', () => {
    const policy = compile('type P @purpose(allowed: [SUPPORT]) { id: ID! mail: String @pii(category: CONTACT_EMAIL) }');
    expect(policy.fields.get('P.mail')).toMatchObject({ purposes: ['SUPPORT'], redact: 'NULL' });
  });

  it.each([
    ['a @pii field without @purpose', 'type P { id: ID! mail: String @pii(category: CONTACT_EMAIL) }', /P\.mail: @pii field has no @purpose/],
    ['a strategy the category does not support', 'type P { id: ID! c: String @pii(category: LOCATION, redact: MASK) @purpose(allowed: [SUPPORT]) }', /P\.c: redaction MASK is not defined for category LOCATION/],
    ['a non-null @pii field', 'type P { id: ID! mail: String! @pii(category: CONTACT_EMAIL) @purpose(allowed: [SUPPORT]) }', /P\.mail: @pii fields must be nullable/],
    ['a personal-data type without id', 'type P { mail: String @pii(category: CONTACT_EMAIL) @purpose(allowed: [SUPPORT]) }', /P\.mail: type P holds personal data but has no id/],
  ])('stops start-up for %s, naming the coordinate', (_what, sdl, message) => {
    expect(() => compile(sdl)).toThrow(message);
  });

  it('rejects an unknown category or purpose already when the SDL is built', () => {
    expect(() => compile('type P { id: ID! m: String @pii(category: SHOE_SIZE) @purpose(allowed: [SUPPORT]) }')).toThrow(/SHOE_SIZE/);
    expect(() => compile('type P { id: ID! m: String @pii(category: NAME) @purpose(allowed: [SPYING]) }')).toThrow(/SPYING/);
  });

  it('refuses a root operation missing from the operations table', () => {
    expect(() => buildGatewaySchema([...loadTypeDefs(), 'extend type Query { sneaky: Int }'])).toThrow(/Query\.sneaky has no entry in the operations table/);
  });
});

describe('schema snapshot (annotation drift shows up here)', () => {
  it('matches the reviewed annotated schema', () => {
    const schema = lexicographicSortSchema(buildAnnotatedSchema());
    expect(printSchemaWithDirectives(schema)).toMatchSnapshot();
    // The snapshot must hold the annotations themselves, not just the types they sit on.
    expect(printSchemaWithDirectives(schema)).toMatch(/email: String @pii\(category: CONTACT_EMAIL, redact: MASK\) @purpose\(allowed: \[/);
  });
});
