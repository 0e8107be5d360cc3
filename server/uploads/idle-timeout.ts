/**
 * Slow or stalled upload bodies: once a request's connection has carried no bytes for
 * `upload_idle_timeout_seconds`, the upload is answered 408 `ERR_TIMEOUT` with
 * `Connection: close`, its connection is closed, and `signal` aborts whatever is still
 * writing its bytes (which removes them).
 */
import type { Request, Response } from 'express';
import { toErrorReply } from '../errors.js';
import { idleError, UploadIdleError } from './upload-errors.js';

/** A running idle watch over one request. */
export interface IdleWatch {
  /** Aborts, with an {@link UploadIdleError} as reason, when the body stalls. */
  readonly signal: AbortSignal;
  /** True once the watch has answered the request with 408. */
  readonly answered: boolean;
  /** Ends the watch (the body is in, or the request is answered). Idempotent. */
  stop(): void;
}

/** Watches `req` for a body that stops sending; `seconds` of silence answer 408. */
export function watchIdleBody(req: Request, res: Response, seconds: number): IdleWatch {
  const controller = new AbortController();
  const socket = req.socket;
  const previous = socket.timeout ?? 0;
  let answered = false;
  let stopped = false;
  const onTimeout = () => {
    if (stopped) return;
    stop();
    answered = true;
    controller.abort(new UploadIdleError(seconds));
    if (res.headersSent) {
      req.destroy();
      return;
    }
    const { status, body } = toErrorReply(idleError(seconds));
    // Destroying the request (not only its socket) also ends whatever still reads it.
    res.once('finish', () => req.destroy());
    res.status(status).set('Connection', 'close').json(body);
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    req.off('timeout', onTimeout);
    socket.setTimeout(previous);
  };
  socket.setTimeout(seconds * 1000);
  // Node's HTTP server destroys a timed-out socket unless the request handles 'timeout'.
  req.on('timeout', onTimeout);
  // Once the body is in, whatever runs before the answer is the server's time, not idleness.
  req.once('end', stop);
  res.once('close', stop);
  return {
    signal: controller.signal,
    get answered() {
      return answered;
    },
    stop,
  };
}
