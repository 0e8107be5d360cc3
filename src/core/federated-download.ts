/**
 * Downloading a file that lives on another instance (federation): straight from the
 * origin's share URL, streamed into Blob parts so no large buffer is held, checked against
 * the size and, when the origin published it, the SHA-256. A share the origin revoked or
 * deleted (404/410) is reported as `ERR_GONE`, which cards show as "no longer available".
 */
import { ChatFilesClientError, toClientError } from './errors.js';
import type { FederatedFile } from './wire/federated-file.js';
import { TransferProgress } from './transfer-progress.js';
import type { TransferSnapshot } from './transfer-state.js';

/** Received bytes are merged into one Blob part at this size, bounding memory per part. */
const PART_BYTES = 8 * 1024 * 1024;
/**
 * Whole-file SHA-256 needs the bytes in one buffer (WebCrypto has no streaming digest);
 * above this size only the length is checked.
 */
export const FEDERATED_HASH_LIMIT = 128 * 1024 * 1024;

/** Options of {@link fetchFederatedFile}. */
export interface FederatedFetchOptions {
  signal?: AbortSignal;
  /** Sent as `X-Chat-Files-Share-Password` for protected shares. */
  password?: string;
  /** Called as bytes arrive. */
  onProgress?: (loaded: number, total: number) => void;
  fetchImpl?: typeof fetch;
}

const hex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** Fetches the file from its origin and resolves with it. */
export async function fetchFederatedFile(
  file: FederatedFile,
  options: FederatedFetchOptions = {},
): Promise<File> {
  const headers: Record<string, string> = {};
  if (options.password) headers['x-chat-files-share-password'] = options.password;
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(file.downloadUrl, {
      signal: options.signal,
      headers,
      credentials: 'omit',
      redirect: 'error',
    });
  } catch (error) {
    throw toClientError(error, 'ERR_NETWORK', 'The instance that holds this file did not answer.');
  }
  if (response.status === 404 || response.status === 410) {
    throw new ChatFilesClientError('ERR_GONE', 'This file is no longer available.', {
      status: response.status,
    });
  }
  if (response.status === 401 || response.status === 403) {
    throw new ChatFilesClientError('ERR_FORBIDDEN', 'This share needs a password.', {
      status: response.status,
    });
  }
  if (response.status === 429) {
    throw new ChatFilesClientError('ERR_RATE_LIMITED', 'Too many attempts; try again later.', {
      status: 429,
    });
  }
  if (!response.ok || !response.body) {
    throw new ChatFilesClientError('ERR_NETWORK', `The origin answered ${response.status}.`, {
      status: response.status,
    });
  }

  const parts: Blob[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let loaded = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    parts.push(new Blob(pending as BlobPart[]));
    pending = [];
    pendingBytes = 0;
  };
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      if (loaded > file.size) {
        throw new ChatFilesClientError(
          'ERR_INTEGRITY',
          'The origin sent more bytes than the file has.',
        );
      }
      pending.push(value);
      pendingBytes += value.byteLength;
      if (pendingBytes >= PART_BYTES) flush();
      options.onProgress?.(loaded, file.size);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw toClientError(error, 'ERR_NETWORK', 'The download from the origin broke off.');
  }
  flush();
  if (loaded !== file.size) {
    throw new ChatFilesClientError(
      'ERR_INTEGRITY',
      `The origin sent ${loaded} bytes; the file has ${file.size}.`,
    );
  }
  const result = new File(parts, file.name, { type: file.mimeType });
  if (file.sha256 && file.size <= FEDERATED_HASH_LIMIT) {
    const digest = hex(await crypto.subtle.digest('SHA-256', await result.arrayBuffer()));
    if (digest !== file.sha256) {
      throw new ChatFilesClientError(
        'ERR_INTEGRITY',
        'The file does not match what its origin announced.',
      );
    }
  }
  return result;
}

/**
 * A download of a federated file as a transfer like any other: the same snapshots
 * (connecting → transferring with byte progress → complete, or unavailable when the origin
 * revoked it), the same cancel, run by the same manager. Its one source is the origin.
 */
export class FederatedDownload {
  readonly fileId: string;
  /** Settles with the file, or a {@link ChatFilesClientError}. */
  readonly promise: Promise<File>;
  private readonly controller = new AbortController();
  private readonly progress: TransferProgress;

  constructor(
    fileId: string,
    file: FederatedFile,
    emit: (snapshot: TransferSnapshot) => void,
    options: { password?: string; fetchImpl?: typeof fetch } = {},
  ) {
    this.fileId = fileId;
    this.progress = new TransferProgress(fileId, emit);
    this.progress.connecting(0, file.size);
    this.promise = fetchFederatedFile(file, {
      ...options,
      signal: this.controller.signal,
      onProgress: (loaded, total) => this.progress.streamed(loaded, total, 'federated'),
    }).then(
      (result) => this.progress.complete(result, 'federated'),
      (thrown: unknown) => {
        const error = this.controller.signal.aborted
          ? toClientError(this.controller.signal.reason, 'ERR_CANCELLED')
          : toClientError(thrown, 'ERR_NETWORK');
        this.progress.fail(error);
        throw error;
      },
    );
    this.promise.catch(() => {});
  }

  /** The latest snapshot. */
  get snapshot(): TransferSnapshot {
    return this.progress.snapshot;
  }

  /** Stops the download. */
  cancel(reason: ChatFilesClientError): void {
    this.controller.abort(reason);
  }

  /** Nothing to look for: the origin is the only source. */
  retry(): void {}
}
