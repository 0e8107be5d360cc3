/**
 * File names on the server: the one sanitizer of `src/core/wire/file-name.ts`, shared with
 * the browser so local, uploaded and federated names are cleaned alike.
 */
export {
  cleanDisplayName,
  MAX_NAME_LENGTH,
  MAX_RAW_NAME_LENGTH,
  MAX_SANITIZED_BYTES,
  sanitizeFileName,
} from '../src/core/wire/file-name.js';
