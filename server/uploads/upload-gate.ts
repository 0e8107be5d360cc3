/**
 * Exactly one upload per file at a time. Whichever upload of a `file_id` takes the gate
 * first receives and stores the bytes; another one arriving meanwhile is refused with
 * 409 before it writes anything. The default gate lives in this process's memory; a
 * server running on several nodes passes a shared one (e.g. {@link RedisUploadGate}).
 */

/** Held by the one upload that may write a file's bytes; release it exactly once. */
export interface UploadPass {
  release(): Promise<void>;
}

/** Who may upload a file's bytes right now. */
export interface UploadGate {
  /** Takes the gate of `fileId`, or resolves `null` while another upload holds it. */
  tryAcquire(fileId: string): Promise<UploadPass | null>;
}

/** An {@link UploadGate} for one process. */
export class MemoryUploadGate implements UploadGate {
  private readonly held = new Set<string>();

  async tryAcquire(fileId: string): Promise<UploadPass | null> {
    if (this.held.has(fileId)) return null;
    this.held.add(fileId);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(fileId);
      },
    };
  }
}
