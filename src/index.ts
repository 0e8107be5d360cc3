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
