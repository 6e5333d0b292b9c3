/**
 * The annotation overlay: lays the configured `@pii` / `@purpose` annotations onto upstream schema
 * coordinates, after checking that every coordinate the configuration names exists in that
 * upstream's schema. The annotations are attached as directive extensions (the form graphql-tools'
 * `getDirective` reads for code-first schemas), so the very same directive readers that compile
 * managed mode's policy compile this one. Pure: a new schema out, the input untouched.
 *
 * Every problem stops start-up with a SchemaPolicyError naming the coordinate.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLObjectType, getNamedType, isLeafType, isObjectType, type GraphQLSchema } from 'graphql';
import { SchemaPolicyError } from '../../directives/errors';
import type { TypeAnnotation, UpstreamConfig } from './gatewayConfig';

/** Subject key per type name: the field whose value is the id of the data subject a record belongs to. */
export type SubjectKeys = ReadonlyMap<string, string>;

function objectType(schema: GraphQLSchema, typeName: string, upstream: string): GraphQLObjectType {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new SchemaPolicyError(typeName, `upstream ${upstream} has no object type ${typeName}`);
  return type;
}

function checkType(schema: GraphQLSchema, typeName: string, annotation: TypeAnnotation, upstream: string): void {
  const type = objectType(schema, typeName, upstream);
  const fields = type.getFields();
  for (const fieldName of Object.keys(annotation.fields)) {
    if (fields[fieldName] === undefined) throw new SchemaPolicyError(`${typeName}.${fieldName}`, `upstream ${upstream} has no field ${typeName}.${fieldName}`);
  }
  if (annotation.subjectKey === undefined) {
    if (Object.keys(annotation.fields).length > 0) {
      throw new SchemaPolicyError(typeName, `type ${typeName} has @pii fields but no subjectKey naming the field that identifies its data subject`);
    }
    return;
  }
  const key = fields[annotation.subjectKey];
  const keyCoordinate = `${typeName}.${annotation.subjectKey}`;
  if (key === undefined) throw new SchemaPolicyError(keyCoordinate, `subject key: upstream ${upstream} has no field ${keyCoordinate}`);
  if (!isLeafType(getNamedType(key.type)) || key.args.length > 0) {
    throw new SchemaPolicyError(keyCoordinate, 'a subject key must be a scalar field without arguments');
  }
}

function checkOperations(schema: GraphQLSchema, upstream: UpstreamConfig): void {
  for (const [coordinate, rule] of Object.entries(upstream.operations)) {
    const [typeName, fieldName, ...rest] = coordinate.split('.');
    if (typeName === undefined || fieldName === undefined || rest.length > 0) throw new SchemaPolicyError(coordinate, 'operations are keyed by Type.field');
    if (typeName === 'Subscription') throw new SchemaPolicyError(coordinate, 'subscriptions are not supported in gateway mode');
    const field = objectType(schema, typeName, upstream.name).getFields()[fieldName];
    if (field === undefined) throw new SchemaPolicyError(coordinate, `upstream ${upstream.name} has no field ${coordinate}`);
    if (rule.ownSubjectArg !== undefined && !field.args.some((arg) => arg.name === rule.ownSubjectArg)) {
      throw new SchemaPolicyError(coordinate, `ownSubjectArg: ${coordinate} has no argument ${rule.ownSubjectArg}`);
    }
  }
}

/** Checks one upstream's configuration against its own schema; returns its subject keys. */
export function checkOverlay(upstreamSchema: GraphQLSchema, upstream: UpstreamConfig): Map<string, string> {
  checkOperations(upstreamSchema, upstream);
  const keys = new Map<string, string>();
  for (const [typeName, annotation] of Object.entries(upstream.types)) {
    checkType(upstreamSchema, typeName, annotation, upstream.name);
    if (annotation.subjectKey !== undefined) keys.set(typeName, annotation.subjectKey);
  }
  return keys;
}

function withDirectives<T extends { extensions?: unknown }>(config: T, directives: Record<string, unknown[]>): T {
  const extensions = (config.extensions ?? {}) as Record<string, unknown>;
  const existing = (extensions.directives ?? {}) as Record<string, unknown[]>;
  return { ...config, extensions: { ...extensions, directives: { ...existing, ...directives } } };
}

/** A new schema carrying the annotations of `types` as `@pii` / `@purpose` directive extensions. */
export function applyOverlay(schema: GraphQLSchema, types: Readonly<Record<string, TypeAnnotation>>): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      const allowed = types[type.name]?.purposes;
      return allowed === undefined ? type : new GraphQLObjectType(withDirectives(type.toConfig(), { purpose: [{ allowed }] }));
    },
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const annotation = types[typeName]?.fields[fieldName];
      if (annotation === undefined) return fieldConfig;
      const directives: Record<string, unknown[]> = { pii: [{ category: annotation.category, redact: annotation.redact ?? 'NULL' }] };
      if (annotation.purposes !== undefined) directives.purpose = [{ allowed: annotation.purposes }];
      return withDirectives(fieldConfig, directives);
    },
  });
}
