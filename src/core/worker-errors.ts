/**
 * Keeps {@link ChatFilesClientError} intact across the worker boundary. comlink's default
 * handler rebuilds a thrown error as a plain `Error` with only message, name and stack;
 * installed on both sides, this one also carries `code`, so the main thread can branch on
 * `ERR_STORAGE_FULL` from the worker's cache.
 */
import { transferHandlers } from 'comlink';
import { ChatFilesClientError, type ClientErrorCode } from './errors.js';

interface SerializedThrow {
  isError: boolean;
  value: unknown;
}

let installed = false;

/** Replaces comlink's `throw` transfer handler with one that keeps error codes. Idempotent. */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = transferHandlers.get('throw');
  if (!original) return;
  transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize(thrown: unknown) {
      const { value } = thrown as { value: unknown };
      if (value instanceof Error) {
        const code = (value as { code?: unknown }).code;
        const serialized: SerializedThrow = {
          isError: true,
          value: {
            message: value.message,
            name: value.name,
            stack: value.stack,
            code: typeof code === 'string' ? code : undefined,
          },
        };
        return [serialized, []];
      }
      return original.serialize(thrown);
    },
    deserialize(serialized: unknown) {
      const { isError, value } = serialized as SerializedThrow;
      if (isError) {
        const { message, name, code } = value as { message: string; name: string; code?: string };
        if (code) throw new ChatFilesClientError(code as ClientErrorCode, message);
        throw Object.assign(new Error(message), { name });
      }
      throw value;
    },
  });
}
