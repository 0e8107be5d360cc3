/**
 * Speed and time left of a transfer, for people: measured from the bytes the element sees
 * when the client does not report them, smoothed so the numbers do not flicker, and shown
 * only once a transfer has run long enough for them to mean something.
 */

/** Before this much time has passed the rate says nothing useful and is not shown. */
export const SHOW_RATE_AFTER_MS = 2000;
/** Weight of the newest sample in the moving average (about the last two seconds). */
const SMOOTHING = 0.3;
/** Samples closer together than this are merged: per-frame updates would be all noise. */
const MIN_SAMPLE_MS = 250;

/** What to show next to a progress bar. */
export interface RateReading {
  /** Bytes per second, smoothed. */
  rate: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
}

/** Tracks one transfer's byte count over time. */
export class TransferRate {
  private startedAt = 0;
  private lastAt = 0;
  private lastBytes = 0;
  private smoothed = 0;

  /** Forgets everything (a new transfer, or a restart). */
  reset(): void {
    this.startedAt = 0;
    this.lastAt = 0;
    this.lastBytes = 0;
    this.smoothed = 0;
  }

  /**
   * Records `done` of `total` bytes at `now` and returns the reading, or `null` while the
   * transfer is too young. `reported` rate and eta (from the client) win when given.
   */
  sample(
    done: number,
    total: number,
    now: number,
    reported: { rate?: number; eta_seconds?: number } = {},
  ): RateReading | null {
    if (this.startedAt === 0 || done < this.lastBytes) {
      this.startedAt = now;
      this.lastAt = now;
      this.lastBytes = done;
      this.smoothed = 0;
    }
    const dt = now - this.lastAt;
    if (dt >= MIN_SAMPLE_MS) {
      const instant = ((done - this.lastBytes) * 1000) / dt;
      this.smoothed =
        this.smoothed === 0 ? instant : this.smoothed * (1 - SMOOTHING) + instant * SMOOTHING;
      this.lastAt = now;
      this.lastBytes = done;
    }
    if (now - this.startedAt < SHOW_RATE_AFTER_MS) return null;
    const rate = reported.rate !== undefined && reported.rate > 0 ? reported.rate : this.smoothed;
    if (!(rate > 0)) return null;
    const etaSeconds =
      reported.eta_seconds !== undefined && reported.eta_seconds >= 0
        ? reported.eta_seconds
        : Math.max(0, total - done) / rate;
    return { rate, etaSeconds };
  }
}
