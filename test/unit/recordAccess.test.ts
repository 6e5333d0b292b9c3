/**
 * Customer records are read only through the request's records reader (enforcement/customerRecords.ts).
 * No resolver may query the customers collection, use the customer loader to read, or apply a
 * restriction itself (filter visibility, consent filters, paging): a new resolver that tried would
 * bypass erasure, identification rules, purpose limitation or the audit, so the build fails instead.
 * Outside resolvers, only the store, the encryption layer, the reader and the data-subject operations
 * (consent, erasure, rectification: writes with their own checks) may name the collection. At run time
 * the request context's store refuses customer reads other than one subject by id (recordGuard.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type GatewayContext } from '../../src/admission/context';
import { RecordAccessError } from '../../src/enforcement/recordGuard';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

const CUSTOMERS_COLLECTION = /collection\s*(<[^>]*>)?\s*\(\s*['"`]customers['"`]/;

/** What a resolver must never do, each with a line that does it (the rule must catch it). */
const FORBIDDEN_IN_RESOLVERS: [rule: string, pattern: RegExp, example: string][] = [
  ['queries the customers collection', CUSTOMERS_COLLECTION, "context.services.store.collection<CustomerDocument>('customers').find({})"],
  ['reads through the customer loader', /loaders\.customer\.(load|loadMany|prime)\b/, 'context.loaders.customer.load(args.id)'],
  ['restricts a filter itself', /filterRestriction|visibleFilterConditions|restrictFilterToVisible/, "import { restrictFilterToVisible } from '../src/enforcement/filterRestriction';"],
  ['applies consent itself', /consentModel|consentFilter|consentAllowsFilter|consentAllows\b/, "import { consentAllowsFilter } from '../src/privacy/segmentFilter';"],
  ['pages customers itself', /customerPage/, "import { customerPage } from '../src/enforcement/customerPage';"],
  ['excludes erased subjects itself', /NOT_ERASED|erasedAt/, 'return customer.erasedAt === undefined ? customer : null;'],
];

const MAY_NAME_CUSTOMERS = [
  /^src\/store\//, /^src\/crypto\//,
  /^src\/enforcement\/customerRecords\.ts$/,
  /^src\/privacy\/(consent|erasure|rectification)\.ts$/,
  // Development only (absent in production): picks a demo subject's id for a customer token.
  /^src\/http\/devTokens\.ts$/,
];

describe('customer records are read only through the records reader', () => {
  const resolverFiles = sources('resolvers');

  it('finds the resolvers', () => {
    expect(resolverFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(FORBIDDEN_IN_RESOLVERS)('no resolver %s', (_rule, pattern, example) => {
    expect(pattern.test(example)).toBe(true);
    const offenders = resolverFiles.filter((file) => pattern.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('outside resolvers, only the store, encryption, the reader and data-subject writes name the customers collection', () => {
    const offenders = sources('src')
      .filter((file) => CUSTOMERS_COLLECTION.test(readFileSync(join(ROOT, file), 'utf8')))
      .filter((file) => !MAY_NAME_CUSTOMERS.some((allowed) => allowed.test(file)));
    expect(offenders).toEqual([]);
  });
});

describe('at run time, the request context cannot read customer records around the reader', () => {
  let gw: TestGateway;
  let context: GatewayContext;
  let someone: string;

  beforeAll(async () => {
    gw = await startTestGateway({ customers: 20 });
    const token = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-1' });
    context = await createContext(gw.gateway.services, { authorization: `Bearer ${token}`, purposeHeader: 'MARKETING', gpcHeader: undefined });
    someone = (await gw.store.collection('customers').findOne({}))!._id;
  });
  afterAll(async () => gw?.close());

  const customers = () => context.services.store.collection('customers');

  it.each([
    ['list', () => customers().find({})],
    ['filter', () => customers().find({ country: 'DE' })],
    ['look up by email', () => customers().findOne({ email: 'someone@example.com' })],
    ['count', () => customers().countDocuments({})],
    ['aggregate', () => customers().aggregate([{ $group: { _id: '$country', n: { $sum: 1 } } }])],
  ])('%s on context.services.store rejects with RecordAccessError', async (_name, read) => {
    await expect(read()).rejects.toBeInstanceOf(RecordAccessError);
  });

  it('the reader works, a data-subject operation may read its one subject by id, other collections are untouched', async () => {
    const page = await context.records.page({ where: {}, reads: [], operation: 'Query.customers' }, { first: 3 });
    expect(page.edges).toHaveLength(3);
    expect(await customers().findOne({ _id: someone })).toMatchObject({ _id: someone });
    expect((await context.services.store.collection('segments').find({})).length).toBeGreaterThan(0);
    expect(context.services.store.kind).toBe(gw.store.kind);
  });
});
