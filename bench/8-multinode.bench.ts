/**
 * Benchmark 8, several nodes: three reference-app processes on one PostgreSQL, one Redis
 * (the streams adapter) and one blob directory, driven by socket.io clients in Node.
 * - Relay between two nodes against the relay within one node of the same deployment:
 *   the SDK's relay protocol (64 KiB binary frames, a window of `relay_batch_size` frames,
 *   an acknowledgement every half window), source and requester played by socket clients.
 * - Fan-out: the time until a chat message has reached 500 sockets, all on one node
 *   against spread over three nodes (the message crosses Redis to the other two).
 */
import { createHash, randomBytes } from 'node:crypto';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { AppProcess } from '../test/e2e/support/app-process.js';
import {
  startNode,
  startSharedServices,
  type SharedServices,
} from '../test/e2e/support/cluster.js';
import { MiB } from './support/data.js';
import { median, paired, round, throughput, type Benchmark } from './support/measure.js';

const CHUNK_SIZE = 64 * 1024;
/** The SDK's default `relay_batch_size`: frames in flight before an acknowledgement. */
const WINDOW = 8;
const ACK_EVERY = WINDOW / 2;
const FAN_OUT_SOCKETS = 500;

type Reply = { success: boolean; [key: string]: unknown };

const ask = (socket: Socket, event: string, payload: unknown) =>
  socket.timeout(15_000).emitWithAck(event, payload) as Promise<Reply>;

async function login(node: AppProcess, username: string): Promise<string> {
  const res = await fetch(`${node.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  if (!res.ok) throw new Error(`login ${username}: HTTP ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

function connect(node: AppProcess, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket(node.url, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Plays the source side of the SDK's relay for every session asked of `socket`. */
function serveRelay(socket: Socket, frame: Buffer, total: number): void {
  socket.on(
    'chat:file:relay_request',
    (request: { session_id: string; file_id: string; requester_socket_id: string }) => {
      let acked = -1;
      let next = 0;
      const pump = () => {
        while (next < total && next <= acked + WINDOW) {
          socket.emit('chat:file:relay_chunk', {
            session_id: request.session_id,
            requester_socket_id: request.requester_socket_id,
            file_id: request.file_id,
            chunk_index: next++,
            chunk_data: frame,
            total_chunks: total,
          });
        }
      };
      const onAck = (ack: { session_id: string; received_through: number }) => {
        if (ack.session_id !== request.session_id) return;
        acked = Math.max(acked, ack.received_through);
        if (acked >= total - 1) socket.off('chat:file:relay_ack', onAck);
        else pump();
      };
      socket.on('chat:file:relay_ack', onAck);
      pump();
    },
  );
}

/** One relay transfer of `total` frames from `source` to `requester`; MiB/s. */
async function relayOnce(
  requester: Socket,
  source: Socket,
  fileId: string,
  total: number,
): Promise<number> {
  const started = performance.now();
  const reply = await ask(requester, 'chat:file:relay_request', {
    file_id: fileId,
    room_id: 'general',
    source_username: 'relay-source',
    source_socket_id: source.id,
  });
  if (!reply.success) throw new Error(`relay_request: ${String(reply.code)}`);
  const sessionId = reply.session_id as string;
  await new Promise<void>((resolve) => {
    let received = 0;
    const onChunk = (chunk: { session_id: string; chunk_index: number }) => {
      if (chunk.session_id !== sessionId) return;
      received += 1;
      const last = chunk.chunk_index === total - 1;
      if (last || (chunk.chunk_index + 1) % ACK_EVERY === 0) {
        requester.emit('chat:file:relay_ack', {
          session_id: sessionId,
          source_socket_id: source.id,
          file_id: fileId,
          received_through: chunk.chunk_index,
        });
      }
      if (last) {
        if (received !== total) throw new Error(`relay delivered ${received}/${total} frames`);
        requester.off('chat:file:relay_chunk', onChunk);
        resolve();
      }
    };
    requester.on('chat:file:relay_chunk', onChunk);
  });
  const ms = performance.now() - started;
  source.emit('chat:file:relay_complete', {
    session_id: sessionId,
    requester_socket_id: requester.id,
    file_id: fileId,
  });
  return (total * CHUNK_SIZE) / MiB / (ms / 1000);
}

/** Milliseconds from sending one message until every listener has it. */
async function fanOutOnce(sender: Socket, listeners: Socket[], text: string): Promise<number> {
  let pending = listeners.length;
  const all = new Promise<void>((resolve) => {
    for (const socket of listeners) {
      const onMessage = (message: { content: string }) => {
        if (message.content !== text) return;
        socket.off('chat:message_received', onMessage);
        pending -= 1;
        if (pending === 0) resolve();
      };
      socket.on('chat:message_received', onMessage);
    }
  });
  const started = performance.now();
  const reply = await ask(sender, 'chat:send_message', { room_id: 'general', content: text });
  if (!reply.success) throw new Error(`send_message: ${String(reply.code)}`);
  await all;
  return performance.now() - started;
}

const bench: Benchmark = {
  name: 'multinode',
  async run({ quick, log }) {
    const size = quick ? 16 * MiB : 64 * MiB;
    const runs = quick ? 3 : 5;
    const messages = quick ? 10 : 30;
    const sockets: Socket[] = [];
    const nodes: AppProcess[] = [];
    let shared: SharedServices | undefined;
    try {
      shared = await startSharedServices();
      for (const name of ['node1', 'node2', 'node3']) {
        nodes.push(await startNode(shared, name, { ice_servers: [] }));
      }
      const [node1, node2, node3] = nodes as [AppProcess, AppProcess, AppProcess];
      const open = async (node: AppProcess, token: string) => {
        const socket = await connect(node, token);
        sockets.push(socket);
        return socket;
      };

      // Relay.
      const [sourceToken, requesterToken] = await Promise.all([
        login(node1, 'relay-source'),
        login(node1, 'relay-requester'),
      ]);
      const source = await open(node1, sourceToken);
      const sameNode = await open(node1, requesterToken);
      const otherNode = await open(node2, requesterToken);
      const frame = randomBytes(CHUNK_SIZE);
      const total = size / CHUNK_SIZE;
      const piece = createHash('sha256')
        .update(Buffer.concat(Array.from({ length: 16 }, () => frame)))
        .digest();
      const shared_ = await ask(source, 'chat:file:share', {
        room_id: 'general',
        name: 'relay.bin',
        size,
        mime_type: 'application/octet-stream',
        manifest: {
          piece_size: MiB,
          pieces: Array.from({ length: size / MiB }, () => piece.toString('hex')),
          root: createHash('sha256')
            .update(Buffer.concat(Array.from({ length: size / MiB }, () => piece)))
            .digest('hex'),
        },
      });
      if (!shared_.success) throw new Error(`share: ${String(shared_.code)}`);
      const fileId = shared_.file_id as string;
      serveRelay(source, frame, total);
      await relayOnce(sameNode, source, fileId, 64);
      await relayOnce(otherNode, source, fileId, 64);
      const relay = await paired(
        runs,
        () => relayOnce(otherNode, source, fileId, total),
        () => relayOnce(sameNode, source, fileId, total),
        (run, across, within) =>
          log(
            `relay run ${run}: node 1 → node 2 ${round(across)}, within node 1 ${round(within)} MiB/s`,
          ),
      );

      // Fan-out: the same listener sockets, first all on node 1, then spread over three.
      const listenerToken = await login(node1, 'listener');
      const senderToken = await login(node1, 'announcer');
      const sender = await open(node1, senderToken);
      const measureFanOut = async (spread: AppProcess[], label: string) => {
        const listeners: Socket[] = [];
        for (let i = 0; i < FAN_OUT_SOCKETS; i += 1) {
          listeners.push(await connect(spread[i % spread.length]!, listenerToken));
        }
        try {
          await fanOutOnce(sender, listeners, `${label} warm-up`);
          const times: number[] = [];
          for (let i = 0; i < messages; i += 1) {
            times.push(await fanOutOnce(sender, listeners, `${label} ${i}`));
          }
          log(`fan-out ${label}: median ${round(median(times))} ms over ${messages} messages`);
          return median(times);
        } finally {
          for (const socket of listeners) socket.close();
        }
      };
      const oneNode = await measureFanOut([node1], '1 node');
      const threeNodes = await measureFanOut([node1, node2, node3], '3 nodes');
      const oneNodeAgain = await measureFanOut([node1], '1 node again');
      const baseline = median([oneNode, oneNodeAgain]);

      return [
        throughput(
          `relay ${size / MiB} MiB between two nodes`,
          relay,
          'relay within one node (same deployment)',
          { window_frames: WINDOW, frame_kib: CHUNK_SIZE / 1024 },
        ),
        {
          name: `message to ${FAN_OUT_SOCKETS} sockets on 3 nodes`,
          unit: 'ms',
          value: round(threeNodes),
          baseline_name: `${FAN_OUT_SOCKETS} sockets on 1 node`,
          baseline_value: round(baseline),
          ratio: round(baseline / threeNodes, 3),
          runs: messages,
          notes: { one_node_first: round(oneNode), one_node_after: round(oneNodeAgain) },
        },
      ];
    } finally {
      for (const socket of sockets) socket.close();
      for (const node of nodes) await node.stop();
      await shared?.stop();
    }
  },
};

export default bench;
