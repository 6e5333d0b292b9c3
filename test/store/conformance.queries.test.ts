/**
 * Store port conformance, reads: filters, find options, paging, counts and aggregation pipelines must
 * give the same answers on every backend (embedded always; MongoDB when MONGODB_URI is set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filter, FindOptions, Store } from '../../src/store/port';
import { BACKENDS, ids, PEOPLE, type BackendInstance } from './backends';

describe.each(BACKENDS)('store conformance (reads): $name', (backend) => {
  let instance: BackendInstance;
  let store: Store;

  beforeAll(async () => {
    instance = backend.create();
    store = await instance.open();
    await store.collection('customers').insertMany(PEOPLE);
  });

  afterAll(async () => {
    await store.close();
    await instance.dispose();
  });

  const people = () => store.collection('customers');

  it.each<[string, Filter, string[]]>([
    ['empty filter: everything, in _id order', {}, ['c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08']],
    ['equality on an indexed-style field', { country: 'DE' }, ['c01', 'c03', 'c07']],
    ['equality on _id', { _id: 'c04' }, ['c04']],
    ['$eq', { tier: { $eq: 'GOLD' } }, ['c01', 'c04']],
    ['$in on a field', { country: { $in: ['FR', 'GB'] } }, ['c02', 'c06', 'c08']],
    ['$in on _id (the DataLoader batch), unknown ids ignored', { _id: { $in: ['c07', 'c02', 'nope'] } }, ['c02', 'c07']],
    ['$nin on a field', { country: { $nin: ['DE', 'US'] } }, ['c02', 'c06', 'c08']],
    ['dotted path into a nested document', { 'consents.MARKETING.status': 'GRANTED' }, ['c01', 'c04', 'c07']],
    ['$nin on a dotted path also matches a missing value', { 'consents.ANALYTICS.status': { $nin: ['DENIED', 'WITHDRAWN'] } }, ['c02', 'c03', 'c05', 'c06', 'c07', 'c08']],
    ['$exists: false', { erasedAt: { $exists: false } }, ['c01', 'c02', 'c03', 'c04', 'c06', 'c07', 'c08']],
    ['$exists: true', { erasedAt: { $exists: true } }, ['c05']],
    ['$exists on a dotted path', { 'consents.PERSONALIZATION': { $exists: true } }, ['c08']],
    ['equality on an array matches any element', { interests: 'outdoor' }, ['c01', 'c03', 'c08']],
    ['$in on an array', { interests: { $in: ['music', 'gaming'] } }, ['c02', 'c06', 'c07']],
    ['$all on an array', { interests: { $all: ['books', 'travel'] } }, ['c06']],
    ['$size', { interests: { $size: 0 } }, ['c05']],
    ['null matches null', { email: null }, ['c05']],
    ['$ne null', { email: { $ne: null } }, ['c01', 'c02', 'c03', 'c04', 'c06', 'c07', 'c08']],
    ['ranges on numbers', { ltv: { $gte: 450.5, $lt: 3000 } }, ['c01', 'c03', 'c08']],
    ['$gt on _id (cursor paging)', { _id: { $gt: 'c06' } }, ['c07', 'c08']],
    ['$and', { $and: [{ country: 'DE' }, { tier: { $ne: 'BRONZE' } }] }, ['c01', 'c03']],
    ['$or', { $or: [{ country: 'GB' }, { orders: { $gte: 30 } }] }, ['c04', 'c06', 'c08']],
    ['several fields are AND-ed', { country: 'DE', 'consents.MARKETING.status': 'GRANTED', erasedAt: { $exists: false } }, ['c01', 'c07']],
    ['no match', { country: 'JP' }, []],
  ])('find: %s', async (_name, filter, expected) => {
    expect(ids(await people().find(filter))).toEqual(expected);
    expect(await people().countDocuments(filter)).toBe(expected.length);
  });

  it.each<[string, Filter, FindOptions, unknown[]]>([
    ['sort descending', {}, { sort: { ltv: -1 }, limit: 3 }, [{ _id: 'c06', ltv: 9000 }, { _id: 'c04', ltv: 3000 }, { _id: 'c01', ltv: 1200 }]],
    ['sort on two keys', { country: { $in: ['DE', 'FR'] } }, { sort: { country: 1, ltv: -1 } }, [
      { _id: 'c01', ltv: 1200 }, { _id: 'c03', ltv: 450.5 }, { _id: 'c07', ltv: 15 }, { _id: 'c06', ltv: 9000 }, { _id: 'c02', ltv: 80 }]],
    ['skip and limit after the sort', {}, { sort: { ltv: 1 }, skip: 2, limit: 2 }, [{ _id: 'c02', ltv: 80 }, { _id: 'c03', ltv: 450.5 }]],
  ])('find options: %s', async (_name, filter, options, expected) => {
    const found = await people().find(filter, { ...options, projection: { ltv: 1 } });
    expect(found).toEqual(expected);
  });

  it('projection by inclusion returns _id and the named fields, including dotted paths', async () => {
    const found = await people().findOne({ _id: 'c01' }, { projection: { email: 1, 'consents.MARKETING': 1 } });
    expect(found).toEqual({ _id: 'c01', email: 'ada@example.com', consents: { MARKETING: { status: 'GRANTED' } } });
  });

  it('projection by exclusion drops the named fields only', async () => {
    const found = await people().findOne({ _id: 'c02' }, { projection: { consents: 0, interests: 0, email: 0 } });
    expect(found).toEqual({ _id: 'c02', country: 'FR', tier: 'BRONZE', ltv: 80, orders: 1 });
  });

  it('findOne answers null when nothing matches, and the first in _id order otherwise', async () => {
    expect(await people().findOne({ country: 'JP' })).toBeNull();
    expect((await people().findOne({ country: 'US' }))?._id).toBe('c04');
  });

  it('pages through a filter with _id cursors: every document once, in order', async () => {
    const filter: Filter = { erasedAt: { $exists: false } };
    const seen: unknown[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const pageFilter: Filter = after === null ? filter : { ...filter, _id: { $gt: after } };
      const page = await people().find(pageFilter, { sort: { _id: 1 }, limit: 3 });
      seen.push(...ids(page));
      if (page.length < 3) break;
      after = page.at(-1)!._id;
    }
    expect(seen).toEqual(ids(await people().find(filter)));
    expect(seen).toHaveLength(7);
  });

  it.each<[string, Record<string, unknown>[], unknown[]]>([
    ['$match $group (count, sum, avg) $sort', [
      { $match: { erasedAt: { $exists: false } } },
      { $group: { _id: '$country', n: { $sum: 1 }, ltv: { $sum: '$ltv' }, avgOrders: { $avg: '$orders' } } },
      { $sort: { _id: 1 } },
    ], [
      { _id: 'DE', n: 3, ltv: 1665.5, avgOrders: 6 },
      { _id: 'FR', n: 2, ltv: 9080, avgOrders: 45.5 },
      { _id: 'GB', n: 1, ltv: 700, avgOrders: 7 },
      { _id: 'US', n: 1, ltv: 3000, avgOrders: 30 },
    ]],
    ['$group on a compound key, $sort by count then key, $limit', [
      { $group: { _id: { country: '$country', tier: '$tier' }, n: { $sum: 1 } } },
      { $sort: { n: -1, '_id.country': 1, '_id.tier': 1 } },
      { $limit: 2 },
    ], [{ _id: { country: 'DE', tier: 'BRONZE' }, n: 1 }, { _id: { country: 'DE', tier: 'GOLD' }, n: 1 }]],
    ['$unwind an array, then $group and $sort', [
      { $match: { country: { $in: ['DE', 'FR'] } } },
      { $unwind: '$interests' },
      { $group: { _id: '$interests', n: { $sum: 1 } } },
      { $sort: { n: -1, _id: 1 } },
    ], [{ _id: 'books', n: 2 }, { _id: 'music', n: 2 }, { _id: 'outdoor', n: 2 }, { _id: 'travel', n: 2 }, { _id: 'gaming', n: 1 }]],
    ['$count', [{ $match: { 'consents.MARKETING.status': 'GRANTED' } }, { $count: 'total' }], [{ total: 3 }]],
    ['$count over nothing yields no document', [{ $match: { country: 'JP' } }, { $count: 'total' }], []],
    ['$project inclusion with a computed field, $skip, $limit', [
      { $sort: { _id: 1 } },
      { $skip: 1 },
      { $limit: 2 },
      { $project: { _id: 0, id: '$_id', country: 1 } },
    ], [{ country: 'FR', id: 'c02' }, { country: 'DE', id: 'c03' }]],
    ['$group by null: totals over everything', [
      { $group: { _id: null, n: { $sum: 1 }, maxLtv: { $max: '$ltv' }, minLtv: { $min: '$ltv' } } },
    ], [{ _id: null, n: 8, maxLtv: 9000, minLtv: 0 }]],
    ['$match on a dotted path after a $match on an indexed field', [
      { $match: { country: 'DE' } },
      { $match: { 'consents.MARKETING.status': 'GRANTED' } },
      { $project: { _id: 1 } },
      { $sort: { _id: -1 } },
    ], [{ _id: 'c07' }, { _id: 'c01' }]],
  ])('aggregate: %s', async (_name, pipeline, expected) => {
    const result = await people().aggregate(pipeline);
    expect(result).toEqual(expected);
  });

  it('results are copies or frozen: changing one never changes the store', async () => {
    const [first] = await people().find({ _id: 'c01' });
    // A backend may hand out shared, deeply frozen documents (the embedded store reuses parsed rows):
    // then a change throws; otherwise the result is the caller's own copy.
    const attempts = [
      () => { (first!.consents as Record<string, unknown>).MARKETING = { status: 'DENIED' }; },
      () => { (first!.interests as string[]).push('hacked'); },
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
      }
    }
    expect(await people().find({ _id: 'c01' })).toEqual([expect.objectContaining({ interests: ['books', 'outdoor'] })]);
    expect(await people().findOne({ _id: 'c01' }, { projection: { interests: 1, 'consents.MARKETING': 1 } })).toEqual({
      _id: 'c01', interests: ['books', 'outdoor'], consents: { MARKETING: { status: 'GRANTED' } },
    });
  });

  it('answers ping while open', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
