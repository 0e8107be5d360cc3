/**
 * A bare server with a private room `team` (alice and bob) and a stranger (mallory),
 * each with a connected socket, plus a helper to share a file into a room.
 */
import type { Socket } from 'socket.io-client';
import {
  startBareServer,
  type BareServer,
  type BareServerOptions,
  type BareUser,
} from './bare-server.js';
import { ack, manifestOf } from './helpers.js';

/** The fixture. */
export interface RoomFixture {
  server: BareServer;
  alice: BareUser;
  bob: BareUser;
  mallory: BareUser;
  aliceSocket: Socket;
  bobSocket: Socket;
  mallorySocket: Socket;
  /** Shares `bytes` (or a declared size) into a room from a socket; returns the file id. */
  share(
    socket: Socket,
    input: { room_id?: string; name?: string; bytes?: Buffer; size?: number; mime_type?: string },
  ): Promise<string>;
}

/** Starts the fixture. */
export async function startRoomFixture(options: BareServerOptions = {}): Promise<RoomFixture> {
  const server = await startBareServer(options);
  const alice = server.user('alice');
  const bob = server.user('bob', ['pro']);
  const mallory = server.user('mallory');
  server.addRoom('team', ['alice', 'bob'], { name: 'Team' });
  const [aliceSocket, bobSocket, mallorySocket] = await Promise.all([
    alice.socket(),
    bob.socket(),
    mallory.socket(),
  ]);
  return {
    server,
    alice,
    bob,
    mallory,
    aliceSocket,
    bobSocket,
    mallorySocket,
    async share(socket, input) {
      const bytes = input.bytes;
      const size = input.size ?? bytes?.length ?? 0;
      const reply = await ack(socket, 'chat:file:share', {
        room_id: input.room_id ?? 'team',
        name: input.name ?? 'notes.txt',
        size,
        mime_type: input.mime_type ?? 'text/plain',
        ...(bytes ? { manifest: manifestOf(bytes) } : {}),
      });
      if (!reply.success) throw new Error(`share failed: ${reply.code} ${reply.error}`);
      return reply.file_id as string;
    },
  };
}
