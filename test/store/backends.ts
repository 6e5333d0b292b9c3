/**
 * The store backends the conformance suites run against: the embedded store always, MongoDB whenever
 * MONGODB_URI is set (each test gets its own database, dropped afterwards). Nothing is faked: the
 * MongoDB backend talks to a real server through the official driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { EmbeddedStore } from '../../src/store/embedded';
import { MongoStore } from '../../src/store/mongo';
import type { Document, Store } from '../../src/store/port';

/** One isolated instance of a backend: open it (again) to test what survives a restart. */
export interface BackendInstance {
  open(): Promise<Store>;
  /** The embedded store's directory (durability tests tear its log); undefined for MongoDB. */
  dataDir?: string;
  dispose(): Promise<void>;
}

export interface Backend {
  name: 'embedded' | 'mongodb';
  create(): BackendInstance;
}

const silent = pino({ level: 'silent' });

const embedded: Backend = {
  name: 'embedded',
  create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'pg-conformance-'));
    return {
      dataDir,
      open: () => EmbeddedStore.open({ dataDir }),
      async dispose() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

let databases = 0;

function mongo(uri: string): Backend {
  return {
    name: 'mongodb',
    create() {
      databases += 1;
      const dbName = `conformance_${process.pid}_${Date.now()}_${databases}`;
      return {
        open: () => MongoStore.connect({ uri, dbName, logger: silent, serverSelectionTimeoutMS: 5_000 }),
        async dispose() {
          const client = await MongoClient.connect(uri);
          try {
            await client.db(dbName).dropDatabase();
          } finally {
            await client.close();
          }
        },
      };
    },
  };
}

const uri = process.env.MONGODB_URI;
export const BACKENDS: Backend[] = uri === undefined || uri === '' ? [embedded] : [embedded, mongo(uri)];

/** A small customers-shaped fixture covering nested documents, arrays, missing fields and nulls. */
export const PEOPLE: Document[] = [
  { _id: 'c01', email: 'ada@example.com', country: 'DE', tier: 'GOLD', ltv: 1200, orders: 12, interests: ['books', 'outdoor'], consents: { MARKETING: { status: 'GRANTED' }, ANALYTICS: { status: 'DENIED' } } },
  { _id: 'c02', email: 'bob@example.com', country: 'FR', tier: 'BRONZE', ltv: 80, orders: 1, interests: ['gaming'], consents: { MARKETING: { status: 'DENIED' } } },
  { _id: 'c03', email: 'cy@example.com', country: 'DE', tier: 'SILVER', ltv: 450.5, orders: 5, interests: ['outdoor', 'travel'], consents: {} },
  { _id: 'c04', email: 'di@example.com', country: 'US', tier: 'GOLD', ltv: 3000, orders: 30, interests: ['books'], consents: { MARKETING: { status: 'GRANTED' }, ANALYTICS: { status: 'WITHDRAWN' } } },
  { _id: 'c05', email: null, country: 'US', tier: 'BRONZE', ltv: 0, orders: 0, interests: [], consents: { MARKETING: { status: 'WITHDRAWN' } }, erasedAt: '2026-01-01T00:00:00.000Z' },
  { _id: 'c06', email: 'eve@example.com', country: 'FR', tier: 'PLATINUM', ltv: 9000, orders: 90, interests: ['travel', 'books', 'music'], consents: { ANALYTICS: { status: 'GRANTED' } } },
  { _id: 'c07', email: 'fay@example.com', country: 'DE', tier: 'BRONZE', ltv: 15, orders: 1, interests: ['music'], consents: { MARKETING: { status: 'GRANTED' } } },
  { _id: 'c08', email: 'gus@example.com', country: 'GB', tier: 'SILVER', ltv: 700, orders: 7, interests: ['outdoor'], consents: { PERSONALIZATION: { status: 'GRANTED' } } },
];

export function ids(docs: readonly { _id: unknown }[]): unknown[] {
  return docs.map((doc) => doc._id);
}
