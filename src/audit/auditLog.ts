/**
 * Appends audit events to the hash chain in the `audit` collection.
 *
 * Appends are serialized within the process: requests hand their batch to a queue, and one flush
 * at a time links every queued batch onto the chain head and writes them with a single insertMany
 * (group commit: concurrent requests share one durable write instead of queuing one fsync each). A
 * flush first yields one turn of the event loop so that requests finishing together share it.
 * A batch's promise resolves only once its events are stored, so the audit plugin can hold the
 * response until then.
 *
 * Pipelined appends (the embedded store, whose `audit` collection has chained appends committed by a
 * writer thread: src/store/chainedAppend.ts): the log links the next batch onto the optimistic head
 * (the tail of the batch before it, committed or not) and sends it while earlier batches are still
 * being committed. The store commits batches in order and only onto the head they were linked
 * onto, so a batch linked onto one that failed is refused whole and nothing of it is stored. After
 * any failure the log links nothing until every batch already sent has settled, then re-reads the
 * head from the store: later events never link onto events that were not stored. The batch whose
 * write failed fails its requests (closed); a batch refused only because the head moved under it (its
 * predecessor failed, or another process appended) is re-linked and sent again, a few times at most.
 *
 * Several processes on one MongoDB database: the _id of an event is its zero-padded sequence number,
 * so two writers can never store two events at the same chain position (duplicate key). The loser
 * re-reads the head, keeps whatever of its batch did get stored, and re-links the rest after the
 * new head; the chain stays linear.
 */
import { ChainConflictError, chainedAppendsOf, type ChainedAppends, type ChainLink } from '../store/chainedAppend';
import type { Collection } from '../store/port';
import { auditIdOf, chainEvent, type AuditEventDocument, type AuditEventDraft } from './auditEvent';

type Head = { seq: number; hash: string } | null;

interface Pending {
  drafts: AuditEventDraft[];
  /** Times this batch was refused because the chain head had moved (pipelined appends only). */
  conflicts: number;
  resolve: (events: AuditEventDocument[]) => void;
  reject: (error: unknown) => void;
}

/** How often a flush re-links after losing a race to another writer before giving up. */
const MAX_ATTEMPTS = 5;
/**
 * Pipelined appends: batches sent and not yet settled. The writer commits every batch waiting for it
 * in one transaction (one fsync), so sending early costs nothing; the bound only caps the retries a
 * failure can set off.
 */
const MAX_IN_FLIGHT = 16;

export class AuditLogWriteError extends Error {
  override name = 'AuditLogWriteError';
}

export class AuditLog {
  /** The chain head as this process last wrote or read it; null until loaded (and after a failure). */
  private head: Head | undefined;
  private queue: Pending[] = [];
  private flushing = false;
  private readonly chained: ChainedAppends<AuditEventDocument> | null;
  /** Pipelined batches sent and not yet settled; their promises never reject. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly collection: Collection<AuditEventDocument>) {
    this.chained = chainedAppendsOf(collection);
  }

  /** Stores the drafts as consecutive events of the chain; resolves with the stored events. */
  append(drafts: readonly AuditEventDraft[]): Promise<AuditEventDocument[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ drafts: [...drafts], conflicts: 0, resolve, reject });
      void this.flushAll();
    });
  }

  private async flushAll(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        // Let every request that finishes in this turn of the event loop join the batch: with a store
        // whose writes are synchronous (the embedded SQLite), nothing else could queue during a write,
        // and each request would pay its own fsync while blocking all the others.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.chained !== null) {
          await this.sendPipelined(this.chained);
          continue;
        }
        const batch = this.queue;
        this.queue = [];
        try {
          const stored = await this.write(batch.flatMap((pending) => pending.drafts));
          let offset = 0;
          for (const pending of batch) {
            pending.resolve(stored.slice(offset, offset + pending.drafts.length));
            offset += pending.drafts.length;
          }
        } catch (error) {
          this.head = undefined;
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Links the queued batches onto the head and sends them, waiting first for a free slot and, after
   * a failure, for every batch in flight to settle and the head to be re-read from the store.
   */
  private async sendPipelined(chained: ChainedAppends<AuditEventDocument>): Promise<void> {
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.head === undefined) await Promise.all(this.inFlight);
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const after = this.head === undefined ? await this.loadHead() : this.head;
      const events = this.link(batch.flatMap((pending) => pending.drafts), after);
      this.head = { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
      const link: ChainLink | null = after === null ? null : { _id: auditIdOf(after.seq), hash: after.hash };
      const settled: Promise<void> = chained.insertChained(events, link).then(
        () => this.resolveBatch(batch, events),
        (error: unknown) => this.pipelinedFailure(batch, error),
      ).finally(() => this.inFlight.delete(settled));
      this.inFlight.add(settled);
    } catch (error) {
      this.head = undefined;
      for (const pending of batch) pending.reject(error);
    }
  }

  private resolveBatch(batch: Pending[], stored: AuditEventDocument[]): void {
    let offset = 0;
    for (const pending of batch) {
      pending.resolve(stored.slice(offset, offset + pending.drafts.length));
      offset += pending.drafts.length;
    }
  }

  /**
   * A pipelined batch was not stored. The head is unknown until every batch in flight has settled
   * (each is refused if it linked onto this one). Refused for a moved head: sent again, re-linked.
   */
  private pipelinedFailure(batch: Pending[], error: unknown): void {
    this.head = undefined;
    const retry = error instanceof ChainConflictError ? batch.filter((pending) => pending.conflicts + 1 < MAX_ATTEMPTS) : [];
    const failure = new AuditLogWriteError(`audit write failed: ${error instanceof Error ? error.name : 'unknown error'}`);
    for (const pending of batch) if (!retry.includes(pending)) pending.reject(failure);
    if (retry.length === 0) return;
    for (const pending of retry) pending.conflicts += 1;
    this.queue.unshift(...retry);
    void this.flushAll();
  }

  private async loadHead(): Promise<Head> {
    const last = await this.collection.findOne({}, { sort: { _id: -1 } });
    return last === null ? null : { seq: last.seq, hash: last.hash };
  }

  private link(drafts: AuditEventDraft[], head: Head): AuditEventDocument[] {
    const events: AuditEventDocument[] = [];
    let previous = head;
    for (const draft of drafts) {
      const event = chainEvent(draft, previous);
      events.push(event);
      previous = event;
    }
    return events;
  }

  private async write(drafts: AuditEventDraft[]): Promise<AuditEventDocument[]> {
    const stored: AuditEventDocument[] = [];
    let remaining = drafts;
    for (let attempt = 1; remaining.length > 0; attempt += 1) {
      const head = this.head === undefined ? await this.loadHead() : this.head;
      const events = this.link(remaining, head);
      try {
        await this.collection.insertMany(events);
        stored.push(...events);
        this.head = { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
        return stored;
      } catch (error) {
        // Which of ours made it (an ordered insert may stop part-way), and did someone else write?
        const landed = await this.landedPrefix(events);
        stored.push(...landed);
        remaining = remaining.slice(landed.length);
        const newHead = await this.loadHead();
        const anotherWriter = newHead !== null && newHead.hash !== (landed.at(-1)?.hash ?? head?.hash);
        this.head = newHead;
        if (remaining.length === 0) return stored;
        if (!anotherWriter || attempt >= MAX_ATTEMPTS) {
          throw new AuditLogWriteError(`audit write failed: ${error instanceof Error ? error.name : 'unknown error'}`);
        }
      }
    }
    return stored;
  }

  /** The leading events of `events` that are stored exactly as we built them. */
  private async landedPrefix(events: AuditEventDocument[]): Promise<AuditEventDocument[]> {
    let found: AuditEventDocument[];
    try {
      found = await this.collection.find({ _id: { $in: events.map((event) => event._id) } });
    } catch {
      return [];
    }
    const byId = new Map(found.map((event) => [event._id, event.hash]));
    const landed: AuditEventDocument[] = [];
    for (const event of events) {
      if (byId.get(event._id) !== event.hash) break;
      landed.push(event);
    }
    return landed;
  }
}
