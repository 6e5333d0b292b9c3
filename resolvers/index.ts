/** All resolvers, one file per type. A resolver for a field the schema lacks fails start-up. */
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Customer } from './Customer';
import { customerConsentFields } from './consent';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Segment } from './Segment';
import { Partner } from './partners';

export const resolvers = {
  DateTime: DateTimeResolver,
  JSON: JSONResolver,
  Query,
  Mutation,
  Customer: { ...Customer, ...customerConsentFields },
  Segment,
  Partner,
};
