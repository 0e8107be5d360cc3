/**
 * Wire types shared by the browser runtime and the server: records, REST shapes,
 * the socket.io event maps, and the relay frame. Names and fields follow the reference
 * API; fields marked "ours" are additions an older client may omit.
 */
import type { ErrorCode } from './error-codes.js';

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
}

/** A failure reply, on REST (as the body) and on socket callbacks. */
export interface ErrorReply {
  success?: false;
  error: string;
  code: ErrorCode;
}

/** Socket callback reply: the success shape or an error. */
export type Reply<T extends object = object> =
  ({ success: true } & T) | (ErrorReply & { success: false });

/** Server availability of one file for the asking user. */
export interface ServerStatus {
  server_available: boolean;
  user_has_claim: boolean;
  expires_at: number | null;
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
  /** Piece indexes wanted; all pieces when absent (ours). */
  pieces?: number[];
}
export interface RelayChunkPayload {
  requester_socket_id: string;
  file_id: string;
  chunk_index: number;
  /** Raw bytes; sent as a binary attachment, never base64. */
  chunk_data: ArrayBuffer | Uint8Array;
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
  'chat:file:probe': (p: FileProbePayload, cb: (r: Reply) => void) => void;
  'chat:file:probe_response': (p: FileProbeResponsePayload, cb?: (r: Reply) => void) => void;
  'chat:file:signal': (p: FileSignalPayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_request': (
    p: RelayRequestPayload,
    cb: (r: Reply<{ transport: 'relay'; session_id: string; source_socket_id: string }>) => void,
  ) => void;
  'chat:file:relay_chunk': (p: RelayChunkPayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_ack': (p: RelayAckPayload, cb?: (r: Reply) => void) => void;
  'chat:file:relay_complete': (p: RelayCompletePayload, cb?: (r: Reply) => void) => void;
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
