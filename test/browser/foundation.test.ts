import { expect } from '@open-wc/testing';
import { decodeFileMessage, encodeFileMessage, resolveConfig } from '../../src/index.js';
import { login, uniqueName } from './support/server.js';

describe('the SDK in Chromium', () => {
  it('resolves the documented defaults', () => {
    const config = resolveConfig({});
    expect(config.chunk_size).to.equal(65536);
    expect(config.max_file_size).to.equal(524288000);
    expect(config.server_seeding.temp_cache_minutes).to.equal(false);
  });

  it('round-trips a [FILE] message', () => {
    const content = encodeFileMessage({
      file_id: 'f1',
      name: 'a.png',
      size: 3,
      mime_type: 'image/png',
    });
    expect(decodeFileMessage(content)).to.deep.equal({
      file_id: 'f1',
      name: 'a.png',
      size: 3,
      mime_type: 'image/png',
    });
  });
});

describe('the reference app from a browser page', () => {
  it('delivers a message from one socket to another user in the same room', async () => {
    const alice = await login(uniqueName('alice'));
    const bob = await login(uniqueName('bob'));
    const aliceSocket = await alice.connect();
    const bobSocket = await bob.connect();
    try {
      const received = new Promise<{ content: string; sender: string }>((resolve) =>
        bobSocket.on('chat:message_received', resolve),
      );
      const reply = await aliceSocket.emitWithAck('chat:send_message', {
        room_id: 'general',
        content: 'hello bob',
      });
      expect(reply.success).to.equal(true);
      const message = await received;
      expect(message.content).to.equal('hello bob');
      expect(message.sender).to.equal(alice.username);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  });

  it('refuses a socket without a session', async () => {
    const { io } = await import('socket.io-client');
    const { serverUrl } = await import('./support/server.js');
    const socket = io(await serverUrl(), {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.close();
    expect(error.message).to.match(/unauthenticated/);
  });
});
