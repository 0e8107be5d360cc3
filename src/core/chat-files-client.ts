/**
 * `ChatFiles`: the client a host page constructs once with its socket.io connection. It
 * owns the worker bridge, the transfer manager, the transports (and the seeding side that
 * answers other peers), the storage mirror registry and the REST client, and is the only
 * object the elements talk to.
 */
import { io, type Socket } from 'socket.io-client';
import {
  cacheLimitBytes,
  resolveConfig,
  type ChatFilesConfig,
  type ChatFilesConfigInput,
} from './wire/config.js';
import { ChatFilesClientError, toClientError, type ClientErrorCode } from './errors.js';
import type { FederatedFile } from './wire/federated-file.js';
import { FileCache } from './file-cache.js';
import { LocalFiles } from './local-files.js';
import {
  DEFAULT_API_BASE,
  type MediaSyncAction,
  type PieceManifest,
  type ServerStatus,
  type ServerToClientEvents,
  type StorePermanentlyResponse,
  type UploadResponse,
  type UserFileEntry,
  type UserStorageResponse,
} from './wire/protocol.js';
import { RestClient } from './rest-client.js';
import { ServerStatusBatcher } from './server-status.js';
import { ServerUploads, type UploadEventDetail } from './server-uploads.js';
import { validateShare } from './share-validation.js';
import { request, type ChatFilesSocket } from './socket-requests.js';
import {
  LocalStoragePlugin,
  ServerStoragePlugin,
  StorageMirrorRegistry,
  type MirrorHost,
} from './storage-mirrors.js';
import { TransferManager } from './transfer-manager.js';
import type { TransferSnapshot } from './transfer-state.js';
import { Seeding, type UploadLimitsReport } from './seeding.js';
import type { UploadLimits } from './transports/upload-budget.js';
import { WorkerBridge, type FileWorkerFactory } from './worker-bridge.js';
import type { Thumbnail } from '../workers/thumbnail.js';
import { makePdfThumbnail } from './pdf-pages.js';

/** Options of {@link ChatFiles}. */
export interface ChatFilesClientOptions {
  /**
   * The host's connected socket.io client. Binary frames need the WebSocket transport; a
   * socket created with polling only would carry them base64-encoded.
   */
  socket?: ChatFilesSocket | Socket;
  /** Server URL to connect to when no `socket` is given. */
  url?: string;
  /** socket.io handshake auth when connecting by `url`. */
  auth?: { token?: string };
  /**
   * Base URL of the REST routes.
   * @default `${url}/api/chat/files` when `url` is given, else '/api/chat/files'
   */
  baseUrl?: string;
  /** Bearer token for REST calls (or a function returning the current one); without it cookies are used. */
  token?: string | (() => string | null | undefined) | null;
  /** The signed-in user's username. Required. */
  username: string;
  /** The `chat_files` block; should match the server's. @default every documented default */
  config?: ChatFilesConfigInput | ChatFilesConfig;
  /**
   * IndexedDB database of the piece cache; two clients in one page need different names.
   * @default `chat-files:${username}`
   */
  cacheName?: string;
  /** Creates the file worker, for hosts whose CSP forbids the inlined `blob:` worker. */
  fileWorker?: FileWorkerFactory;
  /** Bytes per request of an upload to the server (tus PATCH). @default 8388608 (8 MiB) */
  uploadChunkSize?: number;
  /**
   * The `RTCPeerConnection` constructor; `null` disables WebRTC (the relay is used at once).
   * @default globalThis.RTCPeerConnection, or null when the browser has none
   */
  RTCPeerConnection?: typeof RTCPeerConnection | null;
  /** Diagnostics sink. @default silent */
  logger?: (message: string, error?: unknown) => void;
}

/** Progress of a share, from hashing to upload. */
export interface ShareProgress {
  phase: 'preparing' | 'sharing' | 'uploading' | 'done';
  /** 0–100 within the phase. */
  progress: number;
}

/** Options of {@link ChatFiles.shareFile}. */
export interface ShareOptions {
  /** Cancels the share (before it is announced) or the upload (after). */
  signal?: AbortSignal;
  /** Also upload to the server. @default config.server_seeding.enabled */
  upload?: boolean;
  /** Called as the share advances. */
  onProgress?: (progress: ShareProgress) => void;
}

/** What {@link ChatFiles.shareFile} resolves with. */
export interface ShareResult {
  file_id: string;
  /** The chat message the server posted, as the host returned it. */
  message?: unknown;
  /** Whether the server now holds a copy. */
  uploaded: boolean;
  /** Why the upload failed, when it did (the file is shared peer-to-peer regardless). */
  upload_error?: { code: ClientErrorCode; message: string };
}

/** Detail of the `chat-file-share` event. */
export interface ShareEventDetail {
  file_id: string;
  room_id: string;
  name: string;
  size: number;
  mime_type: string;
}

export type { UploadEventDetail } from './server-uploads.js';

/** Events a {@link ChatFiles} client dispatches (CustomEvents). */
export interface ChatFilesEventMap {
  /** Every change of a transfer's state or progress. */
  'chat-file-transfer': CustomEvent<TransferSnapshot>;
  /** The same as `chat-file-transfer`, under the name earlier releases documented. */
  'chat-files-transfer': CustomEvent<TransferSnapshot>;
  /** A file this client shared was announced in its room. */
  'chat-file-share': CustomEvent<ShareEventDetail>;
  /** Upload progress and outcome of a file this client sends to the server. */
  'chat-file-upload-progress': CustomEvent<UploadEventDetail>;
}

const DEFAULT_CLIENT = Symbol.for('chat-files.default-client');
type Global = typeof globalThis & { [DEFAULT_CLIENT]?: ChatFiles | null };

const destroyedError = () => new ChatFilesClientError('ERR_DESTROYED', 'The client was destroyed.');

/** The chat-files browser client. */
export class ChatFiles extends EventTarget {
  /** The page-wide default client the elements use when they have no `.client`, or null. */
  static get default(): ChatFiles | null {
    return (globalThis as Global)[DEFAULT_CLIENT] ?? null;
  }

  /**
   * Sets the page-wide default client (kept on `globalThis`, so two copies of the library
   * on one page agree) and tells elements with `chat-file-client-changed` on `window`.
   */
  static setDefault(client: ChatFiles | null): void {
    (globalThis as Global)[DEFAULT_CLIENT] = client;
    if (typeof window !== 'undefined') {
      window.dispatchEvent(new CustomEvent('chat-file-client-changed', { detail: client }));
    }
  }

  /** The resolved configuration. */
  readonly config: ChatFilesConfig;
  /** The signed-in user. */
  readonly username: string;
  /** Downloads and their snapshots. */
  readonly transfers: TransferManager;
  /** Where copies of files live (`local`, `server`, and any the host adds). */
  readonly storage: StorageMirrorRegistry;
  /** The IndexedDB cache of this client. */
  readonly cache: FileCache;
  /** The socket the client speaks the protocol over. */
  readonly socket: ChatFilesSocket;
  /** The REST routes. */
  readonly rest: RestClient;

  private readonly worker: WorkerBridge;
  private readonly local: LocalFiles;
  private readonly seeding: Seeding;
  private readonly statuses: ServerStatusBatcher;
  private readonly revoked = new Set<string>();
  /** Files of other instances (federation): fetched from their origin, kept in this tab only. */
  private readonly federatedFiles = new Map<string, File>();
  private readonly ownsSocket: boolean;
  private readonly log: (message: string, error?: unknown) => void;
  private readonly detach: Array<() => void> = [];
  private readonly uploads: ServerUploads;
  private readonly background = new Set<Promise<unknown>>();
  private destroyed = false;

  constructor(options: ChatFilesClientOptions) {
    super();
    if (!options || typeof options !== 'object') {
      throw new TypeError('new ChatFiles(options): pass { socket | url, username, ... }');
    }
    if (typeof options.username !== 'string' || options.username === '') {
      throw new TypeError(
        'new ChatFiles(options): options.username (the signed-in user) is required',
      );
    }
    if (!options.socket && !options.url) {
      throw new TypeError(
        'new ChatFiles(options): pass options.socket (a socket.io client) or options.url',
      );
    }
    this.username = options.username;
    this.config = resolveConfig(options.config ?? {}, { onWarning: () => {} });
    this.log = options.logger ?? (() => {});
    this.ownsSocket = !options.socket;
    this.socket = (options.socket ??
      io(options.url!, { auth: options.auth ?? {}, transports: ['websocket'] })) as ChatFilesSocket;
    const baseUrl =
      options.baseUrl ??
      (options.url ? `${options.url.replace(/\/+$/, '')}${DEFAULT_API_BASE}` : DEFAULT_API_BASE);
    this.rest = new RestClient({ baseUrl, token: options.token });
    this.worker = new WorkerBridge({
      cacheName: options.cacheName ?? `chat-files:${options.username}`,
      cacheLimitBytes: cacheLimitBytes(this.config),
      createWorker: options.fileWorker,
    });
    this.cache = new FileCache(this.worker, this.config.piece_size);
    this.local = new LocalFiles(this.worker, (fileId) => this.revoked.has(fileId));
    const RTC =
      options.RTCPeerConnection === undefined
        ? (globalThis.RTCPeerConnection ?? null)
        : options.RTCPeerConnection;
    const provider = {
      lookup: (fileId: string) => this.local.lookup(fileId),
      readPiece: (fileId: string, index: number) => this.readPieceForPeer(fileId, index),
    };
    this.seeding = new Seeding({
      socket: this.socket,
      config: this.config,
      RTCPeerConnection: RTC,
      provider,
      isRevoked: (fileId) => this.revoked.has(fileId),
      log: this.log,
    });
    this.statuses = new ServerStatusBatcher(this.socket);
    this.transfers = new TransferManager({
      socket: this.socket,
      worker: this.worker,
      config: this.config,
      local: this.local,
      sources: this.seeding.sources(this.rest),
      log: this.log,
      onComplete: (fileId) => this.seeding.register(fileId),
      onPiece: (fileId, index) => this.seeding.announce(fileId, index),
      onSnapshot: (snapshot) => {
        this.dispatchEvent(new CustomEvent('chat-file-transfer', { detail: snapshot }));
        this.dispatchEvent(new CustomEvent('chat-files-transfer', { detail: snapshot }));
      },
    });
    this.storage = new StorageMirrorRegistry();
    const mirrorHost: MirrorHost = {
      localCopy: async (fileId) => {
        const inMemory = this.local.get(fileId) !== undefined;
        const record = await this.worker.getRecord(fileId);
        if (!record && !inMemory) return null;
        return { complete: Boolean(record?.complete), bytes: record?.bytes ?? 0, inMemory };
      },
      isTransferring: (fileId) => this.transfers.isActive(fileId),
      removeLocalCopy: (fileId) => this.removeLocalCopy(fileId),
      serverStatus: (fileId) => this.serverStatus(fileId),
      storePermanently: (fileId) => this.storePermanently(fileId),
      removeFromServer: (fileId) => this.removeFromServer(fileId),
      uploadToServer: (fileId) => this.uploadToServer(fileId),
    };
    this.storage.register(new LocalStoragePlugin(mirrorHost));
    if (this.config.server_seeding.enabled)
      this.storage.register(new ServerStoragePlugin(mirrorHost));

    this.uploads = new ServerUploads({
      rest: this.rest,
      socket: this.socket,
      scope: `${options.username}@${baseUrl}`,
      chunkSize: options.uploadChunkSize,
      getFile: (fileId) => this.getFile(fileId),
      fingerprint: (fileId, file) => this.fingerprint(fileId, file),
      emit: (detail) =>
        this.dispatchEvent(
          new CustomEvent<UploadEventDetail>('chat-file-upload-progress', { detail }),
        ),
      track: (promise) => this.track(promise),
      log: this.log,
    });
    if (this.config.server_seeding.enabled) void this.track(this.uploads.resumeUnfinished());

    this.on('chat:file:revoked', (event) => this.onRevokedEvent(event.file_id));
  }

  // ---- internals ------------------------------------------------------------------

  private on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]) {
    this.socket.on(event, listener as never);
    const off = () => this.socket.off(event, listener as never);
    this.detach.push(off);
    return off;
  }

  private assertAlive(): void {
    if (this.destroyed) throw destroyedError();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.background.add(promise);
    const forget = () => this.background.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Reads a piece to send to a peer. Subclasses may override it (tests use this to play a
   * peer that corrupts data).
   */
  protected readPieceForPeer(fileId: string, index: number): Promise<ArrayBuffer | null> {
    return this.local.readPiece(fileId, index);
  }

  private onRevokedEvent(fileId: string): void {
    this.revoked.add(fileId);
    this.transfers.cancelTransfer(fileId);
    this.local.delete(fileId);
    void this.worker.remove(fileId).catch(() => {});
    this.transfers.publish({
      file_id: fileId,
      state: 'unavailable',
      progress: 0,
      error: { code: 'ERR_GONE', message: 'This file is no longer available.' },
    });
  }

  // ---- sharing ----------------------------------------------------------------------

  /**
   * The thumbnail a share carries: an image drawn by the file worker, a PDF's first page
   * drawn by the PDF worker (pdf.js is loaded only then, and a PDF it cannot open in time
   * gets none), nothing for other types. Never rejects: the share goes on without one.
   */
  private thumbnailFor(file: File, mimeType: string): Promise<Thumbnail | null> {
    const maxChars = this.config.max_thumbnail_size;
    if (mimeType.startsWith('image/')) {
      return this.worker.makeThumbnail(file, mimeType, maxChars).catch(() => null);
    }
    if (mimeType.toLowerCase() === 'application/pdf') return makePdfThumbnail(file, maxChars);
    return Promise.resolve(null);
  }

  /**
   * Shares a file in a room: validates size and type (rejecting at once with
   * `ERR_TOO_LARGE` / `ERR_UNSUPPORTED_TYPE`), hashes it into a piece manifest and draws a
   * thumbnail in the worker, announces it (the server posts the `[FILE]` message), keeps it
   * for seeding, caches it, and uploads it to the server when server seeding is on.
   * Resolves once the upload (if any) has finished; an upload failure is reported in the
   * result, not as a rejection, because the file is shared either way.
   */
  async shareFile(roomId: string, file: File, options: ShareOptions = {}): Promise<ShareResult> {
    this.assertAlive();
    const { signal, onProgress } = options;
    if (typeof roomId !== 'string' || roomId === '') {
      throw new ChatFilesClientError('ERR_VALIDATION', 'shareFile needs a room id.');
    }
    const mimeType = validateShare(file, this.config);
    signal?.throwIfAborted();
    // Hashing progress comes from the worker and may arrive after hashing is over: only
    // report it while still preparing, so phases never go backwards.
    let phase: ShareProgress['phase'] = 'preparing';
    const report = (progress: ShareProgress) => {
      phase = progress.phase;
      onProgress?.(progress);
    };
    report({ phase: 'preparing', progress: 0 });
    let lastReported = 0;
    const [manifest, thumbnail] = await Promise.all([
      this.worker.computeManifest(file, this.config.piece_size, (hashed) => {
        const progress = file.size === 0 ? 100 : Math.floor((hashed / file.size) * 100);
        if (phase === 'preparing' && progress !== lastReported) {
          lastReported = progress;
          report({ phase: 'preparing', progress });
        }
      }),
      this.thumbnailFor(file, mimeType),
    ]);
    signal?.throwIfAborted();
    this.assertAlive();
    report({ phase: 'sharing', progress: 0 });
    const reply = await request(this.socket, 'chat:file:share', {
      room_id: roomId,
      name: file.name,
      size: file.size,
      mime_type: mimeType,
      thumbnail: thumbnail?.data_url ?? null,
      manifest,
    });
    const fileId = reply.file_id;
    report({ phase: 'sharing', progress: 100 });

    this.local.set({ file_id: fileId, room_id: roomId, file, manifest });
    this.transfers.publish({
      file_id: fileId,
      state: 'complete',
      progress: 100,
      transport: 'memory',
    });
    this.dispatchEvent(
      new CustomEvent<ShareEventDetail>('chat-file-share', {
        detail: {
          file_id: fileId,
          room_id: roomId,
          name: file.name,
          size: file.size,
          mime_type: mimeType,
        },
      }),
    );
    // Cached in the background so the sharer can still seed after a reload; a file larger
    // than the whole cache would only push every other cached file out, so it is not.
    if (file.size <= cacheLimitBytes(this.config)) {
      this.cacheShared(fileId, roomId, file, mimeType, manifest);
    }

    const result: ShareResult = { file_id: fileId, message: reply.message, uploaded: false };
    if (options.upload ?? this.config.server_seeding.enabled) {
      try {
        report({ phase: 'uploading', progress: 0 });
        await this.uploadFile(fileId, roomId, file, {
          signal,
          onProgress: (loaded, total) => {
            if (phase !== 'uploading') return;
            report({
              phase: 'uploading',
              progress: total > 0 ? Math.floor((loaded / total) * 100) : 100,
            });
          },
        });
        result.uploaded = true;
      } catch (thrown) {
        const error = toClientError(thrown, 'ERR_NETWORK', 'The upload failed.');
        result.upload_error = error.toJSON();
      }
    }
    report({ phase: 'done', progress: 100 });
    return result;
  }

  private cacheShared(
    fileId: string,
    roomId: string,
    file: File,
    mimeType: string,
    manifest: PieceManifest,
  ): void {
    void this.track(
      this.worker
        .storeBlob(
          {
            file_id: fileId,
            room_id: roomId,
            name: file.name,
            size: file.size,
            mime_type: mimeType,
            manifest,
          },
          file,
        )
        .catch((error) => this.log(`caching shared file ${fileId} failed`, error)),
    );
  }

  private uploadFile(
    fileId: string,
    roomId: string,
    file: Blob,
    options: { signal?: AbortSignal; onProgress?: (loaded: number, total: number) => void } = {},
  ): Promise<UploadResponse> {
    return this.uploads.upload(fileId, roomId, file, options);
  }

  /** The manifest root of a file: known for files held here, else computed from the bytes. */
  private async fingerprint(fileId: string, file: Blob): Promise<string> {
    const known =
      this.local.get(fileId)?.manifest.root ??
      (fileId ? (await this.worker.getRecord(fileId))?.manifest?.root : undefined);
    if (known) return known;
    return (await this.worker.computeManifest(file, this.config.piece_size)).root;
  }

  /**
   * Unfinished uploads of an earlier page whose bytes this page does not have; pick each
   * file again and pass it to {@link resumeUpload}.
   */
  uploadsNeedingFile(): Array<{ file_id: string; room_id: string; name: string; size: number }> {
    return this.uploads.needingFile();
  }

  /**
   * Finishes an unfinished upload with the file picked again: checks it is the same
   * content, then sends only the bytes the server lacks.
   */
  resumeUpload(fileId: string, file: File): Promise<UploadResponse> {
    this.assertAlive();
    return this.uploads.resume(fileId, file);
  }

  /** Listens to upload progress and outcomes (`chat-file-upload-progress`); returns the remover. */
  onUpload(listener: (detail: UploadEventDetail) => void): () => void {
    const handler = (event: Event) => listener((event as CustomEvent<UploadEventDetail>).detail);
    this.addEventListener('chat-file-upload-progress', handler);
    return () => this.removeEventListener('chat-file-upload-progress', handler);
  }

  /** Uploads a file this client holds (shared or downloaded) to the server. */
  async uploadToServer(
    fileId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<UploadResponse> {
    this.assertAlive();
    const file = await this.getFile(fileId);
    const roomId =
      this.local.get(fileId)?.room_id ?? (await this.worker.getRecord(fileId))?.room_id ?? null;
    if (!file || !roomId) {
      throw new ChatFilesClientError('ERR_NOT_FOUND', 'This device does not hold the file.');
    }
    return this.uploadFile(fileId, roomId, file, options);
  }

  // ---- downloading -----------------------------------------------------------------

  /**
   * Gets a file: from memory, the cache, peers (WebRTC, then the relay) or the server, and
   * caches it and seeds it afterwards. A second call for the same file joins the first.
   * Rejects with `ERR_UNAVAILABLE` when nobody can provide it, `ERR_CANCELLED` after
   * {@link cancelTransfer}.
   */
  requestFile(fileId: string, roomId: string): Promise<File> {
    if (this.destroyed) return Promise.reject(destroyedError());
    if (this.revoked.has(fileId)) {
      return Promise.reject(
        new ChatFilesClientError('ERR_GONE', 'This file is no longer available.'),
      );
    }
    return this.transfers.requestFile(fileId, roomId);
  }

  /** Stops sharing a file this user sent: its share links answer 410 and every card turns unavailable. */
  revokeFile(fileId: string): Promise<void> {
    return this.rest.revokeFile(fileId);
  }

  /** The preview image of a file shared from another instance, through this server's proxy. */
  federatedPreview(fileId: string, signal?: AbortSignal): Promise<Blob> {
    return this.rest.federatedPreview(fileId, signal);
  }

  /**
   * Gets a file shared from another instance (a `[FILE]` message with a `federated`
   * block) straight from its origin's share URL; nothing passes through this instance's
   * server. Progress is reported like any transfer, with `transport: 'federated'`; a share
   * the origin revoked or deleted ends `unavailable`. A second call joins the first.
   */
  requestFederatedFile(
    fileId: string,
    federated: FederatedFile,
    options: { password?: string } = {},
  ): Promise<File> {
    if (this.destroyed) return Promise.reject(destroyedError());
    if (this.revoked.has(fileId)) {
      return Promise.reject(
        new ChatFilesClientError('ERR_GONE', 'This file is no longer available.'),
      );
    }
    const held = this.federatedFiles.get(fileId);
    if (held) return Promise.resolve(held);
    return this.transfers.requestFederatedFile(fileId, federated, options).then(
      (file) => {
        this.federatedFiles.set(fileId, file);
        return file;
      },
      (error: unknown) => {
        if ((error as ChatFilesClientError).code === 'ERR_GONE') this.revoked.add(fileId);
        throw error;
      },
    );
  }

  /** Stops a running download; the pieces already received stay cached for later. */
  cancelTransfer(fileId: string): void {
    this.transfers.cancelTransfer(fileId);
  }

  /**
   * Looks for sources again now, for a download that waits for someone who holds the file
   * (calling {@link requestFile} again does the same).
   */
  retryTransfer(fileId: string): void {
    this.transfers.retry(fileId);
  }

  /**
   * What this client spends on seeding others: `max_upload_rate` (bytes/s, `null` for no
   * limit), `max_concurrent_uploads`, the uploads running now, and a sentence for a tooltip.
   */
  get uploadLimits(): UploadLimitsReport {
    return this.seeding.limits;
  }

  /** Changes the seeding limits of this client (for example from a settings screen). */
  setUploadLimits(limits: Partial<UploadLimits>): void {
    const checked = resolveConfig(limits, { onWarning: () => {} });
    this.seeding.setLimits({
      ...(limits.max_upload_rate !== undefined ? { max_upload_rate: checked.max_upload_rate } : {}),
      ...(limits.max_concurrent_uploads !== undefined
        ? { max_concurrent_uploads: checked.max_concurrent_uploads }
        : {}),
    });
  }

  /** The file if this client already has it (memory or cache); never touches the network. */
  async getFile(fileId: string): Promise<File | null> {
    if (this.destroyed || this.revoked.has(fileId)) return null;
    const remote = this.federatedFiles.get(fileId);
    if (remote) return remote;
    const local = this.local.get(fileId);
    if (local) return local.file;
    const record = await this.worker.getRecord(fileId);
    if (!record?.complete) return null;
    const blobs = await this.worker.getPieceBlobs(fileId);
    if (!blobs) return null;
    const file = new File(blobs, record.name, { type: record.mime_type });
    this.local.set({ file_id: fileId, room_id: record.room_id, file, manifest: record.manifest });
    if (!this.transfers.isActive(fileId)) {
      this.transfers.publish({
        file_id: fileId,
        state: 'complete',
        progress: 100,
        transport: 'cache',
      });
    }
    return file;
  }

  /** The latest snapshot of a file's transfer. */
  transferState(fileId: string): TransferSnapshot {
    const snapshot = this.transfers.transferState(fileId);
    if (snapshot.state === 'available' && this.local.get(fileId)) {
      return { file_id: fileId, state: 'complete', progress: 100, transport: 'memory' };
    }
    return snapshot;
  }

  /** Calls `listener` with every new snapshot of the file; returns the unsubscribe function. */
  watch(fileId: string, listener: (snapshot: TransferSnapshot) => void): () => void {
    return this.transfers.watch(fileId, listener);
  }

  /**
   * Marks every completely cached file of a room as complete and registers this user as
   * their seeder again (after a reload), so peers can download from this browser.
   */
  async loadCachedFilesForRoom(roomId: string): Promise<void> {
    this.assertAlive();
    const records = await this.worker.loadRoom(roomId);
    for (const record of records) {
      if (!record.complete || this.revoked.has(record.file_id)) continue;
      if (!this.transfers.isActive(record.file_id)) {
        const current = this.transfers.transferState(record.file_id);
        if (current.state !== 'complete') {
          this.transfers.publish({
            file_id: record.file_id,
            state: 'complete',
            progress: 100,
            transport: 'cache',
          });
        }
      }
      this.seeding.register(record.file_id);
    }
  }

  /** Deletes this browser's copy of a file (memory and cache), cancelling its download. */
  async removeLocalCopy(fileId: string): Promise<void> {
    this.assertAlive();
    this.transfers.cancelTransfer(fileId);
    this.local.delete(fileId);
    await this.worker.remove(fileId);
    this.transfers.publish({ file_id: fileId, state: 'available', progress: 0 });
  }

  // ---- server storage --------------------------------------------------------------

  /**
   * The server's copy of a file for this user. Calls made in the same task are sent as one
   * `chat:file:server_status_batch`.
   */
  serverStatus(fileId: string): Promise<ServerStatus> {
    if (this.destroyed) return Promise.reject(destroyedError());
    return this.statuses.get(fileId);
  }

  /** Number of status batch requests sent so far (diagnostics). */
  get serverStatusRequests(): number {
    return this.statuses.requestsSent;
  }

  /** Claims permanent server storage for a file (counts against the user's tier). */
  storePermanently(fileId: string): Promise<StorePermanentlyResponse> {
    return this.rest.storePermanently(fileId);
  }

  /** Releases the user's permanent storage claim on a file. */
  removeFromServer(fileId: string): Promise<void> {
    return this.rest.removeFromServer(fileId);
  }

  /**
   * Deletes the room's server copy for everyone (the sharer, or an admin the host names);
   * every claim on it is released. Others keep the file only on their devices.
   */
  deleteServerCopy(fileId: string): Promise<void> {
    return this.rest.deleteServerCopy(fileId);
  }

  /** The user's server storage usage, tier and claimed files. */
  userStorage(): Promise<UserStorageResponse> {
    return this.rest.userStorage();
  }

  /** The user's files across rooms. */
  userFiles(query?: { room_id?: string; search?: string }): Promise<UserFileEntry[]> {
    return this.rest.userFiles(query);
  }

  // ---- live events for cards ---------------------------------------------------------

  /** Tells the room's other members to play, pause or seek a media file. */
  sendMediaSync(roomId: string, fileId: string, action: MediaSyncAction, time: number): void {
    if (this.destroyed) return;
    this.socket.emit('chat:media_sync', { room_id: roomId, file_id: fileId, action, time });
  }

  /** Media sync messages from other members for a file. */
  onMediaSync(
    fileId: string,
    listener: (event: { action: MediaSyncAction; time: number; username: string }) => void,
  ): () => void {
    return this.on('chat:media_sync', (event) => {
      if (event.file_id === fileId) {
        listener({ action: event.action, time: event.time, username: event.username });
      }
    });
  }

  /** Shares the size a preview was resized to, so other members' cards match it. */
  sendPreviewSize(fileId: string, width: number, height: number, messageId?: string): void {
    if (this.destroyed) return;
    this.socket.emit('chat:update_file_preview_size', {
      file_id: fileId,
      width,
      height,
      ...(messageId ? { message_id: messageId } : {}),
    });
  }

  /** Preview sizes set by other members for a file. */
  onPreviewSize(
    fileId: string,
    listener: (event: { width: number; height: number; username: string }) => void,
  ): () => void {
    return this.on('chat:update_file_preview_size', (event) => {
      if (event.file_id === fileId && event.username !== this.username) {
        listener({ width: event.width, height: event.height, username: event.username });
      }
    });
  }

  /** The server caching a file (after an upload by anyone in the room). */
  onServerCached(
    fileId: string,
    listener: (event: { expires_at: number | null }) => void,
  ): () => void {
    return this.on('chat:file:server_cached', (event) => {
      if (event.file_id === fileId) listener({ expires_at: event.expires_at });
    });
  }

  /** The server dropping its copy of a file (expired, evicted or removed). */
  onServerRemoved(
    fileId: string,
    listener: (event: { reason: 'expired' | 'evicted' | 'removed' }) => void,
  ): () => void {
    return this.on('chat:file:server_removed', (event) => {
      if (event.file_id === fileId) listener({ reason: event.reason });
    });
  }

  /** The owner revoking a file; the client has already stopped serving and dropped it. */
  onRevoked(fileId: string, listener: () => void): () => void {
    return this.on('chat:file:revoked', (event) => {
      if (event.file_id === fileId) listener();
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /**
   * Stops everything: downloads (rejected with `ERR_DESTROYED`), served sessions, peer
   * connections, timers, socket listeners, and the worker (after committing pending cache
   * writes). Closes the socket if the client opened it. Idempotent.
   */
  destroy(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    this.destroyed = true;
    this.transfers.destroy();
    this.statuses.destroy(destroyedError());
    this.seeding.destroy();
    for (const off of this.detach) off();
    this.detach.length = 0;
    this.local.clear();
    if (this.ownsSocket) this.socket.disconnect();
    if (ChatFiles.default === this) ChatFiles.setDefault(null);
    return this.worker.terminate();
  }

  /**
   * Resolves when background work started so far (caching shared files, uploads) has
   * settled. Useful before a reload, and in tests.
   */
  async whenIdle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** True after {@link destroy}. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }
}
