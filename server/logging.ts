/**
 * Structured JSON logs with pino: a {@link Logger} for the SDK, and request logging with
 * request ids for the host. Session tokens, cookies, `Authorization` headers, passwords
 * and share-link tokens never reach a log line.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import pino from 'pino';
import type { Logger } from './options.js';

/** Object paths pino blanks out wherever they occur in a log record. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.token',
  '*.password',
  '*.secret',
  'token',
  'password',
];

/** Share links carry their token in the path: `/shares/<token>/...`. */
const SHARE_TOKEN_IN_PATH = /(\/shares\/)[^/?#]+/g;
/** Query parameters that carry secrets. */
const SECRET_QUERY = /([?&](?:token|password|access_token|auth)=)[^&#]*/gi;

/** A URL or path with share tokens and secret query values replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(SHARE_TOKEN_IN_PATH, '$1[redacted]').replace(SECRET_QUERY, '$1[redacted]');
}

/** A pino logger writing JSON lines (to stdout unless `destination`), with the redactions above. */
export function createJsonLogger(
  options: pino.LoggerOptions = {},
  destination?: pino.DestinationStream,
): pino.Logger {
  const settings: pino.LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    ...options,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** The SDK's {@link Logger} writing to a pino logger (errors as `err` with their stack). */
export function pinoLogger(log: pino.Logger): Logger {
  return {
    info: (message) => log.info(message),
    warn: (message) => log.warn(message),
    error: (message, error) => {
      if (error === undefined) log.error(message);
      else log.error({ err: error }, message);
    },
  };
}

/** A client-given request id is kept only when it looks like one (no log injection). */
const REQUEST_ID = /^[\w.-]{8,128}$/;

/**
 * Express middleware: gives each request an id (the `X-Request-Id` header when valid,
 * else a fresh UUID), echoes it in the response, and logs one line per finished request
 * with method, redacted path, status, duration and a child logger on `res.locals.log`.
 */
export function requestLogging(log: pino.Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', id);
    const child = log.child({ request_id: id });
    res.locals.log = child;
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      child.info(
        {
          method: req.method,
          path: redactUrl(req.originalUrl),
          status: res.statusCode,
          duration_ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        },
        'request',
      );
    });
    next();
  };
}
