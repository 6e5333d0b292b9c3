/**
 * All resolvers, one file per domain (customers, consent, subject rights, segments, partners, audit);
 * Query.ts and Mutation.ts assemble the root fields from them. Data access only: customer records come
 * from the request's records reader. A resolver for a field the schema lacks fails start-up.
 */
import { JSONResolver } from 'graphql-scalars';
import { Customer } from './Customer';
import { DateTime } from './DateTime';
import { customerConsentFields } from './consent';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Segment } from './Segment';
import { Partner } from './partners';

export const resolvers = {
  DateTime,
  JSON: JSONResolver,
  Query,
  Mutation,
  Customer: { ...Customer, ...customerConsentFields },
  Segment,
  Partner,
};
