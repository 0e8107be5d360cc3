/**
 * The elements' events: prefixed `chat-file-`, bubbling and composed so a host can listen
 * at the document.
 */
import type { TransferSnapshot } from './client-api.js';

/** `chat-file-share`: a file was shared in a room. */
export interface ChatFileShareDetail {
  file_id: string;
  room_id: string;
  name: string;
  size: number;
  mime_type: string;
}

/** `chat-file-error`: something failed; `message` is fit to show a person. */
export interface ChatFileErrorDetail {
  code: string;
  message: string;
  file_id?: string;
  name?: string;
}

/** `chat-file-complete`: a card's download finished. */
export interface ChatFileCompleteDetail {
  file_id: string;
  file: File;
  transport: TransferSnapshot['transport'];
  /** Bytes received per transport (a `swarm` download names each part; empty from memory or cache). */
  bytes_by_transport: NonNullable<TransferSnapshot['bytes_by_transport']>;
}

/** `chat-file-state`: a card changed state. */
export type ChatFileStateDetail = TransferSnapshot;

/** Dispatches a `chat-file-*` event from `target`. */
export function emit<T>(target: EventTarget, name: string, detail: T): boolean {
  return target.dispatchEvent(
    new CustomEvent<T>(name, { detail, bubbles: true, composed: true, cancelable: false }),
  );
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chat-file-share': CustomEvent<ChatFileShareDetail>;
    'chat-file-error': CustomEvent<ChatFileErrorDetail>;
    'chat-file-complete': CustomEvent<ChatFileCompleteDetail>;
    'chat-file-state': CustomEvent<ChatFileStateDetail>;
  }
}
