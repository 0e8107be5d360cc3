import { expect } from '@open-wc/testing';
import type { UploadEventDetail } from '../../../src/core/chat-files-client.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import { closeClient, createRoom, destroyClients, makeClient } from '../support/clients.js';

const MB = 1000 * 1000;

describe('ChatFiles and the server copy', () => {
  afterEach(destroyClients);

  for (const size of [1 * MB, 20 * MB]) {
    it(`uploads ${size / MB} MB and downloads it from the server when no peer is online`, async () => {
      const alice = await makeClient('alice');
      const bob = await makeClient('bob');
      const roomId = await createRoom(alice.user, [bob.user]);
      const file = makeTestFile(size, size + 7, 'kept.bin');
      const uploads: UploadEventDetail[] = [];
      alice.client.addEventListener('chat-file-upload-progress', (e) =>
        uploads.push((e as CustomEvent<UploadEventDetail>).detail),
      );
      const phases: string[] = [];
      const shared = await alice.client.shareFile(roomId, file, {
        onProgress: ({ phase }) => phases.at(-1) !== phase && phases.push(phase),
      });
      expect(shared.uploaded, JSON.stringify(shared.upload_error)).to.equal(true);
      expect(phases).to.deep.equal(['preparing', 'sharing', 'uploading', 'done']);
      expect(uploads.at(-1)?.state).to.equal('done');
      expect((await bob.client.serverStatus(shared.file_id)).server_available).to.equal(true);
      await closeClient(alice);

      const started = performance.now();
      const received = await bob.client.requestFile(shared.file_id, roomId);
      console.log(`server: ${size / MB} MB in ${(performance.now() - started).toFixed(0)} ms`);
      expect(await firstDifference(received, file)).to.equal(-1);
      expect(bob.client.transferState(shared.file_id)).to.include({
        state: 'complete',
        transport: 'server',
      });
    });
  }

  it('coalesces a thousand status queries in one task into one batch request', async () => {
    const alice = await makeClient('alice');
    const roomId = await createRoom(alice.user, []);
    const file = makeTestFile(1000, 1, 'tiny.bin');
    const { file_id } = await alice.client.shareFile(roomId, file);
    const before = alice.client.serverStatusRequests;
    const ids = Array.from({ length: 999 }, (_, i) => `missing-${i}`);
    const statuses = await Promise.all(
      [file_id, ...ids].map((id) => alice.client.serverStatus(id)),
    );
    expect(alice.client.serverStatusRequests - before).to.equal(1);
    expect(statuses[0].server_available).to.equal(true);
    expect(statuses[1]).to.deep.equal({
      server_available: false,
      user_has_claim: false,
      expires_at: null,
      can_delete: false,
    });
  });

  it('sends the batch before any other task runs, so queued work cannot hold it back', async () => {
    const { client } = await makeClient('alice');
    const before = client.serverStatusRequests;
    let otherTaskRan = false;
    setTimeout(() => (otherTaskRan = true), 0);
    const pending = Array.from({ length: 10 }, (_, i) => client.serverStatus(`queued-${i}`));
    // Three microtask turns, no macrotask: the request must already be on its way.
    for (let i = 0; i < 3; i++) await Promise.resolve();
    expect(client.serverStatusRequests - before).to.equal(1);
    expect(otherTaskRan).to.equal(false);
    await Promise.all(pending);
  });

  it('splits more than a thousand status queries into batches of a thousand', async () => {
    const { client } = await makeClient('alice');
    const before = client.serverStatusRequests;
    await Promise.all(Array.from({ length: 1500 }, (_, i) => client.serverStatus(`none-${i}`)));
    expect(client.serverStatusRequests - before).to.equal(2);
  });

  it("tells other members' cards live when the server caches a file", async () => {
    const alice = await makeClient('alice');
    const bob = await makeClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const { file_id } = await alice.client.shareFile(roomId, makeTestFile(5000, 3, 'l.bin'), {
      upload: false,
    });
    const cached = new Promise<{ expires_at: number | null }>((resolve) =>
      bob.client.onServerCached(file_id, resolve),
    );
    await alice.client.uploadToServer(file_id);
    expect((await cached).expires_at).to.equal(null); // temp_cache_minutes is false
    expect((await bob.client.serverStatus(file_id)).server_available).to.equal(true);
  });

  it('claims and releases permanent storage, with server errors as client errors', async () => {
    const alice = await makeClient('alice');
    const roomId = await createRoom(alice.user, []);
    const { file_id } = await alice.client.shareFile(roomId, makeTestFile(2000, 2, 'claim.bin'));
    const claim = await alice.client.storePermanently(file_id);
    expect(claim.total_stored_bytes).to.be.at.least(2000);
    expect((await alice.client.userStorage()).claimed_files.map((f) => f.file_id)).to.include(
      file_id,
    );
    expect((await alice.client.serverStatus(file_id)).user_has_claim).to.equal(true);
    const files = await alice.client.userFiles({ room_id: roomId });
    expect(files.map((f) => f.id)).to.include(file_id);
    await alice.client.removeFromServer(file_id);
    const error = await alice.client.storePermanently('no-such-file').catch((e) => e);
    expect(error.code).to.equal('ERR_NOT_FOUND');
    expect(error.status).to.equal(404);
  });
});
