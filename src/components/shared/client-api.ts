/**
 * The part of the `ChatFiles` client the elements use. Elements hold no transport code:
 * they render what the client reports and call its methods.
 */
import type { ChatFiles } from '../../core/chat-files-client.js';

export type { ShareProgress } from '../../core/chat-files-client.js';
export type { TransferSnapshot, TransferState, TransportName } from '../../core/transfer-state.js';

/** The client surface the elements need (any object with these members will do). */
export type ChatFilesLike = Pick<
  ChatFiles,
  | 'config'
  | 'username'
  | 'shareFile'
  | 'requestFile'
  | 'cancelTransfer'
  | 'getFile'
  | 'transferState'
  | 'watch'
  | 'serverStatus'
  | 'storePermanently'
  | 'removeFromServer'
  | 'deleteServerCopy'
  | 'onServerRemoved'
  | 'userStorage'
  | 'userFiles'
  | 'sendMediaSync'
  | 'onMediaSync'
  | 'sendPreviewSize'
  | 'onPreviewSize'
  | 'onServerCached'
  | 'onRevoked'
  | 'requestFederatedFile'
  | 'federatedPreview'
  | 'revokeFile'
  | 'onUpload'
  | 'uploadsNeedingFile'
  | 'resumeUpload'
>;

/** Where `ChatFiles.setDefault` keeps the page-wide client (shared by every copy of the SDK). */
const DEFAULT_CLIENT = Symbol.for('chat-files.default-client');

/** The page-wide default client (`ChatFiles.setDefault`), if the host set one. */
export function defaultClient(): ChatFilesLike | null {
  const value = (globalThis as Record<symbol, unknown>)[DEFAULT_CLIENT];
  return (value as ChatFilesLike | null | undefined) ?? null;
}
