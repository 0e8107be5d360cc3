/**
 * A piece cache whose browser "runs out of quota": while `failures` is above zero, each
 * batch commit fails with the `QuotaExceededError` a full origin gets, before anything is
 * written. The quota paths of the cache and the client are tested against it.
 */
import {
  PieceCache,
  type PendingPiece,
  type PutPieceResult,
} from '../../../src/workers/piece-cache.js';

/** A {@link PieceCache} that fails the next `failures` commits as a full quota would. */
export class QuotaFailingCache extends PieceCache {
  /** Commits still to fail. */
  failures = 0;

  protected override async writeBatch(batch: PendingPiece[]): Promise<PutPieceResult[]> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    return super.writeBatch(batch);
  }
}
