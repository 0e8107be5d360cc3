/**
 * Wire types shared by the browser runtime and the server: records, REST shapes,
 * the socket.io event maps, and the relay frame. Names and fields follow the reference
 * API; fields marked "ours" are additions an older client may omit.
 *
 * # Protocol rules (server and browser engine both follow these)
 *
 * Event names and payloads are the reference API's; these rules fix what it leaves open.
 *
 * - **Socket identity**: `attach(io)` registers an `io.on('connection')` handler that calls `host.authenticate(socket.handshake)` once and keeps the user in `socket.data.chatFilesUser` (`{ username, groups }`); a socket without a user gets every file event answered `cb({ success:false, code:'ERR_UNAUTHENTICATED', error })`. The host puts each user's sockets into the socket.io room whose name is the chat room id; live members of a room = `io.in(roomId).fetchSockets()` filtered by `data.chatFilesUser.username`.
 * - **Every event handler**: validates its payload (types, lengths; ids are strings ≤ 200 chars), checks room membership with `host.isMember`, answers through the callback if one was given (`cb` may be missing: never crash), and never throws out of the handler. Unknown file → `ERR_NOT_FOUND`; not a member → `ERR_NOT_MEMBER`.
 * - `chat:file:share { room_id, name, size, mime_type?, thumbnail?, manifest? }` → creates the file record (id = `randomUUID()`), registers the sender as seeder, posts `[FILE]{...}` via `host.postMessage` (the host delivers `chat:message_received`; the SDK does not broadcast it again), `cb({ success:true, file_id, message })`. `manifest = { piece_size, pieces: hex sha256[], root }` where root = hex SHA-256 of the concatenated raw 32-byte piece digests; the server checks it is consistent with `size` (piece count = ceil(size/piece_size), at least 1 piece only when size>0; a zero-byte file has `pieces: []` and root = SHA-256 of empty input).
 * - `chat:file:request_peers { file_id, room_id }` → `cb({ success, seeders: [{ username, socket_ids }], file, diag, server_available, user_has_claim, expires_at })`: seeders are users with a seed record who have live sockets in the room, the asking socket excluded; `file` is the FileRecord including `manifest` (null until known).
 * - `chat:file:server_status { file_id }` and `chat:file:server_status_batch { file_ids: string[] (≤ 1000) }` → `{ server_available, user_has_claim, expires_at, can_delete }` (`can_delete`: the caller may delete the room's server copy for everyone, as its sharer or an administrator; batch: `{ statuses: { [file_id]: ServerStatus } }`, files the user cannot see are omitted).
 * - `chat:file:probe { file_id, room_id }` → emitted to the room except the sender as `chat:file:probe { file_id, room_id, requester_socket_id, requester_username }`; `cb({ success })`. `chat:file:probe_response { file_id, has_file, requester_socket_id, pieces? }` → delivered only to that requester socket, and only if requester and responder are both members of the file's room, as `{ file_id, has_file, responder_socket_id, responder_username, pieces? }`.
 * - `chat:file:signal { target_username, room_id, file_id, signal_type: 'offer'|'answer'|'ice-candidate', signal_data, target_socket_id? }` → only when sender and target are both members of room_id (and the file belongs to that room); delivered to the target's sockets in that room (or only `target_socket_id` when given and it belongs to the target) as `{ from_username, from_socket_id, room_id, file_id, signal_type, signal_data }`. `signal_data` ≤ 64 KiB JSON.
 * - **Relay sessions**: `chat:file:relay_request { file_id, room_id, source_username, source_socket_id?, pieces? }` → the server checks both are members, picks a live socket of the source in the room (the given one if valid), opens a session (`session_id` = an expiry, a 128-bit nonce from crypto and an HMAC-SHA-256 over both sockets, the file and those two, under a key the nodes share), emits to the source socket `chat:file:relay_request { session_id, file_id, room_id, requester_socket_id, requester_username, pieces? }` and replies `cb({ success, transport:'relay', session_id, source_socket_id })`. `chat:file:relay_chunk { session_id, requester_socket_id, file_id, chunk_index, chunk_data: binary (ArrayBuffer/Uint8Array/Buffer, never base64), total_chunks }` is forwarded to the requester as `{ session_id, source_socket_id, file_id, chunk_index, chunk_data, total_chunks }` **only** when a session with that id exists whose source is the emitting socket, whose requester is `requester_socket_id` and whose file is `file_id`; otherwise dropped (cb error if a cb was given). Frames larger than `max(chunk_size, 1 MiB)` are dropped. `chat:file:relay_ack { session_id, source_socket_id, file_id, received_through }` goes requester → source (same session check, reversed) and is delivered as `{ session_id, requester_socket_id, file_id, received_through }`. `chat:file:relay_complete { session_id, requester_socket_id, file_id }` is forwarded and closes the session. `chat:file:relay_cancel { session_id }` from either side closes it and tells the other side `chat:file:relay_cancel { session_id, file_id, reason }`; a disconnect of either socket does the same. What `chunk_index`/`received_through` count is the engine's business (both ends are ours); the server only checks they are non-negative integers.
 * - `chat:file:seed_registered { file_id }` → members of the file's room only; records seed `{file_id}:{username}`; emits `chat:file:seeder_available { file_id, room_id, username, socket_id }` to the room; `cb({ success })`.
 * - `chat:file:server_cached { file_id, room_id, expires_at }` → broadcast to the room (after checking the server really holds it); `chat:update_file_preview_size` → broadcast to the file's room as `{ ...payload, room_id, username }`; `chat:media_sync { room_id, file_id, action: 'play'|'pause'|'seek', time }` → broadcast to the room except the sender with `username` added.
 * - **REST** under `/api/chat/files` (cookie or `Authorization: Bearer`; the host's `authenticate(req)` decides): `POST /upload` multipart fields `file_id` (from an earlier share by the same user; field order: `file_id` before `file`, but accept it after too if you can) and `file`, response `{ success, file_id, expires_at, deduped, md5, sha256 }`; `GET /:file_id/download` (members of the file's room; `Range: bytes=a-b` single ranges → 206 with `Content-Range`, unsatisfiable → 416, `If-Range` with the strong ETag, which is `"<sha256>"`); `GET /user`, `GET /user/storage`, `POST /store-permanently {file_id}`, `POST /remove-from-server {file_id}`. Cross-origin pages call these with a bearer token (the reference app has a `corsOrigins` option; browser tests run with `corsOrigins: true`).
 * - Errors: JSON `{ error, code }`; codes and statuses in `src/core/wire/error-codes.ts`; server throws `ChatFilesError` (`server/errors.ts`) and one middleware maps it.
 */
import type { ErrorCode } from './error-codes.js';
import type { FederatedFile } from './federated-file.js';

/** The integrity description of a file's content (ours). */
export interface PieceManifest {
  /** Bytes per piece; the last piece may be shorter. */
  piece_size: number;
  /** Lower-case hex SHA-256 of each piece, in order. */
  pieces: string[];
  /** Lower-case hex SHA-256 over the concatenated raw piece digests. */
  root: string;
}

/** A file record as the server keeps and returns it. */
export interface FileRecord {
  id: string;
  room_id: string;
  name: string;
  size: number;
  mime_type: string;
  chunk_size: number;
  total_chunks: number;
  thumbnail: string | null;
  sender: string;
  created_at: number;
  md5: string | null;
  sanitized_name: string | null;
  /** SHA-256 of the whole content, known once the server holds the bytes (ours). */
  sha256?: string | null;
  /** Piece manifest, from the sharer or derived by the server on upload (ours). */
  manifest?: PieceManifest | null;
}

/** The content of a `[FILE]` message. */
export interface FileMessagePayload {
  file_id: string;
  name: string;
  size: number;
  mime_type: string;
  thumbnail?: string | null;
  /**
   * Set when the file lives on another instance (federation): where to preview and
   * download it. `file_id` is then this instance's id of the federated message (ours).
   */
  federated?: FederatedFile;
}

/** A failure reply, on REST (as the body) and on socket callbacks. */
export interface ErrorReply {
  success?: false;
  error: string;
  code: ErrorCode;
  /** With `ERR_RATE_LIMITED`: milliseconds until the client may try again (ours). */
  retry_after_ms?: number;
}

/** Socket callback reply: the success shape or an error. */
export type Reply<T extends object = object> =
  ({ success: true } & T) | (ErrorReply & { success: false });

/** Server availability of one file for the asking user. */
export interface ServerStatus {
  server_available: boolean;
  user_has_claim: boolean;
  expires_at: number | null;
  /** The caller may delete the room's server copy for everyone: its sharer or an administrator (ours). */
  can_delete: boolean;
}

/** An online seeder of a file. */
export interface SeederInfo {
  username: string;
  /** Live sockets of that user in the file's room. */
  socket_ids: string[];
}

/** `chat:file:share` payload. */
export interface SharePayload {
  room_id: string;
  name: string;
  size: number;
  mime_type?: string;
  thumbnail?: string | null;
  /** Piece manifest computed by the sharer (ours). */
  manifest?: PieceManifest;
}

/** Payloads of client → server events. */
export interface FileRequestPeersPayload {
  file_id: string;
  room_id: string;
}
export interface FileServerStatusPayload {
  file_id: string;
}
export interface FileServerStatusBatchPayload {
  file_ids: string[];
}
export interface FileProbePayload {
  file_id: string;
  room_id: string;
}
export interface FileProbeResponsePayload {
  file_id: string;
  has_file: boolean;
  requester_socket_id: string;
  /** Pieces held, when only part of the file is (ours). */
  pieces?: number[];
}
export type SignalType = 'offer' | 'answer' | 'ice-candidate';
export interface FileSignalPayload {
  target_username: string;
  room_id: string;
  file_id: string;
  signal_type: SignalType;
  signal_data: unknown;
  /** Target a single socket of that user (ours). */
  target_socket_id?: string;
}
export interface RelayRequestPayload {
  file_id: string;
  room_id: string;
  source_username: string;
  /** A specific live socket of the source (ours). */
  source_socket_id?: string;
  /** Piece indexes wanted; all pieces when absent (ours). */
  pieces?: number[];
}
export interface RelayChunkPayload {
  requester_socket_id: string;
  file_id: string;
  chunk_index: number;
  /** Raw bytes; sent as a binary attachment (reference-doc clients may send base64 text). */
  chunk_data: ArrayBuffer | Uint8Array | string;
  total_chunks: number;
  session_id?: string;
}
export interface RelayAckPayload {
  source_socket_id: string;
  file_id: string;
  received_through: number;
  session_id?: string;
}
export interface RelayCompletePayload {
  requester_socket_id: string;
  file_id: string;
  session_id?: string;
}
export interface RelayCancelPayload {
  session_id: string;
  /** Short reason passed on to the other end (ours). */
  reason?: string;
}
export interface SeedRegisteredPayload {
  file_id: string;
}
export interface ServerCachedPayload {
  file_id: string;
  room_id: string;
  expires_at: number | null;
}
export interface PreviewSizePayload {
  message_id?: string;
  file_id: string;
  width: number;
  height: number;
  isLive?: boolean;
}
export type MediaSyncAction = 'play' | 'pause' | 'seek';
export interface MediaSyncPayload {
  room_id: string;
  file_id: string;
  action: MediaSyncAction;
  time: number;
}

/** Events a client emits, with their acknowledgement callbacks. */
export interface ClientToServerEvents {
  'chat:file:share': (
    p: SharePayload,
    cb: (r: Reply<{ file_id: string; message?: unknown }>) => void,
  ) => void;
  'chat:file:request_peers': (
    p: FileRequestPeersPayload,
    cb: (
      r: Reply<
        { seeders: SeederInfo[]; file: FileRecord; diag: Record<string, unknown> } & ServerStatus
      >,
    ) => void,
  ) => void;
  'chat:file:server_status': (
    p: FileServerStatusPayload,
    cb: (r: Reply<ServerStatus>) => void,
  ) => void;
  'chat:file:server_status_batch': (
    p: FileServerStatusBatchPayload,
    cb: (r: Reply<{ statuses: Record<string, ServerStatus> }>) => void,
  ) => void;
  /** `forwarded` is false when a repeat within `probe_interval_seconds` was not passed on (ours). */
  'chat:file:probe': (p: FileProbePayload, cb: (r: Reply<{ forwarded?: boolean }>) => void) => void;
  'chat:file:probe_response': (p: FileProbeResponsePayload, cb?: (r: Reply) => void) => void;
  'chat:file:signal': (p: FileSignalPayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_request': (
    p: RelayRequestPayload,
    cb: (r: Reply<{ transport: 'relay'; session_id: string; source_socket_id: string }>) => void,
  ) => void;
  'chat:file:relay_chunk': (p: RelayChunkPayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_ack': (p: RelayAckPayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_complete': (p: RelayCompletePayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_cancel': (p: RelayCancelPayload, cb?: (r: Reply) => void) => void;
  'chat:file:seed_registered': (p: SeedRegisteredPayload, cb?: (r: Reply) => void) => void;
  'chat:file:server_cached': (p: ServerCachedPayload, cb?: (r: Reply) => void) => void;
  'chat:update_file_preview_size': (p: PreviewSizePayload, cb?: (r: Reply) => void) => void;
  'chat:media_sync': (p: MediaSyncPayload, cb?: (r: Reply) => void) => void;
}

/** Events the server sends to clients. */
export interface ServerToClientEvents {
  'chat:message_received': (message: ChatMessage) => void;
  'chat:file:probe': (p: {
    file_id: string;
    room_id: string;
    requester_socket_id: string;
    requester_username: string;
  }) => void;
  'chat:file:probe_response': (p: {
    file_id: string;
    has_file: boolean;
    responder_socket_id: string;
    responder_username: string;
    pieces?: number[];
  }) => void;
  'chat:file:signal': (p: {
    from_username: string;
    from_socket_id: string;
    room_id: string;
    file_id: string;
    signal_type: SignalType;
    signal_data: unknown;
  }) => void;
  'chat:file:relay_request': (p: {
    session_id: string;
    file_id: string;
    room_id: string;
    requester_socket_id: string;
    requester_username: string;
    pieces?: number[];
  }) => void;
  'chat:file:relay_chunk': (p: {
    session_id: string;
    source_socket_id: string;
    file_id: string;
    chunk_index: number;
    chunk_data: ArrayBuffer;
    total_chunks: number;
  }) => void;
  'chat:file:relay_ack': (p: {
    session_id: string;
    requester_socket_id: string;
    file_id: string;
    received_through: number;
  }) => void;
  'chat:file:relay_complete': (p: {
    session_id: string;
    source_socket_id: string;
    file_id: string;
  }) => void;
  'chat:file:relay_cancel': (p: { session_id: string; file_id: string; reason: string }) => void;
  'chat:file:seeder_available': (p: {
    file_id: string;
    room_id: string;
    username: string;
    socket_id: string;
  }) => void;
  'chat:room_peer_joined': (p: { room_id: string; username: string; socket_id: string }) => void;
  'chat:file:server_cached': (p: ServerCachedPayload) => void;
  'chat:update_file_preview_size': (
    p: PreviewSizePayload & { room_id: string; username: string },
  ) => void;
  'chat:media_sync': (p: MediaSyncPayload & { username: string }) => void;
  'chat:file:revoked': (p: { file_id: string; room_id: string }) => void;
  /** The server no longer holds a copy of the file (ours). */
  'chat:file:server_removed': (p: {
    file_id: string;
    room_id: string;
    reason: 'expired' | 'evicted' | 'removed';
  }) => void;
}

/** A chat message as the host app delivers it on `chat:message_received`. */
export interface ChatMessage {
  id: string;
  room_id: string;
  sender: string;
  content: string;
  created_at: number;
}

/** `GET /api/chat/files/user` entry. */
export interface UserFileEntry {
  id: string;
  name: string;
  size: number;
  mime_type: string;
  thumbnail: string | null;
  created_at: number;
  room_id: string;
  room_name: string | null;
  room_type: string;
  partner_username?: string | null;
  sender_chat_name: string;
  sender?: string;
  room_deleted?: boolean;
  /** The sharer revoked the file: it is listed, but no longer available (ours). */
  revoked: boolean;
}

/** `POST /api/chat/files/upload` success body. */
export interface UploadResponse {
  success: true;
  file_id: string;
  expires_at: number | null;
  deduped: boolean;
  md5: string;
  sha256: string;
}

/** `POST /api/chat/files/store-permanently` success body. */
export interface StorePermanentlyResponse {
  success: true;
  total_stored_bytes: number;
  tier_limit: number;
  tier_name: string;
}

/** `GET /api/chat/files/user/storage` body. */
export interface UserStorageResponse {
  total_stored_bytes: number;
  tier_name: string;
  tier_limit: number;
  claimed_files: Array<{
    file_id: string;
    name: string;
    size: number;
    room_id: string;
    created_at: number;
    claimed_at: number;
  }>;
}

/** The username under which the server itself seeds files. */
export const SERVER_SEEDER = '__server__';

/** The default mount path of the server router. */
export const DEFAULT_API_BASE = '/api/chat/files';
