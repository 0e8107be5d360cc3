/**
 * Wires the event handler tables to a socket.io server: authenticates each socket once
 * through the host, answers every event through its callback (when there is one), and
 * never lets a handler's error escape into socket.io.
 */
import type { Server as SocketIOServer, Socket } from 'socket.io';
import { identify } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError, toErrorReply } from '../errors.js';
import type { HostUser } from '../host-adapter.js';
import type { HandlerTable, SocketScope, SocketUser } from './socket-scope.js';

type Listener = (...args: unknown[]) => void;

/** Hooks run for each socket besides the event tables. */
export interface SocketLifecycle {
  /** Called once when an authenticated or anonymous socket disconnects. */
  onDisconnect?(ctx: ServerContext, io: SocketIOServer, socket: Socket): void;
  /** Called once the host has identified the socket's user. */
  onAuthenticated?(ctx: ServerContext, io: SocketIOServer, socket: Socket, user: HostUser): void;
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
  const added = new Map<Socket, Array<[string, Listener]>>();
  const log = (message: string, error: unknown) => ctx.logger.error(message, error);

  const onConnection = (socket: Socket) => {
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
        const data: SocketUser | null = found
          ? { username: found.username, groups: found.groups }
          : null;
        (socket.data as { chatFilesUser?: SocketUser | null }).chatFilesUser = data;
        if (found) lifecycle.onAuthenticated?.(ctx, io, socket, found);
        return found;
      });

    const listeners: Array<[string, Listener]> = [];
    for (const table of tables) {
      for (const [event, handler] of Object.entries(table)) {
        const listener: Listener = (...args) => {
          let [payload, callback] = args;
          // `socket.emit(event, cb)` with no payload puts the callback first.
          if (typeof payload === 'function' && callback === undefined) {
            callback = payload;
            payload = undefined;
          }
          const reply = typeof callback === 'function' ? (callback as Listener) : null;
          const fail = (error: unknown) => {
            const { body } = toErrorReply(error, (m, e) => log(`${event}: ${m}`, e));
            ctx.metrics.error(body.code);
            reply?.({ ...body, success: false });
          };
          const run = (current: HostUser | null) => {
            try {
              if (!current) throw new ChatFilesError('ERR_UNAUTHENTICATED', 'Log in first.');
              const scope: SocketScope = { ctx, io, socket, user: current };
              const result = handler(scope, payload);
              if (result instanceof Promise) {
                result.then((value) => reply?.({ success: true, ...(value ?? {}) }), fail);
              } else {
                reply?.({ success: true, ...(result ?? {}) });
              }
            } catch (error) {
              fail(error);
            }
          };
          // Once the user is known, run synchronously so frames keep their order.
          if (user !== undefined) run(user);
          else void userReady.then(run);
        };
        socket.on(event, listener);
        listeners.push([event, listener]);
      }
    }
    const onDisconnect: Listener = () => {
      added.delete(socket);
      try {
        lifecycle.onDisconnect?.(ctx, io, socket);
      } catch (error) {
        log('disconnect cleanup failed', error);
      }
    };
    socket.once('disconnect', onDisconnect);
    listeners.push(['disconnect', onDisconnect]);
    added.set(socket, listeners);
  };

  io.on('connection', onConnection);
  for (const socket of io.sockets.sockets.values()) onConnection(socket);

  return () => {
    io.off('connection', onConnection);
    for (const [socket, listeners] of added) {
      for (const [event, listener] of listeners) socket.off(event, listener);
    }
    added.clear();
  };
}
