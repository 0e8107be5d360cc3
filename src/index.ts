/**
 * chat-files for the browser: the client, the custom elements, and the shared wire
 * helpers. Importing this module registers the elements.
 */
export { DEFAULT_CONFIG, resolveConfig, ConfigError, cacheLimitBytes } from './core/config.js';
export type { ChatFilesConfig, ChatFilesConfigInput } from './core/config.js';
export {
  encodeFileMessage,
  decodeFileMessage,
  isFileMessage,
  FILE_MESSAGE_PREFIX,
} from './core/file-message.js';
export type * from './core/protocol.js';
export { ERROR_STATUS, isErrorCode } from './core/error-codes.js';
export type { ErrorCode } from './core/error-codes.js';

export { ChatFiles } from './core/chat-files-client.js';
export type {
  ChatFilesClientOptions,
  ChatFilesEventMap,
  ShareEventDetail,
  ShareOptions,
  ShareProgress,
  ShareResult,
  UploadEventDetail,
} from './core/chat-files-client.js';
export { ChatFilesClientError, isChatFilesClientError } from './core/errors.js';
export type { ClientErrorCode, ClientOnlyErrorCode } from './core/errors.js';
export type { TransferSnapshot, TransferState, TransportName } from './core/transfer-state.js';
export { TransferManager } from './core/transfer-manager.js';
export { FileCache } from './core/file-cache.js';
export type { CachedFileSummary, FileCacheMetadata } from './core/file-cache.js';
export {
  StorageMirrorRegistry,
  LocalStoragePlugin,
  ServerStoragePlugin,
} from './core/storage-mirrors.js';
export type {
  StorageMirrorPlugin,
  StorageMirrorStatus,
  StorageMenuItem,
  StorageMenuContext,
} from './core/storage-mirrors.js';
export type { TransportKind } from './core/transports/transport.js';
export type { FileWorkerFactory } from './core/worker-bridge.js';
