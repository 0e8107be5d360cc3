/**
 * Three nodes behind one Redis streams adapter (real Redis): every event the SDK sends to
 * another socket reaches it on another node, and a relay session opened on one node is
 * checked by the others by its id alone.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELAY_SESSION_TTL_MS } from '../../../../server/socket/relay-sessions.js';
import { startRedis, type TestService } from '../../../support/services.js';
import type { BareUser } from '../support/bare-server.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { ack, bytesOf, collect, nextEvent, settle } from '../support/helpers.js';
import { shareBytes, uploadBytes } from '../support/upload.js';

interface RelayRequest {
  session_id: string;
  requester_socket_id: string;
}

describe('events and relay sessions across nodes', () => {
  let redis: TestService;
  let cluster: Cluster;
  const clock = { offset: 0 };
  let alice: BareUser;
  let bob: BareUser;
  let carol: BareUser;
  let aliceSocket: Socket; // node 1
  let bobSocket: Socket; // node 2
  let carolSocket: Socket; // node 3
  const bytes = bytesOf(20_000, 3);
  let fileId: string;

  beforeAll(async () => {
    redis = await startRedis();
    cluster = await startCluster(3, redis.url, {
      config: { chunk_size: 1024 },
      now: () => Date.now() + clock.offset,
    });
    const [node1, node2, node3] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    cluster.addRoom('team', ['alice', 'bob', 'carol']);
    alice = node1.user('alice');
    // Users sign in once; their tokens are good on every node, as with a shared store.
    node2.user('alice', [], alice.token);
    bob = node2.user('bob');
    carol = node3.user('carol');
    [aliceSocket, bobSocket, carolSocket] = await Promise.all([
      alice.socket(),
      bob.socket(),
      carol.socket(),
    ]);
    fileId = await shareBytes(aliceSocket, bytes, { name: 'shared.bin' });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  it('carries WebRTC signals from node 1 to node 2', async () => {
    const seen = nextEvent(bobSocket, 'chat:file:signal');
    const reply = await ack(aliceSocket, 'chat:file:signal', {
      target_username: 'bob',
      room_id: 'team',
      file_id: fileId,
      signal_type: 'offer',
      signal_data: { type: 'offer', sdp: 'v=0' },
    });
    expect(reply).toEqual({ success: true, delivered: 1 });
    expect(await seen).toMatchObject({
      from_username: 'alice',
      from_socket_id: aliceSocket.id,
      signal_type: 'offer',
      signal_data: { type: 'offer', sdp: 'v=0' },
    });
  });

  it('carries probes and probe responses between nodes', async () => {
    const probed = nextEvent(carolSocket, 'chat:file:probe');
    expect(await ack(bobSocket, 'chat:file:probe', { file_id: fileId, room_id: 'team' })).toEqual({
      success: true,
      forwarded: true,
    });
    expect(await probed).toMatchObject({ file_id: fileId, requester_socket_id: bobSocket.id });
    const answered = nextEvent(bobSocket, 'chat:file:probe_response');
    expect(
      await ack(carolSocket, 'chat:file:probe_response', {
        file_id: fileId,
        has_file: true,
        requester_socket_id: bobSocket.id,
        pieces: [0],
      }),
    ).toEqual({ success: true });
    expect(await answered).toEqual({
      file_id: fileId,
      has_file: true,
      responder_socket_id: carolSocket.id,
      responder_username: 'carol',
      pieces: [0],
    });
  });

  /** Carol (node 3) asks for a relay from alice (node 1). */
  async function openRelay(): Promise<RelayRequest> {
    const request = nextEvent<RelayRequest>(aliceSocket, 'chat:file:relay_request');
    const reply = await ack(carolSocket, 'chat:file:relay_request', {
      file_id: fileId,
      room_id: 'team',
      source_username: 'alice',
    });
    expect(reply).toMatchObject({ success: true, source_socket_id: aliceSocket.id });
    const seen = await request;
    expect(seen).toMatchObject({
      session_id: reply.session_id,
      requester_socket_id: carolSocket.id,
    });
    return seen;
  }

  const frame = (sessionId: string | undefined, index: number, data: Buffer, total: number) => ({
    ...(sessionId === undefined ? {} : { session_id: sessionId }),
    requester_socket_id: carolSocket.id,
    file_id: fileId,
    chunk_index: index,
    chunk_data: data,
    total_chunks: total,
  });

  it('relays frames from node 1 to node 3 in order, and acks and completion back', async () => {
    const { session_id } = await openRelay();
    const frames = collect<{ chunk_index: number; chunk_data: Buffer; session_id: string }>(
      carolSocket,
      'chat:file:relay_chunk',
    );
    const total = Math.ceil(bytes.length / 1024);
    for (let i = 0; i < total; i++) {
      aliceSocket.emit(
        'chat:file:relay_chunk',
        frame(session_id, i, bytes.subarray(i * 1024, (i + 1) * 1024), total),
      );
    }
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(total);
    expect(frames.map((f) => f.chunk_index)).toEqual([...Array(total).keys()]);
    expect(Buffer.concat(frames.map((f) => Buffer.from(f.chunk_data)))).toEqual(bytes);

    const acked = nextEvent(aliceSocket, 'chat:file:relay_ack');
    expect(
      await ack(carolSocket, 'chat:file:relay_ack', {
        session_id,
        source_socket_id: aliceSocket.id,
        file_id: fileId,
        received_through: total - 1,
      }),
    ).toEqual({ success: true });
    expect(await acked).toMatchObject({ session_id, received_through: total - 1 });

    const complete = nextEvent(carolSocket, 'chat:file:relay_complete');
    expect(
      await ack(aliceSocket, 'chat:file:relay_complete', {
        session_id,
        requester_socket_id: carolSocket.id,
        file_id: fileId,
      }),
    ).toEqual({ success: true });
    expect(await complete).toMatchObject({ session_id, source_socket_id: aliceSocket.id });
    // Over: node 1 drops a late frame, and node 3 a late ack (it heard of the close).
    expect(
      await ack(aliceSocket, 'chat:file:relay_chunk', frame(session_id, 0, bytes, 1)),
    ).toMatchObject({
      success: false,
      code: 'ERR_NOT_FOUND',
    });
    expect(
      await ack(carolSocket, 'chat:file:relay_ack', {
        session_id,
        source_socket_id: aliceSocket.id,
        file_id: fileId,
        received_through: 0,
      }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
  });

  it('finds the session of a reference-doc frame (no id) on the source’s node', async () => {
    await openRelay();
    const got = nextEvent<{ chunk_data: Buffer }>(carolSocket, 'chat:file:relay_chunk');
    expect(
      await ack(aliceSocket, 'chat:file:relay_chunk', frame(undefined, 0, Buffer.from('hi'), 1)),
    ).toEqual({ success: true });
    expect(Buffer.from((await got).chunk_data).toString()).toBe('hi');
  });

  it('refuses forged and expired sessions on every node', async () => {
    const { session_id } = await openRelay();
    const [version, expiry, nonce, mac] = session_id.split('.') as [string, string, string, string];
    const forgedIds = [
      `${version}.${(Number.parseInt(expiry, 36) + 1).toString(36)}.${nonce}.${mac}`,
      `${version}.${expiry}.${nonce}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`,
      '0123456789abcdef0123456789abcdef',
    ];
    const bobFrames = collect(bobSocket, 'chat:file:relay_chunk');
    const carolFrames = collect(carolSocket, 'chat:file:relay_chunk');
    for (const forged of forgedIds) {
      // The source's node (1), the requester's node (3) and a bystander's node (2).
      expect(
        await ack(aliceSocket, 'chat:file:relay_chunk', frame(forged, 0, bytes, 1)),
      ).toMatchObject({
        code: 'ERR_NOT_FOUND',
      });
      expect(
        await ack(carolSocket, 'chat:file:relay_ack', {
          session_id: forged,
          source_socket_id: aliceSocket.id,
          file_id: fileId,
          received_through: 0,
        }),
      ).toMatchObject({ code: 'ERR_NOT_FOUND' });
      // Bob on node 2 cannot borrow a real id to push frames at carol.
      expect(
        await ack(bobSocket, 'chat:file:relay_chunk', frame(session_id, 0, bytes, 1)),
      ).toMatchObject({ code: 'ERR_NOT_FOUND' });
    }
    await settle(200);
    expect(carolFrames).toHaveLength(0);
    expect(bobFrames).toHaveLength(0);

    // The same real id, once the clock passes its expiry, on both ends' nodes.
    clock.offset = RELAY_SESSION_TTL_MS + 1000;
    try {
      expect(
        await ack(aliceSocket, 'chat:file:relay_chunk', frame(session_id, 0, bytes, 1)),
      ).toMatchObject({
        code: 'ERR_NOT_FOUND',
      });
      expect(
        await ack(carolSocket, 'chat:file:relay_ack', {
          session_id,
          source_socket_id: aliceSocket.id,
          file_id: fileId,
          received_through: 0,
        }),
      ).toMatchObject({ code: 'ERR_NOT_FOUND' });
    } finally {
      clock.offset = 0;
    }
  });

  it('tells the source on node 1 when the requester on node 3 cancels, then refuses the id there', async () => {
    const { session_id } = await openRelay();
    const cancelled = nextEvent(aliceSocket, 'chat:file:relay_cancel');
    expect(
      await ack(carolSocket, 'chat:file:relay_cancel', { session_id, reason: 'done' }),
    ).toEqual({
      success: true,
    });
    expect(await cancelled).toEqual({ session_id, file_id: fileId, reason: 'done' });
    await expect
      .poll(
        async () =>
          (await ack(aliceSocket, 'chat:file:relay_chunk', frame(session_id, 0, bytes, 1))).code,
      )
      .toBe('ERR_NOT_FOUND');
  });

  it('tells the requester on node 3 when the source on node 2 disconnects', async () => {
    const bobAgain = await bob.socket();
    const request = nextEvent<RelayRequest>(bobAgain, 'chat:file:relay_request');
    const reply = await ack(carolSocket, 'chat:file:relay_request', {
      file_id: fileId,
      room_id: 'team',
      source_username: 'bob',
      source_socket_id: bobAgain.id,
    });
    expect(reply).toMatchObject({ success: true, source_socket_id: bobAgain.id });
    await request;
    const cancelled = nextEvent(carolSocket, 'chat:file:relay_cancel');
    bobAgain.close();
    expect(await cancelled).toEqual({
      session_id: reply.session_id,
      file_id: fileId,
      reason: 'peer_disconnected',
    });
  });

  it('passes media sync and preview sizes to members on other nodes', async () => {
    const synced = nextEvent(carolSocket, 'chat:media_sync');
    const sized = nextEvent(bobSocket, 'chat:update_file_preview_size');
    await ack(aliceSocket, 'chat:media_sync', {
      file_id: fileId,
      room_id: 'team',
      action: 'seek',
      time: 12.5,
    });
    await ack(aliceSocket, 'chat:update_file_preview_size', {
      file_id: fileId,
      width: 320,
      height: 200,
    });
    expect(await synced).toMatchObject({
      file_id: fileId,
      action: 'seek',
      time: 12.5,
      username: 'alice',
    });
    expect(await sized).toMatchObject({
      file_id: fileId,
      width: 320,
      height: 200,
      username: 'alice',
    });
  });

  it('tells other nodes when the server caches a file uploaded through node 1, which node 2 then serves', async () => {
    const cached = nextEvent(carolSocket, 'chat:file:server_cached', 10_000);
    const upload = await uploadBytes(alice, fileId, bytes, 'application/octet-stream');
    expect(upload.status).toBe(200);
    expect(await cached).toMatchObject({ file_id: fileId, room_id: 'team' });
    const res = await cluster.nodes[1]!.user('alice', [], alice.token).fetch(`/${fileId}/download`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('tells members on other nodes when the sender revokes the file', async () => {
    const revoked = nextEvent(bobSocket, 'chat:file:revoked');
    const res = await alice.json('POST', `/${fileId}/revoke`);
    expect(res.status).toBe(200);
    expect(await revoked).toEqual({ file_id: fileId, room_id: 'team' });
  });
});
