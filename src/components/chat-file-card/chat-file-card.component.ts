import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { FederatedFile } from '../../core/wire/federated-file.js';
import { decodeFileMessage } from '../../core/wire/file-message.js';
import { formatBytes } from '../../core/wire/format.js';
import type { ChatMessage } from '../../core/wire/protocol.js';
import type {
  ChatFilesLike,
  TransferSnapshot,
  TransferState,
  TransportName,
} from '../shared/client-api.js';
import { ClientController } from '../shared/client-controller.js';
import { emit, type ChatFileCompleteDetail, type ChatFileErrorDetail } from '../shared/events.js';
import { canPreview, fileIcon, fileKind } from '../shared/file-kind.js';
import { formatDuration, resolveStrings, type ChatFilesStrings } from '../shared/strings.js';
import { TransferRate, type RateReading } from '../shared/transfer-rate.js';
import '../chat-file-lightbox/chat-file-lightbox.js';
import {
  galleryOf,
  registerGallerySource,
  unregisterGallerySource,
  type GalleryImage,
} from '../chat-file-lightbox/gallery.js';
import { cardStyles, tileStyles } from './chat-file-card.styles.js';
import { MediaSyncController } from './media-sync-controller.js';
import {
  loadPreview,
  mediaDuration,
  releasePreview,
  renderPreview,
  type PreviewContent,
} from './preview.js';
import { PreviewSizeController } from './preview-size-controller.js';
import { ServerCopyController } from './server-copy.js';
import { progressOfSnapshot, statusText, transferDetail } from './transfer-status.js';

/** Progress is announced to screen readers at these percentages, not on every frame. */
const ANNOUNCE_AT = [25, 50, 75];

/**
 * A shared file in a chat: name, size, type icon and thumbnail; its transfer state with a
 * progress bar whose width is the percentage shown, bytes, speed and time left; download,
 * cancel, retry and save; an inline preview once downloaded (image with a lightbox across
 * the room's images, video with a poster frame, audio with its duration, the first page of
 * a PDF, folded text) whose size and playback are shared with the room; and, with server
 * seeding on, whether the server holds it and the actions on that copy, each saying what
 * it does.
 *
 * Build it from a `[FILE]` message (`card.message = msg`) or from its attributes.
 *
 * States (the reflected `state` attribute): `available`, `connecting`, `waiting` (no
 * online device holds the file; the client starts by itself when one appears),
 * `transferring`, `complete`, `error`, `unavailable`.
 *
 * @tag chat-file-card
 * @summary A file shared in a chat room.
 * @event chat-file-state - The state changed; `detail` is the transfer snapshot `{ file_id, state, progress, transport?, ... }`.
 * @event chat-file-complete - The download finished; `detail` is `{ file_id, file, transport, bytes_by_transport }`.
 * @event chat-file-error - A transfer or server action failed; `detail` is `{ code, message, file_id }`.
 * @csspart base - The card.
 * @csspart thumbnail - The thumbnail or icon.
 * @csspart name - The file name.
 * @csspart meta - Size and type.
 * @csspart status - The state text.
 * @csspart actions - The action buttons.
 * @csspart progress - The progress bar.
 * @csspart progress-detail - Bytes, speed and time left under the bar.
 * @csspart preview - The resizable preview box.
 * @csspart server - The server storage area.
 * @csspart dialog - The confirmation dialog.
 * @cssproperty --chat-file-accent - Accent colour. @default #2f5bd3 (#8ab4ff dark)
 * @cssproperty --chat-file-on-accent - Text on the accent colour. @default #ffffff (#0b1020 dark)
 * @cssproperty --chat-file-bg - Card background. @default #ffffff (#1c2130 dark)
 * @cssproperty --chat-file-fg - Text colour. @default #1d2330 (#e8eaf0 dark)
 * @cssproperty --chat-file-border - Border colour. @default #d9dde7 (#394156 dark)
 * @cssproperty --chat-file-surface - Thumbnail and preview background. @default #eef0f5 (#262c3d dark)
 * @cssproperty --chat-file-radius - Corner radius. @default 10px
 * @cssproperty --chat-file-muted - Secondary text colour. @default #5d6578 (#a9b0c2 dark)
 * @cssproperty --chat-file-error - Error colour. @default #b3261e (#ffb4ab dark)
 * @cssproperty --chat-file-preview-max-height - Tallest preview before scrolling. @default 360px
 */
export class ChatFileCard extends LitElement {
  static override styles = [cardStyles, tileStyles];

  /** The file's id. */
  @property({ attribute: 'file-id', reflect: true }) fileId = '';
  /** The room the file was shared in. */
  @property({ attribute: 'room-id' }) roomId = '';
  /** Display name. */
  @property({ attribute: 'file-name' }) fileName = '';
  /** Size in bytes. */
  @property({ attribute: 'file-size', type: Number }) fileSize = 0;
  /** MIME type. */
  @property({ attribute: 'mime-type' }) mimeType = 'application/octet-stream';
  /** Thumbnail data URL, when the sender made one. */
  @property({ attribute: false }) thumbnail: string | null = null;
  /** Who shared it. */
  @property() sender = '';
  /** Id of the chat message that carries the file. */
  @property({ attribute: 'message-id' }) messageId = '';
  /**
   * Set when the file lives on another instance: the card previews it through this
   * server's proxy and downloads it from the origin's share URL (`transport="federated"`).
   */
  @property({ attribute: false }) federated: FederatedFile | null = null;

  /** Transfer state, reflected for styling and tests. */
  @property({ reflect: true }) state: TransferState = 'available';
  /** Transfer progress, 0–100, reflected; the bar's width is exactly this percentage. */
  @property({ type: Number, reflect: true }) progress = 0;
  /** How the bytes arrived, once complete. */
  @property({ reflect: true }) transport: TransportName | undefined;

  /** When it was shared (ms since the epoch); shown in the tile layout. */
  @property({ attribute: 'shared-at', type: Number }) sharedAt = 0;
  /**
   * `card` (the default, for a message list) or `tile` (a square-topped tile of equal
   * height for grids: the picture, page or icon on top, name, size, sender and date under it).
   */
  @property({ reflect: true }) layout: 'card' | 'tile' = 'card';

  /** Files-browser mode: no auto-download, no transfer registration, no server storage area. */
  @property({ type: Boolean, attribute: 'browse-mode' }) browseMode = false;
  /** Download images up to `image_auto_download_max` by themselves. */
  @property({ type: Boolean, attribute: 'no-auto-download' }) noAutoDownload = false;
  /** The sharer revoked the file (as the files list says): shown as no longer available. */
  @property({ type: Boolean }) revoked = false;
  /** Replaces some or all of the visible strings. */
  @property({ attribute: false }) strings: Partial<ChatFilesStrings> | undefined;
  /** The client; when unset, the page-wide default client. */
  @property({ attribute: false }) client: ChatFilesLike | null = null;

  @state() private preview: PreviewContent | null = null;
  @state() private previewOpen = true;
  @state() private textExpanded = false;
  @state() private duration = '';
  @state() private errorMessage = '';
  @state() private errorCode = '';
  @state() private snapshot: TransferSnapshot | null = null;
  @state() private reading: RateReading | null = null;
  @state() private announcement = '';
  @state() private confirming: 'revoke' | 'delete' | null = null;
  @state() private now = Date.now();

  @query('.card__preview') private previewBox!: HTMLElement | null;

  private readonly clients = new ClientController(this);
  private readonly mediaSync = new MediaSyncController(this, () => this.syncContext());
  private readonly previewSize = new PreviewSizeController(this, () => this.syncContext());
  private readonly serverCopy = new ServerCopyController(this, () => this.clients.client);
  private readonly rate = new TransferRate();
  private subscriptions: Array<() => void> = [];
  private boundKey = '';
  private pending: Promise<File> | null = null;
  private source: ChatMessage | null = null;
  private waitingSince = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private announced = 0;
  private hadFocus = false;
  private drawnPdf: ImageBitmap | null = null;

  /** Sets every field from a chat message carrying `[FILE]{...}` content. */
  @property({ attribute: false })
  set message(message: ChatMessage | null) {
    this.source = message;
    if (!message) return;
    const payload = decodeFileMessage(message.content);
    if (!payload) return;
    this.fileId = payload.file_id;
    this.fileName = payload.name;
    this.fileSize = payload.size;
    this.mimeType = payload.mime_type;
    this.thumbnail = payload.thumbnail ?? null;
    this.federated = payload.federated ?? null;
    this.roomId = message.room_id;
    this.sender = message.sender;
    this.messageId = message.id;
    this.sharedAt = message.created_at;
  }
  get message(): ChatMessage | null {
    return this.source;
  }

  /** True when the current user shared this file. */
  get isOwn(): boolean {
    return !this.federated && this.sender !== '' && this.sender === this.clients.client?.username;
  }

  private get strings_(): ChatFilesStrings {
    return resolveStrings(this.strings);
  }

  private get displayName(): string {
    return this.fileName || this.fileId;
  }

  private syncContext() {
    return { client: this.clients.client, roomId: this.roomId, fileId: this.fileId };
  }

  /** Starts the download, as the Download button does. Resolves when it ends either way. */
  async download(): Promise<void> {
    try {
      await this.getFile();
    } catch {
      // The state and the message on the card say what went wrong.
    }
  }

  /** Resolves to the downloaded file, downloading it first if needed. */
  getFile(): Promise<File> {
    const client = this.clients.client;
    if (!client)
      return Promise.reject(
        new Error('chat-file-card: no client (set .client or a default client)'),
      );
    if (this.state === 'unavailable')
      return Promise.reject(new Error(this.strings_.stateUnavailable));
    if (this.pending) return this.pending;
    this.errorMessage = '';
    this.errorCode = '';
    const request = this.federated
      ? client.requestFederatedFile(this.fileId, this.federated)
      : client.requestFile(this.fileId, this.roomId);
    const pending = request
      .then((file) => {
        const latest = client.transferState(this.fileId);
        this.setSnapshot({
          ...latest,
          state: 'complete',
          progress: 100,
          transport: latest.transport ?? 'cache',
        });
        return file;
      })
      .catch((error: unknown) => {
        const latest = client.transferState(this.fileId);
        // Cancelled (back to available) or gone (unavailable) are states, not errors.
        if (latest.state !== 'unavailable' && latest.state !== 'available') {
          this.errorCode = (error as { code?: string }).code ?? 'ERR_TRANSFER';
          this.errorMessage = this.reportError(error, 'ERR_TRANSFER');
          if (this.state !== 'error') this.setSnapshot({ ...latest, state: 'error' });
        }
        throw error;
      })
      .finally(() => {
        if (this.pending === pending) this.pending = null;
      });
    this.pending = pending;
    return pending;
  }

  /** Cancels a running or waiting download. */
  cancel(): void {
    this.clients.client?.cancelTransfer(this.fileId);
  }

  /** Gives up the current attempt (a wait or a failure) and starts again at once. */
  async retry(): Promise<void> {
    const pending = this.pending;
    if (pending) {
      this.cancel();
      await pending.catch(() => undefined);
    }
    await this.download();
  }

  /** Saves the file to disk through the browser's download. */
  async save(): Promise<void> {
    const file = await this.getFile();
    const url = URL.createObjectURL(file);
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = this.fileName || 'download';
    anchor.rel = 'noopener';
    anchor.style.display = 'none';
    this.renderRoot.appendChild(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** Opens the downloaded file in a new tab (the PDF fallback when no page can be drawn). */
  open(): void {
    if (this.preview?.url) window.open(this.preview.url, '_blank', 'noopener');
  }

  /** Marks the file as gone (revoked or deleted at its origin). */
  markUnavailable(): void {
    this.clients.client?.cancelTransfer(this.fileId);
    // What is gone is not shown any more, not even a preview already loaded.
    this.dropPreview();
    this.setSnapshot({ file_id: this.fileId, state: 'unavailable', progress: 0 });
  }

  /** The downloaded image, for the room's lightbox; `null` for other files or before. */
  galleryImage(): GalleryImage | null {
    if (this.state !== 'complete' && !this.federated) return null;
    if (fileKind(this.mimeType) !== 'image' || !this.preview?.url) return null;
    return { src: this.preview.url, name: this.displayName };
  }

  /** Opens this card's image full size, with next and previous across the room. */
  async openLightbox(): Promise<void> {
    const { items, index } = galleryOf(this);
    if (items.length === 0) return;
    let lightbox = document.querySelector('chat-file-lightbox');
    if (!lightbox) {
      lightbox = document.createElement('chat-file-lightbox');
      document.body.append(lightbox);
    }
    lightbox.strings = this.strings;
    lightbox.dir = getComputedStyle(this).direction;
    await lightbox.show(items, index);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.boundKey = '';
    registerGallerySource(this);
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unbind();
    this.boundKey = '';
    unregisterGallerySource(this);
    this.stopTicker();
    this.dropPreview();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    const client = this.clients.client;
    const key =
      client && this.fileId
        ? `${this.fileId}|${this.roomId}|${this.browseMode}|${this.federated?.downloadUrl ?? ''}`
        : '';
    if (key !== this.boundKey || changed.has('client')) {
      this.boundKey = key;
      this.unbind();
      if (client && this.fileId) this.bind(client);
    }
    if (changed.has('revoked') && this.revoked) this.markUnavailable();
    // A state change may remove the focused button; remember to put focus somewhere near.
    this.hadFocus = !!this.shadowRoot?.activeElement;
  }

  override updated(): void {
    const box = this.previewBox;
    // Only pictures and videos are resizable: a PDF page and text keep their own shape.
    this.previewSize.attach(
      box?.matches('.card__preview--image, .card__preview--video') ? box : null,
    );
    this.mediaSync.attach(box?.querySelector('video, audio') ?? null);
    this.drawPdf();
    const dialog = this.shadowRoot!.querySelector<HTMLDialogElement>('dialog.card__dialog');
    if (dialog && !dialog.open) dialog.showModal();
    if (this.hadFocus && !this.shadowRoot!.activeElement && !this.confirming) {
      const next =
        this.shadowRoot!.querySelector<HTMLElement>('.card__actions button.primary') ??
        this.shadowRoot!.querySelector<HTMLElement>('.card__actions button') ??
        this.shadowRoot!.querySelector<HTMLElement>('.card');
      next?.focus();
    }
  }

  private drawPdf(): void {
    const page = this.preview?.pdfPage;
    const canvas = this.shadowRoot!.querySelector<HTMLCanvasElement>('canvas.card__pdf');
    if (!page || !canvas) {
      this.drawnPdf = null;
      return;
    }
    if (this.drawnPdf === page && canvas.dataset.drawn) return;
    canvas.getContext('2d')?.drawImage(page, 0, 0);
    canvas.dataset.drawn = 'true';
    this.drawnPdf = page;
  }

  private bind(client: ChatFilesLike): void {
    const fileId = this.fileId;
    this.rate.reset();
    this.setSnapshot(client.transferState(fileId));
    this.subscriptions.push(client.watch(fileId, (snapshot) => this.setSnapshot(snapshot)));
    this.subscriptions.push(client.onRevoked(fileId, () => this.markUnavailable()));
    // A file already in this tab or the cache shows as complete without asking anyone.
    void client.getFile(fileId).then(
      (file) => {
        if (this.fileId !== fileId) return;
        if (file) {
          const latest = client.transferState(fileId);
          const transport = latest.state === 'complete' ? latest.transport : 'cache';
          this.setSnapshot({ file_id: fileId, state: 'complete', progress: 100, transport });
        } else {
          this.maybeAutoDownload(client);
        }
      },
      () => undefined,
    );
    if (this.federated) {
      this.loadFederatedPreview(client, this.federated);
    } else if (!this.browseMode && client.config.server_seeding.enabled) {
      this.subscriptions.push(
        client.onServerCached(fileId, ({ expires_at }) => {
          this.serverCopy.set({
            server_available: true,
            user_has_claim: this.serverCopy.status?.user_has_claim ?? false,
            expires_at,
            can_delete: this.serverCopy.status?.can_delete ?? this.isOwn,
          });
        }),
      );
      this.subscriptions.push(
        client.onServerRemoved(fileId, () =>
          this.serverCopy.set({
            server_available: false,
            user_has_claim: false,
            expires_at: null,
            can_delete: this.serverCopy.status?.can_delete ?? this.isOwn,
          }),
        ),
      );
      client
        .serverStatus(fileId)
        .then((status) => {
          if (this.fileId === fileId) this.serverCopy.set(status);
        })
        .catch(() => undefined);
    }
  }

  private unbind(): void {
    for (const unsubscribe of this.subscriptions) unsubscribe();
    this.subscriptions = [];
  }

  private maybeAutoDownload(client: ChatFilesLike): void {
    if (this.browseMode || this.noAutoDownload || this.federated || this.state !== 'available')
      return;
    if (fileKind(this.mimeType) !== 'image' || !canPreview(this.mimeType)) return;
    if (this.fileSize > client.config.image_auto_download_max) return;
    void this.download();
  }

  /**
   * A peer's image is previewed through this server's proxy, before any download; a
   * 404/410 from the origin means the file is gone.
   */
  private loadFederatedPreview(client: ChatFilesLike, federated: FederatedFile): void {
    if (!federated.previewUrl || !canPreview(this.mimeType) || fileKind(this.mimeType) !== 'image')
      return;
    const fileId = this.fileId;
    client.federatedPreview(fileId).then(
      (blob) => {
        if (this.fileId !== fileId || this.preview) return;
        this.preview = { url: URL.createObjectURL(blob) };
      },
      (error: { code?: string }) => {
        if (
          this.fileId === fileId &&
          (error.code === 'ERR_GONE' || error.code === 'ERR_NOT_FOUND')
        ) {
          this.markUnavailable();
        }
      },
    );
  }

  /** Stops sharing the file everywhere (the sender's own cards only). */
  async revoke(): Promise<void> {
    const client = this.clients.client;
    if (!client) return;
    try {
      await client.revokeFile(this.fileId);
      this.markUnavailable();
    } catch (error) {
      this.errorMessage = this.reportError(error, 'ERR_REVOKE');
    }
  }

  /** Fires `chat-file-error` for a failure and returns its message, for the card to show. */
  reportError(error: unknown, fallbackCode: string): string {
    const { code = fallbackCode, message = String(error) } = error as {
      code?: string;
      message?: string;
    };
    emit<ChatFileErrorDetail>(this, 'chat-file-error', {
      code,
      message,
      file_id: this.fileId,
      name: this.fileName,
    });
    return message;
  }

  private setSnapshot(snapshot: TransferSnapshot): void {
    if (snapshot.file_id !== this.fileId) return;
    if (this.state === 'unavailable' && snapshot.state !== 'unavailable') return;
    const wasComplete = this.state === 'complete';
    const previous = this.state;
    const changed = snapshot.state !== this.state || snapshot.transport !== this.transport;
    this.snapshot = snapshot;
    this.state = snapshot.state;
    this.progress = progressOfSnapshot(snapshot, this.fileSize);
    this.transport = snapshot.state === 'complete' ? snapshot.transport : undefined;
    if (snapshot.error && snapshot.state === 'error') {
      this.errorCode = snapshot.error.code;
      this.errorMessage = snapshot.error.message;
    }
    this.trackTime(snapshot);
    this.announce(previous, snapshot.state);
    if (changed) emit(this, 'chat-file-state', { ...snapshot });
    if (snapshot.state === 'complete' && !wasComplete) void this.onComplete();
  }

  /** Speed and time left while transferring; the visible wait while waiting. */
  private trackTime(snapshot: TransferSnapshot): void {
    const now = Date.now();
    if (snapshot.state === 'transferring') {
      const total = snapshot.bytes_total ?? this.fileSize;
      const done = snapshot.bytes_done ?? (this.progress / 100) * total;
      this.reading = this.rate.sample(done, total, now, snapshot);
    } else {
      this.rate.reset();
      this.reading = null;
    }
    if (snapshot.state === 'waiting') {
      if (this.waitingSince === 0) this.waitingSince = now;
      this.now = now;
      this.ticker ??= setInterval(() => (this.now = Date.now()), 1000);
    } else {
      this.waitingSince = 0;
      this.stopTicker();
    }
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Tells screen readers what changed, politely and only at milestones. */
  private announce(previous: TransferState, next: TransferState): void {
    const strings = this.strings_;
    const name = this.displayName;
    if (next !== previous) {
      this.announced = 0;
      if (next === 'transferring' || (next === 'connecting' && previous === 'available'))
        this.announcement = strings.announceStarted(name);
      else if (next === 'waiting') this.announcement = strings.announceWaiting(name);
      else if (next === 'complete' && previous !== 'available')
        this.announcement = strings.announceComplete(name);
      else if (next === 'error')
        this.announcement = `${strings.stateError}: ${strings.errorText(this.errorCode, this.errorMessage)}`;
      else if (next === 'unavailable') this.announcement = strings.stateUnavailable;
      return;
    }
    if (next !== 'transferring') return;
    const milestone = ANNOUNCE_AT.filter((m) => this.progress >= m).at(-1) ?? 0;
    if (milestone > this.announced) {
      this.announced = milestone;
      this.announcement = strings.announceProgress(name, milestone);
    }
  }

  /** Once the bytes are here, whatever brought them: the event, and the preview. */
  private async onComplete(): Promise<void> {
    const fileId = this.fileId;
    // A client destroyed meanwhile (page teardown) has nothing to show.
    const file = await this.clients.client?.getFile(fileId).catch(() => null);
    if (!file || this.fileId !== fileId || this.state !== 'complete') return;
    emit<ChatFileCompleteDetail>(this, 'chat-file-complete', {
      file_id: fileId,
      file,
      transport: this.transport,
      bytes_by_transport: this.clients.client?.transferState(fileId).bytes_by_transport ?? {},
    });
    if (!this.preview?.url && canPreview(this.mimeType)) {
      const content = await loadPreview(file, this.mimeType);
      if (this.fileId !== fileId) {
        releasePreview(content);
        return;
      }
      this.dropPreview();
      this.preview = content;
    }
  }

  private dropPreview(): void {
    releasePreview(this.preview);
    this.preview = null;
    this.duration = '';
  }

  override render() {
    const strings = this.strings_;
    const kind = fileKind(this.mimeType);
    const name = this.displayName;
    const own = this.isOwn;
    const status = statusText(
      {
        state: this.state,
        progress: this.progress,
        transport: this.transport,
        own,
        waitingFor: this.snapshot?.waiting_for ?? [],
        errorCode: this.errorCode,
        errorMessage: this.errorMessage,
      },
      strings,
    );
    const meta = [formatBytes(this.fileSize), this.mimeType, this.duration]
      .concat(this.preview?.pdfPages ? [strings.pages(this.preview.pdfPages)] : [])
      .filter(Boolean)
      .join(' · ');
    if (this.layout === 'tile') return this.renderTile(strings, kind, name, status, own);
    const showPreview =
      this.preview && this.previewOpen && (this.state === 'complete' || this.federated);
    return html`
      <article part="base" class="card card--${this.state}" aria-label=${name} tabindex="-1">
        <div class="card__head">
          <div part="thumbnail" class="card__thumb">
            ${
              // An open image preview is the picture: the head does not repeat it.
              this.thumbnail?.startsWith('data:image/') && !(showPreview && kind === 'image')
                ? html`<img
                    class=${kind === 'pdf' ? 'card__page-thumb' : ''}
                    src=${this.thumbnail}
                    alt=""
                  />`
                : fileIcon(kind)
            }
          </div>
          <div class="card__info">
            <span part="name" class="card__name" title=${name}>${name}</span>
            <span part="meta" class="card__meta">${meta}</span>
            <span part="status" class="card__status">${status}</span>
          </div>
          <div part="actions" class="card__actions">${this.renderActions(strings, name, own)}</div>
        </div>
        ${this.renderProgress(strings, name)}
        ${
          showPreview
            ? html`<div part="preview" class="card__preview card__preview--${kind}">
                ${renderPreview(this.preview!, this.mimeType, name, strings, {
                  openImage: () => void this.openLightbox(),
                  textExpanded: this.textExpanded,
                  toggleText: () => (this.textExpanded = !this.textExpanded),
                  onMediaMetadata: (event) => (this.duration = mediaDuration(event)),
                })}
              </div>`
            : nothing
        }
        ${
          this.browseMode || this.state === 'unavailable' || this.federated
            ? nothing
            : this.serverCopy.render(strings)
        }
        <span class="visually-hidden" aria-live="polite">${this.announcement}</span>
        ${this.renderConfirm(strings, name)}
      </article>
    `;
  }

  /** The grid tile: media on top, then name, details, status, the main action. */
  private renderTile(
    strings: ChatFilesStrings,
    kind: ReturnType<typeof fileKind>,
    name: string,
    status: string,
    own: boolean,
  ) {
    const when = this.sharedAt ? new Date(this.sharedAt) : null;
    const date = when
      ? when.toLocaleDateString(
          strings.locale,
          when.getFullYear() === new Date().getFullYear()
            ? { month: 'short', day: 'numeric' }
            : { dateStyle: 'medium' },
        )
      : '';
    const details = [formatBytes(this.fileSize), date].filter(Boolean).join(' · ');
    return html`<article
      part="base"
      class="card card--tile card--${this.state}"
      aria-label=${name}
      tabindex="-1"
    >
      <div class="card__media card__media--${kind}">
        ${this.renderTileMedia(strings, kind, name)}
      </div>
      <div class="card__info">
        <span part="name" class="card__name" title=${name}>${name}</span>
        <span part="meta" class="card__meta">${details}</span>
        ${this.sender ? html`<span class="card__meta card__sender">${this.sender}</span>` : nothing}
        <span part="status" class="card__status">${status}</span>
      </div>
      ${this.renderProgress(strings, name)}
      <div part="actions" class="card__actions">${this.renderActions(strings, name, own)}</div>
      <span class="visually-hidden" aria-live="polite">${this.announcement}</span>
      ${this.renderConfirm(strings, name)}
    </article>`;
  }

  private renderTileMedia(
    strings: ChatFilesStrings,
    kind: ReturnType<typeof fileKind>,
    name: string,
  ) {
    const preview = this.state === 'complete' || this.federated ? this.preview : null;
    if (preview?.url && kind === 'image')
      return html`<button
        type="button"
        class="card__image"
        aria-label=${`${strings.lightboxLabel}: ${name}`}
        @click=${() => void this.openLightbox()}
      >
        <img src=${preview.url} alt=${name} />
      </button>`;
    if (preview?.pdfPage)
      return html`<canvas
        class="card__pdf"
        role="img"
        aria-label=${name}
        width=${preview.pdfPage.width}
        height=${preview.pdfPage.height}
      ></canvas>`;
    if (preview?.url && kind === 'video')
      return html`<video src=${preview.url} muted preload="auto" aria-label=${name}></video>`;
    if (preview?.text !== undefined)
      return html`<pre aria-hidden="true">${preview.text.slice(0, 400)}</pre>`;
    if (this.thumbnail?.startsWith('data:image/'))
      return html`<img
        class=${kind === 'pdf' ? 'card__page-thumb' : ''}
        src=${this.thumbnail}
        alt=""
      />`;
    return html`<span class="card__media-icon">${fileIcon(kind)}</span>`;
  }

  private renderProgress(strings: ChatFilesStrings, name: string) {
    const state = this.state;
    if (state === 'connecting' || state === 'waiting') {
      const waited =
        state === 'waiting' && this.waitingSince > 0
          ? strings.waitingFor(formatDuration((this.now - this.waitingSince) / 1000))
          : '';
      return html`<div
          part="progress"
          class="card__progress card__progress--indeterminate"
          role="progressbar"
          aria-label=${strings.progressLabel(name)}
        >
          <div class="card__progress-fill"></div>
        </div>
        ${waited ? html`<div part="progress-detail" class="card__detail">${waited}</div>` : nothing}`;
    }
    if (state !== 'transferring') return nothing;
    const total = this.snapshot?.bytes_total ?? this.fileSize;
    const done = this.snapshot?.bytes_done ?? Math.round((this.progress / 100) * total);
    const detail = transferDetail(done, total, this.reading, this.snapshot?.sources, strings);
    return html`<div
        part="progress"
        class="card__progress"
        role="progressbar"
        aria-label=${strings.progressLabel(name)}
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${this.progress}
        aria-valuetext=${`${this.progress}% · ${detail}`}
      >
        <div class="card__progress-fill" style="width: ${this.progress}%"></div>
      </div>
      <div part="progress-detail" class="card__detail">${detail}</div>`;
  }

  private renderActions(strings: ChatFilesStrings, name: string, own: boolean) {
    if (this.state === 'unavailable') return nothing;
    const menu = (own || this.serverCopy.canDelete) && !this.browseMode;
    return html`${this.renderMainActions(strings, name)}${menu ? this.renderMenu(strings, name, own) : nothing}`;
  }

  /**
   * The menu of the sender (delete the server copy, stop sharing the file everywhere) or
   * of an administrator (delete the server copy).
   */
  private renderMenu(strings: ChatFilesStrings, name: string, own: boolean) {
    const choose = (event: Event, what: 'revoke' | 'delete') => {
      (event.currentTarget as HTMLElement).closest('details')?.removeAttribute('open');
      this.confirming = what;
    };
    return html`<details class="card__menu">
      <summary aria-label="${strings.menuLabel}: ${name}">⋯</summary>
      <div class="card__menu-list">
        ${
          this.serverCopy.canDelete
            ? html`<button type="button" @click=${(e: Event) => choose(e, 'delete')}>
                ${strings.deleteFromServer}
              </button>`
            : nothing
        }
        ${
          own
            ? html`<button type="button" @click=${(e: Event) => choose(e, 'revoke')}>
                ${strings.revoke}
              </button>`
            : nothing
        }
      </div>
    </details>`;
  }

  private renderConfirm(strings: ChatFilesStrings, name: string) {
    if (!this.confirming) return nothing;
    const revoking = this.confirming === 'revoke';
    const title = revoking ? strings.revokeConfirm : strings.deleteConfirmTitle;
    const body = revoking ? strings.revokeConfirmBody(name) : strings.deleteConfirmBody(name);
    const confirmLabel = revoking ? strings.revoke : strings.deleteConfirm;
    const finish = (confirmed: boolean) => {
      this.confirming = null;
      void this.updateComplete.then(() =>
        this.shadowRoot!.querySelector<HTMLElement>('.card__menu summary')?.focus(),
      );
      if (!confirmed) return;
      if (revoking) void this.revoke();
      else void this.serverCopy.run('delete');
    };
    return html`<dialog
      part="dialog"
      class="card__dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      @cancel=${(e: Event) => {
        e.preventDefault();
        finish(false);
      }}
    >
      <h2 id="confirm-title">${title}</h2>
      <p id="confirm-body">${body}</p>
      <div class="card__dialog-actions">
        <button type="button" @click=${() => finish(false)}>${strings.cancel}</button>
        <button type="button" class="danger" @click=${() => finish(true)}>${confirmLabel}</button>
      </div>
    </dialog>`;
  }

  private retryButton(strings: ChatFilesStrings, name: string) {
    return html`<button
      type="button"
      class="primary"
      aria-label=${strings.retryLabel(name)}
      @click=${() => void this.retry()}
    >
      ${strings.retry}
    </button>`;
  }

  private cancelButton(strings: ChatFilesStrings, name: string) {
    return html`<button type="button" @click=${this.cancel} aria-label="${strings.cancel} ${name}">
      ${strings.cancel}
    </button>`;
  }

  private renderMainActions(strings: ChatFilesStrings, name: string) {
    switch (this.state) {
      case 'connecting':
      case 'transferring':
        return this.cancelButton(strings, name);
      case 'waiting':
        return html`${this.retryButton(strings, name)} ${this.cancelButton(strings, name)}`;
      case 'complete':
        return html`
          ${
            this.preview?.pdfFailed
              ? html`<button
                  type="button"
                  aria-label=${strings.openLabel(name)}
                  @click=${this.open}
                >
                  ${strings.open}
                </button>`
              : nothing
          }
          ${
            this.layout === 'card' &&
            this.preview &&
            (this.preview.url || this.preview.text !== undefined)
              ? html`<button
                  type="button"
                  aria-expanded=${this.previewOpen ? 'true' : 'false'}
                  @click=${() => (this.previewOpen = !this.previewOpen)}
                >
                  ${this.previewOpen ? strings.hidePreview : strings.showPreview}
                </button>`
              : nothing
          }
          <button
            type="button"
            class="primary"
            aria-label=${strings.saveLabel(name)}
            @click=${() => void this.save()}
          >
            ${strings.save}
          </button>
        `;
      case 'error':
        return this.retryButton(strings, name);
      default:
        return html`<button
          type="button"
          class="primary"
          aria-label=${strings.downloadLabel(name)}
          @click=${() => void this.download()}
        >
          ${strings.download}
        </button>`;
    }
  }
}
