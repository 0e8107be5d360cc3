/**
 * Every string the elements show, replaceable per element (`el.strings = {...}`) or for
 * the whole page (`setDefaultStrings({...})`). Functions receive the values they mention.
 * `strings-fr.ts` is a complete second language to copy from.
 */
export interface ChatFilesStrings {
  /** BCP 47 language of these strings; numbers, sizes and dates are formatted for it. */
  locale: string;
  attach: string;
  attachLabel: string;
  dropHere: string;
  preparing: string;
  uploading: string;
  shared: string;
  sharedName: (name: string) => string;
  cancel: string;
  dismiss: string;
  tooLarge: (name: string, max: string) => string;
  /** An upload from an earlier visit waits for its file: pick it again to send the rest. */
  pickAgain: (name: string) => string;
  /** The button that picks the file of an unfinished upload again. */
  pickAgainButton: string;
  typeNotAllowed: (name: string, type: string) => string;
  download: string;
  downloadLabel: (name: string) => string;
  save: string;
  saveLabel: (name: string) => string;
  open: string;
  openLabel: (name: string) => string;
  showPreview: string;
  hidePreview: string;
  retry: string;
  retryLabel: (name: string) => string;
  stateAvailable: string;
  stateConnecting: string;
  /** `who` is empty when nobody in particular is known to hold the file. */
  stateWaiting: (who: string[]) => string;
  waitingFor: (elapsed: string) => string;
  stateTransferring: (progress: number) => string;
  stateUploading: (progress: number) => string;
  stateComplete: string;
  stateLocal: string;
  stateSharedLocal: string;
  stateSharedByYou: string;
  stateError: string;
  stateUnavailable: string;
  /** The short label of a file its sharer revoked (the files list). */
  stateRevoked: string;
  via: (transport: string) => string;
  transportNames: Record<string, string>;
  /** "3.1 MB of 12 MB". */
  bytesOf: (done: string, total: string) => string;
  /** "1.2 MB/s". */
  perSecond: (bytes: string) => string;
  /** "8 s left". */
  timeLeft: (duration: string) => string;
  sources: (count: number) => string;
  announceStarted: (name: string) => string;
  announceProgress: (name: string, progress: number) => string;
  announceComplete: (name: string) => string;
  announceWaiting: (name: string) => string;
  announceShared: (name: string) => string;
  /** What went wrong with a download and what to do, by error code; `message` is the raw message. */
  errorText: (code: string, message: string) => string;
  progressLabel: (name: string) => string;
  serverNotStored: string;
  serverCachedUntil: (when: string) => string;
  serverCached: string;
  serverStored: string;
  serverKeptByOthers: string;
  storePermanently: string;
  storeHint: string;
  removeFromServer: string;
  removeHint: string;
  deleteFromServer: string;
  deleteConfirmTitle: string;
  deleteConfirmBody: (name: string) => string;
  deleteConfirm: string;
  revoke: string;
  revokeConfirm: string;
  revokeConfirmBody: (name: string) => string;
  menuLabel: string;
  previewUnsupported: string;
  previewFailed: string;
  textTruncated: string;
  showMore: string;
  showLess: string;
  duration: (value: string) => string;
  pages: (count: number) => string;
  sharedBy: (sender: string) => string;
  lightboxLabel: string;
  lightboxClose: string;
  lightboxPrevious: string;
  lightboxNext: string;
  lightboxPosition: (index: number, count: number) => string;
  filesTitle: string;
  search: string;
  allRooms: string;
  deletedRooms: string;
  savedOnServer: string;
  gridView: string;
  listView: string;
  noFiles: string;
  noMatches: string;
  loading: string;
  typeImage: string;
  typeVideo: string;
  typeAudio: string;
  typeDocument: string;
  typeOther: string;
  filterByType: string;
  layout: string;
  columnName: string;
  columnSize: string;
  columnType: string;
  columnSender: string;
  columnRoom: string;
  columnDate: string;
  columnServer: string;
  columnActions: string;
  sortBy: (column: string) => string;
  storageUsed: (used: string, limit: string, tier: string) => string;
  storageLabel: string;
  serverStatusKept: string;
  serverStatusNone: string;
  serverStatusCached: string;
  serverStatusUntil: (when: string) => string;
  remove: string;
  removeLabel: (name: string) => string;
  fileCount: (count: number) => string;
}

const DURATION_UNITS = { s: 's', min: 'min', h: 'h' };

/** The built-in English strings. */
export const DEFAULT_STRINGS: ChatFilesStrings = {
  locale: 'en',
  attach: 'Attach files',
  attachLabel: 'Attach files to share in this room',
  dropHere: 'Drop files to share',
  preparing: 'Preparing…',
  uploading: 'Sharing…',
  shared: 'Shared',
  sharedName: (name) => `${name} shared`,
  cancel: 'Cancel',
  dismiss: 'Dismiss',
  tooLarge: (name, max) => `${name} is too large: files may be at most ${max}.`,
  pickAgain: (name) => `${name} was not finished uploading. Pick it again to send the rest.`,
  pickAgainButton: 'Pick file',
  typeNotAllowed: (name, type) =>
    `${name} cannot be shared: files of type ${type || 'unknown'} are not allowed.`,
  download: 'Download',
  downloadLabel: (name) => `Download ${name}`,
  save: 'Save',
  saveLabel: (name) => `Save ${name} to disk`,
  open: 'Open',
  openLabel: (name) => `Open ${name} in a new tab`,
  showPreview: 'Preview',
  hidePreview: 'Hide preview',
  retry: 'Try again',
  retryLabel: (name) => `Try again to download ${name}`,
  stateAvailable: 'Ready to download',
  stateConnecting: 'Connecting…',
  stateWaiting: (who) =>
    who.length === 0
      ? 'Waiting for someone who has it to come online'
      : `Waiting for ${who.length === 1 ? who[0] : `${who.slice(0, -1).join(', ')} or ${who.at(-1)}`} to come online`,
  waitingFor: (elapsed) => `waiting ${elapsed}; it starts by itself`,
  stateTransferring: (progress) => `Downloading ${progress}%`,
  stateUploading: (progress) => `Sending ${progress}%`,
  stateComplete: 'Downloaded',
  stateLocal: 'On this device',
  stateSharedLocal: 'Shared · On this device',
  stateSharedByYou: 'Shared by you',
  stateError: 'Download failed',
  stateUnavailable: 'This file is no longer available',
  stateRevoked: 'Revoked',
  via: (transport) => `via ${transport}`,
  transportNames: {
    memory: 'this tab',
    cache: 'this device',
    webrtc: 'peer-to-peer',
    relay: 'relay',
    server: 'server',
    federated: 'origin server',
    swarm: 'several sources',
  },
  bytesOf: (done, total) => `${done} of ${total}`,
  perSecond: (bytes) => `${bytes}/s`,
  timeLeft: (duration) => `${duration} left`,
  sources: (count) => (count === 1 ? '1 source' : `${count} sources`),
  announceStarted: (name) => `Downloading ${name}`,
  announceProgress: (name, progress) => `${name}: ${progress}%`,
  announceComplete: (name) => `${name} downloaded`,
  announceWaiting: (name) => `${name} is waiting for a device that has it`,
  announceShared: (name) => `${name} shared`,
  errorText: (code, message) => {
    switch (code) {
      case 'ERR_UNAVAILABLE':
        return 'Nobody who has this file is online. Try again when the sender is back.';
      case 'ERR_NETWORK':
      case 'ERR_TIMEOUT':
        return 'The connection dropped. Check your network, then try again.';
      case 'ERR_INTEGRITY':
      case 'ERR_PROTOCOL':
        return 'The file arrived damaged and was thrown away. Try again.';
      case 'ERR_QUOTA_EXCEEDED':
        return 'Your server storage is full. Remove files you keep on the server, then try again.';
      case 'ERR_STORAGE_FULL':
        return 'This browser has no room left for downloads. Free some space, then try again.';
      case 'ERR_NOT_MEMBER':
      case 'ERR_FORBIDDEN':
        return 'You are not allowed to get this file (are you still in the room?).';
      case 'ERR_UNAUTHENTICATED':
        return 'You are signed out. Sign in again, then try again.';
      case 'ERR_RATE_LIMITED':
        return 'Too many requests. Wait a moment, then try again.';
      case 'ERR_WORKER':
        return 'This browser could not store the file (private mode or no space?). Free some space, then try again.';
      case 'ERR_DESTROYED':
        return 'The page was closed during the download. Try again.';
      default:
        return message ? `${message} Try again.` : 'Something went wrong. Try again.';
    }
  },
  progressLabel: (name) => `Transfer of ${name}`,
  serverNotStored: 'Not stored on the server',
  serverCachedUntil: (when) => `On the server until ${when}`,
  serverCached: 'On the server',
  serverStored: 'Saved on the server',
  serverKeptByOthers: 'Kept on the server by others in the room',
  storePermanently: 'Keep on server',
  storeHint: 'Keeps the server copy for as long as you want; it counts toward your storage.',
  removeFromServer: 'Stop keeping',
  removeHint: 'Frees your storage. The server copy stays while others keep it or until it expires.',
  deleteFromServer: 'Delete from server',
  deleteConfirmTitle: 'Delete the server copy?',
  deleteConfirmBody: (name) =>
    `${name} will be deleted from the server for everyone in the room. People who have not downloaded it can then only get it from a device that has it.`,
  deleteConfirm: 'Delete for everyone',
  revoke: 'Stop sharing',
  revokeConfirm: 'Stop sharing this file everywhere?',
  revokeConfirmBody: (name) =>
    `Nobody will be able to download ${name} any more, and its card will say it is no longer available.`,
  menuLabel: 'More actions',
  previewUnsupported: 'No preview for this type of file.',
  previewFailed: 'This file cannot be previewed here.',
  textTruncated: '… (preview shortened)',
  showMore: 'Show more',
  showLess: 'Show less',
  duration: (value) => value,
  pages: (count) => (count === 1 ? '1 page' : `${count} pages`),
  sharedBy: (sender) => `Shared by ${sender}`,
  lightboxLabel: 'Images',
  lightboxClose: 'Close',
  lightboxPrevious: 'Previous image',
  lightboxNext: 'Next image',
  lightboxPosition: (index, count) => `${index} of ${count}`,
  filesTitle: 'Files',
  search: 'Search files',
  allRooms: 'All rooms',
  deletedRooms: 'Deleted Rooms',
  savedOnServer: 'Saved on server',
  gridView: 'Grid',
  listView: 'List',
  noFiles: 'No files yet.',
  noMatches: 'No files match these filters.',
  loading: 'Loading…',
  typeImage: 'Images',
  typeVideo: 'Video',
  typeAudio: 'Audio',
  typeDocument: 'Documents',
  typeOther: 'Other',
  filterByType: 'Filter by type',
  layout: 'Layout',
  columnName: 'Name',
  columnSize: 'Size',
  columnType: 'Type',
  columnSender: 'Sender',
  columnRoom: 'Room',
  columnDate: 'Date',
  columnServer: 'Server copy',
  columnActions: 'Actions',
  sortBy: (column) => `Sort by ${column}`,
  storageUsed: (used, limit, tier) => `${used} of ${limit} used (${tier})`,
  storageLabel: 'Server storage',
  serverStatusKept: 'Kept',
  serverStatusNone: '—',
  serverStatusCached: 'Yes',
  serverStatusUntil: (when) => `Until ${when}`,
  remove: 'Remove',
  removeLabel: (name) => `Remove ${name} from your server storage`,
  fileCount: (count) => (count === 1 ? '1 file' : `${count} files`),
};

/** Compact duration such as `45 s`, `3 min`, `1 h 5 min`. */
export function formatDuration(seconds: number, units = DURATION_UNITS): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} ${units.s}`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} ${units.min}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} ${units.h} ${rest} ${units.min}` : `${hours} ${units.h}`;
}

/** Media time such as `0:07` or `1:02:03`. */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

let pageStrings: ChatFilesStrings = DEFAULT_STRINGS;

/** Replaces strings for every element on the page that has no strings of its own. */
export function setDefaultStrings(strings: Partial<ChatFilesStrings>): void {
  pageStrings = { ...DEFAULT_STRINGS, ...strings };
}

/** The page strings merged with an element's own overrides. */
export function resolveStrings(own: Partial<ChatFilesStrings> | undefined): ChatFilesStrings {
  return own ? { ...pageStrings, ...own } : pageStrings;
}
