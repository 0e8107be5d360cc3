/**
 * Measurement, not a pass/fail test: peak JS heap of the page while a 500 MiB file is
 * shared by one client and downloaded by another (both in this page, so the heap covers
 * the sending and the receiving side). Not in the default run; run it with
 *   npx web-test-runner test/browser/perf/large-transfer.perf.ts
 * It prints the figures; the only assertions are that the bytes arrived intact.
 */
import { expect } from '@open-wc/testing';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import {
  createRoom,
  destroyClients,
  makeClient,
  type MakeClientOptions,
} from '../support/clients.js';

const MiB = 1024 * 1024;
const SIZE = 500 * MiB;

type MemoryInfo = { usedJSHeapSize: number };
const heap = () => (performance as unknown as { memory: MemoryInfo }).memory.usedJSHeapSize;
/** A few full collections with pauses: ArrayBuffer memory is released a cycle late. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    (globalThis as unknown as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
}
const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

async function measure(label: string, requester: MakeClientOptions = {}) {
  const alice = await makeClient('alice', { profile: 'large' });
  const bob = await makeClient('bob', { profile: 'large', ...requester });
  const roomId = await createRoom(alice.user, [bob.user]);
  const file = makeTestFile(SIZE, 500, 'big.bin');
  await settle();
  const baseline = heap();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, heap())), 50);
  try {
    const t0 = performance.now();
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const t1 = performance.now();
    const received = await bob.client.requestFile(file_id, roomId);
    const t2 = performance.now();
    await alice.client.whenIdle();
    clearInterval(sampler);
    await settle();
    const retained = heap();
    const state = bob.client.transferState(file_id);
    console.log(
      `[${label}] ${mb(SIZE)}: share (hash ${state.total_pieces} pieces) ${((t1 - t0) / 1000).toFixed(1)} s; ` +
        `transfer ${((t2 - t1) / 1000).toFixed(1)} s = ${(SIZE / MiB / ((t2 - t1) / 1000)).toFixed(1)} MiB/s ` +
        `over ${state.transport}; JS heap baseline ${mb(baseline)}, peak ${mb(peak)} ` +
        `(+${mb(peak - baseline)}), after the transfer and a full GC ${mb(retained)}`,
    );
    expect(state.transport).to.equal(requester.RTCPeerConnection === null ? 'relay' : 'webrtc');
    expect(await firstDifference(received, file)).to.equal(-1);
  } finally {
    clearInterval(sampler);
    await destroyClients();
  }
}

describe('large transfer: peak JS heap', function () {
  this.timeout(30 * 60 * 1000);

  it('500 MiB over WebRTC', () => measure('webrtc'));
  it('500 MiB over the relay', () => measure('relay', { RTCPeerConnection: null }));
});
