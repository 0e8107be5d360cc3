/**
 * Sharing and uploading through a running reference app, as its users do: a private
 * room, `chat:file:share` on the socket, a multipart upload with `file_id` first.
 */
import { ack, manifestOf, multipart } from '../unit/server/support/helpers.js';
import type { TestClient } from './test-app.js';

/** Creates a room of `owner` and `members`; returns its id. */
export async function createRoom(
  owner: TestClient,
  name: string,
  members: string[],
): Promise<string> {
  const { status, body } = await owner.json<{ id: string }>('POST', '/api/rooms', {
    name,
    members,
  });
  if (status !== 201) throw new Error(`create room: HTTP ${status}`);
  return body.id;
}

/** Shares `bytes` into `roomId` from `client`'s socket; returns the file id. */
export async function shareFile(
  client: TestClient,
  roomId: string,
  bytes: Uint8Array,
  input: { name?: string; mimeType?: string } = {},
): Promise<string> {
  const socket = await client.socket();
  const reply = await ack(socket, 'chat:file:share', {
    room_id: roomId,
    name: input.name ?? 'file.bin',
    size: bytes.length,
    mime_type: input.mimeType ?? 'application/octet-stream',
    manifest: manifestOf(bytes),
  });
  socket.close();
  if (!reply.success) throw new Error(`share failed: ${reply.code} ${reply.error}`);
  return reply.file_id as string;
}

/** Uploads the bytes of a shared file; returns status and parsed body. */
export async function uploadFileBytes(
  client: TestClient,
  fileId: string,
  bytes: Uint8Array,
  mimeType = 'application/octet-stream',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { body, contentType } = multipart([
    { name: 'file_id', value: fileId },
    { name: 'file', filename: 'upload.bin', type: mimeType, data: bytes },
  ]);
  const res = await client.fetch('/api/chat/files/upload', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
