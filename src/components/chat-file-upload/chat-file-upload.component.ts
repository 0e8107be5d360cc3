import { html, LitElement, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { formatBytes } from '../../core/wire/format.js';
import type { UploadEventDetail } from '../../core/server-uploads.js';
import type { ChatFilesLike, ShareProgress } from '../shared/client-api.js';
import { ClientController } from '../shared/client-controller.js';
import { emit, type ChatFileErrorDetail, type ChatFileShareDetail } from '../shared/events.js';
import { formatDuration, resolveStrings, type ChatFilesStrings } from '../shared/strings.js';
import { TransferRate, type RateReading } from '../shared/transfer-rate.js';
import { uploadStyles } from './chat-file-upload.styles.js';

interface UploadItem {
  key: number;
  name: string;
  size: number;
  /** `needs-file`: an upload from an earlier visit that waits for its file to be picked again. */
  phase: ShareProgress['phase'] | 'error' | 'needs-file';
  /** The shared file's id, once known (set for uploads resumed after a reload). */
  fileId?: string;
  /** Followed through the client's upload events (resumed), not through `shareFile`. */
  resumed?: boolean;
  progress: number;
  message?: string;
  controller: AbortController;
  /** Speed and time left, once the upload has run a few seconds. */
  reading?: RateReading | null;
  rate: TransferRate;
}

let nextKey = 0;

/** The one whole percentage an item shows: its text, its bar's width and `aria-valuenow`. */
function shownProgress(item: UploadItem): number {
  return Math.max(0, Math.min(100, Math.floor(item.progress)));
}

/**
 * Lets a person share files in a room: a button that opens the file picker, drag and drop
 * onto the element (or onto a host-chosen drop zone), and paste of files or screenshots.
 * Files that are too large or of a type not allowed are refused with a message before
 * anything is sent. Files being sent are listed in a panel above the button (it never
 * widens the element or pushes the composer), each with a progress bar whose width is
 * the percentage shown, bytes, speed and time left; a sent file leaves the panel at once
 * (its card in the room takes over) and is announced to screen readers.
 *
 * @tag chat-file-upload
 * @summary Pick, drop or paste files to share them in a room.
 * @event chat-file-share - A file was shared; `detail` is `{ file_id, room_id, name, size, mime_type }`.
 * @event chat-file-error - A file was refused or failed; `detail` is `{ code, message, name }`.
 *
 * An upload cut off by a reload resumes by itself where the client still holds the file
 * (memory or cache); otherwise the element lists it and asks for the file again, then
 * sends only the bytes the server lacks. Progress is in bytes the server acknowledged.
 * @csspart base - The wrapper.
 * @csspart button - The attach button.
 * @csspart list - The panel of files being sent or refused.
 * @cssproperty --chat-file-accent - Accent colour. @default #2f5bd3
 * @cssproperty --chat-file-radius - Corner radius. @default 8px
 * @cssproperty --chat-file-error - Error text colour. @default #b3261e
 * @cssproperty --chat-file-muted - Secondary text colour. @default #5d6578
 */
export class ChatFileUpload extends LitElement {
  static override styles = uploadStyles;

  /** Room the files are shared in. */
  @property({ attribute: 'room-id' }) roomId = '';

  /** Disables picking, dropping and pasting. */
  @property({ type: Boolean, reflect: true }) disabled = false;

  /** Set while files are dragged over the element or its drop zone (for styling). */
  @property({ type: Boolean, reflect: true }) dragging = false;

  /** Replaces some or all of the visible strings. */
  @property({ attribute: false }) strings: Partial<ChatFilesStrings> | undefined;

  /**
   * Another element that also accepts dropped files (e.g. the whole message list).
   * Pasting files anywhere in the document is accepted while the element is connected,
   * unless `no-paste` is set.
   */
  @property({ attribute: false }) dropZone: HTMLElement | null = null;

  /**
   * Where the panel of files being sent opens: `above` the button (the default, for a
   * composer at the bottom of a chat) or `below` it (for an upload at the top of a page).
   */
  @property({ reflect: true }) panel: 'above' | 'below' = 'above';

  /** Ignore paste events. */
  @property({ type: Boolean, attribute: 'no-paste' }) noPaste = false;

  /** The client used to share; when unset, the page-wide default client. */
  @property({ attribute: false }) client: ChatFilesLike | null = null;

  @state() private items: UploadItem[] = [];
  @state() private announcement = '';

  @query('input[type="file"]') private input!: HTMLInputElement;

  private readonly clients = new ClientController(this);
  private boundZone: HTMLElement | null = null;
  /** The file id whose file the picker is open for (an upload to resume), if any. */
  private resumeTarget: string | null = null;
  private watchedClient: ChatFilesLike | null = null;
  private stopWatching: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('dragover', this.onDragOver);
    this.addEventListener('dragleave', this.onDragLeave);
    this.addEventListener('drop', this.onDrop);
    document.addEventListener('paste', this.onPaste);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('dragover', this.onDragOver);
    this.removeEventListener('dragleave', this.onDragLeave);
    this.removeEventListener('drop', this.onDrop);
    document.removeEventListener('paste', this.onPaste);
    this.bindDropZone(null);
    this.watchUploads(null);
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('dropZone')) this.bindDropZone(this.dropZone);
    this.watchUploads(this.isConnected ? this.clients.client : null);
  }

  /** Follows the client's uploads, so resumed ones (after a reload) show here too. */
  private watchUploads(client: ChatFilesLike | null): void {
    if (client === this.watchedClient) return;
    this.stopWatching?.();
    this.stopWatching = null;
    this.watchedClient = client;
    if (!client?.onUpload) return;
    this.stopWatching = client.onUpload((detail) => this.onUploadEvent(detail));
    for (const waiting of client.uploadsNeedingFile()) {
      this.onUploadEvent({ ...waiting, state: 'needs-file', loaded: 0, total: waiting.size });
    }
  }

  private onUploadEvent(detail: UploadEventDetail): void {
    if (detail.room_id !== undefined && this.roomId && detail.room_id !== this.roomId) return;
    const item =
      this.items.find((entry) => entry.fileId === detail.file_id) ??
      // A share started here learns its id only when it resolves; match it by name and size.
      this.items.find(
        (entry) =>
          entry.fileId === undefined &&
          entry.phase !== 'error' &&
          entry.name === detail.name &&
          entry.size === detail.total,
      );
    // Whole percents: the number shown and the bar are drawn from this one value.
    const progress = detail.total > 0 ? Math.floor((detail.loaded / detail.total) * 100) : 100;
    if (!item) {
      // Not started here: an upload resumed after a reload.
      if (detail.state !== 'needs-file' && detail.state !== 'uploading') return;
      this.items = [
        ...this.items,
        {
          key: nextKey++,
          fileId: detail.file_id,
          resumed: true,
          name: detail.name ?? detail.file_id,
          size: detail.total,
          phase: detail.state,
          progress,
          controller: new AbortController(),
          rate: new TransferRate(),
        },
      ];
      return;
    }
    if (item.phase === 'done' || item.phase === 'error') return;
    if (!item.resumed) {
      // Progress of a share started here arrives through shareFile's own callback.
      item.fileId = detail.file_id;
      return;
    }
    if (detail.state === 'uploading') this.patchItem(item.key, { phase: 'uploading', progress });
    else if (detail.state === 'done') {
      // A finished upload leaves the panel: the card in the chat now speaks for it.
      this.removeItem(item.key);
    } else if (detail.state === 'error') {
      this.patchItem(item.key, { phase: 'error', message: detail.error?.message });
    }
  }

  /** Opens the picker for the file of an unfinished upload. */
  private pickAgain(item: UploadItem): void {
    this.resumeTarget = item.fileId ?? null;
    this.input.click();
  }

  /** Opens the file picker. */
  pick(): void {
    if (!this.disabled) this.input.click();
  }

  /**
   * Shares the given files in the room, after checking size and type. Resolves when
   * every file has been shared or refused.
   */
  async shareFiles(files: Iterable<File>): Promise<void> {
    const list = [...files];
    await Promise.all(list.map((file) => this.shareOne(file)));
  }

  private bindDropZone(zone: HTMLElement | null): void {
    if (this.boundZone === zone) return;
    if (this.boundZone) {
      this.boundZone.removeEventListener('dragover', this.onDragOver);
      this.boundZone.removeEventListener('dragleave', this.onDragLeave);
      this.boundZone.removeEventListener('drop', this.onDrop);
    }
    this.boundZone = zone;
    if (zone) {
      zone.addEventListener('dragover', this.onDragOver);
      zone.addEventListener('dragleave', this.onDragLeave);
      zone.addEventListener('drop', this.onDrop);
    }
  }

  private readonly onDragOver = (event: DragEvent) => {
    if (this.disabled || !event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    this.dragging = true;
  };

  private readonly onDragLeave = () => {
    this.dragging = false;
  };

  private readonly onDrop = (event: DragEvent) => {
    this.dragging = false;
    if (this.disabled || !event.dataTransfer?.files.length) return;
    event.preventDefault();
    void this.shareFiles(event.dataTransfer.files);
  };

  private readonly onPaste = (event: ClipboardEvent) => {
    if (this.disabled || this.noPaste) return;
    const files = event.clipboardData ? [...event.clipboardData.files] : [];
    if (files.length === 0) return;
    event.preventDefault();
    void this.shareFiles(files.map((file) => this.namePasted(file)));
  };

  /** Screenshots arrive as `image.png`; give them a name a person can tell apart. */
  private namePasted(file: File): File {
    if (file.name && file.name !== 'image.png') return file;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const extension = file.type.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin';
    return new File([file], `pasted-${stamp}.${extension}`, {
      type: file.type,
      lastModified: file.lastModified,
    });
  }

  private onPicked(): void {
    const files = [...(this.input.files ?? [])];
    this.input.value = '';
    const target = this.resumeTarget;
    this.resumeTarget = null;
    if (target && files[0]) {
      void this.resumeOne(target, files[0]);
      return;
    }
    void this.shareFiles(files);
  }

  private async resumeOne(fileId: string, file: File): Promise<void> {
    const item = this.items.find((entry) => entry.fileId === fileId);
    const client = this.clients.client;
    if (!item || !client) return;
    this.patchItem(item.key, { phase: 'uploading', message: undefined });
    try {
      await client.resumeUpload(fileId, file);
    } catch (error) {
      const { code = 'ERR_UPLOAD', message = String(error) } = error as {
        code?: string;
        message?: string;
      };
      // The wrong file leaves the upload waiting for the right one.
      this.patchItem(item.key, {
        phase: code === 'ERR_VALIDATION' ? 'needs-file' : 'error',
        message,
      });
      emit<ChatFileErrorDetail>(this, 'chat-file-error', { code, message, name: file.name });
    }
  }

  private patchItem(key: number, patch: Partial<UploadItem>): void {
    this.items = this.items.map((item) => (item.key === key ? { ...item, ...patch } : item));
  }

  private removeItem(key: number): void {
    this.items = this.items.filter((item) => item.key !== key);
  }

  private refuse(file: File, code: string, message: string): void {
    const detail: ChatFileErrorDetail = { code, message, name: file.name };
    emit(this, 'chat-file-error', detail);
    const key = nextKey++;
    this.items = [
      ...this.items,
      {
        key,
        name: file.name,
        size: file.size,
        phase: 'error',
        progress: 0,
        message,
        controller: new AbortController(),
        rate: new TransferRate(),
      },
    ];
  }

  private async shareOne(file: File): Promise<void> {
    const strings = resolveStrings(this.strings);
    const client = this.clients.client;
    if (!client) {
      this.refuse(file, 'ERR_NO_CLIENT', 'File sharing is not set up on this page.');
      return;
    }
    const { max_file_size, server_seeding } = client.config;
    if (file.size > max_file_size) {
      this.refuse(file, 'ERR_TOO_LARGE', strings.tooLarge(file.name, formatBytes(max_file_size)));
      return;
    }
    const allowed = server_seeding.allowed_mime_types;
    if (allowed && !allowed.includes(file.type)) {
      this.refuse(file, 'ERR_UNSUPPORTED_TYPE', strings.typeNotAllowed(file.name, file.type));
      return;
    }
    const key = nextKey++;
    const controller = new AbortController();
    this.items = [
      ...this.items,
      {
        key,
        name: file.name,
        size: file.size,
        phase: 'preparing',
        progress: 0,
        controller,
        rate: new TransferRate(),
      },
    ];
    try {
      const { file_id } = await client.shareFile(this.roomId, file, {
        signal: controller.signal,
        onProgress: ({ phase, progress }) => this.onProgress(key, phase, progress),
      });
      this.removeItem(key);
      this.announcement = strings.announceShared(file.name);
      const detail: ChatFileShareDetail = {
        file_id,
        room_id: this.roomId,
        name: file.name,
        size: file.size,
        mime_type: file.type || 'application/octet-stream',
      };
      emit(this, 'chat-file-share', detail);
    } catch (error) {
      if (controller.signal.aborted) {
        this.removeItem(key);
        return;
      }
      const { code = 'ERR_SHARE', message = String(error) } = error as {
        code?: string;
        message?: string;
      };
      this.patchItem(key, { phase: 'error', message });
      emit<ChatFileErrorDetail>(this, 'chat-file-error', { code, message, name: file.name });
    }
  }

  private onProgress(key: number, phase: ShareProgress['phase'], progress: number): void {
    const item = this.items.find((i) => i.key === key);
    if (!item) return;
    const value = Math.max(0, Math.min(100, Math.floor(progress)));
    const reading =
      phase === 'uploading'
        ? item.rate.sample((value / 100) * item.size, item.size, Date.now())
        : null;
    if (phase !== 'uploading') item.rate.reset();
    this.patchItem(key, { phase, progress: value, reading });
  }

  private statusText(item: UploadItem, strings: ChatFilesStrings): string {
    switch (item.phase) {
      case 'preparing':
        return `${strings.preparing} ${shownProgress(item)}%`;
      case 'sharing':
        return strings.uploading;
      case 'uploading': {
        const parts = [
          strings.stateUploading(shownProgress(item)),
          strings.bytesOf(formatBytes((item.progress / 100) * item.size), formatBytes(item.size)),
        ];
        if (item.reading) {
          parts.push(strings.perSecond(formatBytes(item.reading.rate)));
          parts.push(strings.timeLeft(formatDuration(Math.ceil(item.reading.etaSeconds))));
        }
        return parts.join(' · ');
      }
      case 'done':
        return strings.shared;
      case 'error':
        return item.message ?? '';
      case 'needs-file':
        return item.message ?? strings.pickAgain(item.name);
    }
  }

  override render() {
    const strings = resolveStrings(this.strings);
    return html`
      <div part="base" class="upload">
        <button
          part="button"
          class="upload__button"
          type="button"
          ?disabled=${this.disabled}
          aria-label=${strings.attachLabel}
          @click=${this.pick}
        >
          <svg
            viewBox="0 0 24 24"
            width="18"
            height="18"
            aria-hidden="true"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
          >
            <path
              d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7.5"
            ></path>
          </svg>
          <slot>${strings.attach}</slot>
        </button>
        <input
          class="upload__input"
          type="file"
          multiple
          tabindex="-1"
          aria-hidden="true"
          ?disabled=${this.disabled}
          @change=${this.onPicked}
        />
        ${
          this.items.length === 0
            ? nothing
            : html`<ul part="list" class="upload__list">
                ${this.items.map((item) => this.renderItem(item, strings))}
              </ul>`
        }
        <span class="visually-hidden" aria-live="polite">${this.announcement}</span>
      </div>
    `;
  }

  private renderItem(item: UploadItem, strings: ChatFilesStrings) {
    const busy = item.phase !== 'done' && item.phase !== 'error' && item.phase !== 'needs-file';
    return html`<li class="upload__item upload__item--${item.phase}" data-phase=${item.phase}>
      <span class="upload__name" title=${item.name}>${item.name}</span>
      ${
        busy
          ? html`<button
              class="upload__cancel"
              type="button"
              aria-label="${strings.cancel} ${item.name}"
              @click=${() => item.controller.abort()}
            >
              ${strings.cancel}
            </button>`
          : item.phase === 'needs-file'
            ? html`<button
                class="upload__cancel"
                type="button"
                aria-label="${strings.pickAgainButton} ${item.name}"
                @click=${() => this.pickAgain(item)}
              >
                ${strings.pickAgainButton}
              </button>`
            : item.phase === 'error'
              ? html`<button
                  class="upload__cancel"
                  type="button"
                  aria-label="${strings.dismiss} ${item.name}"
                  @click=${() => this.removeItem(item.key)}
                >
                  ${strings.dismiss}
                </button>`
              : html`<span></span>`
      }
      ${
        busy
          ? html`<div
              class="upload__bar ${item.phase === 'sharing' ? 'upload__bar--indeterminate' : ''}"
              role="progressbar"
              aria-label=${strings.progressLabel(item.name)}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${item.phase === 'sharing' ? nothing : shownProgress(item)}
            >
              <div class="upload__fill" style="width: ${shownProgress(item)}%"></div>
            </div>`
          : nothing
      }
      <span class="upload__status" role=${item.phase === 'error' ? 'alert' : nothing}
        >${this.statusText(item, strings)}</span
      >
    </li>`;
  }
}
