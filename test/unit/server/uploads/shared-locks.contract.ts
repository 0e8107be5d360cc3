/**
 * What every upload lock and gate shared by several nodes must do, run against each
 * (Redis and PostgreSQL): a tus lock is held by one node at a time, which is asked to let
 * go when another wants it; a file's gate lets one holder through at a time,
 * re-entrantly, on every node; and a holder whose gate entry lapsed and who took the gate
 * again is not ended by its old pass.
 */
import type { Locker } from '@tus/server';
import { expect, it } from 'vitest';
import type { UploadGate } from '../../../../server/uploads/upload-gate.js';
import { settle } from '../support/helpers.js';

/**
 * The tus lock contract. `node` gives the locker of a new node; `held`, when the
 * implementation can tell, counts the locks held right now.
 */
export function sharedLockerContract(
  setup: () => { node(): Locker | Promise<Locker>; held?(): Promise<number> },
): void {
  it('gives a tus lock to one node at a time, asking the holder on another node to let go', async () => {
    const { node, held } = setup();
    const [a, b] = [await node(), await node()];
    const events: string[] = [];
    const first = a.newLock('upload-1');
    await first.lock(new AbortController().signal, async () => {
      events.push('a asked to release');
      await settle(50);
      events.push('a releases');
      await first.unlock();
    });
    events.push('a holds');
    const second = b.newLock('upload-1');
    await second.lock(new AbortController().signal, () => undefined);
    events.push('b holds');
    expect(events).toEqual(['a holds', 'a asked to release', 'a releases', 'b holds']);
    if (held) expect(await held()).toBe(1);
    await second.unlock();
    if (held) expect(await held()).toBe(0);
  });
}

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
