/**
 * Builds the executable schema once at start-up: SDL from schema/*.graphql plus the directive SDL,
 * resolvers (a resolver for a missing field is an error), then the compiled Policy, the @pii field
 * wrappers and the shield gate, in that order. Every transform returns a new schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { compilePolicy } from '../../directives/compilePolicy';
import { piiDirectiveTypeDefs } from '../../directives/pii';
import { purposeDirectiveTypeDefs } from '../../directives/purpose';
import { resolvers } from '../../resolvers';
import { enforceFieldPolicies } from '../enforcement/fieldEnforcement';
import { applyShield } from '../gate/shieldRules';
import type { Policy } from '../policy/types';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

/** The annotated schema with resolvers, before enforcement (used for the policy and snapshots). */
export function buildAnnotatedSchema(typeDefs: string[] = loadTypeDefs()): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: [piiDirectiveTypeDefs, purposeDirectiveTypeDefs, ...typeDefs],
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
}

export interface GatewaySchema {
  schema: GraphQLSchema;
  policy: Policy;
}

export function buildGatewaySchema(typeDefs?: string[]): GatewaySchema {
  const annotated = buildAnnotatedSchema(typeDefs);
  const policy = compilePolicy(annotated);
  const schema = applyShield(enforceFieldPolicies(annotated, policy));
  return { schema, policy };
}
