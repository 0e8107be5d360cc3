/**
 * chat-files for the browser: the client, the custom elements, and the shared wire
 * helpers. Importing this module registers the elements.
 */
export { DEFAULT_CONFIG, resolveConfig, ConfigError, cacheLimitBytes } from './core/wire/config.js';
export type { ChatFilesConfig, ChatFilesConfigInput } from './core/wire/config.js';
export {
  encodeFileMessage,
  decodeFileMessage,
  isFileMessage,
  FILE_MESSAGE_PREFIX,
} from './core/wire/file-message.js';
export type * from './core/wire/protocol.js';
export { ERROR_STATUS, isErrorCode } from './core/wire/error-codes.js';
export type { ErrorCode } from './core/wire/error-codes.js';

export { ChatFiles } from './core/chat-files-client.js';
export { connect } from './core/connect.js';
export type { ConnectOptions } from './core/connect.js';
export { renderMessage } from './components/render-message.js';
export type { RenderableMessage } from './components/render-message.js';
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

export { publicConfig } from './core/wire/config.js';
export type { PublicConfig } from './core/wire/config.js';
export { formatBytes } from './core/wire/format.js';
export {
  parseFederatedFile,
  serializeFederatedFile,
  federatedFileFallbackText,
  FederatedFileError,
} from './core/wire/federated-file.js';
export type { FederatedFile } from './core/wire/federated-file.js';

// The elements: importing this module registers <chat-file-upload>, <chat-file-card> and
// <chat-file-browser> (unless another copy of the SDK already did).
export { ChatFileUpload } from './components/chat-file-upload/chat-file-upload.js';
export { ChatFileCard } from './components/chat-file-card/chat-file-card.js';
export { ChatFileBrowser } from './components/chat-file-browser/chat-file-browser.js';
export { DEFAULT_STRINGS, setDefaultStrings } from './components/shared/strings.js';
export type { ChatFilesStrings } from './components/shared/strings.js';
export { frenchStrings } from './components/shared/strings-fr.js';
export { ChatFileLightbox } from './components/chat-file-lightbox/chat-file-lightbox.js';
export type {
  ChatFileShareDetail,
  ChatFileErrorDetail,
  ChatFileCompleteDetail,
  ChatFileStateDetail,
} from './components/shared/events.js';
export type { ChatFilesLike } from './components/shared/client-api.js';
