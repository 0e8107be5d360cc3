/**
 * Shared steps of the element tests: two real clients in a room, a file shared by one and
 * the message as the other receives it, and a card built from that message.
 */
import { fixture, html } from '@open-wc/testing';
import '../../../src/components/chat-file-card/chat-file-card.js';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import type { ChatMessage } from '../../../src/core/wire/protocol.js';
import {
  createRoom,
  makeClient,
  type MakeClientOptions,
  type TestClient,
} from '../support/clients.js';

/** Alice and Bob, each with a client, in a new room. */
export async function twoInARoom(
  options: { alice?: MakeClientOptions; bob?: MakeClientOptions } = {},
) {
  const alice = await makeClient('alice', options.alice);
  const bob = await makeClient('bob', options.bob);
  const roomId = await createRoom(alice.user, [bob.user]);
  return { alice, bob, roomId };
}

/** Has `sender` share `file`; resolves with the `[FILE]` message as `receiver` got it. */
export async function shareAndReceive(
  sender: TestClient,
  receiver: TestClient,
  roomId: string,
  file: File,
  options: { upload?: boolean } = {},
): Promise<ChatMessage> {
  const received = new Promise<ChatMessage>((resolve) => {
    const onMessage = (message: ChatMessage) => {
      if (message.room_id === roomId && message.content.startsWith('[FILE]')) {
        receiver.client.socket.off('chat:message_received', onMessage);
        resolve(message);
      }
    };
    receiver.client.socket.on('chat:message_received', onMessage);
  });
  await sender.client.shareFile(roomId, file, { upload: options.upload ?? false });
  return received;
}

/** A card for `message`, bound to `client`. */
export function cardFor(
  client: TestClient,
  message: ChatMessage,
  attributes: { browse?: boolean } = {},
) {
  return fixture<ChatFileCard>(
    html`<chat-file-card
      .client=${client.client}
      .message=${message}
      ?browse-mode=${attributes.browse ?? false}
    ></chat-file-card>`,
  );
}
