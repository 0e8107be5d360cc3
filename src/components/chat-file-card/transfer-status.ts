/**
 * What a card says about its transfer: one status line a person reads at a glance, and
 * the detail under the progress bar (bytes, speed, time left).
 */
import { formatBytes } from '../../core/wire/format.js';
import type { TransferSnapshot, TransferState, TransportName } from '../shared/client-api.js';
import { formatDuration, type ChatFilesStrings } from '../shared/strings.js';
import type { RateReading } from '../shared/transfer-rate.js';

/** What the status line needs. */
export interface StatusInput {
  state: TransferState;
  progress: number;
  transport: TransportName | undefined;
  /** The card is the current user's own file. */
  own: boolean;
  waitingFor: string[];
  errorCode: string;
  errorMessage: string;
}

/** Whole-number progress of a snapshot: from bytes when the client reports them. */
export function progressOfSnapshot(snapshot: TransferSnapshot, fileSize: number): number {
  if (snapshot.state === 'complete') return 100;
  const total = snapshot.bytes_total ?? fileSize;
  const value =
    snapshot.bytes_done !== undefined && total > 0
      ? (snapshot.bytes_done / total) * 100
      : snapshot.progress;
  return Math.max(0, Math.min(100, Math.floor(value)));
}

/** The card's status line. */
export function statusText(input: StatusInput, strings: ChatFilesStrings): string {
  switch (input.state) {
    case 'available':
      return input.own ? strings.stateSharedByYou : strings.stateAvailable;
    case 'connecting':
      return strings.stateConnecting;
    case 'waiting':
      return strings.stateWaiting(input.waitingFor);
    case 'transferring':
      return strings.stateTransferring(input.progress);
    case 'complete':
      if (input.own) return strings.stateSharedLocal;
      if (!input.transport || input.transport === 'memory' || input.transport === 'cache')
        return strings.stateLocal;
      return `${strings.stateComplete} · ${strings.via(strings.transportNames[input.transport] ?? input.transport)}`;
    case 'error':
      return `${strings.stateError}: ${strings.errorText(input.errorCode, input.errorMessage)}`;
    case 'unavailable':
      return strings.stateUnavailable;
  }
}

/** "3.1 MB of 12 MB · 1.2 MB/s · 8 s left", the parts that are known. */
export function transferDetail(
  done: number,
  total: number,
  reading: RateReading | null,
  sources: number | undefined,
  strings: ChatFilesStrings,
): string {
  const parts = [strings.bytesOf(formatBytes(done), formatBytes(total))];
  if (reading) {
    parts.push(strings.perSecond(formatBytes(reading.rate)));
    parts.push(strings.timeLeft(formatDuration(Math.ceil(reading.etaSeconds))));
  }
  if (sources !== undefined && sources > 1) parts.push(strings.sources(sources));
  return parts.join(' · ');
}
