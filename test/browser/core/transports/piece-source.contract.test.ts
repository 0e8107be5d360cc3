/**
 * The contract every PieceSource implementation keeps, run against each of them with a
 * real seeder (a ChatFiles client) and the real server: exact bytes for exactly the pieces
 * asked, a short last piece, abort without late deliveries, and a failing sink stopping
 * the fetch.
 */
import { expect } from '@open-wc/testing';
import { RestClient } from '../../../../src/core/rest-client.js';
import type { ChatFilesSocket } from '../../../../src/core/socket-requests.js';
import { RelayHub, RelaySource } from '../../../../src/core/transports/relay-transport.js';
import { ServerSource } from '../../../../src/core/transports/server-transport.js';
import type {
  FileDescriptor,
  PieceFeed,
  PieceProvider,
  PieceSink,
  PieceSource,
} from '../../../../src/core/transports/transport.js';
import { PeerLinks } from '../../../../src/core/transports/peer-link.js';
import { WebRtcSource } from '../../../../src/core/transports/webrtc-source.js';
import { computeManifest } from '../../../../src/workers/manifest.js';
import { makeTestFile } from '../../support/bytes.js';
import { createRoom, destroyClients, makeClient, type TestClient } from '../../support/clients.js';
import { login, uniqueName, type TestUser } from '../../support/server.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

const nothingHeld: PieceProvider = { lookup: async () => null, readPiece: async () => null };

interface Setup {
  seeder: TestClient;
  requester: TestUser;
  socket: ChatFilesSocket;
  file: File;
  descriptor: FileDescriptor;
  links: PeerLinks;
  relay: RelayHub;
  rest: RestClient;
}

type Factory = (setup: Setup) => PieceSource;

/** A pool of peer links whose signals travel over `socket`, as the client wires them. */
function signalledLinks(socket: ChatFilesSocket): PeerLinks {
  const links = new PeerLinks({
    RTCPeerConnection,
    iceServers: [],
    localId: () => socket.id ?? '',
    signal: (message) => socket.emit('chat:file:signal', message),
    onChannel: (_link, channel) => channel.close(),
    authorize: () => {},
  });
  socket.on('chat:file:signal', (event) => links.receive(event));
  return links;
}

const implementations: Array<[string, Factory]> = [
  [
    'WebRtcSource',
    (s) =>
      new WebRtcSource({
        links: s.links,
        file: s.descriptor,
        username: s.seeder.user.username,
        socketId: s.seeder.client.socket.id!,
        timeoutMs: 5000,
      }),
  ],
  [
    'RelaySource',
    (s) =>
      new RelaySource({
        hub: s.relay,
        file: s.descriptor,
        username: s.seeder.user.username,
        socketId: s.seeder.client.socket.id!,
      }),
  ],
  ['ServerSource', (s) => new ServerSource(s.descriptor, s.rest)],
];

/** A sink that keeps what it gets, optionally slowly or failing. */
function collector(options: { delayMs?: number; failAt?: number } = {}) {
  const got = new Map<number, Uint8Array>();
  let calls = 0;
  const sink: PieceSink = {
    async deliver(index, bytes) {
      calls++;
      if (options.failAt !== undefined && calls === options.failAt) throw new Error('disk full');
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      got.set(index, new Uint8Array(bytes));
      return 'ok';
    },
  };
  return { sink, got, calls: () => calls };
}

async function expectPieces(setup: Setup, got: Map<number, Uint8Array>, indexes: number[]) {
  expect([...got.keys()].sort((a, b) => a - b)).to.deep.equal([...indexes].sort((a, b) => a - b));
  for (const index of indexes) {
    const expected = new Uint8Array(
      await setup.file.slice(index * MiB, (index + 1) * MiB).arrayBuffer(),
    );
    expect(got.get(index)!.byteLength).to.equal(expected.byteLength);
    expect(
      got.get(index)!.every((b, i) => b === expected[i]),
      `piece ${index}`,
    ).to.equal(true);
  }
}

for (const [name, create] of implementations) {
  describe(`PieceSource contract: ${name}`, () => {
    let setup: Setup;
    const sources: PieceSource[] = [];
    const make = () => {
      const source = create(setup);
      sources.push(source);
      return source;
    };

    beforeEach(async () => {
      const seeder = await makeClient('seeder');
      const requester = await login(uniqueName('requester'));
      const roomId = await createRoom(seeder.user, [requester]);
      const file = makeTestFile(5 * MiB + 12345, 77, 'contract.bin');
      const { file_id, uploaded } = await seeder.client.shareFile(roomId, file);
      expect(uploaded).to.equal(true);
      const socket = (await requester.connect()) as ChatFilesSocket;
      // The server lets only a socket that asked through it talk to the seeder; a probe does.
      await socket.timeout(5000).emitWithAck('chat:file:probe', { file_id, room_id: roomId });
      setup = {
        seeder,
        requester,
        socket,
        file,
        descriptor: {
          file_id,
          room_id: roomId,
          size: file.size,
          manifest: await computeManifest(file, MiB),
        },
        links: signalledLinks(socket),
        relay: new RelayHub({ socket, provider: nothingHeld, chunkSize: CHUNK, windowFrames: 8 }),
        rest: new RestClient({
          baseUrl: `${requester.base}/api/chat/files`,
          token: requester.token,
        }),
      };
    });

    afterEach(async () => {
      for (const source of sources.splice(0)) source.close();
      setup.links.destroy();
      setup.relay.destroy();
      setup.socket.disconnect();
      await destroyClients();
    });

    it('delivers exactly the pieces asked for, byte for byte, including the short last one', async () => {
      const source = make();
      const signal = new AbortController().signal;
      await source.open(signal);
      const { sink, got } = collector();
      await source.fetch([5, 0, 3], sink, signal);
      await expectPieces(setup, got, [5, 0, 3]);
      expect(got.get(5)!.byteLength).to.equal(12345);
    });

    it('serves several fetches on one opened source', async () => {
      const source = make();
      const signal = new AbortController().signal;
      await source.open(signal);
      const first = collector();
      await source.fetch([1], first.sink, signal);
      const second = collector({ delayMs: 30 });
      await source.fetch([2, 4], second.sink, signal);
      await expectPieces(setup, first.got, [1]);
      await expectPieces(setup, second.got, [2, 4]);
    });

    it('settles only after every delivery has settled', async () => {
      const source = make();
      const signal = new AbortController().signal;
      await source.open(signal);
      const got = new Map<number, Uint8Array>();
      // Storing the first piece takes long: the second one arrives and is stored meanwhile.
      const sink: PieceSink = {
        async deliver(index, bytes) {
          if (index === 0) await new Promise((r) => setTimeout(r, 400));
          got.set(index, new Uint8Array(bytes));
          return 'ok';
        },
      };
      await source.fetch([0, 1], sink, signal);
      await expectPieces(setup, got, [0, 1]);
    });

    it('rejects when aborted and delivers nothing after settling', async () => {
      const source = make();
      const controller = new AbortController();
      await source.open(controller.signal);
      const slow = collector({ delayMs: 100 });
      const fetching = source.fetch([0, 1, 2, 3, 4, 5], slow.sink, controller.signal);
      setTimeout(() => controller.abort(new DOMException('stop', 'AbortError')), 120);
      const error = await fetching.catch((e) => e);
      expect(error).to.be.instanceOf(Error);
      const calls = slow.calls();
      await new Promise((r) => setTimeout(r, 400));
      expect(slow.calls()).to.equal(calls);
      expect(slow.got.size).to.be.below(6);
    });

    it('takes pieces from a feed only as it has room for them', async () => {
      const source = make();
      const signal = new AbortController().signal;
      await source.open(signal);
      const pending = [0, 1, 2, 3, 4, 5];
      let taken = 0;
      let delivered = 0;
      let most = 0;
      const feed: PieceFeed = {
        take: () => {
          const index = pending.shift();
          if (index !== undefined) taken++;
          most = Math.max(most, taken - delivered);
          return index;
        },
        depth: () => 2,
        skip: () => {},
      };
      const { sink, got } = collector({ delayMs: 20 });
      // Requested and not yet received: what the depth bounds (storing is bounded apart).
      const counting: PieceSink = {
        deliver: (index, bytes) => {
          delivered++;
          return sink.deliver(index, bytes);
        },
      };
      await source.fetch(feed, counting, signal);
      await expectPieces(setup, got, [0, 1, 2, 3, 4, 5]);
      expect(most).to.be.at.most(2);
    });

    it('shares one feed with a second source: every piece delivered once, by either', async () => {
      const first = make();
      const second = make();
      const signal = new AbortController().signal;
      await Promise.all([first.open(signal), second.open(signal)]);
      const pending = [0, 1, 2, 3, 4, 5];
      const feed: PieceFeed = { take: () => pending.shift(), depth: () => 2, skip: () => {} };
      const { sink, got, calls } = collector({ delayMs: 10 });
      await Promise.all([first.fetch(feed, sink, signal), second.fetch(feed, sink, signal)]);
      await expectPieces(setup, got, [0, 1, 2, 3, 4, 5]);
      expect(calls()).to.equal(6);
    });

    it('drops the pieces another source delivered first and goes on with the rest', async () => {
      const source = make();
      const signal = new AbortController().signal;
      await source.open(signal);
      const { sink, got } = collector();
      const fetching = source.fetch([0, 1, 2, 3, 4, 5], sink, signal);
      // The endgame: piece 2 (already asked for) and piece 5 (the last one) arrived from
      // elsewhere while this source was fetching.
      source.cancel!(2);
      source.cancel!(5);
      await fetching;
      await expectPieces(setup, got, [0, 1, 3, 4]);
    });

    it('rejects when the sink fails', async () => {
      const source = make();
      const signal = new AbortController().signal;
      await source.open(signal);
      const failing = collector({ failAt: 2 });
      const error = await source.fetch([0, 1, 2, 3], failing.sink, signal).catch((e) => e);
      expect(error?.message).to.equal('disk full');
    });
  });
}
