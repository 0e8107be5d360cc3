/**
 * Uploads of this client's files to the server, by tus: one upload per file at a time,
 * progress in bytes the server acknowledged, and resumption after a reload. Unfinished
 * uploads are remembered in {@link PendingUploads}; when the page loads again, each is
 * resumed from the server's offset with the file from memory or the IndexedDB cache, or,
 * when neither holds it, listed in {@link ServerUploads.needingFile} until the person picks
 * the same file again ({@link ServerUploads.resume}).
 */
import { ChatFilesClientError, toClientError, type ClientErrorCode } from './errors.js';
import { PendingUploads, type PendingUpload } from './pending-uploads.js';
import type { UploadResponse } from './wire/protocol.js';
import type { RestClient } from './rest-client.js';
import { request, type ChatFilesSocket } from './socket-requests.js';
import { tusUpload } from './tus-upload.js';

/** Detail of the `chat-file-upload-progress` event. */
export interface UploadEventDetail {
  file_id: string;
  /** `needs-file`: an upload to resume whose bytes this page no longer has; pick the file again. */
  state: 'uploading' | 'done' | 'error' | 'needs-file';
  /** Bytes the server has acknowledged. */
  loaded: number;
  total: number;
  /** Bytes sent, acknowledged or not. */
  sent?: number;
  /** Where the upload resumed (above zero after a reload or a dropped connection). */
  resumed_from?: number;
  /** The file's name. */
  name?: string;
  /** The room the file was shared in. */
  room_id?: string;
  error?: { code: ClientErrorCode; message: string };
}

/** What {@link ServerUploads} needs from the client. */
export interface ServerUploadsHost {
  rest: RestClient;
  socket: ChatFilesSocket;
  /** Scope of the pending-upload record, e.g. `username@baseUrl`. */
  scope: string;
  /** Bytes per PATCH request. */
  chunkSize?: number;
  /** The file's bytes from memory or the cache, or `null`. */
  getFile(fileId: string): Promise<File | null>;
  /** The manifest root of a file held here, or of the given bytes (hashing them). */
  fingerprint(fileId: string, file: Blob): Promise<string>;
  emit(detail: UploadEventDetail): void;
  track<T>(promise: Promise<T>): Promise<T>;
  log(message: string, error?: unknown): void;
}

/** Uploads to the server, resumable across dropped connections and reloads. */
export class ServerUploads {
  private readonly running = new Map<string, Promise<UploadResponse>>();
  private readonly pending: PendingUploads;
  private readonly waiting = new Map<string, PendingUpload>();

  constructor(private readonly host: ServerUploadsHost) {
    this.pending = new PendingUploads(host.scope);
  }

  /**
   * Uploads `file` (or joins the upload already running for it); resolves once the
   * server has accepted the bytes.
   */
  upload(
    fileId: string,
    roomId: string,
    file: Blob,
    options: { signal?: AbortSignal; onProgress?: (loaded: number, total: number) => void } = {},
  ): Promise<UploadResponse> {
    const running = this.running.get(fileId);
    if (running) return running;
    const { host } = this;
    const name = (file as File).name ?? fileId;
    const base = { file_id: fileId, room_id: roomId, name, total: file.size };
    host.emit({ ...base, state: 'uploading', loaded: 0 });
    this.waiting.delete(fileId);
    const upload = host
      .fingerprint(fileId, file)
      .then((fingerprint) =>
        tusUpload({
          endpoint: host.rest.url('/tus'),
          headers: () => host.rest.authHeaders(),
          file,
          fileId,
          roomId,
          name,
          fingerprint,
          pending: this.pending,
          chunkSize: host.chunkSize,
          signal: options.signal,
          stored: () => this.stored(fileId, roomId),
          onProgress: ({ acknowledged, sent, resumedFrom }) => {
            options.onProgress?.(acknowledged, file.size);
            host.emit({
              ...base,
              state: 'uploading',
              loaded: acknowledged,
              sent,
              resumed_from: resumedFrom,
            });
          },
        }),
      )
      .then((response) => {
        host.emit({ ...base, state: 'done', loaded: file.size });
        return response;
      })
      .catch((thrown: unknown) => {
        const error = toClientError(thrown, 'ERR_NETWORK', 'The upload failed.');
        host.emit({ ...base, state: 'error', loaded: 0, error: error.toJSON() });
        throw error;
      })
      .finally(() => this.running.delete(fileId));
    this.running.set(fileId, upload);
    return host.track(upload);
  }

  /**
   * Resumes the uploads an earlier page left unfinished: from memory or the cache when
   * the bytes are here, otherwise announced as `needs-file`. Failures are reported as
   * upload events, not thrown.
   */
  async resumeUnfinished(): Promise<void> {
    for (const entry of this.pending.list()) {
      if (this.running.has(entry.file_id)) continue;
      const file = await this.host.getFile(entry.file_id).catch(() => null);
      if (file && file.size === entry.size) {
        this.upload(entry.file_id, entry.room_id, file).catch((error: unknown) =>
          this.host.log(`resuming the upload of ${entry.file_id} failed`, error),
        );
        continue;
      }
      this.waiting.set(entry.file_id, entry);
      this.host.emit({
        file_id: entry.file_id,
        room_id: entry.room_id,
        state: 'needs-file',
        loaded: 0,
        total: entry.size,
        name: entry.name,
      });
    }
  }

  /** Unfinished uploads whose bytes this page does not have (pick the file again). */
  needingFile(): Array<{ file_id: string; room_id: string; name: string; size: number }> {
    return [...this.waiting.values()].map(({ file_id, room_id, name, size }) => ({
      file_id,
      room_id,
      name,
      size,
    }));
  }

  /**
   * Finishes an unfinished upload with a file the person picked again; only the bytes
   * the server lacks are sent. Rejects with `ERR_VALIDATION` when it is not the same file.
   */
  async resume(fileId: string, file: File): Promise<UploadResponse> {
    const entry = this.waiting.get(fileId) ?? this.pending.get(fileId);
    if (!entry)
      throw new ChatFilesClientError('ERR_NOT_FOUND', 'No unfinished upload of this file.');
    if (file.size !== entry.size || (await this.host.fingerprint('', file)) !== entry.fingerprint) {
      throw new ChatFilesClientError(
        'ERR_VALIDATION',
        `${file.name} is not the file that was being uploaded (${entry.name}).`,
      );
    }
    return this.upload(fileId, entry.room_id, file);
  }

  /** What the server holds of a file, as an upload answer; `null` when it holds nothing. */
  private async stored(fileId: string, roomId: string): Promise<UploadResponse | null> {
    const reply = await request(this.host.socket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: roomId,
    });
    if (!reply.server_available) return null;
    return {
      success: true,
      file_id: fileId,
      expires_at: reply.expires_at,
      deduped: false,
      md5: reply.file.md5 ?? '',
      sha256: reply.file.sha256 ?? '',
    };
  }
}
