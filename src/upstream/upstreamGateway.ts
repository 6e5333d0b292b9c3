/**
 * Builds gateway mode at start-up: for each configured upstream, its schema (introspected through
 * @graphql-tools/wrap `schemaFromExecutor`, or read from SDL), the overlay checked against it, and
 * the policy compiled from the annotated schema; then one gateway schema stitched from the upstreams
 * (@graphql-tools/stitch, delegating through @graphql-tools/executor-http) plus the gateway's own
 * consent operations. On that schema the same layers as in managed mode are applied, in the same
 * order: @pii field enforcement, the shield gate from the operations table, one visible schema per
 * caller class. Root operations a configuration does not list are filtered out of the upstream
 * schema (never exposed, never forwarded).
 */
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin } from '@apollo/server';
import { stitchSchemas } from '@graphql-tools/stitch';
import { FilterRootFields, schemaFromExecutor } from '@graphql-tools/wrap';
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { SchemaPolicyError } from '../../directives/errors';
import type { GatewayContext } from '../admission/context';
import { applyShield } from '../gate/shieldRules';
import { visibleSchemas, type Visibility, type VisibleSchema } from '../gate/visibleSchema';
import type { OperationRule } from '../policy/operations';
import type { Coordinate, FieldPolicy, Policy } from '../policy/types';
import { compileUpstreamPolicy } from './compileUpstreamPolicy';
import { GatewayConfigError, type GatewayModeConfig, type UpstreamConfig } from './gatewayConfig';
import { LOCAL_OPERATIONS, LOCAL_TYPE_NAMES, localResolvers, localTypeDefs } from './localSchema';
import { applyOverlay, checkOverlay } from './overlay';
import { SubjectConsentCache } from './subjectConsent';
import { SubjectKeyTransform } from './subjectKeyTransform';
import { enforceUpstreamFieldPolicies } from './upstreamEnforcement';
import { createUpstreamExecutors, type UpstreamExecutors } from './upstreamExecutor';
import { ForwardedHeaders } from './upstreamHeaders';
import { reservedAliasPlugin, upstreamGpcPlugin } from './upstreamPlugins';

/** Everything createGateway needs to serve gateway mode instead of the managed schema. */
export interface UpstreamMode {
  schema: GraphQLSchema;
  policy: Policy;
  operations: Readonly<Record<string, OperationRule>>;
  visible: Map<Visibility, VisibleSchema>;
  /** Run before the shared plugins. */
  plugins: ApolloServerPlugin<GatewayContext>[];
  /** Resolves when every upstream answers. */
  ping(): Promise<void>;
}

interface PreparedUpstream {
  config: UpstreamConfig;
  executors: UpstreamExecutors;
  schema: GraphQLSchema;
  subjectKeys: Map<string, string>;
  policy: Policy;
}

async function upstreamSchema(upstream: UpstreamConfig, executors: UpstreamExecutors): Promise<GraphQLSchema> {
  if ('sdlFile' in upstream.schema) {
    try {
      return buildSchema(readFileSync(upstream.schema.sdlFile, 'utf8'));
    } catch (error) {
      throw new GatewayConfigError(`upstream ${upstream.name}: cannot read its schema from ${upstream.schema.sdlFile}: ${error instanceof Error ? error.message : 'error'}`);
    }
  }
  try {
    return await schemaFromExecutor(executors.introspect);
  } catch {
    throw new GatewayConfigError(`upstream ${upstream.name}: introspection of ${upstream.url} failed (is it running and is introspection enabled?)`);
  }
}

async function prepareUpstream(upstream: UpstreamConfig, logger: Logger, forwarded: ForwardedHeaders): Promise<PreparedUpstream> {
  const executors = createUpstreamExecutors(upstream, logger, forwarded);
  const schema = await upstreamSchema(upstream, executors);
  for (const name of LOCAL_TYPE_NAMES) {
    if (schema.getType(name) !== undefined) throw new SchemaPolicyError(name, `upstream ${upstream.name} defines ${name}, a name the gateway reserves`);
  }
  for (const coordinate of Object.keys(LOCAL_OPERATIONS)) {
    if (coordinate in upstream.operations) throw new SchemaPolicyError(coordinate, `upstream ${upstream.name} lists ${coordinate}, an operation the gateway serves itself`);
  }
  const subjectKeys = checkOverlay(schema, upstream);
  const policy = compileUpstreamPolicy(applyOverlay(schema, upstream.types), subjectKeys);
  return { config: upstream, executors, schema, subjectKeys, policy };
}

function mergeDisjoint<V>(maps: Iterable<ReadonlyMap<string, V>>, what: string): Map<string, V> {
  const merged = new Map<string, V>();
  for (const map of maps) {
    for (const [key, value] of map) {
      if (merged.has(key)) throw new SchemaPolicyError(key, `${what} ${key} is configured by two upstreams`);
      merged.set(key, value);
    }
  }
  return merged;
}

/** The non-root object types of an upstream schema (introspection types excluded). */
function upstreamObjectTypes(schema: GraphQLSchema): string[] {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((type) => type != null).map((type) => type.name));
  return Object.values(schema.getTypeMap()).filter((type) => isObjectType(type) && !type.name.startsWith('__') && !roots.has(type.name)).map((type) => type.name);
}

function rootFieldFilter(upstream: UpstreamConfig) {
  return (operation: 'Query' | 'Mutation' | 'Subscription', fieldName: string) => `${operation}.${fieldName}` in upstream.operations;
}

export async function buildUpstreamMode(config: GatewayModeConfig, logger: Logger): Promise<UpstreamMode> {
  const forwarded = new ForwardedHeaders(new Set(config.upstreams.flatMap((upstream) => upstream.forwardHeaders)));
  const prepared = await Promise.all(config.upstreams.map((upstream) => prepareUpstream(upstream, logger, forwarded)));
  const subjectKeys = mergeDisjoint(prepared.map((upstream) => upstream.subjectKeys), 'the subject key of');
  const fields = mergeDisjoint<FieldPolicy>(prepared.map((upstream) => upstream.policy.fields as ReadonlyMap<Coordinate, FieldPolicy>), 'the annotation of');
  const policy: Policy = Object.freeze({ fields, subjectTypes: new Set(prepared.flatMap((upstream) => [...upstream.policy.subjectTypes])) });
  const operations = Object.fromEntries(mergeDisjoint([
    new Map(Object.entries(LOCAL_OPERATIONS)),
    ...prepared.map((upstream) => new Map(Object.entries(upstream.config.operations))),
  ], 'the operation'));
  const consents = new SubjectConsentCache();
  const stitched = stitchSchemas<GatewayContext>({
    subschemas: prepared.map((upstream) => ({
      name: upstream.config.name,
      schema: upstream.schema,
      executor: upstream.executors.executor,
      transforms: [new FilterRootFields(rootFieldFilter(upstream.config)), new SubjectKeyTransform(policy, subjectKeys)],
    })),
    typeDefs: localTypeDefs,
    resolvers: localResolvers(consents),
  });
  const upstreamOperations = new Set(prepared.flatMap((upstream) => Object.keys(upstream.config.operations)));
  const upstreamTypes = new Set(prepared.flatMap((upstream) => upstreamObjectTypes(upstream.schema)));
  const schema = applyShield(enforceUpstreamFieldPolicies(stitched, policy, consents, upstreamOperations, upstreamTypes), operations);
  logger.info({ upstreams: prepared.map((upstream) => upstream.config.name), annotatedFields: fields.size }, 'gateway mode: upstream schemas loaded');
  return {
    schema,
    policy,
    operations,
    visible: visibleSchemas(schema, policy, operations),
    plugins: [forwarded.plugin(), reservedAliasPlugin(), upstreamGpcPlugin(consents)],
    async ping() {
      await Promise.all(prepared.map((upstream) => upstream.executors.ping()));
    },
  };
}
