import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { UserFileEntry } from '../../core/protocol.js';
import type { ChatFilesLike } from '../shared/client-api.js';
import { ClientController } from '../shared/client-controller.js';
import { emit, type ChatFileErrorDetail } from '../shared/events.js';
import { resolveStrings, type ChatFilesStrings } from '../shared/strings.js';
import { browserStyles } from './chat-file-browser.styles.js';
import {
  DEFAULT_VIEW_STATE,
  loadViewState,
  saveViewState,
  TYPE_FILTERS,
  typeFilterOf,
  type BrowserViewState,
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
 * The files the user can see across all rooms: search, type filters, a "saved on server"
 * filter, grid and list views, and a rooms sidebar with files of deleted rooms under a
 * collapsed "Deleted Rooms" group. Cards render in browse mode. The view state is kept in
 * localStorage under `storage-prefix`, so two browsers on one page keep their own.
 *
 * @tag chat-file-browser
 * @summary The user's files across rooms.
 * @event chat-file-error - Loading failed; `detail` is `{ code, message }`.
 * @csspart base - The wrapper.
 * @csspart sidebar - The rooms sidebar.
 * @csspart toolbar - Search and filters.
 * @csspart files - The list of cards.
 * @cssproperty --chat-file-accent - Accent colour. @default #2f5bd3
 * @cssproperty --chat-file-border - Border colour. @default #d9dde7
 * @cssproperty --chat-file-muted - Secondary text colour. @default #5d6578
 * @cssproperty --chat-file-sidebar-bg - Sidebar background. @default #f3f4f8
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
  @state() private claimed = new Set<string>();
  @state() private loading = false;
  @state() private loadError = '';
  @state() private search = '';
  @state() private viewState: BrowserViewState = DEFAULT_VIEW_STATE;

  private readonly clients = new ClientController(this);
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private loadedFor: ChatFilesLike | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.restore();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('storagePrefix')) this.restore();
    const client = this.clients.client;
    if (client && client !== this.loadedFor) {
      this.loadedFor = client;
      void this.reload();
    }
  }

  /** Fetches the file list and the user's server claims again. */
  async reload(): Promise<void> {
    const client = this.clients.client;
    if (!client) return;
    this.loading = true;
    this.loadError = '';
    try {
      const [files, storage] = await Promise.all([
        client.userFiles(),
        client.userStorage().catch(() => ({ claimed_files: [] as Array<{ file_id: string }> })),
      ]);
      this.files = files;
      this.claimed = new Set(storage.claimed_files.map((f) => f.file_id));
    } catch (error) {
      const { code = 'ERR_LOAD', message = String(error) } = error as {
        code?: string;
        message?: string;
      };
      this.loadError = message;
      emit<ChatFileErrorDetail>(this, 'chat-file-error', { code, message });
    } finally {
      this.loading = false;
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
    const { types, savedOnly, room } = this.viewState;
    return this.files
      .filter((file) => !room || file.room_id === room)
      .filter((file) => types.length === 0 || types.includes(typeFilterOf(file.mime_type)))
      .filter((file) => !savedOnly || this.claimed.has(file.id))
      .filter((file) => !this.search || file.name.toLowerCase().includes(this.search))
      .sort((a, b) => b.created_at - a.created_at);
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
    return html`
      <div part="base" class="browser">
        <nav part="sidebar" class="browser__sidebar" aria-label=${strings.filesTitle}>
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
        </nav>
        <section class="browser__main">
          <div part="toolbar" class="browser__toolbar">
            <input
              type="search"
              aria-label=${strings.search}
              placeholder=${strings.search}
              @input=${this.onSearch}
            />
            <fieldset>
              <legend>${strings.filterByType}</legend>
              ${TYPE_FILTERS.map(
                (type) =>
                  html`<label>
                    <input
                      type="checkbox"
                      name="type"
                      value=${type}
                      .checked=${this.viewState.types.includes(type)}
                      @change=${(e: Event) => this.toggleType(type, (e.target as HTMLInputElement).checked)}
                    />
                    ${this.typeLabel(type, strings)}
                  </label>`,
              )}
            </fieldset>
            <label>
              <input
                type="checkbox"
                name="saved"
                .checked=${this.viewState.savedOnly}
                @change=${(e: Event) => this.change({ savedOnly: (e.target as HTMLInputElement).checked })}
              />
              ${strings.savedOnServer}
            </label>
            <span role="group" aria-label="Layout">
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
          ${this.loading && this.files.length === 0 ? html`<p class="browser__empty" role="status">${strings.loading}</p>` : nothing}
          ${this.loadError ? html`<p class="browser__empty" role="alert">${this.loadError}</p>` : nothing}
          ${!this.loading && !this.loadError && files.length === 0 ? html`<p class="browser__empty">${strings.noFiles}</p>` : nothing}
          <ul part="files" class="browser__files">
            ${repeat(
              files,
              (file) => file.id,
              (file) =>
                html`<li>
                  <chat-file-card
                    browse-mode
                    .client=${this.client}
                    .strings=${this.strings}
                    file-id=${file.id}
                    room-id=${file.room_id}
                    file-name=${file.name}
                    file-size=${file.size}
                    mime-type=${file.mime_type}
                    .thumbnail=${file.thumbnail}
                    sender=${file.sender_chat_name}
                    ?data-saved=${this.claimed.has(file.id)}
                  ></chat-file-card>
                </li>`,
            )}
          </ul>
        </section>
      </div>
    `;
  }

  private roomButton(id: string, label: string, count: number) {
    return html`<button
      type="button"
      class="browser__room"
      data-room=${id}
      aria-current=${this.viewState.room === id ? 'true' : 'false'}
      @click=${() => this.change({ room: id })}
    >
      <span>${label}</span><span class="browser__count">${count}</span>
    </button>`;
  }
}
