/**
 * What the client reports about a file's transfer: the states the reference card shows,
 * progress, and how the bytes arrived.
 */
import type { ClientErrorCode } from './errors.js';
import type { TransportKind } from './transports/transport.js';

/** States of a file from this client's point of view, as the reference card shows them. */
export type TransferState =
  | 'available'
  | 'connecting'
  /** No online source holds the file; the transfer starts by itself when one appears. */
  | 'waiting'
  | 'transferring'
  | 'complete'
  | 'error'
  | 'unavailable';

/** How the bytes of a complete file arrived. */
export type TransportName = 'memory' | 'cache' | TransportKind | 'federated' | 'swarm';

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
  /** Verified bytes held so far, advanced per frame received (not per piece). */
  bytes_done?: number;
  /** The file's size in bytes. */
  bytes_total?: number;
  /** Smoothed transfer rate in bytes per second, while transferring. */
  rate?: number;
  /** Estimated seconds left, while transferring at a known rate. */
  eta_seconds?: number;
  /** Sources currently serving pieces (peers and the server). */
  sources?: number;
  /** Bytes received per transport during this transfer (the complete event's split). */
  bytes_by_transport?: Partial<Record<TransportKind | 'federated', number>>;
  /** When `state` is `waiting`: users known to hold the file (empty: anyone who has it). */
  waiting_for?: string[];
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
