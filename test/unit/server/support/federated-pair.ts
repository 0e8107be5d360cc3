/**
 * Two real reference apps on two loopback ports, each trusting the other (federation),
 * plus what federation tests do on them: federated rooms, and sharing and uploading a
 * file through the real routes.
 */
import type { Socket } from 'socket.io-client';
import type { ChatFilesConfigInput } from '../../../../src/core/wire/config.js';
import {
  freePort,
  startTestApp,
  type TestApp,
  type TestClient,
} from '../../../support/test-app.js';
import { ack, manifestOf, multipart } from './helpers.js';

export { filesContaining, filesUnder, randomPng } from '../../../support/bytes-fixtures.js';

/** Two federated instances. */
export interface FederatedPair {
  a: TestApp;
  b: TestApp;
  originA: string;
  originB: string;
  close(): Promise<void>;
}

/** Options of {@link startFederatedPair}. */
export interface FederatedPairOptions {
  /** More `chat_files` keys for both instances. */
  chatFiles?: ChatFilesConfigInput;
  /** Further peers A trusts besides B (e.g. a fake older instance). */
  extraPeersOfA?: string[];
  /** Port for A (when something must know A's origin before it starts). */
  portA?: number;
}

const federation = (origin: string, peers: string[]): ChatFilesConfigInput => ({
  federation: { enabled: true, origin, peers },
});

/** Starts A and B, each trusting the other. */
export async function startFederatedPair(
  options: FederatedPairOptions = {},
): Promise<FederatedPair> {
  const [portA, portB] = [options.portA ?? (await freePort()), await freePort()];
  const originA = `http://127.0.0.1:${portA}`;
  const originB = `http://127.0.0.1:${portB}`;
  const a = await startTestApp({
    port: portA,
    chatFiles: {
      ...options.chatFiles,
      ...federation(originA, [originB, ...(options.extraPeersOfA ?? [])]),
    },
  });
  const b = await startTestApp({
    port: portB,
    chatFiles: { ...options.chatFiles, ...federation(originB, [originA]) },
  });
  return {
    a,
    b,
    originA,
    originB,
    async close() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

/** Creates a room on `client`'s instance federated with `peers`; returns the answer. */
export async function createFederatedRoom(
  client: TestClient,
  name: string,
  peers: string[],
): Promise<{ status: number; body: Record<string, unknown> & { id: string } }> {
  return client.json('POST', '/api/rooms', { name, federated_with: peers });
}

/** Shares `bytes` into a room through the socket, then uploads them; returns the file id. */
export async function shareAndUploadFile(
  client: TestClient,
  socket: Socket,
  input: { roomId: string; name: string; mimeType: string; bytes: Uint8Array; thumbnail?: string },
): Promise<string> {
  const reply = await ack(socket, 'chat:file:share', {
    room_id: input.roomId,
    name: input.name,
    size: input.bytes.length,
    mime_type: input.mimeType,
    manifest: manifestOf(input.bytes),
    ...(input.thumbnail ? { thumbnail: input.thumbnail } : {}),
  });
  if (!reply.success) throw new Error(`share failed: ${reply.code} ${reply.error}`);
  const fileId = reply.file_id as string;
  await uploadFile(client, fileId, input.bytes, input.mimeType);
  return fileId;
}

/** Uploads the bytes of a shared file (multipart, `file_id` first); throws unless 200. */
export async function uploadFile(
  client: TestClient,
  fileId: string,
  bytes: Uint8Array,
  mimeType: string,
): Promise<void> {
  const res = await postFileUpload(client, fileId, bytes, mimeType);
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
}

/** Posts the bytes of a shared file (multipart, `file_id` first) and returns the response. */
export async function postFileUpload(
  client: TestClient,
  fileId: string,
  bytes: Uint8Array,
  mimeType: string,
): Promise<Response> {
  const { body, contentType } = multipart([
    { name: 'file_id', value: fileId },
    { name: 'file', filename: 'upload.bin', type: mimeType, data: bytes },
  ]);
  return client.fetch('/api/chat/files/upload', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
}
