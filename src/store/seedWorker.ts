/**
 * Generates demo data batches in a worker thread for a large seed, so generation (CPU-heavy: faker)
 * overlaps with encryption and writing on the main thread. The parent asks for each batch (`next`);
 * the worker answers `{ batch }` or `{ done: true }`. Same generator, same sequence as in-thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { demoCustomerBatches } from './seed';

const { count, batchSize } = workerData as { count: number; batchSize: number };
const batches = demoCustomerBatches(count, batchSize);
parentPort!.on('message', () => {
  const next = batches.next();
  parentPort!.postMessage(next.done ? { done: true } : { batch: next.value });
});
