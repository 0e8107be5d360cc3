/**
 * Every string the elements show, replaceable per element (`el.strings = {...}`) or for
 * the whole page (`setDefaultStrings({...})`). Functions receive the values they mention.
 */
export interface ChatFilesStrings {
  attach: string;
  attachLabel: string;
  dropHere: string;
  preparing: string;
  uploading: string;
  shared: string;
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
  showPreview: string;
  hidePreview: string;
  retry: string;
  stateAvailable: string;
  stateConnecting: string;
  stateTransferring: (progress: number) => string;
  stateComplete: string;
  stateLocal: string;
  stateError: string;
  stateUnavailable: string;
  via: (transport: string) => string;
  progressLabel: (name: string) => string;
  serverNotStored: string;
  serverCachedUntil: (when: string) => string;
  serverCached: string;
  serverStored: string;
  storePermanently: string;
  removeFromServer: string;
  revoke: string;
  revokeConfirm: string;
  menuLabel: string;
  previewUnsupported: string;
  textTruncated: string;
  sharedBy: (sender: string) => string;
  filesTitle: string;
  search: string;
  allRooms: string;
  deletedRooms: string;
  savedOnServer: string;
  gridView: string;
  listView: string;
  noFiles: string;
  loading: string;
  typeImage: string;
  typeVideo: string;
  typeAudio: string;
  typeDocument: string;
  typeOther: string;
  filterByType: string;
}

/** The built-in English strings. */
export const DEFAULT_STRINGS: ChatFilesStrings = {
  attach: 'Attach files',
  attachLabel: 'Attach files to share in this room',
  dropHere: 'Drop files to share',
  preparing: 'Preparing…',
  uploading: 'Sharing…',
  shared: 'Shared',
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
  showPreview: 'Preview',
  hidePreview: 'Hide preview',
  retry: 'Try again',
  stateAvailable: 'Ready to download',
  stateConnecting: 'Connecting…',
  stateTransferring: (progress) => `Downloading ${progress}%`,
  stateComplete: 'Downloaded',
  stateLocal: 'On this device',
  stateError: 'Download failed',
  stateUnavailable: 'This file is no longer available',
  via: (transport) => `via ${transport}`,
  progressLabel: (name) => `Transfer of ${name}`,
  serverNotStored: 'Not stored on the server',
  serverCachedUntil: (when) => `On the server until ${when}`,
  serverCached: 'On the server',
  serverStored: 'Saved on the server',
  storePermanently: 'Keep on server',
  removeFromServer: 'Remove from server',
  revoke: 'Stop sharing',
  revokeConfirm: 'Stop sharing this file everywhere?',
  menuLabel: 'More actions',
  previewUnsupported: 'No preview for this type of file.',
  textTruncated: '… (preview shortened)',
  sharedBy: (sender) => `Shared by ${sender}`,
  filesTitle: 'Files',
  search: 'Search files',
  allRooms: 'All rooms',
  deletedRooms: 'Deleted Rooms',
  savedOnServer: 'Saved on server',
  gridView: 'Grid',
  listView: 'List',
  noFiles: 'No files yet.',
  loading: 'Loading…',
  typeImage: 'Images',
  typeVideo: 'Video',
  typeAudio: 'Audio',
  typeDocument: 'Documents',
  typeOther: 'Other',
  filterByType: 'Filter by type',
};

let pageStrings: ChatFilesStrings = DEFAULT_STRINGS;

/** Replaces strings for every element on the page that has no strings of its own. */
export function setDefaultStrings(strings: Partial<ChatFilesStrings>): void {
  pageStrings = { ...DEFAULT_STRINGS, ...strings };
}

/** The page strings merged with an element's own overrides. */
export function resolveStrings(own: Partial<ChatFilesStrings> | undefined): ChatFilesStrings {
  return own ? { ...pageStrings, ...own } : pageStrings;
}
