import { expect } from '@open-wc/testing';
import { ChatFiles } from '../../../src/core/chat-files-client.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import { quotaClient } from '../support/quota-client.js';
import { holdServerDownloads, releaseDownloads, Valve } from '../support/valves.js';
import {
  closeClient,
  createRoom,
  destroyClients,
  makeClient,
  type TestClient,
  whenTransfer,
} from '../support/clients.js';

const MB = 1000 * 1000;

/** A peer that corrupts what it serves: one byte flipped in the chosen pieces. */
function tampering(corrupt: (index: number) => boolean): typeof ChatFiles {
  return class TamperingChatFiles extends ChatFiles {
    protected override async readPieceForPeer(fileId: string, index: number) {
      const bytes = await super.readPieceForPeer(fileId, index);
      if (bytes && corrupt(index)) new Uint8Array(bytes)[bytes.byteLength >> 1] ^= 0x5a;
      return bytes;
    }
  };
}

/** A peer that serves pieces only as fast as `valve` lets it. */
function pacedBy(valve: Valve): typeof ChatFiles {
  return class PacedChatFiles extends ChatFiles {
    protected override async readPieceForPeer(fileId: string, index: number) {
      await valve.pass();
      return super.readPieceForPeer(fileId, index);
    }
  };
}

/** Resolves once the client holds at least `pieces` pieces of the file. */
const whenHolding = (made: TestClient, fileId: string, pieces: number) =>
  whenTransfer(made, fileId, (s) => (s.held_pieces ?? 0) >= pieces);

describe('downloads: integrity, failover and resume', () => {
  afterEach(async () => {
    releaseDownloads();
    await destroyClients();
  });

  it('discards a corrupted piece and fetches it again', async () => {
    const alice = await makeClient('alice');
    // Mallory corrupts the first piece she serves, whichever the swarm asks her for.
    let corrupted: number | null = null;
    const mallory = await makeClient('mallory', {
      Client: tampering((index) => {
        if (corrupted !== null) return false;
        corrupted = index;
        return true;
      }),
    });
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [mallory.user, bob.user]);
    const file = makeTestFile(6 * MB, 61, 'precious.bin');
    const { file_id } = await alice.client.shareFile(roomId, file); // also uploaded to the server
    await mallory.client.requestFile(file_id, roomId);
    await closeClient(alice);

    // The server's copy answers only once mallory's bad piece was caught.
    const release = holdServerDownloads(file_id);
    const pending = bob.client.requestFile(file_id, roomId);
    await whenTransfer(bob, file_id, (s) => (s.rejected_pieces ?? 0) >= 1);
    release();
    const received = await pending;
    expect(await firstDifference(received, file)).to.equal(-1);
    const state = bob.client.transferState(file_id);
    expect(state.rejected_pieces).to.equal(1);
    // Mallory is demoted after her bad piece; the pieces come from her or the server's
    // copy, each stored once.
    expect((state.fetched!.webrtc ?? 0) + (state.fetched!.server ?? 0)).to.equal(
      state.total_pieces,
    );
  });

  it('drops a peer after two bad pieces and completes from an honest peer', async () => {
    const alice = await makeClient('alice');
    const mallory = await makeClient('mallory', { Client: tampering(() => true) });
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [mallory.user, bob.user]);
    const file = makeTestFile(5 * MB, 62, 'guarded.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await alice.client.whenIdle();
    await mallory.client.requestFile(file_id, roomId);
    await closeClient(alice);

    const pending = bob.client.requestFile(file_id, roomId);
    await whenTransfer(bob, file_id, (s) => (s.rejected_pieces ?? 0) >= 2 && s.state === 'waiting');
    // Mallory is out; bob waits for a seeder. Alice comes back (a reload) and seeds again.
    const back = await makeClient('alice', { user: alice.user, cacheName: alice.cacheName });
    await back.client.loadCachedFilesForRoom(roomId);
    const received = await pending;
    expect(await firstDifference(received, file)).to.equal(-1);
    const state = bob.client.transferState(file_id);
    expect(state.rejected_pieces).to.equal(2);
    expect(state.fetched?.webrtc).to.equal(state.total_pieces);
  });

  it('never returns a corrupted file when only a corrupting peer has it', async () => {
    const alice = await makeClient('alice');
    const mallory = await makeClient('mallory', { Client: tampering(() => true) });
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [mallory.user, bob.user]);
    const { file_id } = await alice.client.shareFile(roomId, makeTestFile(3 * MB, 63, 'x.bin'), {
      upload: false,
    });
    await mallory.client.requestFile(file_id, roomId);
    await closeClient(alice);
    const pending = bob.client.requestFile(file_id, roomId);
    // Mallory is dropped; bob waits for alice, who shared it, rather than trust mallory.
    const waiting = await whenTransfer(
      bob,
      file_id,
      (s) => s.state === 'waiting' && (s.rejected_pieces ?? 0) >= 2,
    );
    expect(waiting.waiting_for).to.deep.equal([alice.user.username]);
    bob.client.cancelTransfer(file_id);
    expect((await pending.catch((e) => e)).code).to.equal('ERR_CANCELLED');
    expect(await bob.client.getFile(file_id)).to.equal(null);
    // Nothing unverified was stored.
    expect((await bob.client.cache.record(file_id))?.bytes ?? 0).to.equal(0);
    expect(bob.client.transferState(file_id).rejected_pieces).to.equal(2);
  });

  it('serves the pieces it holds of a file it has only partly downloaded', async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const carol = await makeClient('carol');
    const roomId = await createRoom(alice.user, [bob.user, carol.user]);
    const file = makeTestFile(12 * MB, 69, 'partial.bin');
    const { file_id } = await alice.client.shareFile(roomId, file); // the server holds a copy
    const partial = bob.client.requestFile(file_id, roomId);
    partial.catch(() => {});
    await whenHolding(bob, file_id, 4);
    bob.client.cancelTransfer(file_id);
    await partial.catch(() => {});
    await closeClient(alice);
    const bobHolds = (await bob.client.cache.record(file_id))!;

    const received = await carol.client.requestFile(file_id, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);
    const { fetched, total_pieces } = carol.client.transferState(file_id);
    const bobPieces = Math.round(bobHolds.bytes / (1024 * 1024));
    // The server joins at once; bob, found by the probe, can only add what he holds.
    expect(fetched?.webrtc ?? 0).to.be.at.most(bobPieces);
    expect((fetched?.webrtc ?? 0) + fetched!.server!).to.equal(total_pieces);
  });

  it('continues from the next source when the peer is lost mid-transfer', async () => {
    // Alice serves three pieces, then stalls with the pieces she was asked for in hand.
    const alice = await makeClient('alice', { Client: pacedBy(new Valve(3)) });
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const file = makeTestFile(20 * MB, 64, 'handover.bin');
    const { file_id } = await alice.client.shareFile(roomId, file); // the server holds a copy
    // The server answers only after alice is gone, so it must take over her pieces.
    const release = holdServerDownloads(file_id);
    const pending = bob.client.requestFile(file_id, roomId);
    await whenHolding(bob, file_id, 3);
    await closeClient(alice);
    release();
    const received = await pending;
    expect(await firstDifference(received, file)).to.equal(-1);
    const { fetched, total_pieces } = bob.client.transferState(file_id);
    expect(fetched?.webrtc).to.equal(3);
    // Nothing fetched twice: the server was only asked for what was still missing.
    expect(fetched!.webrtc! + fetched!.server!).to.equal(total_pieces);
  });

  it('resumes after a reload from the pieces already cached', async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const file = makeTestFile(20 * MB, 65, 'resume.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    const first = bob.client.requestFile(file_id, roomId);
    first.catch(() => {});
    const before = await whenHolding(bob, file_id, 5);
    await closeClient(bob); // the tab is closed mid-download

    const reloaded = await makeClient('bob', { user: bob.user, cacheName: bob.cacheName });
    const received = await reloaded.client.requestFile(file_id, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);
    const state = reloaded.client.transferState(file_id);
    expect(state.resumed_pieces).to.be.at.least(before.held_pieces!);
    expect(state.resumed_pieces! + state.fetched!.webrtc!).to.equal(state.total_pieces);
  });
});

describe('downloads: the browser running out of storage', () => {
  afterEach(destroyClients);

  it('fails cleanly with ERR_STORAGE_FULL, keeps what was stored, and resumes later', async () => {
    const alice = await makeClient('alice');
    const bob = await quotaClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const file = makeTestFile(4 * MB, 66, 'quota.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    // Every commit fails, and bob's cache has nothing else to evict: the retry fails too.
    await bob.failNextCommits(1000);
    const error = await bob.client.requestFile(file_id, roomId).catch((e) => e);
    expect(error.code).to.equal('ERR_STORAGE_FULL');
    expect(error.isUserFacing).to.equal(true);
    const failed = bob.client.transferState(file_id);
    expect(failed.state).to.equal('error');
    expect(failed.error?.code).to.equal('ERR_STORAGE_FULL');
    expect(await bob.client.getFile(file_id)).to.equal(null);
    expect((await bob.client.cache.record(file_id))?.bytes ?? 0).to.equal(0);

    await bob.failNextCommits(0);
    const received = await bob.client.requestFile(file_id, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);
  });

  it('evicts older files and retries once when the quota runs out, and the download goes on', async () => {
    const alice = await makeClient('alice');
    const bob = await quotaClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    await bob.client.cache.put('old-file', makeTestFile(2 * MB, 67), {
      room_id: roomId,
      name: 'old',
    });
    const file = makeTestFile(3 * MB, 68, 'fits.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await bob.failNextCommits(1);
    const received = await bob.client.requestFile(file_id, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);
    expect(await bob.client.cache.record('old-file')).to.equal(null);
  });
});
