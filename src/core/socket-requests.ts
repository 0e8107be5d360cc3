/**
 * The typed socket the client speaks the protocol over, and one helper for
 * request/acknowledgement events: a timeout so no call waits forever, and failure replies
 * turned into {@link ChatFilesClientError}s.
 */
import type { Socket } from 'socket.io-client';
import { ChatFilesClientError, fromErrorReply } from './errors.js';
import type { ClientToServerEvents, ServerToClientEvents } from './wire/protocol.js';

/** A socket.io client socket typed with the protocol's event maps. */
export type ChatFilesSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * How long to wait for the server to acknowledge an event. Generous: the server may be
 * checking membership with the host app, which can be a remote call.
 */
export const ACK_TIMEOUT_MS = 15_000;

type AckEvent = {
  [E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]> extends [
    unknown,
    (reply: infer R) => void,
  ]
    ? R extends { success: boolean }
      ? E
      : never
    : Parameters<ClientToServerEvents[E]> extends [unknown, ((reply: infer R) => void)?]
      ? R extends { success: boolean }
        ? E
        : never
      : never;
}[keyof ClientToServerEvents];

type ReplyOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends
  ((reply: infer R) => void) | undefined
  ? R
  : never;

type SuccessOf<R> = R extends { success: true } ? R : never;

/**
 * Emits `event` and resolves with the success reply; rejects with the server's error code
 * and message on a failure reply, `ERR_TIMEOUT` when no reply comes, `ERR_NETWORK` when
 * the socket is not connected.
 */
export async function request<E extends AckEvent>(
  socket: ChatFilesSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  timeoutMs = ACK_TIMEOUT_MS,
): Promise<SuccessOf<ReplyOf<E>>> {
  // A socket that is (re)connecting buffers the event; one closed for good never answers.
  if (!socket.connected && !socket.active) {
    throw new ChatFilesClientError('ERR_NETWORK', 'Not connected to the chat server.');
  }
  let reply: unknown;
  try {
    // socket.io's typings cannot follow a generic event name through timeout().
    const emitter = socket.timeout(timeoutMs) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<unknown>;
    };
    reply = await emitter.emitWithAck(event, payload);
  } catch (cause) {
    throw new ChatFilesClientError(
      socket.connected ? 'ERR_TIMEOUT' : 'ERR_NETWORK',
      `The chat server did not answer ${event}.`,
      { cause },
    );
  }
  if (typeof reply === 'object' && reply !== null && (reply as { success?: unknown }).success) {
    return reply as SuccessOf<ReplyOf<E>>;
  }
  throw fromErrorReply(reply, `The chat server refused ${event}.`);
}
