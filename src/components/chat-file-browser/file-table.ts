/**
 * The files browser's list: a table with sortable columns (name, size, type, sender,
 * room, date, server status) and actions per row. Rows are one tab stop; arrow keys,
 * Home and End move between them, and Tab reaches the row's buttons.
 */
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { formatBytes } from '../../core/wire/format.js';
import type { ServerStatus, UserFileEntry } from '../../core/wire/protocol.js';
import type { TransferSnapshot } from '../shared/client-api.js';
import { fileIcon, fileKind } from '../shared/file-kind.js';
import type { ChatFilesStrings } from '../shared/strings.js';
import type { SortKey } from './view-state.js';

/** What the table shows and does. */
export interface FileTableInput {
  files: UserFileEntry[];
  sort: SortKey;
  descending: boolean;
  focusedId: string;
  statuses: ReadonlyMap<string, ServerStatus>;
  transfers: ReadonlyMap<string, TransferSnapshot>;
  strings: ChatFilesStrings;
  onSort: (key: SortKey) => void;
  onFocusRow: (id: string) => void;
  onSave: (file: UserFileEntry) => void;
  onRelease: (file: UserFileEntry) => void;
}

/** The text of a file's server status cell. */
export function serverStatusText(
  status: ServerStatus | undefined,
  strings: ChatFilesStrings,
): string {
  if (!status) return strings.serverStatusNone;
  if (status.user_has_claim) return strings.serverStatusKept;
  if (!status.server_available) return strings.serverStatusNone;
  return status.expires_at
    ? strings.serverStatusUntil(
        new Date(status.expires_at).toLocaleDateString(strings.locale, { dateStyle: 'medium' }),
      )
    : strings.serverStatusCached;
}

/** The type column: a short readable name of the MIME type. */
export function typeLabel(mimeType: string): string {
  const [major = '', minor = ''] = mimeType.toLowerCase().split(';')[0]!.split('/');
  if (minor === 'pdf') return 'PDF';
  if (!minor || minor === 'octet-stream') return major || '—';
  const short = minor.replace(/^(x-|vnd\.)/, '').replace(/\+.*$/, '');
  return short.length <= 12 ? short.toUpperCase() : major;
}

/** Orders files by a column. */
export function sortFiles(
  files: UserFileEntry[],
  key: SortKey,
  descending: boolean,
  statuses: ReadonlyMap<string, ServerStatus>,
): UserFileEntry[] {
  const rank = (f: UserFileEntry) => {
    const s = statuses.get(f.id);
    return s?.user_has_claim ? 2 : s?.server_available ? 1 : 0;
  };
  const value = (f: UserFileEntry): string | number => {
    switch (key) {
      case 'name':
        return f.name.toLowerCase();
      case 'size':
        return f.size;
      case 'type':
        return typeLabel(f.mime_type);
      case 'sender':
        return f.sender_chat_name.toLowerCase();
      case 'room':
        return (f.room_name ?? '').toLowerCase();
      case 'date':
        return f.created_at;
      case 'server':
        return rank(f);
    }
  };
  const sign = descending ? -1 : 1;
  return [...files].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order =
      typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order * sign || b.created_at - a.created_at;
  });
}

function onRowKey(event: KeyboardEvent, input: FileTableInput): void {
  if (event.target !== event.currentTarget) return;
  const ids = input.files.map((f) => f.id);
  const at = ids.indexOf((event.currentTarget as HTMLElement).dataset.id!);
  let next = at;
  if (event.key === 'ArrowDown') next = Math.min(ids.length - 1, at + 1);
  else if (event.key === 'ArrowUp') next = Math.max(0, at - 1);
  else if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = ids.length - 1;
  else if (event.key === 'Enter') {
    const file = input.files[at]!;
    if (!file.revoked) input.onSave(file);
    return;
  } else return;
  event.preventDefault();
  input.onFocusRow(ids[next]!);
}

/** Renders the table. */
export function renderFileTable(input: FileTableInput) {
  const { strings } = input;
  const columns: Array<[SortKey, string]> = [
    ['name', strings.columnName],
    ['size', strings.columnSize],
    ['type', strings.columnType],
    ['sender', strings.columnSender],
    ['room', strings.columnRoom],
    ['date', strings.columnDate],
    ['server', strings.columnServer],
  ];
  const focusedId = input.files.some((f) => f.id === input.focusedId)
    ? input.focusedId
    : (input.files[0]?.id ?? '');
  return html`<table part="table" class="table">
    <thead>
      <tr>
        ${columns.map(
          ([key, label]) =>
            html`<th
              scope="col"
              class="table__col--${key}"
              aria-sort=${input.sort === key ? (input.descending ? 'descending' : 'ascending') : 'none'}
            >
              <button
                type="button"
                class="table__sort"
                data-sort=${key}
                aria-label=${strings.sortBy(label)}
                @click=${() => input.onSort(key)}
              >
                ${label}<span aria-hidden="true" class="table__arrow"
                  >${input.sort === key ? (input.descending ? '▾' : '▴') : ''}</span
                >
              </button>
            </th>`,
        )}
        <th scope="col" class="table__col--actions">
          <span class="visually-hidden">${strings.columnActions}</span>
        </th>
      </tr>
    </thead>
    <tbody>
      ${repeat(
        input.files,
        (file) => file.id,
        (file) => {
          const status = input.statuses.get(file.id);
          const transfer = input.transfers.get(file.id);
          const busy = transfer?.state === 'transferring' || transfer?.state === 'connecting';
          const local = transfer?.state === 'complete';
          return html`<tr
            data-id=${file.id}
            ?data-revoked=${file.revoked}
            tabindex=${file.id === focusedId ? '0' : '-1'}
            aria-label=${file.name}
            @keydown=${(e: KeyboardEvent) => onRowKey(e, input)}
            @focus=${() => input.onFocusRow(file.id)}
          >
            <td class="table__col--name">
              <span class="table__name">
                ${
                  file.thumbnail?.startsWith('data:image/')
                    ? html`<img src=${file.thumbnail} alt="" />`
                    : fileIcon(fileKind(file.mime_type))
                }
                <span class="table__name-text" title=${file.name}>${file.name}</span>
              </span>
              ${
                busy
                  ? html`<span
                      class="table__progress"
                      role="progressbar"
                      aria-label=${strings.progressLabel(file.name)}
                      aria-valuemin="0"
                      aria-valuemax="100"
                      aria-valuenow=${Math.floor(transfer.progress)}
                      ><span style="width: ${Math.floor(transfer.progress)}%"></span
                    ></span>`
                  : nothing
              }
            </td>
            <td class="table__col--size">${formatBytes(file.size)}</td>
            <td class="table__col--type" title=${file.mime_type}>${typeLabel(file.mime_type)}</td>
            <td class="table__col--sender">${file.sender_chat_name}</td>
            <td class="table__col--room">${file.room_name ?? strings.deletedRooms}</td>
            <td class="table__col--date">
              <time datetime=${new Date(file.created_at).toISOString()}
                >${new Date(file.created_at).toLocaleDateString(strings.locale, {
                  dateStyle: 'medium',
                })}</time
              >
            </td>
            <td
              class="table__col--server"
              data-server=${status?.user_has_claim ? 'kept' : status?.server_available ? 'cached' : 'none'}
            >
              ${serverStatusText(status, strings)}
            </td>
            <td class="table__col--actions">
              <span class="table__actions">
                ${
                  file.revoked
                    ? html`<span class="table__revoked" title=${strings.stateUnavailable}
                        >${strings.stateRevoked}</span
                      >`
                    : html`<button
                        type="button"
                        class="primary"
                        ?disabled=${busy}
                        aria-label=${local ? strings.saveLabel(file.name) : strings.downloadLabel(file.name)}
                        @click=${() => input.onSave(file)}
                      >
                        ${busy ? `${Math.floor(transfer.progress)}%` : local ? strings.save : strings.download}
                      </button>`
                }
                ${
                  status?.user_has_claim
                    ? html`<button
                        type="button"
                        aria-label=${strings.removeLabel(file.name)}
                        @click=${() => input.onRelease(file)}
                      >
                        ${strings.remove}
                      </button>`
                    : nothing
                }
              </span>
            </td>
          </tr>`;
        },
      )}
    </tbody>
  </table>`;
}
