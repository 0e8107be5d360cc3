/**
 * Upload helpers: a multipart POST to `/upload` built by hand (so tests control the
 * field order and every byte) and a share-then-upload shortcut.
 */
import type { Socket } from 'socket.io-client';
import type { BareUser } from './bare-server.js';
import { ack, manifestOf, multipart, type Part } from './helpers.js';

/** POSTs multipart parts to `/upload` as `user`; returns status and parsed body. */
export async function postUpload(
  user: BareUser,
  parts: Part[],
  query = '',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { body, contentType } = multipart(parts);
  const res = await user.fetch(`/upload${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed as Record<string, unknown> };
}

/** Uploads `bytes` for `fileId`, `file_id` first. */
export function uploadBytes(
  user: BareUser,
  fileId: string,
  bytes: Uint8Array,
  type = 'text/plain',
) {
  return postUpload(user, [
    { name: 'file_id', value: fileId },
    { name: 'file', filename: 'upload.bin', type, data: bytes },
  ]);
}

/** Shares `bytes` into a room (with a manifest unless `manifest: false`) and returns the id. */
export async function shareBytes(
  socket: Socket,
  bytes: Uint8Array,
  options: {
    room_id?: string;
    name?: string;
    mime_type?: string;
    manifest?: boolean;
    pieceSize?: number;
  } = {},
): Promise<string> {
  const reply = await ack(socket, 'chat:file:share', {
    room_id: options.room_id ?? 'team',
    name: options.name ?? 'file.txt',
    size: bytes.length,
    mime_type: options.mime_type ?? 'text/plain',
    ...(options.manifest === false ? {} : { manifest: manifestOf(bytes, options.pieceSize) }),
  });
  if (!reply.success) throw new Error(`share failed: ${reply.code} ${reply.error}`);
  return reply.file_id as string;
}

/** Shares and uploads; returns the file id. */
export async function shareAndUpload(
  user: BareUser,
  socket: Socket,
  bytes: Uint8Array,
  options: Parameters<typeof shareBytes>[2] = {},
): Promise<string> {
  const fileId = await shareBytes(socket, bytes, options);
  const { status, body } = await uploadBytes(user, fileId, bytes, options.mime_type);
  if (status !== 200) throw new Error(`upload failed: ${status} ${JSON.stringify(body)}`);
  return fileId;
}
