/**
 * Exactly one upload per file at a time. Whichever upload of a `file_id` takes the gate
 * first receives and stores the bytes; another one arriving meanwhile is refused with
 * 409 before it writes anything. A holder may take the gate again while it holds it
 * (the requests of one tus upload, where a retry can overlap the request it replaces).
 * The default gate lives in this process's memory; across nodes the acceptance step
 * still lets only the first stored copy stand.
 */
import { randomBytes } from 'node:crypto';

/** Held by the one upload that may write a file's bytes; release it exactly once. */
export interface UploadPass {
  release(): Promise<void>;
}

/**
 * A new id for a gate entry shared by several nodes. A holder whose entry lapsed (its
 * renewals failed for a whole time to live) and who takes the gate again gets a new
 * generation, so the passes of the lapsed one can neither renew nor end the new one.
 */
export function newGeneration(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The pass of a gate shared by several nodes, whose entry expires unless renewed: `renew`
 * runs every third of `ttlMs` until the pass is released, then `leave` once.
 */
export function renewedPass(
  ttlMs: number,
  renew: () => Promise<unknown>,
  leave: () => Promise<void>,
): UploadPass {
  const renewal = setInterval(() => void renew().catch(() => undefined), ttlMs / 3);
  renewal.unref();
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(renewal);
      await leave();
    },
  };
}

/** Who may upload a file's bytes right now. */
export interface UploadGate {
  /**
   * Takes the gate of `fileId` for `holder`, or resolves `null` while another holder
   * has it.
   */
  tryAcquire(fileId: string, holder: string): Promise<UploadPass | null>;
}

/** An {@link UploadGate} for one process. */
export class MemoryUploadGate implements UploadGate {
  private readonly held = new Map<string, { holder: string; count: number }>();

  async tryAcquire(fileId: string, holder: string): Promise<UploadPass | null> {
    const entry = this.held.get(fileId);
    if (entry && entry.holder !== holder) return null;
    if (entry) entry.count += 1;
    else this.held.set(fileId, { holder, count: 1 });
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        const current = this.held.get(fileId);
        if (!current || current.holder !== holder) return;
        current.count -= 1;
        if (current.count === 0) this.held.delete(fileId);
      },
    };
  }
}
