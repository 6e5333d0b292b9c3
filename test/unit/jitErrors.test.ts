/**
 * Errors from compiled execution are rebuilt as graphql-js builds them (src/execution/jitErrors.ts):
 * the same operation runs through graphql-js `execute` and through a graphql-jit plan, and every
 * error must match in message, path, locations, extensions, its class and the original error Apollo
 * unwraps (which decides between our error codes and INTERNAL_SERVER_ERROR).
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, GraphQLError, parse, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/errors/errors';
import { toGraphQLJsError } from '../../src/execution/jitErrors';
import { withDefaultResolvers } from '../../src/execution/defaultResolvers';

class StoreFailure extends Error {
  override name = 'StoreFailure';
}

const schema = makeExecutableSchema({
  typeDefs: `type Query { item: Item, items: [Item!], refused: Int, nonNull: Int!, count: Int!, badScalar: Int, stringThrown: Int }
             type Item { id: ID!, failing: String, missing: String!, nested: Item }`,
  resolvers: {
    Query: {
      item: () => ({ id: '1', count: 3 }),
      items: () => [{ id: '1' }, { id: '2', failsHere: true }],
      refused: () => { throw new ForbiddenError('Role marketer may not use Query.refused'); },
      nonNull: () => null,
      count: () => ({ id: 'not used' }),
      badScalar: () => 'not a number',
      stringThrown: () => { throw 'a string'; }, // eslint-disable-line @typescript-eslint/only-throw-error
    },
    Item: {
      failing: (item: { failsHere?: boolean }) => (item.failsHere ? Promise.reject(new StoreFailure('driver says jane@example.com')) : 'ok'),
      nested: () => ({ id: 'n' }),
    },
  },
});

function shape(error: GraphQLError) {
  const original = unwrapResolverError(error);
  return {
    json: error.toJSON(),
    isGraphQLError: error instanceof GraphQLError,
    extensions: { ...error.extensions },
    original: original instanceof Error ? original.constructor.name : typeof original,
    originalIsForbidden: original instanceof ForbiddenError,
  };
}

async function run(query: string) {
  const document = parse(query);
  const reference = (await execute({ schema, document })) as ExecutionResult;
  const plan = compileQuery(withDefaultResolvers(schema), document);
  if (!isCompiledQuery(plan)) throw new Error('did not compile');
  const jit = await plan.query(undefined, {}, {});
  return { reference, jit: { data: jit.data, errors: jit.errors?.map(toGraphQLJsError) } };
}

const CASES: [string, string][] = [
  ['our error thrown by a resolver keeps its code', '{ refused }'],
  ['an unexpected rejection deep in a list', '{ items { id failing } }'],
  ['null in a non-null field propagates to the parent', '{ item { id missing } }'],
  ['null at a non-null root field', '{ nonNull }'],
  ['a value the scalar cannot serialize', '{ badScalar }'],
  ['a thrown string', '{ stringThrown }'],
  ['several errors in one answer', '{ refused items { failing } item { nested { missing } } }'],
];

describe('errors of compiled execution have graphql-js shapes', () => {
  it.each(CASES)('%s', async (_name, query) => {
    const { reference, jit } = await run(query);
    expect(jit.data).toEqual(JSON.parse(JSON.stringify(reference.data)));
    const sortByPath = (errors: readonly GraphQLError[] | undefined) => [...(errors ?? [])].map(shape).sort((a, b) => JSON.stringify(a.json.path).localeCompare(JSON.stringify(b.json.path)));
    const ours = sortByPath(jit.errors);
    const theirs = sortByPath(reference.errors);
    expect(ours.length).toBeGreaterThan(0);
    // Serialization errors carry the scalar's message in both; the original error is what graphql-js would have.
    expect(ours.map((error) => ({ ...error, original: undefined }))).toEqual(theirs.map((error) => ({ ...error, original: undefined })));
    expect(ours.map((error) => error.original === 'ForbiddenError')).toEqual(theirs.map((error) => error.original === 'ForbiddenError'));
  });

  it('an error graphql-js already located is passed on as it is', () => {
    const located = new GraphQLError('located', { path: ['a'] });
    const jitShaped = new GraphQLError('located', { path: ['a'], originalError: located });
    expect(toGraphQLJsError(jitShaped)).toBe(located);
  });
});
