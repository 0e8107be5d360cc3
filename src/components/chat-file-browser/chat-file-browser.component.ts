import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { formatBytes } from '../../core/wire/format.js';
import type { ServerStatus, UserFileEntry, UserStorageResponse } from '../../core/wire/protocol.js';
import type { ChatFilesLike, TransferSnapshot } from '../shared/client-api.js';
import { ClientController } from '../shared/client-controller.js';
import { emit, type ChatFileErrorDetail } from '../shared/events.js';
import { resolveStrings, type ChatFilesStrings } from '../shared/strings.js';
import '../chat-file-card/chat-file-card.js';
import { browserStyles } from './chat-file-browser.styles.js';
import { renderFileTable, sortFiles } from './file-table.js';
import {
  DEFAULT_VIEW_STATE,
  loadViewState,
  saveViewState,
  TYPE_FILTERS,
  typeFilterOf,
  type BrowserViewState,
  type SortKey,
  type TypeFilter,
} from './view-state.js';

interface RoomGroup {
  id: string;
  name: string;
  type: string;
  deleted: boolean;
  count: number;
}

/** Wait for typing to pause before filtering. */
const SEARCH_DEBOUNCE_MS = 150;

/**
 * The files the user can see across all rooms. A grid of equal tiles (picture, first page
 * or icon; name, size, sender, date) or a list (a table sortable by name, size, type,
 * sender, room, date and server status, with actions per row); search, type filters and
 * a "saved on server" filter that combine; a rooms sidebar with the files of deleted rooms
 * in a collapsed "Deleted Rooms" folder; and the user's server storage (used of their
 * tier) with the files they keep there, each removable. The view state is kept in
 * localStorage under `storage-prefix`, so two browsers on one page keep their own.
 *
 * @tag chat-file-browser
 * @summary The user's files across rooms.
 * @event chat-file-error - Loading or an action failed; `detail` is `{ code, message }`.
 * @csspart base - The wrapper.
 * @csspart sidebar - The rooms sidebar.
 * @csspart storage - The storage summary.
 * @csspart toolbar - Search and filters.
 * @csspart files - The grid of tiles.
 * @csspart table - The list's table.
 * @cssproperty --chat-file-accent - Accent colour. @default #2f5bd3 (#8ab4ff dark)
 * @cssproperty --chat-file-bg - Background of tiles, table and inputs. @default #ffffff (#1c2130 dark)
 * @cssproperty --chat-file-fg - Text colour. @default #1d2330 (#e8eaf0 dark)
 * @cssproperty --chat-file-border - Border colour. @default #d9dde7 (#394156 dark)
 * @cssproperty --chat-file-muted - Secondary text colour. @default #5d6578 (#a9b0c2 dark)
 * @cssproperty --chat-file-sidebar-bg - Sidebar background. @default #eef0f5 (#262c3d dark)
 */
export class ChatFileBrowser extends LitElement {
  static override styles = browserStyles;

  /** localStorage key prefix for the view state. */
  @property({ attribute: 'storage-prefix' }) storagePrefix = 'chat-files';
  /** Layout, reflected for styling. */
  @property({ reflect: true }) view: 'grid' | 'list' = 'grid';
  /** Replaces some or all of the visible strings. */
  @property({ attribute: false }) strings: Partial<ChatFilesStrings> | undefined;
  /** The client; when unset, the page-wide default client. */
  @property({ attribute: false }) client: ChatFilesLike | null = null;

  @state() private files: UserFileEntry[] = [];
  @state() private storage: UserStorageResponse | null = null;
  @state() private statuses = new Map<string, ServerStatus>();
  @state() private transfers = new Map<string, TransferSnapshot>();
  @state() private loading = false;
  @state() private loadError = '';
  @state() private search = '';
  @state() private viewState: BrowserViewState = DEFAULT_VIEW_STATE;
  @state() private focusedRow = '';

  private readonly clients = new ClientController(this);
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private loadedFor: ChatFilesLike | null = null;
  private watches: Array<() => void> = [];

  override connectedCallback(): void {
    super.connectedCallback();
    this.restore();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
    this.unwatch();
    this.loadedFor = null;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('storagePrefix')) this.restore();
    const client = this.clients.client;
    if (client && client !== this.loadedFor) {
      this.loadedFor = client;
      void this.reload();
    }
  }

  /** Fetches the file list, the user's storage and the files' server status again. */
  async reload(): Promise<void> {
    const client = this.clients.client;
    if (!client) return;
    this.loading = true;
    this.loadError = '';
    try {
      const [files, storage] = await Promise.all([
        client.userFiles(),
        client.userStorage().catch(() => null),
      ]);
      this.files = files;
      this.storage = storage;
      this.watch(client, files);
      void this.loadStatuses(client, files);
    } catch (error) {
      this.fail(error, 'ERR_LOAD', true);
    } finally {
      this.loading = false;
    }
  }

  private async loadStatuses(client: ChatFilesLike, files: UserFileEntry[]): Promise<void> {
    if (!client.config.server_seeding.enabled) return;
    // Asked in one task, these go to the server as one batch.
    const entries = await Promise.all(
      files.map((f) =>
        client.serverStatus(f.id).then(
          (s) => [f.id, s] as const,
          () => null,
        ),
      ),
    );
    this.statuses = new Map(entries.filter((e) => e !== null));
  }

  private watch(client: ChatFilesLike, files: UserFileEntry[]): void {
    this.unwatch();
    const transfers = new Map<string, TransferSnapshot>();
    for (const file of files) {
      transfers.set(file.id, client.transferState(file.id));
      this.watches.push(
        client.watch(file.id, (snapshot) => {
          this.transfers = new Map(this.transfers).set(file.id, snapshot);
        }),
      );
      void client.getFile(file.id).then(
        (local) => {
          if (local && this.transfers.get(file.id)?.state !== 'complete')
            this.transfers = new Map(this.transfers).set(file.id, {
              file_id: file.id,
              state: 'complete',
              progress: 100,
              transport: 'cache',
            });
        },
        () => undefined,
      );
    }
    this.transfers = transfers;
  }

  private unwatch(): void {
    for (const stop of this.watches) stop();
    this.watches = [];
  }

  private fail(error: unknown, fallbackCode: string, show = false): void {
    const { code = fallbackCode, message = String(error) } = error as {
      code?: string;
      message?: string;
    };
    if (show) this.loadError = message;
    emit<ChatFileErrorDetail>(this, 'chat-file-error', { code, message });
  }

  /** Downloads a file if needed, then saves it through the browser. */
  private async saveFile(file: UserFileEntry): Promise<void> {
    const client = this.clients.client;
    if (!client) return;
    try {
      const blob = await client.requestFile(file.id, file.room_id);
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = file.name;
      anchor.rel = 'noopener';
      anchor.style.display = 'none';
      this.renderRoot.appendChild(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      this.fail(error, 'ERR_TRANSFER');
    }
  }

  /** Releases the user's claim on a file's server copy. */
  private async release(fileId: string): Promise<void> {
    const client = this.clients.client;
    if (!client) return;
    try {
      await client.removeFromServer(fileId);
      const [storage, status] = await Promise.all([
        client.userStorage().catch(() => this.storage),
        client.serverStatus(fileId).catch(() => null),
      ]);
      this.storage = storage;
      const statuses = new Map(this.statuses);
      if (status) statuses.set(fileId, status);
      else statuses.delete(fileId);
      this.statuses = statuses;
    } catch (error) {
      this.fail(error, 'ERR_SERVER');
    }
  }

  private restore(): void {
    this.viewState = loadViewState(this.storagePrefix);
    this.view = this.viewState.view;
  }

  private change(patch: Partial<BrowserViewState>): void {
    this.viewState = { ...this.viewState, ...patch };
    this.view = this.viewState.view;
    saveViewState(this.storagePrefix, this.viewState);
  }

  private sortBy(key: SortKey): void {
    const same = this.viewState.sort === key;
    this.change({
      sort: key,
      descending: same ? !this.viewState.descending : key === 'date' || key === 'size',
    });
  }

  private async focusRow(id: string): Promise<void> {
    if (this.focusedRow === id) return;
    this.focusedRow = id;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  private toggleType(type: TypeFilter, on: boolean): void {
    const types = on
      ? [...new Set([...this.viewState.types, type])]
      : this.viewState.types.filter((t) => t !== type);
    this.change({ types });
  }

  private onSearch(event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(
      () => (this.search = value.trim().toLowerCase()),
      SEARCH_DEBOUNCE_MS,
    );
  }

  private claimedIds(): Set<string> {
    const ids = new Set(this.storage?.claimed_files.map((f) => f.file_id) ?? []);
    for (const [id, status] of this.statuses) if (status.user_has_claim) ids.add(id);
    return ids;
  }

  private rooms(): RoomGroup[] {
    const groups = new Map<string, RoomGroup>();
    for (const file of this.files) {
      const deleted = file.room_deleted === true || file.room_type === 'deleted';
      const group = groups.get(file.room_id) ?? {
        id: file.room_id,
        name: file.room_name ?? file.room_id,
        type: file.room_type,
        deleted,
        count: 0,
      };
      group.count += 1;
      groups.set(file.room_id, group);
    }
    return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private visibleFiles(): UserFileEntry[] {
    const { types, savedOnly, room, sort, descending } = this.viewState;
    const claimed = this.claimedIds();
    const matching = this.files
      .filter((file) => !room || file.room_id === room)
      .filter((file) => types.length === 0 || types.includes(typeFilterOf(file.mime_type)))
      .filter((file) => !savedOnly || claimed.has(file.id))
      .filter(
        (file) =>
          !this.search ||
          file.name.toLowerCase().includes(this.search) ||
          file.sender_chat_name.toLowerCase().includes(this.search),
      );
    return sortFiles(matching, sort, descending, this.statuses);
  }

  private typeLabel(type: TypeFilter, strings: ChatFilesStrings): string {
    return {
      image: strings.typeImage,
      video: strings.typeVideo,
      audio: strings.typeAudio,
      document: strings.typeDocument,
      other: strings.typeOther,
    }[type];
  }

  override render() {
    const strings = resolveStrings(this.strings);
    const rooms = this.rooms();
    const live = rooms.filter((r) => !r.deleted);
    const deleted = rooms.filter((r) => r.deleted);
    const files = this.visibleFiles();
    const filtered =
      this.search !== '' || this.viewState.types.length > 0 || this.viewState.savedOnly;
    return html`
      <div part="base" class="browser">
        <nav part="sidebar" class="browser__sidebar" aria-label=${strings.filesTitle}>
          <div class="browser__rooms">
            ${this.roomButton('', strings.allRooms, this.files.length)}
            ${live.map((room) => this.roomButton(room.id, `# ${room.name}`, room.count))}
            ${
              deleted.length > 0
                ? html`<details class="browser__deleted">
                    <summary>
                      ${strings.deletedRooms} (${deleted.reduce((n, r) => n + r.count, 0)})
                    </summary>
                    ${deleted.map((room) => this.roomButton(room.id, room.name, room.count))}
                  </details>`
                : nothing
            }
          </div>
          ${this.renderStorage(strings)}
        </nav>
        <section class="browser__main">
          <div part="toolbar" class="browser__toolbar">
            <input
              type="search"
              aria-label=${strings.search}
              placeholder=${strings.search}
              @input=${this.onSearch}
            />
            <fieldset class="browser__types">
              <legend class="visually-hidden">${strings.filterByType}</legend>
              ${TYPE_FILTERS.map(
                (type) =>
                  html`<label class="chip">
                    <input
                      type="checkbox"
                      name="type"
                      value=${type}
                      .checked=${this.viewState.types.includes(type)}
                      @change=${(e: Event) => this.toggleType(type, (e.target as HTMLInputElement).checked)}
                    />
                    <span>${this.typeLabel(type, strings)}</span>
                  </label>`,
              )}
              <label class="chip">
                <input
                  type="checkbox"
                  name="saved"
                  .checked=${this.viewState.savedOnly}
                  @change=${(e: Event) => this.change({ savedOnly: (e.target as HTMLInputElement).checked })}
                />
                <span>${strings.savedOnServer}</span>
              </label>
            </fieldset>
            <span class="browser__layout" role="group" aria-label=${strings.layout}>
              <button
                type="button"
                data-view="grid"
                aria-pressed=${this.view === 'grid' ? 'true' : 'false'}
                @click=${() => this.change({ view: 'grid' })}
              >
                ${strings.gridView}
              </button>
              <button
                type="button"
                data-view="list"
                aria-pressed=${this.view === 'list' ? 'true' : 'false'}
                @click=${() => this.change({ view: 'list' })}
              >
                ${strings.listView}
              </button>
            </span>
          </div>
          <p class="browser__count" role="status">
            ${this.loading && this.files.length === 0 ? strings.loading : strings.fileCount(files.length)}
          </p>
          ${this.loadError ? html`<p class="browser__empty" role="alert">${this.loadError}</p>` : nothing}
          ${
            !this.loading && !this.loadError && files.length === 0
              ? html`<p class="browser__empty">
                  ${filtered && this.files.length > 0 ? strings.noMatches : strings.noFiles}
                </p>`
              : nothing
          }
          ${files.length === 0 ? nothing : this.view === 'list' ? this.renderList(files, strings) : this.renderGrid(files)}
        </section>
      </div>
    `;
  }

  private renderGrid(files: UserFileEntry[]) {
    const claimed = this.claimedIds();
    return html`<ul part="files" class="browser__files">
      ${repeat(
        files,
        (file) => file.id,
        (file) =>
          html`<li>
            <chat-file-card
              browse-mode
              layout="tile"
              .client=${this.client}
              .strings=${this.strings}
              file-id=${file.id}
              room-id=${file.room_id}
              file-name=${file.name}
              file-size=${file.size}
              mime-type=${file.mime_type}
              shared-at=${file.created_at}
              .thumbnail=${file.thumbnail}
              sender=${file.sender_chat_name}
              ?revoked=${file.revoked}
              ?data-saved=${claimed.has(file.id)}
            ></chat-file-card>
          </li>`,
      )}
    </ul>`;
  }

  private renderList(files: UserFileEntry[], strings: ChatFilesStrings) {
    return html`<div class="browser__table-wrap">
      ${renderFileTable({
        files,
        sort: this.viewState.sort,
        descending: this.viewState.descending,
        focusedId: this.focusedRow,
        statuses: this.statuses,
        transfers: this.transfers,
        strings,
        onSort: (key) => this.sortBy(key),
        onFocusRow: (id) => void this.focusRow(id),
        onSave: (file) => void this.saveFile(file),
        onRelease: (file) => void this.release(file.id),
      })}
    </div>`;
  }

  private renderStorage(strings: ChatFilesStrings) {
    const storage = this.storage;
    if (!storage) return nothing;
    const used = storage.total_stored_bytes;
    const limit = storage.tier_limit;
    const share = limit > 0 ? Math.min(100, (used / limit) * 100) : 0;
    return html`<section part="storage" class="storage" aria-labelledby="storage-title">
      <h2 id="storage-title" class="storage__title">${strings.storageLabel}</h2>
      <div
        class="storage__bar"
        role="meter"
        aria-labelledby="storage-title"
        aria-valuemin="0"
        aria-valuemax=${limit}
        aria-valuenow=${Math.min(used, limit)}
        aria-valuetext=${strings.storageUsed(formatBytes(used), formatBytes(limit), storage.tier_name)}
      >
        <span style="width: ${share}%"></span>
      </div>
      <p class="storage__text">
        ${strings.storageUsed(formatBytes(used), formatBytes(limit), storage.tier_name)}
      </p>
      ${
        storage.claimed_files.length > 0
          ? html`<details class="storage__files">
              <summary>${strings.savedOnServer} (${storage.claimed_files.length})</summary>
              <ul>
                ${storage.claimed_files.map(
                  (file) =>
                    html`<li>
                      <span class="storage__name" title=${file.name}>${file.name}</span>
                      <span class="storage__size">${formatBytes(file.size)}</span>
                      <button
                        type="button"
                        aria-label=${strings.removeLabel(file.name)}
                        @click=${() => void this.release(file.file_id)}
                      >
                        ${strings.remove}
                      </button>
                    </li>`,
                )}
              </ul>
            </details>`
          : nothing
      }
    </section>`;
  }

  private roomButton(id: string, label: string, count: number) {
    return html`<button
      type="button"
      class="browser__room"
      data-room=${id}
      aria-current=${this.viewState.room === id ? 'true' : 'false'}
      @click=${() => this.change({ room: id })}
    >
      <span class="browser__room-name">${label}</span
      ><span class="browser__room-count">${count}</span>
    </button>`;
  }
}
