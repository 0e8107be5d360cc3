/**
 * The files browser's view state (layout, type filters, server filter, room), kept in
 * localStorage under a prefix so two browsers on one page keep their own.
 */

/** Type filter groups. */
export type TypeFilter = 'image' | 'video' | 'audio' | 'document' | 'other';

/** All type filters, in display order. */
export const TYPE_FILTERS: readonly TypeFilter[] = ['image', 'video', 'audio', 'document', 'other'];

/** The persisted view state. */
export interface BrowserViewState {
  view: 'grid' | 'list';
  types: TypeFilter[];
  savedOnly: boolean;
  room: string;
}

/** The state a new browser starts with. */
export const DEFAULT_VIEW_STATE: BrowserViewState = {
  view: 'grid',
  types: [],
  savedOnly: false,
  room: '',
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
  return {
    view: view === 'list' ? 'list' : 'grid',
    types,
    savedOnly: read(`${prefix}:storage`) === 'server',
    room: read(`${prefix}:room`) ?? '',
  };
}

/** Saves the state under `prefix`. */
export function saveViewState(prefix: string, state: BrowserViewState): void {
  write(`${prefix}:view`, state.view);
  write(`${prefix}:types`, JSON.stringify(state.types));
  write(`${prefix}:storage`, state.savedOnly ? 'server' : 'all');
  write(`${prefix}:room`, state.room);
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
