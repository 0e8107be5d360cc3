/**
 * The server's REST API under `/api/chat/files`, from the browser: JSON routes, ranged
 * downloads of whole pieces, and uploads with progress. Authenticates with a bearer token
 * when the host gave one, else with the page's cookies; failures become
 * {@link ChatFilesClientError}s carrying the server's `code` and message.
 */
import { ChatFilesClientError, fromErrorReply } from './errors.js';
import type {
  StorePermanentlyResponse,
  UploadResponse,
  UserFileEntry,
  UserStorageResponse,
} from './wire/protocol.js';

/** Options of {@link RestClient}. */
export interface RestClientOptions {
  /** Base URL of the router, e.g. `/api/chat/files` or `https://chat.example.org/api/chat/files`. */
  baseUrl: string;
  /** Bearer token, or a function returning the current one; without it, cookies are sent. */
  token?: string | (() => string | null | undefined) | null;
}

/** Progress of an upload. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/** A client of the chat-files REST routes. */
export class RestClient {
  private readonly baseUrl: string;
  private readonly token: RestClientOptions['token'];

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
  }

  /** The `authorization` header of a request, or none (then cookies authenticate). */
  authHeaders(): Record<string, string> {
    const bearer = this.bearer();
    return bearer ? { authorization: bearer } : {};
  }

  private bearer(): string | null {
    const token = typeof this.token === 'function' ? this.token() : this.token;
    return token ? `Bearer ${token}` : null;
  }

  private init(init: RequestInit & { headers?: Record<string, string> }): RequestInit {
    const headers: Record<string, string> = { ...init.headers };
    const bearer = this.bearer();
    if (bearer) headers.authorization = bearer;
    // With a token, cookies are not needed (and cross-origin cookies would need CORS credentials).
    return { ...init, headers, credentials: bearer ? 'omit' : 'include' };
  }

  /** Absolute or root-relative URL of a route. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** The download URL of a file (for links; needs the cookie or a share token to work). */
  downloadUrl(fileId: string): string {
    return this.url(`/${encodeURIComponent(fileId)}/download`);
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.url(path), init);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ChatFilesClientError('ERR_NETWORK', 'The chat server could not be reached.', {
        cause,
      });
    }
  }

  private static async failure(response: Response, what: string): Promise<ChatFilesClientError> {
    const body: unknown = await response.json().catch(() => null);
    return fromErrorReply(body, `${what} failed (HTTP ${response.status}).`, response.status);
  }

  /** A JSON request; resolves with the parsed body of a 2xx answer. */
  async json<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const response = await this.send(
      path,
      this.init({
        method,
        signal,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    if (!response.ok) throw await RestClient.failure(response, `${method} ${path}`);
    return (await response.json()) as T;
  }

  /**
   * Bytes `[start, end)` of a file from the server, as a single range request. Rejects
   * unless the server answers with exactly that range (or the whole file, when the range is
   * the whole file). `etag` makes the request conditional (`If-Range`), so a file that
   * changed on the server is never mixed with bytes of the old one.
   */
  async range(
    fileId: string,
    start: number,
    end: number,
    signal?: AbortSignal,
    etag?: string | null,
  ): Promise<ArrayBuffer> {
    const headers: Record<string, string> = { range: `bytes=${start}-${end - 1}` };
    if (etag) headers['if-range'] = etag;
    const response = await this.send(
      `/${encodeURIComponent(fileId)}/download`,
      this.init({ method: 'GET', signal, headers, cache: 'no-store' }),
    );
    if (response.status === 206) {
      const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
        response.headers.get('content-range') ?? '',
      );
      if (!match || Number(match[1]) !== start || Number(match[2]) !== end - 1) {
        await response.body?.cancel();
        throw new ChatFilesClientError('ERR_PROTOCOL', 'The server answered a different range.');
      }
      return response.arrayBuffer();
    }
    if (response.status === 200) {
      const length = Number(response.headers.get('content-length'));
      if (start === 0 && length === end) return response.arrayBuffer();
      // The server ignored the range (or the file changed): do not download all of it.
      await response.body?.cancel();
      throw new ChatFilesClientError(
        'ERR_CONFLICT',
        'The server sent the whole file instead of a range; its copy may have changed.',
      );
    }
    throw await RestClient.failure(response, 'Download');
  }

  /**
   * Uploads a file for server seeding: multipart with `file_id` before `file`. Uses
   * XMLHttpRequest because fetch cannot report upload progress.
   */
  upload(
    fileId: string,
    file: Blob,
    name: string,
    options: { signal?: AbortSignal; onProgress?: (p: UploadProgress) => void } = {},
  ): Promise<UploadResponse> {
    const { signal, onProgress } = options;
    return new Promise<UploadResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const form = new FormData();
      form.append('file_id', fileId);
      form.append('file', file, name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url('/upload'));
      const bearer = this.bearer();
      if (bearer) xhr.setRequestHeader('authorization', bearer);
      else xhr.withCredentials = true;
      xhr.responseType = 'json';
      xhr.upload.onprogress = (event) =>
        onProgress?.({
          loaded: event.loaded,
          total: event.lengthComputable ? event.total : file.size,
        });
      const onAbort = () => xhr.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      xhr.onload = () => {
        settle();
        const body: unknown = xhr.response;
        if (xhr.status >= 200 && xhr.status < 300) resolve(body as UploadResponse);
        else reject(fromErrorReply(body, `Upload failed (HTTP ${xhr.status}).`, xhr.status));
      };
      xhr.onerror = () => {
        settle();
        reject(new ChatFilesClientError('ERR_NETWORK', 'The upload was interrupted.'));
      };
      xhr.onabort = () => {
        settle();
        reject(signal?.reason ?? new DOMException('Upload aborted.', 'AbortError'));
      };
      xhr.send(form);
    });
  }

  /** `POST /store-permanently`: claims permanent server storage for a file. */
  storePermanently(fileId: string): Promise<StorePermanentlyResponse> {
    return this.json('POST', '/store-permanently', { file_id: fileId });
  }

  /** `POST /remove-from-server`: releases the user's claim on a file. */
  async removeFromServer(fileId: string): Promise<void> {
    await this.json('POST', '/remove-from-server', { file_id: fileId });
  }

  /** `POST /delete-server-copy`: the sharer (or an admin) deletes the room's server copy. */
  async deleteServerCopy(fileId: string): Promise<void> {
    await this.json('POST', '/delete-server-copy', { file_id: fileId });
  }

  /** `POST /:file_id/revoke`: the sender stops sharing a file (every share link, every room). */
  async revokeFile(fileId: string): Promise<void> {
    await this.json('POST', `/${encodeURIComponent(fileId)}/revoke`);
  }

  /**
   * `GET /federation/v1/files/:id/preview`: a peer instance's preview image, streamed
   * through this server's proxy. `ERR_GONE` when the origin revoked or deleted the file.
   */
  async federatedPreview(fileId: string, signal?: AbortSignal): Promise<Blob> {
    const path = `/federation/v1/files/${encodeURIComponent(fileId)}/preview`;
    const response = await this.send(path, this.init({ method: 'GET', signal }));
    if (!response.ok) throw await RestClient.failure(response, `GET ${path}`);
    return response.blob();
  }

  /** `GET /user/storage`: the user's usage, tier and claimed files. */
  userStorage(): Promise<UserStorageResponse> {
    return this.json('GET', '/user/storage');
  }

  /** `GET /user`: the user's files across rooms, optionally filtered. */
  async userFiles(query: { room_id?: string; search?: string } = {}): Promise<UserFileEntry[]> {
    const params = new URLSearchParams();
    if (query.room_id) params.set('room_id', query.room_id);
    if (query.search) params.set('search', query.search);
    const suffix = params.size > 0 ? `?${params}` : '';
    const body = await this.json<{ files: UserFileEntry[] }>('GET', `/user${suffix}`);
    return body.files;
  }
}
