import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { FederatedFile } from '../../core/federated-file.js';
import { decodeFileMessage } from '../../core/file-message.js';
import { formatBytes } from '../../core/format.js';
import type { ChatMessage, ServerStatus } from '../../core/protocol.js';
import type {
  ChatFilesLike,
  TransferSnapshot,
  TransferState,
  TransportName,
} from '../shared/client-api.js';
import { ClientController } from '../shared/client-controller.js';
import { emit, type ChatFileCompleteDetail, type ChatFileErrorDetail } from '../shared/events.js';
import { canPreview, fileIcon, fileKind } from '../shared/file-kind.js';
import { resolveStrings, type ChatFilesStrings } from '../shared/strings.js';
import { cardStyles } from './chat-file-card.styles.js';
import { MediaSyncController } from './media-sync-controller.js';
import { loadPreview, renderPreview, type PreviewContent } from './preview.js';
import { PreviewSizeController } from './preview-size-controller.js';

const TRANSPORT_LABELS: Record<TransportName, string> = {
  memory: 'this tab',
  cache: 'cache',
  webrtc: 'peer-to-peer',
  relay: 'relay',
  server: 'server',
  federated: 'origin server',
  swarm: 'several sources',
};

/**
 * A shared file in a chat: name, size, type icon and thumbnail; its transfer state and
 * progress; download, cancel and save; an inline preview once downloaded (image, video,
 * audio, PDF, text) whose size and playback are shared with the room; and, with server
 * seeding on, whether the server holds it and the actions to keep or remove it.
 *
 * Build it from a `[FILE]` message (`card.message = msg`) or from its attributes.
 *
 * @tag chat-file-card
 * @summary A file shared in a chat room.
 * @event chat-file-state - The state changed; `detail` is `{ file_id, state, progress, transport? }`.
 * @event chat-file-complete - The download finished; `detail` is `{ file_id, file, transport }`.
 * @event chat-file-error - A transfer or server action failed; `detail` is `{ code, message, file_id }`.
 * @csspart base - The card.
 * @csspart thumbnail - The thumbnail or icon.
 * @csspart name - The file name.
 * @csspart meta - Size and type.
 * @csspart status - The state text.
 * @csspart actions - The action buttons.
 * @csspart progress - The progress bar.
 * @csspart preview - The resizable preview box.
 * @csspart server - The server storage area.
 * @cssproperty --chat-file-accent - Accent colour. @default #2f5bd3
 * @cssproperty --chat-file-bg - Card background. @default #ffffff
 * @cssproperty --chat-file-border - Border colour. @default #d9dde7
 * @cssproperty --chat-file-radius - Corner radius. @default 10px
 * @cssproperty --chat-file-muted - Secondary text colour. @default #5d6578
 * @cssproperty --chat-file-error - Error colour. @default #b3261e
 * @cssproperty --chat-file-preview-max-height - Tallest preview before scrolling. @default 360px
 */
export class ChatFileCard extends LitElement {
  static override styles = cardStyles;

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
  /** Transfer progress, 0–100, reflected. */
  @property({ type: Number, reflect: true }) progress = 0;
  /** How the bytes arrived, once complete. */
  @property({ reflect: true }) transport: TransportName | undefined;

  /** Files-browser mode: no auto-download, no transfer registration, no server storage area. */
  @property({ type: Boolean, attribute: 'browse-mode' }) browseMode = false;
  /** Download images up to `image_auto_download_max` by themselves. */
  @property({ type: Boolean, attribute: 'no-auto-download' }) noAutoDownload = false;
  /** Replaces some or all of the visible strings. */
  @property({ attribute: false }) strings: Partial<ChatFilesStrings> | undefined;
  /** The client; when unset, the page-wide default client. */
  @property({ attribute: false }) client: ChatFilesLike | null = null;

  @state() private preview: PreviewContent | null = null;
  @state() private previewOpen = true;
  @state() private server: ServerStatus | null = null;
  @state() private serverError = '';
  @state() private serverBusy = false;
  @state() private errorMessage = '';

  @query('.card__preview') private previewBox!: HTMLElement | null;

  private readonly clients = new ClientController(this);
  private readonly mediaSync = new MediaSyncController(this, () => this.syncContext());
  private readonly previewSize = new PreviewSizeController(this, () => this.syncContext());
  private subscriptions: Array<() => void> = [];
  private boundKey = '';
  private pending: Promise<File> | null = null;
  private source: ChatMessage | null = null;

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
  }
  get message(): ChatMessage | null {
    return this.source;
  }

  private get strings_(): ChatFilesStrings {
    return resolveStrings(this.strings);
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
          this.errorMessage = this.reportError(error, 'ERR_TRANSFER');
        }
        throw error;
      })
      .finally(() => {
        if (this.pending === pending) this.pending = null;
      });
    this.pending = pending;
    return pending;
  }

  /** Cancels a running download. */
  cancel(): void {
    this.clients.client?.cancelTransfer(this.fileId);
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

  /** Marks the file as gone (revoked or deleted at its origin). */
  markUnavailable(): void {
    this.clients.client?.cancelTransfer(this.fileId);
    // What is gone is not shown any more, not even a preview already loaded.
    this.releasePreview();
    this.setSnapshot({ file_id: this.fileId, state: 'unavailable', progress: 0 });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.boundKey = '';
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unbind();
    this.boundKey = '';
    this.releasePreview();
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
  }

  override updated(): void {
    const box = this.previewBox;
    this.previewSize.attach(box);
    this.mediaSync.attach(box?.querySelector('video, audio') ?? null);
  }

  private bind(client: ChatFilesLike): void {
    const fileId = this.fileId;
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
          this.server = {
            server_available: true,
            user_has_claim: this.server?.user_has_claim ?? false,
            expires_at,
          };
        }),
      );
      client
        .serverStatus(fileId)
        .then((status) => {
          if (this.fileId === fileId) this.server = status;
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
  private reportError(error: unknown, fallbackCode: string): string {
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
    const changed = snapshot.state !== this.state || snapshot.transport !== this.transport;
    this.state = snapshot.state;
    this.progress = Math.max(0, Math.min(100, Math.round(snapshot.progress)));
    this.transport = snapshot.state === 'complete' ? snapshot.transport : undefined;
    if (snapshot.error && snapshot.state === 'error') this.errorMessage = snapshot.error.message;
    if (changed) emit(this, 'chat-file-state', { ...snapshot });
    if (snapshot.state === 'complete' && !wasComplete) void this.onComplete();
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
    });
    if (!this.preview && canPreview(this.mimeType)) {
      const content = await loadPreview(file, this.mimeType);
      if (this.fileId !== fileId) {
        if (content.url) URL.revokeObjectURL(content.url);
        return;
      }
      this.releasePreview();
      this.preview = content;
    }
  }

  private releasePreview(): void {
    if (this.preview?.url) URL.revokeObjectURL(this.preview.url);
    this.preview = null;
  }

  private async serverAction(action: 'store' | 'remove'): Promise<void> {
    const client = this.clients.client;
    if (!client) return;
    this.serverBusy = true;
    this.serverError = '';
    try {
      if (action === 'store') {
        await client.storePermanently(this.fileId);
        this.server = { server_available: true, user_has_claim: true, expires_at: null };
      } else {
        await client.removeFromServer(this.fileId);
        this.server = await client.serverStatus(this.fileId).catch(() => null);
      }
    } catch (error) {
      this.serverError = this.reportError(error, 'ERR_SERVER');
    } finally {
      this.serverBusy = false;
    }
  }

  private statusText(strings: ChatFilesStrings): string {
    switch (this.state) {
      case 'available':
        return strings.stateAvailable;
      case 'connecting':
      case 'waiting':
        return strings.stateConnecting;
      case 'transferring':
        return strings.stateTransferring(this.progress);
      case 'complete':
        if (this.transport === 'memory') return strings.stateLocal;
        return this.transport
          ? `${strings.stateComplete} · ${strings.via(TRANSPORT_LABELS[this.transport])}`
          : strings.stateComplete;
      case 'error':
        return this.errorMessage
          ? `${strings.stateError}: ${this.errorMessage}`
          : strings.stateError;
      case 'unavailable':
        return strings.stateUnavailable;
    }
  }

  override render() {
    const strings = this.strings_;
    const kind = fileKind(this.mimeType);
    const busy = this.state === 'connecting' || this.state === 'transferring';
    const name = this.fileName || this.fileId;
    return html`
      <article part="base" class="card card--${this.state}" aria-label=${name}>
        <div class="card__head">
          <div part="thumbnail" class="card__thumb">
            ${
              this.thumbnail && this.thumbnail.startsWith('data:image/')
                ? html`<img src=${this.thumbnail} alt="" />`
                : fileIcon(kind)
            }
          </div>
          <div class="card__info">
            <span part="name" class="card__name" title=${name}>${name}</span>
            <span part="meta" class="card__meta"
              >${formatBytes(this.fileSize)} · ${this.mimeType}</span
            >
            <span part="status" class="card__status" role="status"
              >${this.statusText(strings)}</span
            >
          </div>
          <div part="actions" class="card__actions">${this.renderActions(strings, name, busy)}</div>
        </div>
        ${
          busy
            ? html`<div
                part="progress"
                class="card__progress"
                role="progressbar"
                aria-label=${strings.progressLabel(name)}
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=${this.progress}
              >
                <div class="card__progress-fill" style="width: ${this.progress}%"></div>
              </div>`
            : nothing
        }
        ${
          this.preview && this.previewOpen && (this.state === 'complete' || this.federated)
            ? html`<div part="preview" class="card__preview card__preview--${kind}">
                ${renderPreview(this.preview, this.mimeType, name, strings)}
              </div>`
            : nothing
        }
        ${this.renderServerArea(strings)}
      </article>
    `;
  }

  private renderActions(strings: ChatFilesStrings, name: string, busy: boolean) {
    if (this.state === 'unavailable') return nothing;
    const own =
      !this.federated &&
      !this.browseMode &&
      this.sender !== '' &&
      this.sender === this.clients.client?.username;
    return html`${this.renderMainActions(strings, name, busy)}${own ? this.renderMenu(strings, name) : nothing}`;
  }

  /** The sender's menu: stop sharing the file everywhere. */
  private renderMenu(strings: ChatFilesStrings, name: string) {
    return html`<details class="card__menu">
      <summary aria-label="${strings.menuLabel}: ${name}">⋯</summary>
      <div class="card__menu-list">
        <button
          type="button"
          @click=${(event: Event) => {
            (event.currentTarget as HTMLElement).closest('details')?.removeAttribute('open');
            void this.revoke();
          }}
        >
          ${strings.revoke}
        </button>
      </div>
    </details>`;
  }

  private renderMainActions(strings: ChatFilesStrings, name: string, busy: boolean) {
    if (busy) {
      return html`<button
        type="button"
        @click=${this.cancel}
        aria-label="${strings.cancel} ${name}"
      >
        ${strings.cancel}
      </button>`;
    }
    if (this.state === 'complete') {
      return html`
        ${
          this.preview
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
    }
    return html`<button
      type="button"
      class="primary"
      aria-label=${strings.downloadLabel(name)}
      @click=${() => void this.download()}
    >
      ${this.state === 'error' ? strings.retry : strings.download}
    </button>`;
  }

  private renderServerArea(strings: ChatFilesStrings) {
    const client = this.clients.client;
    if (
      this.browseMode ||
      !client?.config.server_seeding.enabled ||
      !this.server ||
      this.state === 'unavailable'
    )
      return nothing;
    const { server_available, user_has_claim, expires_at } = this.server;
    const text = user_has_claim
      ? strings.serverStored
      : server_available
        ? expires_at
          ? strings.serverCachedUntil(new Date(expires_at).toLocaleString())
          : strings.serverCached
        : strings.serverNotStored;
    return html`<div
      part="server"
      class="card__server"
      data-server=${user_has_claim ? 'stored' : server_available ? 'cached' : 'none'}
    >
      <span>${text}</span>
      ${
        server_available && !user_has_claim
          ? html`<button
              type="button"
              ?disabled=${this.serverBusy}
              @click=${() => void this.serverAction('store')}
            >
              ${strings.storePermanently}
            </button>`
          : nothing
      }
      ${
        user_has_claim
          ? html`<button
              type="button"
              ?disabled=${this.serverBusy}
              @click=${() => void this.serverAction('remove')}
            >
              ${strings.removeFromServer}
            </button>`
          : nothing
      }
      ${this.serverError ? html`<span class="card__server-error" role="alert">${this.serverError}</span>` : nothing}
    </div>`;
  }
}
