/**
 * Wires the event handler tables to a socket.io server: authenticates each socket once
 * through the host, then for every event checks the payload's shape, spends from the
 * event's rate limit, parses the payload into its type, runs the handler, and answers
 * through the callback (when there is one). No handler error escapes into socket.io,
 * and nothing a client sends is logged with a stack.
 */
import type { Server as SocketIOServer } from 'socket.io';
import { identify } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError, toErrorReply } from '../errors.js';
import type { HostUser } from '../host-adapter.js';
import { checkPayloadShape, DEFAULT_PAYLOAD_LIMITS } from './payload-limits.js';
import type {
  ChatFilesIo,
  ChatFilesSocket,
  ClientEvent,
  EventSpec,
  HandlerTable,
  SocketScope,
} from './socket-scope.js';

type Callback = (reply: object) => void;
type AnyListener = (event: string, ...args: unknown[]) => void;

/** Hooks run for each socket besides the event tables. */
export interface SocketLifecycle {
  /** Called once when an authenticated or anonymous socket disconnects. */
  onDisconnect?(ctx: ServerContext, io: ChatFilesIo, socket: ChatFilesSocket): void;
  /** Called once the host has identified the socket's user. */
  onAuthenticated?(
    ctx: ServerContext,
    io: ChatFilesIo,
    socket: ChatFilesSocket,
    user: HostUser,
  ): void;
}

/** Every event of `tables` in one lookup; a later table's entry for an event wins. */
function mergeTables(tables: readonly HandlerTable[]): HandlerTable {
  return Object.assign({}, ...tables);
}

const isClientEvent = (table: HandlerTable, event: string): event is ClientEvent =>
  Object.hasOwn(table, event);

/** Runs one event through its spec: shape, rate limit, parser, handler. */
async function runEvent<E extends ClientEvent>(
  spec: EventSpec<E>,
  scope: SocketScope,
  raw: unknown,
): Promise<object> {
  checkPayloadShape(raw, spec.limits ?? DEFAULT_PAYLOAD_LIMITS);
  if (spec.rateLimit !== null) {
    await scope.ctx.limits.spend(spec.rateLimit, {
      user: scope.user.username,
      socketId: scope.socket.id,
    });
  }
  return spec.handle(scope, spec.parse(raw));
}

/** Runs a relay frame's spec synchronously, so frames leave in the order they arrived. */
function runFrame<E extends ClientEvent>(
  spec: EventSpec<E>,
  scope: SocketScope,
  raw: unknown,
): object | Promise<object> {
  checkPayloadShape(raw, spec.limits ?? DEFAULT_PAYLOAD_LIMITS);
  return spec.handle(scope, spec.parse(raw));
}

/**
 * Registers the handlers on `io` (and on sockets already connected). Returns a function
 * that removes every listener it added.
 */
export function attachSocketHandlers(
  ctx: ServerContext,
  io: SocketIOServer,
  tables: readonly HandlerTable[],
  lifecycle: SocketLifecycle = {},
): () => void {
  const typedIo: ChatFilesIo = io;
  const table = mergeTables(tables);
  const added = new Map<ChatFilesSocket, Array<() => void>>();
  const log = (message: string, error: unknown) => ctx.logger.error(message, error);

  const onConnection = (socket: ChatFilesSocket) => {
    if (added.has(socket)) return;
    // `undefined` while the host is still answering; listeners are registered at once so
    // no event sent right after connecting is lost.
    let user: HostUser | null | undefined;
    const userReady = identify(ctx, socket)
      .catch((error: unknown) => {
        log('host.authenticate failed for a socket', error);
        return null;
      })
      .then((found) => {
        user = found;
        socket.data.chatFilesUser = found
          ? { username: found.username, groups: found.groups }
          : null;
        if (found) lifecycle.onAuthenticated?.(ctx, typedIo, socket, found);
        return found;
      });

    const onEvent: AnyListener = (event, ...args) => {
      if (!isClientEvent(table, event)) return;
      const spec = table[event];
      if (!spec) return;
      let [payload, callback] = args;
      // `socket.emit(event, cb)` with no payload puts the callback first.
      if (typeof payload === 'function' && callback === undefined) {
        callback = payload;
        payload = undefined;
      }
      const reply: Callback | null =
        typeof callback === 'function' ? (value) => callback(value) : null;
      const fail = (error: unknown) => {
        const { body } = toErrorReply(error, (m, e) => log(`${event}: ${m}`, e));
        ctx.metrics.error(body.code);
        reply?.({ ...body, success: false });
      };
      const succeed = (value: object) => reply?.({ success: true, ...value });
      const run = (current: HostUser | null) => {
        try {
          if (!current) throw new ChatFilesError('ERR_UNAUTHENTICATED', 'Log in first.');
          const scope: SocketScope = { ctx, io: typedIo, socket, user: current };
          const result =
            spec.rateLimit === null
              ? runFrame(spec, scope, payload)
              : runEvent(spec, scope, payload);
          if (result instanceof Promise) result.then(succeed, fail);
          else succeed(result);
        } catch (error) {
          fail(error);
        }
      };
      // Once the user is known, run synchronously so frames keep their order.
      if (user !== undefined) run(user);
      else void userReady.then(run);
    };
    socket.onAny(onEvent);
    const onDisconnect = () => {
      added.delete(socket);
      try {
        lifecycle.onDisconnect?.(ctx, typedIo, socket);
      } catch (error) {
        log('disconnect cleanup failed', error);
      }
    };
    socket.once('disconnect', onDisconnect);
    added.set(socket, [() => socket.offAny(onEvent), () => socket.off('disconnect', onDisconnect)]);
  };

  typedIo.on('connection', onConnection);
  for (const socket of typedIo.sockets.sockets.values()) onConnection(socket);

  return () => {
    typedIo.off('connection', onConnection);
    for (const removers of added.values()) for (const remove of removers) remove();
    added.clear();
  };
}
