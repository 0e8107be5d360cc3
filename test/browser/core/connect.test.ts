/**
 * `connect()` and the client's lifecycle in Chromium against the real reference app:
 * the client knows the server's config and the signed-in user, a new `connect()` replaces
 * the previous client, and twenty clients made and destroyed leave no socket, worker or
 * listener behind (counted at the browser's own constructors, and on the host's socket).
 */
import { expect } from '@esm-bundle/chai';
import type { Socket } from 'socket.io-client';
import { ChatFiles } from '../../../src/core/chat-files-client.js';
import { connect, mountOfSdkUrl } from '../../../src/core/connect.js';
import { login, uniqueName, type TestUser } from '../support/server.js';

/** Live WebSockets and workers the page has, counted where the browser makes them. */
const live = { sockets: new Set<WebSocket>(), workers: new Set<Worker>() };
const NativeWebSocket = window.WebSocket;
const NativeWorker = window.Worker;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    live.sockets.add(this);
    this.addEventListener('close', () => live.sockets.delete(this));
  }
} as typeof WebSocket;
window.Worker = class extends NativeWorker {
  constructor(...args: ConstructorParameters<typeof Worker>) {
    super(...args);
    live.workers.add(this);
  }
  override terminate() {
    live.workers.delete(this);
    super.terminate();
  }
} as typeof Worker;

/** Listeners per event on a socket.io client socket (its emitter keeps them by `$event`). */
function listenerCounts(socket: Socket): Record<string, number> {
  const callbacks = (socket as unknown as { _callbacks?: Record<string, unknown[]> })._callbacks;
  const counts: Record<string, number> = {};
  for (const [event, list] of Object.entries(callbacks ?? {})) {
    if (list.length > 0) counts[event] = list.length;
  }
  return counts;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let user: TestUser;
const base = () => `${user.base}/api/chat/files`;

before(async () => {
  user = await login(uniqueName('connect'));
});

afterEach(async () => {
  await ChatFiles.default?.destroy();
});

describe('connect()', () => {
  it("reads the server's public config and who is signed in, and becomes the default", async () => {
    const config = await (await fetch(`${base()}/config`)).json();
    const client = await connect({ baseUrl: base(), token: user.token });
    expect(client.username).to.equal(user.username);
    expect(client.config.max_file_size).to.equal(config.max_file_size);
    expect(client.config.chunk_size).to.equal(config.chunk_size);
    expect(ChatFiles.default).to.equal(client);
  });

  it('uses the token of the host socket it is given, and leaves that socket open', async () => {
    const socket = await user.connect();
    const client = await connect({ socket, baseUrl: base() });
    expect(client.username).to.equal(user.username);
    expect(client.socket).to.equal(socket);
    await client.destroy();
    expect(socket.connected).to.equal(true);
    socket.disconnect();
  });

  it('says who is not signed in: ERR_UNAUTHENTICATED', async () => {
    const error = await connect({ baseUrl: base(), token: 'not-a-session' }).catch((e) => e);
    expect(error.code).to.equal('ERR_UNAUTHENTICATED');
    expect(ChatFiles.default).to.equal(null);
  });

  it('replaces the client an earlier connect() made (log out, log in as someone else)', async () => {
    const first = await connect({ baseUrl: base(), token: user.token });
    const other = await login(uniqueName('other'));
    const second = await connect({ baseUrl: base(), token: other.token });
    expect(first.isDestroyed).to.equal(true);
    expect(second.username).to.equal(other.username);
    expect(ChatFiles.default).to.equal(second);
  });

  it('knows the mount from the URL the router served the SDK at', () => {
    expect(mountOfSdkUrl('https://chat.example/api/chat/files/sdk/chat-files.js')).to.equal(
      'https://chat.example/api/chat/files',
    );
    expect(mountOfSdkUrl('https://x.example/files/sdk/chat-files.iife.js?v=2')).to.equal(
      'https://x.example/files',
    );
    expect(mountOfSdkUrl('https://x.example/src/core/connect.ts')).to.equal(null);
  });
});

describe('twenty clients made and destroyed', () => {
  it('leave no WebSocket and no worker behind (clients that open their own socket)', async () => {
    const baseline = { sockets: live.sockets.size, workers: live.workers.size };
    for (let i = 0; i < 20; i++) {
      const client = await connect({ baseUrl: base(), token: user.token });
      await until(() => client.socket.connected, 'the socket to connect');
      await client.loadCachedFilesForRoom('general'); // starts the worker
      expect(live.workers.size).to.equal(baseline.workers + 1);
      await client.destroy();
    }
    await until(() => live.sockets.size === baseline.sockets, 'every WebSocket to close');
    expect(live.workers.size).to.equal(baseline.workers);
    expect(ChatFiles.default).to.equal(null);
  });

  it("leave the host's socket with the listeners it had, still connected", async () => {
    const socket = await user.connect();
    const baseline = listenerCounts(socket);
    const workers = live.workers.size;
    for (let i = 0; i < 20; i++) {
      const client = await connect({ socket, baseUrl: base() });
      await client.loadCachedFilesForRoom('general');
      expect(Object.keys(listenerCounts(socket)).length).to.be.above(Object.keys(baseline).length);
      await client.destroy();
    }
    expect(listenerCounts(socket)).to.deep.equal(baseline);
    expect(live.workers.size).to.equal(workers);
    expect(socket.connected).to.equal(true);
    socket.disconnect();
  });
});
