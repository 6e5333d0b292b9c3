/**
 * The DateTime scalar: graphql-scalars' DateTimeResolver (ISO-8601 with a time zone), except that an
 * input it refuses is reported without quoting it. The library's own message repeats the string it
 * was given ("… invalid date-time-string <input>"), and an input may be anything, personal data included.
 */
import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

export const INVALID_DATE_TIME = 'DateTime cannot represent this value: expected an ISO-8601 date-time with a time zone';

function valueFree<T>(parse: () => T): T {
  try {
    return parse();
  } catch {
    throw new GraphQLError(INVALID_DATE_TIME);
  }
}

const library = DateTimeResolver.toConfig();

export const DateTime = new GraphQLScalarType({
  ...library,
  parseValue: (value: unknown) => valueFree(() => library.parseValue!(value)),
  parseLiteral: (node: ValueNode, variables?: Record<string, unknown> | null) => valueFree(() => library.parseLiteral!(node, variables)),
});
