import { expect } from '@open-wc/testing';
import { ChatFiles } from '../../../src/core/chat-files-client.js';
import { decodeFileMessage } from '../../../src/core/wire/file-message.js';
import type { TransferSnapshot } from '../../../src/core/transfer-state.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import {
  closeClient,
  createRoom,
  destroyClients,
  makeClient,
  type MakeClientOptions,
} from '../support/clients.js';

const MB = 1000 * 1000;

async function pair(options: { seeder?: MakeClientOptions; requester?: MakeClientOptions } = {}) {
  const alice = await makeClient('alice', options.seeder);
  const bob = await makeClient('bob', options.requester);
  const roomId = await createRoom(alice.user, [bob.user]);
  return { alice, bob, roomId };
}

/** Downloads and checks the bytes; returns the final snapshot and the time taken. */
async function download(requester: ChatFiles, fileId: string, roomId: string, original: File) {
  const started = performance.now();
  const received = await requester.requestFile(fileId, roomId);
  const ms = performance.now() - started;
  expect(received.name).to.equal(original.name);
  expect(received.size).to.equal(original.size);
  expect(await firstDifference(received, original)).to.equal(-1);
  return { snapshot: requester.transferState(fileId), ms };
}

describe('ChatFiles: exchanging files between two clients', () => {
  afterEach(destroyClients);

  for (const size of [1 * MB, 20 * MB]) {
    it(`sends ${size / MB} MB over WebRTC`, async () => {
      const { alice, bob, roomId } = await pair();
      const file = makeTestFile(size, size, 'report.bin');
      const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
      const { snapshot, ms } = await download(bob.client, file_id, roomId, file);
      console.log(`webrtc: ${size / MB} MB in ${ms.toFixed(0)} ms`);
      expect(snapshot).to.include({ state: 'complete', progress: 100, transport: 'webrtc' });
      expect(snapshot.fetched?.webrtc).to.equal(snapshot.total_pieces);
    });

    it(`sends ${size / MB} MB over the relay when the requester has no RTCPeerConnection`, async () => {
      const { alice, bob, roomId } = await pair({ requester: { RTCPeerConnection: null } });
      const file = makeTestFile(size, size + 1, 'relayed.bin');
      const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
      const { snapshot, ms } = await download(bob.client, file_id, roomId, file);
      console.log(`relay: ${size / MB} MB in ${ms.toFixed(0)} ms`);
      expect(snapshot).to.include({ state: 'complete', transport: 'relay' });
    });
  }

  it('uses one peer connection per pair of peers for several files', async () => {
    let created = 0;
    class Counting extends RTCPeerConnection {
      constructor(config?: RTCConfiguration) {
        super(config);
        created++;
      }
    }
    const { alice, bob, roomId } = await pair({ requester: { RTCPeerConnection: Counting } });
    const files = [makeTestFile(1 * MB, 21, 'a.bin'), makeTestFile(2 * MB, 22, 'b.bin')];
    for (const file of files) {
      const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
      const { snapshot } = await download(bob.client, file_id, roomId, file);
      expect(snapshot.transport).to.equal('webrtc');
    }
    expect(created).to.equal(1);
  });

  it('falls back to the relay at once when the seeder has no WebRTC', async () => {
    const { alice, bob, roomId } = await pair({ seeder: { RTCPeerConnection: null } });
    const file = makeTestFile(1 * MB, 3, 'no-rtc.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const { snapshot, ms } = await download(bob.client, file_id, roomId, file);
    expect(snapshot.transport).to.equal('relay');
    // Well under webrtc_timeout (5 s here): the seeder said so instead of staying silent.
    expect(ms).to.be.below(bob.client.config.webrtc_timeout);
  });

  it('falls back to the relay when ICE fails, without waiting for webrtc_timeout', async () => {
    // Both ends see only unreachable candidates, so connectivity checks fail.
    class Unreachable extends RTCPeerConnection {
      override addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
        if (!candidate?.candidate) return super.addIceCandidate(candidate ?? undefined);
        const parts = candidate.candidate.split(' ');
        parts[4] = '198.51.100.7'; // TEST-NET-2: never routed
        return super.addIceCandidate({ ...candidate, candidate: parts.join(' ') });
      }
    }
    const patient = { webrtc_timeout: 90_000 };
    const { alice, bob, roomId } = await pair({
      seeder: { RTCPeerConnection: Unreachable, configOverrides: patient },
      requester: { RTCPeerConnection: Unreachable, configOverrides: patient },
    });
    const file = makeTestFile(1 * MB, 11, 'ice.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const { snapshot, ms } = await download(bob.client, file_id, roomId, file);
    console.log(`ICE failure detected and relayed in ${ms.toFixed(0)} ms`);
    expect(snapshot.transport).to.equal('relay');
    expect(ms).to.be.below(45_000);
  });

  it('reports states and progress to watchers and as events', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(3 * MB, 4, 'watched.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const seen: TransferSnapshot[] = [];
    const events: TransferSnapshot[] = [];
    const stop = bob.client.watch(file_id, (s) => seen.push(s));
    bob.client.addEventListener('chat-file-transfer', (e) =>
      events.push((e as CustomEvent<TransferSnapshot>).detail),
    );
    expect(bob.client.transferState(file_id).state).to.equal('available');
    await bob.client.requestFile(file_id, roomId);
    stop();
    const states = seen.map((s) => s.state);
    expect(states[0]).to.equal('connecting');
    expect(states).to.include('transferring');
    expect(states.at(-1)).to.equal('complete');
    const progress = seen.map((s) => s.progress);
    expect(progress).to.deep.equal([...progress].sort((a, b) => a - b));
    expect(events.map((e) => e.state)).to.deep.equal(states);
  });

  it('joins a running download instead of starting a second one', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(2 * MB, 5, 'twice.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const first = bob.client.requestFile(file_id, roomId);
    const second = bob.client.requestFile(file_id, roomId);
    expect(second).to.equal(first);
    const [a, b] = await Promise.all([first, second]);
    expect(a).to.equal(b);
    expect(bob.client.transferState(file_id).fetched?.webrtc).to.equal(2);
  });

  it('answers from memory and cache without the network afterwards', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(2 * MB, 6, 'kept.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    expect(await bob.client.getFile(file_id)).to.equal(null);
    await bob.client.requestFile(file_id, roomId);
    expect(await firstDifference((await bob.client.getFile(file_id))!, file)).to.equal(-1);
    expect((await bob.client.requestFile(file_id, roomId)).size).to.equal(file.size);
    expect(bob.client.transferState(file_id).transport).to.equal('memory');

    // A fresh client on the same cache (a reload) finds it in IndexedDB.
    const again = await makeClient('bob', { user: bob.user, cacheName: bob.cacheName });
    expect(
      await firstDifference((await again.client.requestFile(file_id, roomId))!, file),
    ).to.equal(-1);
    expect(again.client.transferState(file_id).transport).to.equal('cache');
  });

  it('shares an image with a thumbnail that fits the configured size', async () => {
    const { alice, bob, roomId } = await pair({
      seeder: { configOverrides: { max_thumbnail_size: 6000 } },
    });
    const canvas = new OffscreenCanvas(1600, 900);
    const ctx = canvas.getContext('2d')!;
    for (let i = 0; i < 400; i++) {
      ctx.fillStyle = `hsl(${i * 37}, 80%, 50%)`;
      ctx.fillRect((i * 97) % 1600, (i * 61) % 900, 120, 80);
    }
    const image = new File([await canvas.convertToBlob({ type: 'image/png' })], 'photo.png', {
      type: 'image/png',
    });
    const bobSocket = bob.client.socket;
    const message = new Promise<string>((resolve) =>
      bobSocket.on('chat:message_received', (m) => resolve(m.content)),
    );
    await alice.client.shareFile(roomId, image, { upload: false });
    const payload = decodeFileMessage(await message)!;
    expect(payload.name).to.equal('photo.png');
    expect(payload.thumbnail).to.match(/^data:image\/(webp|jpeg);base64,/);
    expect(payload.thumbnail!.length).to.be.at.most(6000);
    const bitmap = await createImageBitmap(await (await fetch(payload.thumbnail!)).blob());
    expect(bitmap.width / bitmap.height).to.be.closeTo(16 / 9, 0.05);
  });

  it('rejects files that are too large or of a forbidden type before sending anything', async () => {
    const alice = await makeClient('alice', {
      configOverrides: { max_file_size: 1000, server_seeding: { allowed_mime_types: ['image/*'] } },
    });
    const roomId = await createRoom(alice.user, []);
    const big = await alice.client
      .shareFile(roomId, new File([new Uint8Array(1001)], 'big.png', { type: 'image/png' }))
      .catch((e) => e);
    expect(big.code).to.equal('ERR_TOO_LARGE');
    expect(big.isUserFacing).to.equal(true);
    expect(big.message).to.contain('big.png');
    const text = await alice.client
      .shareFile(roomId, new File(['hi'], 'a.txt', { type: 'text/plain' }))
      .catch((e) => e);
    expect(text.code).to.equal('ERR_UNSUPPORTED_TYPE');
  });

  it('waits, naming the sender, when nobody online has the file, and can be cancelled', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(1 * MB, 7, 'gone.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await closeClient(alice);
    const pending = bob.client.requestFile(file_id, roomId);
    // Longer than the passive wait: still waiting, never "no longer available".
    await new Promise((r) => setTimeout(r, bob.client.config.peer_wait_timeout + 1000));
    const state = bob.client.transferState(file_id);
    expect(state.state).to.equal('waiting');
    expect(state.waiting_for).to.deep.equal([alice.user.username]);
    bob.client.cancelTransfer(file_id);
    expect((await pending.catch((e) => e)).code).to.equal('ERR_CANCELLED');
    expect(bob.client.transferState(file_id).state).to.equal('available');
  });

  it('wakes a waiting download when a seeder comes online', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(1 * MB, 8, 'late.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await alice.client.whenIdle();
    await closeClient(alice);
    const pending = bob.client.requestFile(file_id, roomId);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bob.client.transferState(file_id).state).to.equal('waiting');
    // Alice comes back (a reload) and re-announces what her cache holds.
    const back = await makeClient('alice', { user: alice.user, cacheName: alice.cacheName });
    await back.client.loadCachedFilesForRoom(roomId);
    expect(await firstDifference(await pending, file)).to.equal(-1);
  });

  it('cancels a download with ERR_CANCELLED and keeps state available', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(20 * MB, 9, 'cancel.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const pending = bob.client.requestFile(file_id, roomId);
    await new Promise<void>((resolve) => {
      const stop = bob.client.watch(file_id, (s) => {
        if ((s.held_pieces ?? 0) > 0) {
          stop();
          resolve();
        }
      });
    });
    bob.client.cancelTransfer(file_id);
    const error = await pending.catch((e) => e);
    expect(error.code).to.equal('ERR_CANCELLED');
    expect(bob.client.transferState(file_id).state).to.equal('available');
  });

  it('stops holding and serving a file the owner revoked', async () => {
    const { alice, bob, roomId } = await pair();
    const file = makeTestFile(1 * MB, 10, 'revoked.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await bob.client.requestFile(file_id, roomId);
    const told = new Promise<void>((resolve) => bob.client.onRevoked(file_id, resolve));
    const response = await alice.user.fetch(`/api/chat/files/${file_id}/revoke`, {
      method: 'POST',
    });
    expect(response.status).to.equal(200);
    await told;
    expect(bob.client.transferState(file_id)).to.include({ state: 'unavailable' });
    expect(bob.client.transferState(file_id).error?.code).to.equal('ERR_GONE');
    expect(await bob.client.getFile(file_id)).to.equal(null);
    expect((await bob.client.requestFile(file_id, roomId).catch((e) => e)).code).to.equal(
      'ERR_GONE',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(await bob.client.cache.record(file_id)).to.equal(null);
  });

  it('passes media sync and preview sizes to the other members of the room', async () => {
    const { alice, bob, roomId } = await pair();
    const { file_id } = await alice.client.shareFile(roomId, makeTestFile(10, 1, 'v.mp4'), {
      upload: false,
    });
    const sync = new Promise<{ action: string; time: number; username: string }>((resolve) =>
      bob.client.onMediaSync(file_id, resolve),
    );
    const size = new Promise<{ width: number; height: number }>((resolve) =>
      bob.client.onPreviewSize(file_id, resolve),
    );
    const echo: unknown[] = [];
    alice.client.onMediaSync(file_id, (e) => echo.push(e));
    alice.client.sendMediaSync(roomId, file_id, 'seek', 12.5);
    alice.client.sendPreviewSize(file_id, 480, 270);
    expect(await sync).to.deep.equal({ action: 'seek', time: 12.5, username: alice.user.username });
    expect(await size).to.include({ width: 480, height: 270 });
    expect(echo).to.deep.equal([]); // the sender does not hear itself
  });

  it('is idempotent to destroy, and rejects calls afterwards', async () => {
    const { client } = await makeClient('carol');
    await client.destroy();
    await client.destroy();
    expect((await client.requestFile('x', 'y').catch((e) => e)).code).to.equal('ERR_DESTROYED');
    expect((await client.serverStatus('x').catch((e) => e)).code).to.equal('ERR_DESTROYED');
  });

  it('keeps a page-wide default client', async () => {
    const { client } = await makeClient('dave');
    let changed = 0;
    const onChange = () => changed++;
    window.addEventListener('chat-file-client-changed', onChange);
    ChatFiles.setDefault(client);
    expect(ChatFiles.default).to.equal(client);
    await client.destroy();
    expect(ChatFiles.default).to.equal(null);
    window.removeEventListener('chat-file-client-changed', onChange);
    expect(changed).to.equal(2);
  });
});
