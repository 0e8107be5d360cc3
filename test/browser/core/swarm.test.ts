/**
 * Downloads from many sources at once, with real clients, real WebRTC between them and the
 * real server: every seeder serves, a lost or lying seeder hands its pieces to the others,
 * partial seeders are asked only for what they hold, and a file nobody online holds waits.
 */
import { expect } from '@open-wc/testing';
import { ChatFiles } from '../../../src/core/chat-files-client.js';
import type { TransferSnapshot } from '../../../src/core/transfer-state.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import {
  closeClient,
  createRoom,
  destroyClients,
  makeClient,
  type MakeClientOptions,
  type TestClient,
  whenTransfer,
} from '../support/clients.js';
import { Valve } from '../support/valves.js';

const MiB = 1024 * 1024;

/** Pieces each client served to peers, by file id (read by the seeding side). */
const served = new Map<ChatFiles, number[]>();

/**
 * A client that records the pieces it serves and, optionally, corrupts some of them or
 * serves only as fast as a valve lets it.
 */
function seederClass(
  corrupt: (index: number) => boolean = () => false,
  valve?: Valve,
): typeof ChatFiles {
  return class RecordingChatFiles extends ChatFiles {
    protected override async readPieceForPeer(fileId: string, index: number) {
      await valve?.pass();
      const bytes = await super.readPieceForPeer(fileId, index);
      if (bytes) {
        const list = served.get(this) ?? [];
        list.push(index);
        served.set(this, list);
        if (corrupt(index)) new Uint8Array(bytes)[bytes.byteLength >> 1] ^= 0x5a;
      }
      return bytes;
    }
  };
}

const servedBy = (made: TestClient) => served.get(made.client) ?? [];

/**
 * Alice shares a file (not uploaded) and `count - 1` others download it, so `count`
 * complete seeders hold it; the downloader has not asked yet.
 */
async function swarmOf(
  count: number,
  size: number,
  seed: number,
  options: { seeder?: (i: number) => MakeClientOptions; downloader?: MakeClientOptions } = {},
) {
  const seeders: TestClient[] = [];
  for (let i = 0; i < count; i++) {
    seeders.push(await makeClient(`seeder${i}`, { Client: seederClass(), ...options.seeder?.(i) }));
  }
  const downloader = await makeClient('downloader', options.downloader);
  const roomId = await createRoom(seeders[0].user, [
    ...seeders.slice(1).map((s) => s.user),
    downloader.user,
  ]);
  const file = makeTestFile(size, seed, `swarm-${seed}.bin`);
  const { file_id } = await seeders[0].client.shareFile(roomId, file, { upload: false });
  await seeders[0].client.whenIdle();
  for (const seeder of seeders.slice(1)) await seeder.client.requestFile(file_id, roomId);
  for (const seeder of seeders) served.delete(seeder.client);
  return { seeders, downloader, roomId, file, fileId: file_id };
}

describe('swarm downloads', () => {
  afterEach(async () => {
    served.clear();
    await destroyClients();
  });

  it('pulls from three seeders at once: bytes equal, every seeder served, transport swarm', async () => {
    // Each seeder is capped, so the work spreads whatever the order they connect in.
    const capped = () => ({ configOverrides: { max_upload_rate: 4 * MiB } });
    const { seeders, downloader, roomId, file, fileId } = await swarmOf(3, 12 * MiB, 101, {
      seeder: capped,
    });
    const received = await downloader.client.requestFile(fileId, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);

    const state = downloader.client.transferState(fileId);
    expect(state.transport).to.equal('swarm');
    expect(state.sources).to.equal(3);
    expect(state.bytes_by_transport?.webrtc).to.equal(file.size);
    expect(state.fetched?.webrtc).to.equal(state.total_pieces);
    for (const seeder of seeders) {
      expect(servedBy(seeder).length, seeder.user.username).to.be.greaterThan(0);
    }
    // No piece fetched twice outside the endgame (at most two copies of the last pieces).
    const all = seeders.flatMap(servedBy);
    expect(all.length).to.be.at.most(state.total_pieces! + 2 * 3);
    expect(new Set(all).size).to.equal(state.total_pieces);
  });

  it('completes when one of three seeders goes away midway', async () => {
    const capped = () => ({ configOverrides: { max_upload_rate: 3 * MiB } });
    const { seeders, downloader, roomId, file, fileId } = await swarmOf(3, 16 * MiB, 102, {
      seeder: capped,
    });
    const pending = downloader.client.requestFile(fileId, roomId);
    await whenTransfer(downloader, fileId, (s) => (s.held_pieces ?? 0) >= 4);
    await closeClient(seeders[1]);
    expect(await firstDifference(await pending, file)).to.equal(-1);
    const state = downloader.client.transferState(fileId);
    expect(state.fetched?.webrtc).to.equal(state.total_pieces);
    expect(servedBy(seeders[0]).length).to.be.greaterThan(0);
    expect(servedBy(seeders[2]).length).to.be.greaterThan(0);
  });

  it('drops a seeder that sends corrupt pieces and fetches its pieces from the others', async () => {
    // The third seeder holds the whole file (an honest download) but lies when serving.
    const { seeders, downloader, roomId, file, fileId } = await swarmOf(3, 12 * MiB, 103, {
      seeder: (i) => ({
        configOverrides: { max_upload_rate: 4 * MiB },
        ...(i === 2 ? { Client: seederClass(() => true) } : {}),
      }),
    });
    const mallory = seeders[2];

    const received = await downloader.client.requestFile(fileId, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);
    const state = downloader.client.transferState(fileId);
    expect(state.rejected_pieces).to.be.within(1, 2);
    expect(servedBy(mallory).length).to.be.greaterThan(0);
    // Nothing from mallory was kept: every stored piece came from an honest seeder.
    const honest = new Set([...servedBy(seeders[0]), ...servedBy(seeders[1])]);
    expect(honest.size).to.equal(state.total_pieces);
  });

  it('asks a partial seeder only for the pieces it holds', async () => {
    // Alice serves six pieces, then holds the rest until bob has stopped.
    const valve = new Valve(6);
    const alice = await makeClient('alice', { Client: seederClass(undefined, valve) });
    const bob = await makeClient('bob', { Client: seederClass() });
    const carol = await makeClient('carol');
    const roomId = await createRoom(alice.user, [bob.user, carol.user]);
    const file = makeTestFile(12 * MiB, 104, 'partial.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await alice.client.whenIdle();
    // Bob stops after a few pieces: he holds part of the file.
    const partial = bob.client.requestFile(file_id, roomId);
    partial.catch(() => {});
    await whenTransfer(bob, file_id, (s) => (s.held_pieces ?? 0) >= 5);
    bob.client.cancelTransfer(file_id);
    await partial.catch(() => {});
    valve.open();
    const bobHolds = new Set((await bob.client.cache.heldPieces(file_id)) ?? []);
    expect(bobHolds.size).to.be.within(5, 6);
    served.clear();

    const received = await carol.client.requestFile(file_id, roomId);
    expect(await firstDifference(received, file)).to.equal(-1);
    for (const index of servedBy(bob)) expect(bobHolds.has(index), `piece ${index}`).to.equal(true);
    const state = carol.client.transferState(file_id);
    expect(state.fetched?.webrtc).to.equal(state.total_pieces);
  });

  it('hears from a partial seeder which pieces it gets, and asks it for them', async () => {
    // Alice serves one peer at a time, four pieces, then only as the test allows.
    const valve = new Valve(4);
    const alice = await makeClient('alice', {
      Client: seederClass(undefined, valve),
      configOverrides: { max_concurrent_uploads: 1 },
    });
    const bob = await makeClient('bob', { Client: seederClass() });
    const carol = await makeClient('carol');
    const roomId = await createRoom(alice.user, [bob.user, carol.user]);
    const file = makeTestFile(8 * MiB, 106, 'growing.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await alice.client.whenIdle();
    const bobDone = bob.client.requestFile(file_id, roomId);
    await whenTransfer(bob, file_id, (s) => (s.held_pieces ?? 0) >= 4);

    // Carol finds bob holding four pieces (alice is busy with bob) and fetches them.
    const carolDone = carol.client.requestFile(file_id, roomId);
    await whenTransfer(carol, file_id, (s) => (s.held_pieces ?? 0) >= 4);
    // Bob gets two more; he tells carol, who asks him for them while he is still downloading.
    valve.allow(2);
    await whenTransfer(carol, file_id, (s) => (s.held_pieces ?? 0) >= 6);
    expect(bob.client.transferState(file_id).held_pieces).to.equal(6);
    expect(servedBy(bob)).to.include.members([4, 5]);

    valve.open();
    expect(await firstDifference(await bobDone, file)).to.equal(-1);
    expect(await firstDifference(await carolDone, file)).to.equal(-1);
  });

  it('waits for the sender when nobody online holds the file, then starts by itself', async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const file = makeTestFile(3 * MiB, 105, 'later.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await alice.client.whenIdle();
    await closeClient(alice);

    const pending = bob.client.requestFile(file_id, roomId);
    const waiting = await whenTransfer(bob, file_id, (s) => s.state === 'waiting');
    expect(waiting.waiting_for).to.deep.equal([alice.user.username]);
    // A retry while nobody is there keeps waiting (and does not fail).
    bob.client.retryTransfer(file_id);
    await new Promise((r) => setTimeout(r, 300));
    expect(bob.client.transferState(file_id).state).to.equal('waiting');

    const back = await makeClient('alice', { user: alice.user, cacheName: alice.cacheName });
    await back.client.loadCachedFilesForRoom(roomId);
    expect(await firstDifference(await pending, file)).to.equal(-1);
    expect(bob.client.transferState(file_id)).to.include({
      state: 'complete',
      transport: 'webrtc',
    });
  });

  it('starts a waiting download when the server gets a copy', async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const file = makeTestFile(2 * MiB, 106, 'uploaded-later.bin');
    const { file_id } = await alice.client.shareFile(roomId, file, { upload: false });
    await alice.client.whenIdle();
    await closeClient(alice);
    const pending = bob.client.requestFile(file_id, roomId);
    await whenTransfer(bob, file_id, (s) => s.state === 'waiting');
    // Alice is back in a browser that serves no pieces to peers, and uploads the file.
    const back = await makeClient('alice', {
      user: alice.user,
      cacheName: alice.cacheName,
      Client: class extends ChatFiles {
        protected override async readPieceForPeer() {
          return null;
        }
      },
    });
    await back.client.uploadToServer(file_id);
    expect(await firstDifference(await pending, file)).to.equal(-1);
    expect(bob.client.transferState(file_id).transport).to.equal('server');
  });

  it('reports byte progress per frame, a rate, and how many sources serve', async () => {
    const { downloader, roomId, fileId } = await swarmOf(2, 8 * MiB, 107, {
      seeder: () => ({ configOverrides: { max_upload_rate: 4 * MiB } }),
    });
    const seen: TransferSnapshot[] = [];
    downloader.client.watch(fileId, (s) => seen.push(s));
    await downloader.client.requestFile(fileId, roomId);
    const transferring = seen.filter((s) => s.state === 'transferring');
    // Progress between whole pieces: some snapshot's bytes are not a multiple of a piece.
    expect(transferring.some((s) => (s.bytes_done ?? 0) % MiB !== 0)).to.equal(true);
    expect(transferring.some((s) => (s.rate ?? 0) > 0)).to.equal(true);
    expect(Math.max(...transferring.map((s) => s.sources ?? 0))).to.equal(2);
    // The number and the bar agree: progress is bytes_done over bytes_total.
    for (const s of transferring) {
      expect(s.progress).to.equal(Math.floor(((s.bytes_done ?? 0) / s.bytes_total!) * 100));
    }
    const done = downloader.client.transferState(fileId);
    expect(done).to.include({ state: 'complete', progress: 100, bytes_done: 8 * MiB });
  });

  it('serves no more peers at once than max_concurrent_uploads; a refused peer fetches elsewhere', async () => {
    const limited = await makeClient('alice', { configOverrides: { max_concurrent_uploads: 1 } });
    const bob = await makeClient('bob');
    const carol = await makeClient('carol');
    const dave = await makeClient('dave');
    const roomId = await createRoom(limited.user, [bob.user, carol.user, dave.user]);
    const file = makeTestFile(6 * MiB, 108, 'busy.bin');
    const { file_id: fileId } = await limited.client.shareFile(roomId, file, { upload: false });
    await limited.client.whenIdle();
    await bob.client.requestFile(fileId, roomId);
    expect(limited.client.uploadLimits).to.include({
      max_upload_rate: null,
      max_concurrent_uploads: 1,
    });
    expect(limited.client.uploadLimits.description).to.equal(
      'Sharing with others: no speed limit, up to 1 peer at once.',
    );
    let most = 0;
    const timer = setInterval(() => {
      most = Math.max(most, limited.client.uploadLimits.active_uploads);
    }, 5);
    try {
      const [a, b] = await Promise.all([
        carol.client.requestFile(fileId, roomId),
        dave.client.requestFile(fileId, roomId),
      ]);
      expect(await firstDifference(a, file)).to.equal(-1);
      expect(await firstDifference(b, file)).to.equal(-1);
    } finally {
      clearInterval(timer);
    }
    expect(most).to.equal(1);

    limited.client.setUploadLimits({ max_upload_rate: 2 * MiB });
    expect(limited.client.uploadLimits.description).to.equal(
      'Sharing with others: at most 2 MiB/s, up to 1 peer at once.',
    );
  });
});
