/**
 * The `[FILE]{...}` chat message codec: how a shared file travels as ordinary message
 * content, so hosts that know nothing of files still store and deliver it.
 */
import { parseFederatedFile } from './federated-file.js';
import type { FileMessagePayload } from './protocol.js';

/** The prefix that marks a message's content as a file message. */
export const FILE_MESSAGE_PREFIX = '[FILE]';

/** Serializes a file message payload into message content. */
export function encodeFileMessage(payload: FileMessagePayload): string {
  const body: FileMessagePayload = {
    file_id: payload.file_id,
    name: payload.name,
    size: payload.size,
    mime_type: payload.mime_type,
  };
  if (payload.thumbnail) body.thumbnail = payload.thumbnail;
  if (payload.federated) body.federated = parseFederatedFile(payload.federated);
  return FILE_MESSAGE_PREFIX + JSON.stringify(body);
}

/** True when `content` looks like a file message (it may still fail to decode). */
export function isFileMessage(content: unknown): content is string {
  return typeof content === 'string' && content.startsWith(FILE_MESSAGE_PREFIX);
}

/**
 * Parses message content into a file payload; returns `null` for anything that is not a
 * well-formed file message. Unknown fields are ignored, so newer senders stay readable.
 */
export function decodeFileMessage(content: unknown): FileMessagePayload | null {
  if (!isFileMessage(content)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(content.slice(FILE_MESSAGE_PREFIX.length));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { file_id, name, size, mime_type, thumbnail, federated } = raw as Record<string, unknown>;
  if (typeof file_id !== 'string' || file_id === '') return null;
  if (typeof name !== 'string') return null;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
  const payload: FileMessagePayload = {
    file_id,
    name,
    size,
    mime_type: typeof mime_type === 'string' && mime_type ? mime_type : 'application/octet-stream',
  };
  if (typeof thumbnail === 'string' && thumbnail.startsWith('data:image/')) {
    payload.thumbnail = thumbnail;
  }
  if (federated !== undefined) {
    try {
      payload.federated = parseFederatedFile(federated);
    } catch {
      // A federated block that does not validate cannot be fetched; show no file at all.
      return null;
    }
  }
  return payload;
}
