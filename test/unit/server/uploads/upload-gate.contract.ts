/**
 * What every upload gate shared by several nodes must do, run against each (Redis and
 * PostgreSQL): one holder of a file's gate at a time, re-entrantly, on every node, and a
 * holder whose entry lapsed and who took the gate again is not ended by its old pass.
 */
import { expect, it } from 'vitest';
import type { UploadGate } from '../../../../server/uploads/upload-gate.js';

/** How the contract reaches one implementation. */
export interface SharedGateSetup {
  /** A gate of a new node (its own connection to the shared service). */
  node(): UploadGate | Promise<UploadGate>;
  /** Makes the entry of `fileId` lapse, as if its renewals failed for a whole time to live. */
  lapse(fileId: string): Promise<void>;
  /** The file ids with an entry left, when the implementation can list them. */
  entries?(): Promise<string[]>;
}

export function sharedUploadGateContract(setup: () => SharedGateSetup): void {
  it('lets one holder through the upload gate of a file, re-entrantly, on every node', async () => {
    const { node, entries } = setup();
    const [gateA, gateB] = [await node(), await node()];
    const first = await gateA.tryAcquire('file-1', 'holder-x');
    expect(first).not.toBeNull();
    expect(await gateB.tryAcquire('file-1', 'holder-y')).toBeNull();
    const again = await gateB.tryAcquire('file-1', 'holder-x');
    expect(again).not.toBeNull();
    await first!.release();
    await first!.release();
    expect(await gateB.tryAcquire('file-1', 'holder-y')).toBeNull();
    await again!.release();
    const other = await gateB.tryAcquire('file-1', 'holder-y');
    expect(other).not.toBeNull();
    await other!.release();
    if (entries) expect(await entries()).not.toContain('file-1');
  });

  it('keeps a holder that took the gate again after its entry lapsed from being ended by its old pass', async () => {
    const { node, lapse } = setup();
    const [gateA, gateB] = [await node(), await node()];
    const lapsed = await gateA.tryAcquire('file-5', 'holder-x');
    expect(lapsed).not.toBeNull();
    await lapse('file-5');
    const retaken = await gateA.tryAcquire('file-5', 'holder-x');
    expect(retaken).not.toBeNull();
    await lapsed!.release();
    // The new entry still stands: nobody else gets in until the holder lets go.
    expect(await gateB.tryAcquire('file-5', 'holder-y')).toBeNull();
    await retaken!.release();
    const other = await gateB.tryAcquire('file-5', 'holder-y');
    expect(other).not.toBeNull();
    await other!.release();
  });
}
