/**
 * A Node-side user of the reference app for the HTTP benchmarks: logs in, shares files
 * over socket.io (as the SDK does before an upload), and closes its socket.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { uploadMultipart } from './http-client.js';

/** A logged-in user with a live socket. */
export interface AppUser {
  token: string;
  authorization: Record<string, string>;
  /** `chat:file:share` (metadata only); resolves to the new `file_id` and its chat message. */
  share(
    name: string,
    size: number,
    options?: { roomId?: string; mimeType?: string },
  ): Promise<{ fileId: string; message: unknown }>;
  /** Creates a room with these other members; resolves to its id. */
  createRoom(name: string, members: string[]): Promise<string>;
  close(): void;
}

/** Logs `username` in at `appUrl` and connects a socket. */
export async function loginUser(appUrl: string, username: string): Promise<AppUser> {
  const response = await fetch(`${appUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  if (!response.ok) throw new Error(`login ${username}: HTTP ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  const socket: Socket = connectSocket(appUrl, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    token,
    authorization: { authorization: `Bearer ${token}` },
    async share(name, size, { roomId = 'general', mimeType = 'application/octet-stream' } = {}) {
      const reply = (await socket.timeout(10_000).emitWithAck('chat:file:share', {
        room_id: roomId,
        name,
        size,
        mime_type: mimeType,
      })) as { success: boolean; file_id?: string; message?: unknown; error?: string };
      if (!reply.success || !reply.file_id) throw new Error(`share failed: ${reply.error}`);
      return { fileId: reply.file_id, message: reply.message };
    },
    async createRoom(name, members) {
      const created = await fetch(`${appUrl}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name, members }),
      });
      if (!created.ok) throw new Error(`create room: HTTP ${created.status}`);
      return ((await created.json()) as { id: string }).id;
    },
    close: () => socket.close(),
  };
}

/**
 * Shares `source` as `user` and uploads it to the app at `appUrl`, whose disk storage is
 * under `dataDir`; resolves with the file id and where the stored blob is, so a baseline
 * can serve the very same file from the same disk.
 */
export async function seedOnDisk(
  appUrl: string,
  user: AppUser,
  dataDir: string,
  name: string,
  source: string,
  size: number,
): Promise<{ fileId: string; blobDir: string; blobId: string }> {
  const { fileId } = await user.share(name, size);
  const uploaded = await uploadMultipart(
    `${appUrl}/api/chat/files/upload`,
    source,
    size,
    { file_id: fileId },
    user.authorization,
  );
  if (uploaded.status !== 200) throw new Error(`seeding upload: HTTP ${uploaded.status}`);
  const blobDir = path.join(dataDir, 'blobs');
  const blobId = readdirSync(blobDir).find((entry) => /^[0-9a-f]{32}$/.test(entry));
  if (!blobId) throw new Error(`no stored blob in ${blobDir}`);
  return { fileId, blobDir, blobId };
}
