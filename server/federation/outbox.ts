/**
 * The persistent federation outbox. Envelopes to peers are written to the store (in the
 * same transaction as the change that causes them, where the store holds that change),
 * and delivered by whichever node holds the outbox lease: oldest first, each failure that
 * may pass retried later with exponential backoff, so deliveries survive restarts and a
 * peer that was down for hours still gets everything once it is back. A peer drops an
 * envelope it already received (by id), so a retry never shows anything twice.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../options.js';
import type { MetadataStore, OutboxEntry, ShareRecord } from '../store/metadata-store.js';
import { serializeEnvelope, type Envelope } from './envelope.js';
import { mayRetry, type DeliveryResult } from './outbound.js';

/** Name of the lease the delivery job runs under. */
export const OUTBOX_LEASE = 'federation-outbox';

/** Tunables of {@link FederationOutbox}. */
export interface OutboxOptions {
  /** How often the lease holder looks for envelopes that are due. @default 1000 */
  pollIntervalMs?: number;
  /** Wait before the first retry; each later one waits twice as long. @default 1000 */
  baseDelayMs?: number;
  /** Longest wait between two attempts. @default 60000 */
  maxDelayMs?: number;
  /** Envelopes still undelivered after this long are given up. @default 7 days */
  maxAgeMs?: number;
  /** Envelopes sent per pass. @default 100 */
  batchSize?: number;
}

/** Delivers one envelope to one peer, once; never throws. */
export type Deliver = (peer: string, envelope: Envelope) => Promise<DeliveryResult>;

/** A new outbox entry for `envelope` to `peer`, first due at `dueAt`. */
export function outboxEntry(
  peer: string,
  envelope: Envelope,
  now: number,
  dueAt = now,
): OutboxEntry {
  return {
    id: randomBytes(16).toString('hex'),
    peer,
    envelope: serializeEnvelope(envelope),
    attempts: 0,
    next_attempt_at: dueAt,
    created_at: now,
  };
}

/**
 * Stores the share through which a file is offered to peer instances, and queues the
 * envelopes that offer it, in one transaction; unless the file was offered already or
 * had shares revoked. Returns whether it was stored: a file is federated once, and never
 * again after its sender revoked it (a re-upload must not undo that).
 */
export async function offerFile(
  store: MetadataStore,
  share: ShareRecord,
  entries: readonly OutboxEntry[] = [],
): Promise<boolean> {
  try {
    return await store.transaction(async (tx) => {
      if (await tx.shares.hasRevoked(share.file_id)) return false;
      // The offer row refers to the share, so the share goes first; when the file turns
      // out to be offered already (by another node, perhaps at this very moment), the
      // whole transaction is rolled back.
      await tx.shares.create(share);
      if (!(await tx.federation.markOffered(share.file_id, share.id, share.created_at))) {
        throw ALREADY_OFFERED;
      }
      await tx.federation.enqueue(entries);
      return true;
    });
  } catch (error) {
    if (error === ALREADY_OFFERED) return false;
    throw error;
  }
}

const ALREADY_OFFERED = new Error('file already offered');

/** Revokes every share of a file and queues the notices to peers, in one transaction. */
export function revokeFileShares(
  store: MetadataStore,
  fileId: string,
  now: number,
  entries: readonly OutboxEntry[],
): Promise<number> {
  return store.transaction(async (tx) => {
    const revoked = await tx.shares.revokeAll(fileId, now);
    await tx.federation.enqueue(entries);
    return revoked;
  });
}

/** The delivery job of the outbox. */
export class FederationOutbox {
  private readonly pollIntervalMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAgeMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      store: MetadataStore;
      deliver: Deliver;
      logger: Logger;
      now: () => number;
    },
    options: OutboxOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 7 * 24 * 60 * 60_000;
    this.batchSize = options.batchSize ?? 100;
  }

  /** Starts looking for due envelopes every `pollIntervalMs`. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.kick(), this.pollIntervalMs);
    this.timer.unref();
    void this.kick();
  }

  /** Runs a delivery pass now (or once more after the one in progress). */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.deps.store.withLease(OUTBOX_LEASE, () => this.pass());
        } while (this.again && !this.stopped);
      } catch (error) {
        this.deps.logger.error('federation outbox: delivery pass failed', error);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Resolves once no delivery pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** The wait before attempt `attempts + 1`. */
  delayAfter(attempts: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  }

  /**
   * Records the outcome of one attempt at an entry: delivered or hopeless entries leave
   * the outbox, the others are tried again later.
   */
  async settle(entry: OutboxEntry, result: DeliveryResult): Promise<void> {
    const { store, now, logger } = this.deps;
    const at = now();
    if (result.delivered) return store.federation.dequeue(entry.id);
    const attempts = entry.attempts + 1;
    if (!mayRetry(result) || at - entry.created_at > this.maxAgeMs) {
      logger.warn(
        `federation: envelope to ${entry.peer} given up after ${attempts} attempt(s) (${result.status ?? 'no answer'} ${result.code ?? ''})`.trim(),
      );
      return store.federation.dequeue(entry.id);
    }
    await store.federation.reschedule(entry.id, attempts, at + this.delayAfter(attempts));
  }

  /** Stops the job and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  private async pass(): Promise<void> {
    const due = await this.deps.store.federation.due(this.deps.now(), this.batchSize);
    // One unreachable peer costs one attempt per pass, not one per queued envelope.
    const failing = new Set<string>();
    for (const entry of due) {
      if (this.stopped) return;
      if (failing.has(entry.peer)) continue;
      const result = await this.deps.deliver(entry.peer, JSON.parse(entry.envelope) as Envelope);
      await this.settle(entry, result);
      if (!result.delivered && mayRetry(result)) failing.add(entry.peer);
    }
    if (due.length === this.batchSize && failing.size === 0) this.again = true;
  }
}
