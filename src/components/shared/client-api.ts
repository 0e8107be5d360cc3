/**
 * The part of the `ChatFiles` client the elements use. Elements hold no transport code:
 * they render what the client reports and call its methods.
 */
import type { ChatFilesConfig } from '../../core/config.js';
import type {
  MediaSyncAction,
  ServerStatus,
  StorePermanentlyResponse,
  UserFileEntry,
  UserStorageResponse,
} from '../../core/protocol.js';

/** States of a card, as the reference card shows them. */
export type TransferState =
  'available' | 'connecting' | 'transferring' | 'complete' | 'error' | 'unavailable';

/** How the bytes of a completed file arrived. */
export type TransportName = 'memory' | 'cache' | 'webrtc' | 'relay' | 'server' | 'federated';

/** A transfer's current state. */
export interface TransferSnapshot {
  file_id: string;
  state: TransferState;
  progress: number;
  transport?: TransportName;
  error?: { code: string; message: string };
}

/** Progress of a share, from hashing to upload. */
export interface ShareProgress {
  phase: 'preparing' | 'sharing' | 'uploading' | 'done';
  /** 0–100 within the phase. */
  progress: number;
}

/** The client surface the elements need. */
export interface ChatFilesLike {
  readonly config: ChatFilesConfig;
  readonly username: string;
  shareFile(
    roomId: string,
    file: File,
    options?: { signal?: AbortSignal; onProgress?: (p: ShareProgress) => void },
  ): Promise<{ file_id: string }>;
  requestFile(fileId: string, roomId: string): Promise<File>;
  cancelTransfer(fileId: string): void;
  getFile(fileId: string): Promise<File | null>;
  transferState(fileId: string): TransferSnapshot;
  watch(fileId: string, listener: (snapshot: TransferSnapshot) => void): () => void;
  serverStatus(fileId: string): Promise<ServerStatus>;
  storePermanently(fileId: string): Promise<StorePermanentlyResponse>;
  removeFromServer(fileId: string): Promise<void>;
  userStorage(): Promise<UserStorageResponse>;
  userFiles(query?: { room_id?: string; search?: string }): Promise<UserFileEntry[]>;
  sendMediaSync(roomId: string, fileId: string, action: MediaSyncAction, time: number): void;
  onMediaSync(
    fileId: string,
    listener: (p: { action: MediaSyncAction; time: number; username: string }) => void,
  ): () => void;
  sendPreviewSize(fileId: string, width: number, height: number): void;
  onPreviewSize(
    fileId: string,
    listener: (p: { width: number; height: number }) => void,
  ): () => void;
  onServerCached(fileId: string, listener: (p: { expires_at: number | null }) => void): () => void;
  onRevoked(fileId: string, listener: () => void): () => void;
}

let pageClient: ChatFilesLike | null = null;

/** Sets the client that elements without a `.client` property use. */
export function setDefaultClient(client: ChatFilesLike | null): void {
  pageClient = client;
  window.dispatchEvent(new CustomEvent('chat-files-client-changed'));
}

/** The page-wide default client, if the host set one. */
export function defaultClient(): ChatFilesLike | null {
  return pageClient;
}
