/**
 * The data map / record of processing, generated from the compiled Policy and the registries: the
 * same objects enforcement reads, so the documentation cannot drift from what is enforced. Which roles
 * see a field in clear is derived by asking decide's request stage, not restated here.
 */
import { CATEGORY_REGISTRY } from '../policy/categories';
import { decideForRequest } from '../policy/decide';
import { LOOKUP_KEYS } from '../policy/identification';
import { OPERATIONS } from '../policy/operations';
import { PURPOSE_REGISTRY, PURPOSES, type Purpose } from '../policy/purposes';
import { ROLE_TABLE, ROLES, type Role } from '../policy/roles';
import type { FieldPolicy, Policy } from '../policy/types';

export interface PrivacyManifest {
  generatedFrom: string;
  purposes: { name: Purpose; legalBasis: string; consent: string; dataUse: string; description: string }[];
  fields: {
    type: string; field: string; category: string; fidesCategory: string; purposes: Purpose[]; dataUses: string[];
    redact: string; roles: Role[]; encryptedAtRest: boolean;
  }[];
  roles: {
    name: Role; readsRecords: string; clearData: string; purposes: Purpose[]; aggregates: boolean;
    /** Every coordinate of the operations table the role may use (queries, gated fields, mutations). */
    operations: string[];
    writes: string[];
  }[];
  /** Lookups by a direct identifier, and who may perform them under which purpose. */
  identification: { key: string; argument: string; allowed: { role: Role; purpose: Purpose }[] }[];
}

/** The coordinates of the operations table a role may use: the same rows the shield gate is built from. */
export function operationsOfRole(role: Role): string[] {
  return Object.entries(OPERATIONS)
    .filter(([, rule]) => rule.roles === 'public' || rule.roles.includes(role))
    .map(([coordinate]) => coordinate)
    .sort();
}

/** Roles that can see the field in clear for at least one purpose they may act under (consent permitting). */
export function rolesSeeingInClear(field: FieldPolicy): Role[] {
  return ROLES.filter((role) => {
    const definition = ROLE_TABLE[role];
    if (definition.clearData === 'own-record') return true;
    return definition.purposes.some((purpose) => {
      const decision = decideForRequest(field, { sub: 'manifest', role, purposes: [purpose], scopes: [], partnerId: null }, purpose);
      return (decision.kind === 'final' && decision.decision.kind === 'allow') || (decision.kind === 'consent' && decision.thenRedact === null);
    });
  });
}

export function buildManifest(policy: Policy): PrivacyManifest {
  return {
    generatedFrom: 'GraphQL schema @pii/@purpose directives',
    purposes: PURPOSES.map((name) => {
      const { legalBasis, consent, dataUse, description } = PURPOSE_REGISTRY[name];
      return { name, legalBasis, consent, dataUse, description };
    }),
    fields: [...policy.fields.values()]
      .sort((a, b) => a.coordinate.localeCompare(b.coordinate))
      .map((field) => ({
        type: field.type,
        field: field.field,
        category: field.category,
        fidesCategory: CATEGORY_REGISTRY[field.category].fidesKey,
        purposes: [...field.purposes],
        dataUses: field.purposes.map((purpose) => PURPOSE_REGISTRY[purpose].dataUse),
        redact: field.redact,
        roles: rolesSeeingInClear(field),
        encryptedAtRest: CATEGORY_REGISTRY[field.category].encryptAtRest,
      })),
    roles: ROLES.map((name) => {
      const role = ROLE_TABLE[name];
      const operations = operationsOfRole(name);
      return {
        name, readsRecords: role.readsRecords, clearData: role.clearData, purposes: [...role.purposes],
        aggregates: operations.includes('Query.segmentReport'),
        operations,
        writes: operations.filter((coordinate) => coordinate.startsWith('Mutation.')),
      };
    }),
    identification: Object.values(LOOKUP_KEYS).map((key) => ({
      key: key.coordinate, argument: key.argument, allowed: key.allowed.map((entry) => ({ ...entry })),
    })),
  };
}

const cell = (value: string): string => value.replace(/\|/g, '\\|');

/** A readable record-of-processing document. */
export function manifestToMarkdown(manifest: PrivacyManifest): string {
  const lines = [
    '# Record of processing — Privacy Gateway',
    '',
    `Generated from: ${manifest.generatedFrom}.`,
    '',
    '## Purposes',
    '',
    '| purpose | legal basis | consent | data use | description |',
    '| --- | --- | --- | --- | --- |',
    ...manifest.purposes.map((p) => `| ${p.name} | ${p.legalBasis} | ${p.consent} | ${p.dataUse} | ${cell(p.description)} |`),
    '',
    '## Personal data fields',
    '',
    '| field | category | fides category | purposes | redaction | roles in clear | encrypted at rest |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...manifest.fields.map((f) => `| ${f.type}.${f.field} | ${f.category} | ${f.fidesCategory} | ${f.purposes.join(', ')} | ${f.redact} | ${f.roles.join(', ')} | ${f.encryptedAtRest ? 'yes' : 'no'} |`),
    '',
    '## Roles',
    '',
    '| role | reads records | personal data in clear | purposes | aggregates | writes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...manifest.roles.map((r) => `| ${r.name} | ${cell(r.readsRecords)} | ${r.clearData} | ${r.purposes.join(', ') || '—'} | ${r.aggregates ? 'yes' : 'no'} | ${cell(r.writes.join(', ')) || '—'} |`),
    '',
    '## Identification (lookup by a direct identifier)',
    '',
    '| key | argument | who may, under which purpose |',
    '| --- | --- | --- |',
    ...manifest.identification.map((i) => `| ${i.key} | ${cell(i.argument)} | ${i.allowed.map((a) => `${a.role} (${a.purpose})`).join(', ')} |`),
    '',
  ];
  return lines.join('\n');
}
