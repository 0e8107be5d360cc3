/**
 * The relay's flow control, seen from a requester that speaks the protocol by hand: the
 * seeder (a real client) keeps at most `relay_batch_size` frames unacknowledged, waits
 * while acknowledgements are withheld, and sends exactly as many more as are acknowledged.
 */
import { expect } from '@open-wc/testing';
import type { ChatFilesSocket } from '../../../../src/core/socket-requests.js';
import { makeTestFile } from '../../support/bytes.js';
import { createRoom, destroyClients, makeClient } from '../../support/clients.js';
import { login, uniqueName } from '../../support/server.js';

const MiB = 1024 * 1024;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('relay flow control', () => {
  afterEach(destroyClients);

  it('sends at most relay_batch_size frames to a requester that withholds acknowledgements', async () => {
    const seeder = await makeClient('seeder');
    const requester = await login(uniqueName('requester'));
    const roomId = await createRoom(seeder.user, [requester]);
    const { file_id } = await seeder.client.shareFile(roomId, makeTestFile(4 * MiB, 201), {
      upload: false,
    });
    await seeder.client.whenIdle();
    const window = seeder.client.config.relay_batch_size;
    const framesPerPiece = MiB / seeder.client.config.chunk_size;
    expect(framesPerPiece * 4).to.be.greaterThan(window * 3);

    const socket = (await requester.connect()) as ChatFilesSocket;
    try {
      const frames: number[] = [];
      socket.on('chat:file:relay_chunk', (event) => frames.push(event.chunk_index));
      const reply = await socket.timeout(5000).emitWithAck('chat:file:relay_request', {
        file_id,
        room_id: roomId,
        source_username: seeder.user.username,
        pieces: [0, 1, 2, 3],
      });
      expect(reply.success, JSON.stringify(reply)).to.equal(true);
      if (!reply.success) return;

      await pause(1500);
      // A full window, then nothing while no acknowledgement comes.
      expect(frames).to.deep.equal([...Array(window).keys()]);

      const ack = (through: number) =>
        socket.emit('chat:file:relay_ack', {
          session_id: reply.session_id,
          source_socket_id: reply.source_socket_id,
          file_id,
          received_through: through,
        });
      ack(2);
      await pause(1000);
      // Three frames acknowledged: exactly three more sent.
      expect(frames.length).to.equal(window + 3);
      ack(frames.length - 1);
      await pause(1000);
      expect(frames.length).to.equal(2 * window + 3);
      expect(frames).to.deep.equal([...Array(frames.length).keys()]);
      socket.emit('chat:file:relay_cancel', { session_id: reply.session_id, reason: 'done' });
    } finally {
      socket.disconnect();
    }
  });
});
