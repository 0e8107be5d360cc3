/**
 * What this client may spend on seeding: a byte rate shared by every upload
 * (`max_upload_rate`, a token bucket) and a number of peers served at once
 * (`max_concurrent_uploads`), so seeding never saturates the user's own connection.
 */

/**
 * Bytes the bucket lets through at once, in milliseconds of the rate. Small enough that the
 * measured rate stays within a few per cent of the cap over a second, large enough that a
 * 64 KiB frame does not wait for a timer per frame at low rates.
 */
const BURST_MS = 50;

/** The limits, as the client API reports them. */
export interface UploadLimits {
  /** Bytes per second for all seeding together; `null` is unlimited. */
  max_upload_rate: number | null;
  /** Peers served at once (data channels and relay sessions together). */
  max_concurrent_uploads: number;
}

/** Shared seeding budget of one client. */
export class UploadBudget {
  private limits: UploadLimits;
  private active = 0;
  /** When the bytes granted so far have been paid for, in `performance.now()` time. */
  private paidUntil = 0;

  constructor(limits: UploadLimits) {
    this.limits = { ...limits };
  }

  /** The current limits. */
  get current(): UploadLimits {
    return { ...this.limits };
  }

  /** Changes the limits; uploads in progress follow the new rate from their next frame. */
  set(limits: Partial<UploadLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  /** Uploads in progress. */
  get activeUploads(): number {
    return this.active;
  }

  /**
   * Takes a slot for one upload, or returns `null` when `max_concurrent_uploads` are
   * already running. The returned function gives the slot back (idempotent).
   */
  acquire(): (() => void) | null {
    if (this.active >= this.limits.max_concurrent_uploads) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }

  /** Resolves when `bytes` may be sent under the rate limit (at once when unlimited). */
  spend(bytes: number): Promise<void> | null {
    const rate = this.limits.max_upload_rate;
    if (rate === null) return null;
    const now = performance.now();
    // Idle time earns no credit: after a pause only one burst goes out at once.
    this.paidUntil = Math.max(this.paidUntil, now) + (bytes / rate) * 1000;
    const wait = this.paidUntil - now - BURST_MS;
    if (wait <= 0) return null;
    return new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** A short description of the limits, for a tooltip. */
export function describeUploadLimits(limits: UploadLimits): string {
  const peers = `up to ${limits.max_concurrent_uploads} ${limits.max_concurrent_uploads === 1 ? 'peer' : 'peers'} at once`;
  if (limits.max_upload_rate === null) return `Sharing with others: no speed limit, ${peers}.`;
  return `Sharing with others: at most ${formatRate(limits.max_upload_rate)}, ${peers}.`;
}

function formatRate(bytesPerSecond: number): string {
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
