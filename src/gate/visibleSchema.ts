/**
 * The schema each caller may see: one schema per visibility class (no token, or one per role),
 * filtered once at start-up from the operations table (policy/operations.ts) and the policy, then
 * pruned, so that introspection, GraphiQL and validation only know what a class may use:
 * - root fields: those OPERATIONS grants the class;
 * - for classes that may read no records at all (no token; roles whose `readsRecords` is `none`, i.e.
 *   partners): no field whose type leads to a data subject type (one with @pii fields), wherever it
 *   hangs (e.g. `Segment.members`). A partner's schema has no `Customer` at all.
 *
 * The filter is derived from the same OPERATIONS table as the shield gate and keeps the executable
 * field configs (resolvers, @pii wrappers, gate middleware) untouched, so execution on a visible
 * schema is execution on the full schema, restricted. The gate still runs: it also checks scopes,
 * purposes and own-subject arguments, which the visibility class does not encode.
 *
 * Naming a root field hidden from the caller's schema fails validation ("Cannot query field …");
 * `hiddenOperation` recognises that case so it can be answered like the gate would have answered
 * it — FORBIDDEN for a role, UNAUTHENTICATED without a token — naming only the field the caller typed.
 */
import { filterSchema, pruneSchema } from '@graphql-tools/utils';
import { getNamedType, isInterfaceType, isObjectType, isUnionType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import { OPERATIONS, type OperationRule } from '../policy/operations';
import { ROLE_TABLE, ROLES, type Role } from '../policy/roles';
import type { Caller, Policy } from '../policy/types';

export type Visibility = 'anonymous' | Role;
export const VISIBILITIES: readonly Visibility[] = ['anonymous', ...ROLES];

export function visibilityOf(caller: Caller | null): Visibility {
  return caller === null ? 'anonymous' : caller.role;
}

/** May this class ever use the root operation at `coordinate` (e.g. "Query.customers")? Unknown means no. */
export function mayUseOperation(visibility: Visibility, coordinate: string, operations: Readonly<Record<string, OperationRule>> = OPERATIONS): boolean {
  const rule = operations[coordinate];
  if (rule === undefined) return false;
  if (rule.roles === 'public') return true;
  return visibility !== 'anonymous' && rule.roles.includes(visibility);
}

/** Classes that may read no record at all never see a type that holds personal data. */
function readsNoRecords(visibility: Visibility): boolean {
  return visibility === 'anonymous' || ROLE_TABLE[visibility].readsRecords === 'none';
}

/** Names of the types from which a data subject type (policy.subjectTypes) can be reached. */
function typesLeadingToSubjects(schema: GraphQLSchema, policy: Policy): Set<string> {
  const memo = new Map<string, boolean>();
  const leads = (type: GraphQLNamedType, visiting: Set<string>): boolean => {
    const known = memo.get(type.name);
    if (known !== undefined) return known;
    if (policy.subjectTypes.has(type.name)) return true;
    if (visiting.has(type.name)) return false;
    visiting.add(type.name);
    let children: GraphQLNamedType[] = [];
    if (isObjectType(type) || isInterfaceType(type)) children = Object.values(type.getFields()).map((field) => getNamedType(field.type));
    else if (isUnionType(type)) children = [...type.getTypes()];
    const result = children.some((child) => leads(child, visiting));
    visiting.delete(type.name);
    memo.set(type.name, result);
    return result;
  };
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!type.name.startsWith('__') && leads(type, new Set())) names.add(type.name);
  }
  return names;
}

export interface VisibleSchema {
  schema: GraphQLSchema;
  /** Coordinates of the full schema hidden from this class on types it can still see, and hidden type names. */
  hidden: ReadonlySet<string>;
}

/** A new schema holding only what `visibility` may use (see the module comment). Pure. */
export function visibleSchema(schema: GraphQLSchema, policy: Policy, visibility: Visibility, operations: Readonly<Record<string, OperationRule>> = OPERATIONS): VisibleSchema {
  const rootNames = new Map<string, string>();
  for (const [operation, type] of [['Query', schema.getQueryType()], ['Mutation', schema.getMutationType()], ['Subscription', schema.getSubscriptionType()]] as const) {
    if (type) rootNames.set(operation, type.name);
  }
  const rootTypeNames = new Set(rootNames.values());
  const personal = readsNoRecords(visibility) ? typesLeadingToSubjects(schema, policy) : new Set<string>();
  const filtered = pruneSchema(filterSchema({
    schema,
    rootFieldFilter: (operation, fieldName) => mayUseOperation(visibility, `${rootNames.get(operation) ?? operation}.${fieldName}`, operations),
    objectFieldFilter: (typeName, _fieldName, field) => rootTypeNames.has(typeName) || !personal.has(getNamedType(field.type).name),
    interfaceFieldFilter: (_typeName, _fieldName, field) => !personal.has(getNamedType(field.type).name),
  }));
  const hidden = new Set<string>();
  for (const type of Object.values(filtered.getTypeMap())) {
    const full = schema.getType(type.name);
    if (!(isObjectType(type) || isInterfaceType(type)) || !(isObjectType(full) || isInterfaceType(full))) continue;
    const kept = type.getFields();
    for (const fieldName of Object.keys(full.getFields())) {
      if (kept[fieldName] === undefined) hidden.add(`${type.name}.${fieldName}`);
    }
  }
  // Types of the full schema the class cannot see at all (e.g. a mutation's input type).
  for (const typeName of Object.keys(schema.getTypeMap())) {
    if (!typeName.startsWith('__') && filtered.getType(typeName) === undefined) hidden.add(typeName);
  }
  // A root type emptied entirely (no mutations for this class) is gone from the filtered schema.
  for (const typeName of rootTypeNames) {
    const full = schema.getType(typeName);
    if (filtered.getType(typeName) === undefined && isObjectType(full)) {
      for (const fieldName of Object.keys(full.getFields())) hidden.add(`${typeName}.${fieldName}`);
    }
  }
  return { schema: filtered, hidden };
}

/** Every visibility class with its schema, built once at start-up. */
export function visibleSchemas(schema: GraphQLSchema, policy: Policy, operations: Readonly<Record<string, OperationRule>> = OPERATIONS): Map<Visibility, VisibleSchema> {
  return new Map(VISIBILITIES.map((visibility) => [visibility, visibleSchema(schema, policy, visibility, operations)]));
}

export interface HiddenOperation {
  coordinate: string;
  /** FORBIDDEN for a role that may never use it, UNAUTHENTICATED for a caller without a token. */
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
  message: string;
}

const UNKNOWN_FIELD = /^Cannot query field "([_A-Za-z][_0-9A-Za-z]*)" on type "([_A-Za-z][_0-9A-Za-z]*)"\./;
const UNKNOWN_TYPE = /^Unknown type "([_A-Za-z][_0-9A-Za-z]*)"\./;

/**
 * For a validation message about an unknown field or type: when it exists in the full schema but is
 * hidden from this class, how to answer it. Fields and types that exist nowhere stay plain validation
 * errors (BAD_USER_INPUT); fields of types the class cannot reach never get this far. The answer
 * names only what the caller typed; that a name exists is what FORBIDDEN (the contract's answer for
 * what a role may never touch) necessarily tells.
 */
export function hiddenOperation(message: string, visibility: Visibility, hidden: ReadonlySet<string>): HiddenOperation | null {
  const field = UNKNOWN_FIELD.exec(message);
  const type = field === null ? UNKNOWN_TYPE.exec(message) : null;
  const coordinate = field !== null ? `${field[2]}.${field[1]}` : type !== null ? type[1]! : null;
  if (coordinate === null || !hidden.has(coordinate)) return null;
  if (visibility === 'anonymous') {
    return { coordinate, code: 'UNAUTHENTICATED', message: 'Authentication required: send a valid bearer token' };
  }
  return { coordinate, code: 'FORBIDDEN', message: `Role ${visibility} may not use ${coordinate}` };
}
