/**
 * The checks a file passes before anything about it is sent: size and type against the
 * configuration, with the same rules the server applies, so the user hears "too large" at
 * once instead of after hashing half a gigabyte.
 */
import type { ChatFilesConfig } from './wire/config.js';
import { ChatFilesClientError } from './errors.js';
import { formatBytes } from './wire/format.js';
import { isAllowedType, normalizeMimeType } from './wire/mime.js';

/**
 * Throws `ERR_TOO_LARGE` or `ERR_UNSUPPORTED_TYPE` (user-facing messages) when the file
 * may not be shared; returns the normalized MIME type otherwise.
 */
export function validateShare(
  file: Blob & { name?: string },
  config: Pick<ChatFilesConfig, 'max_file_size' | 'server_seeding'>,
): string {
  const name = file.name ? `“${file.name}”` : 'This file';
  if (file.size > config.max_file_size) {
    throw new ChatFilesClientError(
      'ERR_TOO_LARGE',
      `${name} is ${formatBytes(file.size)}; files up to ${formatBytes(config.max_file_size)} can be shared.`,
    );
  }
  const mime = normalizeMimeType(file.type);
  if (!isAllowedType(mime, config.server_seeding.allowed_mime_types)) {
    throw new ChatFilesClientError(
      'ERR_UNSUPPORTED_TYPE',
      `${name} is of type ${mime}, which cannot be shared here.`,
    );
  }
  return mime;
}
