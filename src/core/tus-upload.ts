/**
 * Resumable uploads to the server by the tus 1.0 protocol (`<mount>/tus`): create the
 * upload, send the file in chunks, and after a dropped connection or a reloaded page ask
 * the server how much it holds (`HEAD`) and send only the rest.
 *
 * This is the SDK's own small client rather than tus-js-client: the SDK needs only
 * creation, resume and termination against its own server, wants its error codes and
 * its `PendingUploads` record (keyed by file id and content fingerprint, not by name and
 * date), and should not add a second HTTP stack to the browser bundle. Chunks go through
 * XMLHttpRequest, the one browser API that reports upload progress.
 */
import { ChatFilesClientError, fromErrorReply } from './errors.js';
import type { PendingUploads } from './pending-uploads.js';
import type { UploadResponse } from './wire/protocol.js';

/** Progress of a tus upload. */
export interface TusProgress {
  /** Bytes the server has acknowledged (its offset): what a reload would not resend. */
  acknowledged: number;
  /** Bytes handed to the network so far, acknowledged or not. */
  sent: number;
  total: number;
  /** Where this run started: above zero when it resumed an earlier upload. */
  resumedFrom: number;
}

/** Options of {@link tusUpload}. */
export interface TusUploadOptions {
  /** The tus endpoint, e.g. `/api/chat/files/tus`. */
  endpoint: string;
  /** Authorization headers of each request (empty to send cookies instead). */
  headers: () => Record<string, string>;
  file: Blob;
  fileId: string;
  roomId: string;
  name: string;
  /** Manifest root of the file, to recognise the same content after a reload. */
  fingerprint: string;
  /** Where the upload URL is kept between page loads. */
  pending: PendingUploads;
  /** Bytes per PATCH request. @default 8388608 (8 MiB) */
  chunkSize?: number;
  /** Milliseconds to wait before each retry after a network fault. @default [0, 1000, 3000, 5000, 10000, 20000, 30000] */
  retryDelays?: number[];
  signal?: AbortSignal;
  onProgress?: (progress: TusProgress) => void;
  /**
   * What the server says it holds, asked when an upload turns out already finished
   * (its last answer was lost); `null` when it holds nothing.
   */
  stored: () => Promise<UploadResponse | null>;
}

const TUS_HEADERS = { 'Tus-Resumable': '1.0.0' };
const DEFAULT_CHUNK = 8 * 1024 * 1024;
const DEFAULT_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000];

/** With a bearer token cookies are not needed (cross-origin they would need CORS credentials). */
function credentialsFor(headers: Record<string, string>): RequestCredentials {
  return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')
    ? 'omit'
    : 'include';
}

/** An HTTP answer that a later attempt may not get again. */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof ChatFilesClientError)) return false;
  if (error.code === 'ERR_NETWORK' || error.code === 'ERR_CONFLICT') return true;
  const status = error.status ?? 0;
  return status === 408 || status === 423 || status === 429 || (status >= 500 && status !== 507);
}

function encodeMetadata(entries: Record<string, string>): string {
  const utf8 = (value: string) => {
    let binary = '';
    for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
    return btoa(binary);
  };
  return Object.entries(entries)
    .map(([key, value]) => `${key} ${utf8(value)}`)
    .join(',');
}

/** Waits `ms`, or until the browser is back online when it is offline. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    const done = () => {
      clearTimeout(timer);
      globalThis.removeEventListener?.('online', done);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const stop = () => {
      clearTimeout(timer);
      globalThis.removeEventListener?.('online', done);
      reject(signal!.reason);
    };
    const timer = setTimeout(done, offline ? 2 ** 31 - 1 : ms);
    if (offline) globalThis.addEventListener?.('online', done, { once: true });
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/**
 * Uploads (or finishes uploading) a file by tus; resolves with the server's answer once
 * the server has accepted the bytes. Survives network faults by retrying from the
 * server's offset; a cancelled upload is also ended on the server.
 */
export async function tusUpload(options: TusUploadOptions): Promise<UploadResponse> {
  const delays = options.retryDelays ?? DEFAULT_DELAYS;
  let retries = 0;
  for (;;) {
    try {
      return await new TusRun(options).run();
    } catch (error) {
      if (options.signal?.aborted) {
        await terminate(options);
        throw options.signal.reason;
      }
      if (!isRetryable(error) || retries >= delays.length) throw error;
      await pause(delays[retries++]!, options.signal);
    }
  }
}

/** Ends the server's copy of a cancelled upload and forgets it; errors do not matter. */
async function terminate(options: TusUploadOptions): Promise<void> {
  const entry = options.pending.get(options.fileId);
  options.pending.delete(options.fileId);
  if (!entry) return;
  const auth = options.headers();
  await fetch(entry.url, {
    method: 'DELETE',
    headers: { ...TUS_HEADERS, ...auth },
    credentials: credentialsFor(auth),
  }).catch(() => undefined);
}

/** One attempt: find or create the upload, then send from the server's offset. */
class TusRun {
  private acknowledged = 0;
  private resumedFrom = 0;

  constructor(private readonly options: TusUploadOptions) {}

  private request(url: string, init: RequestInit & { headers?: Record<string, string> }) {
    const auth = this.options.headers();
    return fetch(url, {
      ...init,
      headers: { ...TUS_HEADERS, ...auth, ...init.headers },
      credentials: credentialsFor(auth),
      signal: this.options.signal,
    }).catch((error: unknown) => {
      if (this.options.signal?.aborted) throw error;
      throw new ChatFilesClientError('ERR_NETWORK', 'The upload was interrupted.');
    });
  }

  private static async failure(response: Response): Promise<ChatFilesClientError> {
    const body: unknown = await response.json().catch(() => null);
    return fromErrorReply(body, `Upload failed (HTTP ${response.status}).`, response.status);
  }

  private progress(sent: number): void {
    this.options.onProgress?.({
      acknowledged: this.acknowledged,
      sent,
      total: this.options.file.size,
      resumedFrom: this.resumedFrom,
    });
  }

  async run(): Promise<UploadResponse> {
    const { options } = this;
    const { file, fileId, pending, fingerprint } = options;
    let url: string | null = null;
    const known = pending.get(fileId);
    if (known && known.fingerprint === fingerprint && known.size === file.size) {
      const head = await this.request(known.url, { method: 'HEAD' });
      if (head.ok) {
        url = known.url;
        this.acknowledged = Number(head.headers.get('upload-offset') ?? '0');
      } else if ([403, 404, 410].includes(head.status)) {
        // Expired, ended, or finished (its answer lost): start over or find it stored.
        pending.delete(fileId);
      } else {
        throw await TusRun.failure(head);
      }
    }
    if (url === null) {
      const created = await this.create();
      if ('response' in created) return created.response;
      url = created.url;
    }
    this.resumedFrom = this.acknowledged;
    this.progress(this.acknowledged);
    if (this.acknowledged >= file.size) return this.finishedElsewhere();
    const chunk = options.chunkSize ?? DEFAULT_CHUNK;
    while (this.acknowledged < file.size) {
      const start = this.acknowledged;
      const end = Math.min(file.size, start + chunk);
      const answer = await this.patch(url, start, file.slice(start, end));
      if (answer.status === 200) {
        pending.delete(fileId);
        this.acknowledged = file.size;
        this.progress(file.size);
        return JSON.parse(answer.body) as UploadResponse;
      }
      if (answer.status === 204) {
        this.acknowledged = Number(answer.offset ?? end);
        pending.set({ ...pending.get(fileId)!, updated_at: Date.now() });
        this.progress(this.acknowledged);
        continue;
      }
      if ([403, 404, 410].includes(answer.status)) pending.delete(fileId);
      let body: unknown = null;
      try {
        body = JSON.parse(answer.body);
      } catch {
        // Not JSON: the status says enough.
      }
      throw fromErrorReply(body, `Upload failed (HTTP ${answer.status}).`, answer.status);
    }
    return this.finishedElsewhere();
  }

  /** Creates the upload; an empty file is accepted by the creation itself. */
  private async create(): Promise<{ url: string } | { response: UploadResponse }> {
    const { options } = this;
    const response = await this.request(options.endpoint, {
      method: 'POST',
      headers: {
        'Upload-Length': String(options.file.size),
        'Upload-Metadata': encodeMetadata({ file_id: options.fileId, filename: options.name }),
      },
    });
    if (response.status === 409) {
      // Already stored (an earlier run finished, its answer lost), or another tab uploads.
      const stored = await options.stored();
      if (stored) return { response: stored };
      throw await TusRun.failure(response);
    }
    if (response.status !== 201) throw await TusRun.failure(response);
    const location = response.headers.get('location');
    if (!location) throw new ChatFilesClientError('ERR_PROTOCOL', 'The server sent no upload URL.');
    const base = new URL(options.endpoint, globalThis.location?.href ?? 'http://localhost/');
    const url = new URL(location, base).href;
    if (options.file.size === 0) return { response: (await response.json()) as UploadResponse };
    options.pending.set({
      file_id: options.fileId,
      room_id: options.roomId,
      url,
      fingerprint: options.fingerprint,
      name: options.name,
      size: options.file.size,
      updated_at: Date.now(),
    });
    this.acknowledged = 0;
    return { url };
  }

  /** All bytes are on the server, but this run did not see them accepted. */
  private async finishedElsewhere(): Promise<UploadResponse> {
    this.options.pending.delete(this.options.fileId);
    const stored = await this.options.stored();
    if (stored) return stored;
    throw new ChatFilesClientError('ERR_NETWORK', 'The upload did not reach the server.');
  }

  /** One PATCH; resolves with its status, new offset and body. */
  private patch(
    url: string,
    offset: number,
    body: Blob,
  ): Promise<{ status: number; offset: string | null; body: string }> {
    const { signal } = this.options;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const xhr = new XMLHttpRequest();
      xhr.open('PATCH', url);
      const headers = {
        ...TUS_HEADERS,
        ...this.options.headers(),
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
      };
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.withCredentials = credentialsFor(headers) === 'include';
      xhr.upload.onprogress = (event) => this.progress(offset + event.loaded);
      const onAbort = () => xhr.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      xhr.onload = () => {
        settle();
        resolve({
          status: xhr.status,
          offset: xhr.getResponseHeader('upload-offset'),
          body: xhr.responseText,
        });
      };
      xhr.onerror = () => {
        settle();
        reject(new ChatFilesClientError('ERR_NETWORK', 'The upload was interrupted.'));
      };
      xhr.onabort = () => {
        settle();
        reject(signal?.reason ?? new DOMException('Upload aborted.', 'AbortError'));
      };
      xhr.send(body);
    });
  }
}
