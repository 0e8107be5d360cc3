/**
 * What the client reports about a file's transfer: the states the reference card shows,
 * progress, and how the bytes arrived.
 */
import type { ClientErrorCode } from './errors.js';
import type { TransportKind } from './transports/transport.js';

/** States of a file from this client's point of view, as the reference card shows them. */
export type TransferState =
  'available' | 'connecting' | 'transferring' | 'complete' | 'error' | 'unavailable';

/** How the bytes of a complete file arrived. */
export type TransportName = 'memory' | 'cache' | TransportKind | 'federated';

/** A transfer's state at one moment. Snapshots are immutable; a change makes a new one. */
export interface TransferSnapshot {
  file_id: string;
  state: TransferState;
  /** 0–100. */
  progress: number;
  /** Once complete: where most of the bytes came from. While transferring: the current transport. */
  transport?: TransportName;
  /** When `state` is `error` or `unavailable`: why. */
  error?: { code: ClientErrorCode; message: string };
  /** Pieces in the file. */
  total_pieces?: number;
  /** Pieces held so far (verified and stored). */
  held_pieces?: number;
  /** Pieces that were already cached when this transfer started (a resume). */
  resumed_pieces?: number;
  /** Pieces fetched per transport during this transfer. */
  fetched?: Partial<Record<TransportKind, number>>;
  /** Pieces that failed verification and were discarded. */
  rejected_pieces?: number;
  /** The peer currently sending, while transferring (`__server__` for the server). */
  peer?: string;
}

/** The snapshot of a file nothing is known about yet. */
export function availableSnapshot(fileId: string): TransferSnapshot {
  return { file_id: fileId, state: 'available', progress: 0 };
}

/** Whole-number progress of `held` bytes out of `size`. */
export function progressOf(heldBytes: number, size: number): number {
  if (size <= 0) return 0;
  return Math.min(100, Math.floor((heldBytes / size) * 100));
}
