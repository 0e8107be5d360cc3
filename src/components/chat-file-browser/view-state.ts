/**
 * The files browser's view state (layout, type filters, server filter, room), kept in
 * localStorage under a prefix so two browsers on one page keep their own.
 */

/** Type filter groups. */
export type TypeFilter = 'image' | 'video' | 'audio' | 'document' | 'other';

/** All type filters, in display order. */
export const TYPE_FILTERS: readonly TypeFilter[] = ['image', 'video', 'audio', 'document', 'other'];

/** Columns the list can be sorted by. */
export type SortKey = 'name' | 'size' | 'type' | 'sender' | 'room' | 'date' | 'server';

/** All sort keys. */
export const SORT_KEYS: readonly SortKey[] = [
  'name',
  'size',
  'type',
  'sender',
  'room',
  'date',
  'server',
];

/** The persisted view state. */
export interface BrowserViewState {
  view: 'grid' | 'list';
  types: TypeFilter[];
  savedOnly: boolean;
  room: string;
  sort: SortKey;
  descending: boolean;
}

/** The state a new browser starts with. */
export const DEFAULT_VIEW_STATE: BrowserViewState = {
  view: 'grid',
  types: [],
  savedOnly: false,
  room: '',
  sort: 'date',
  descending: true,
};

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage may be full or disabled; the view still works, it just is not remembered.
  }
}

/** Loads the state saved under `prefix`, falling back to defaults for anything missing or malformed. */
export function loadViewState(prefix: string): BrowserViewState {
  const view = read(`${prefix}:view`);
  let types: TypeFilter[] = [];
  try {
    const parsed: unknown = JSON.parse(read(`${prefix}:types`) ?? '[]');
    if (Array.isArray(parsed))
      types = parsed.filter((t): t is TypeFilter => TYPE_FILTERS.includes(t as TypeFilter));
  } catch {
    types = [];
  }
  const [sort, direction] = (read(`${prefix}:sort`) ?? '').split(':');
  const known = SORT_KEYS.includes(sort as SortKey);
  return {
    view: view === 'list' ? 'list' : 'grid',
    types,
    savedOnly: read(`${prefix}:storage`) === 'server',
    room: read(`${prefix}:room`) ?? '',
    sort: known ? (sort as SortKey) : DEFAULT_VIEW_STATE.sort,
    descending: known ? direction === 'desc' : DEFAULT_VIEW_STATE.descending,
  };
}

/** Saves the state under `prefix`. */
export function saveViewState(prefix: string, state: BrowserViewState): void {
  write(`${prefix}:view`, state.view);
  write(`${prefix}:types`, JSON.stringify(state.types));
  write(`${prefix}:storage`, state.savedOnly ? 'server' : 'all');
  write(`${prefix}:room`, state.room);
  write(`${prefix}:sort`, `${state.sort}:${state.descending ? 'desc' : 'asc'}`);
}

/** The type filter a MIME type falls under. */
export function typeFilterOf(mimeType: string): TypeFilter {
  const type = mimeType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (
    type.startsWith('text/') ||
    type === 'application/pdf' ||
    type.includes('document') ||
    type.includes('spreadsheet') ||
    type.includes('presentation') ||
    type === 'application/msword' ||
    type === 'application/json'
  ) {
    return 'document';
  }
  return 'other';
}
