/**
 * `renderMessage()`: the one line a host's message list needs to show a `[FILE]` message
 * as a card.
 */
import { decodeFileMessage } from '../core/wire/file-message.js';
import type { ChatMessage } from '../core/wire/protocol.js';
import './chat-file-card/chat-file-card.js';
import type { ChatFileCard } from './chat-file-card/chat-file-card.js';

/** A chat message as hosts usually have it: at least its content and room. */
export type RenderableMessage = Pick<ChatMessage, 'content' | 'room_id'> & Partial<ChatMessage>;

/**
 * A `<chat-file-card>` for a `[FILE]` message, or `null` for any other message (render
 * that one as text). Takes the message object, or its content and the room id.
 */
export function renderMessage(
  message: RenderableMessage | string,
  roomId?: string,
): ChatFileCard | null {
  const full: RenderableMessage =
    typeof message === 'string' ? { content: message, room_id: roomId ?? '' } : message;
  if (!full || decodeFileMessage(full.content) === null) return null;
  if (!full.room_id) {
    throw new TypeError('renderMessage(content, roomId): the room id is needed with bare content');
  }
  const card = document.createElement('chat-file-card');
  card.message = {
    id: full.id ?? '',
    sender: full.sender ?? '',
    created_at: full.created_at ?? 0,
    room_id: full.room_id,
    content: full.content,
  };
  return card;
}
