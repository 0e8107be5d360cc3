/**
 * Small pieces every route uses: async handlers whose rejections reach the error
 * middleware, the seeding switch, and reading ids from bodies and paths.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { asObject, requireId } from '../validate.js';

/** Wraps an async handler so a rejection goes to `next` (and so to the error middleware). */
export function asyncHandler(
  handler: (req: Request, res: Response) => Promise<void>,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}

/** 503 `ERR_DISABLED` when `server_seeding.enabled` is false. */
export function requireSeedingEnabled(ctx: ServerContext): void {
  if (!ctx.config.server_seeding.enabled) {
    throw new ChatFilesError('ERR_DISABLED', 'Server storage is turned off on this server.');
  }
}

/** The `file_id` of a JSON body. */
export function bodyFileId(req: Request): string {
  return requireId(asObject(req.body, 'The request body'), 'file_id');
}

/** The `:file_id` path parameter. */
export function paramFileId(req: Request): string {
  return requireId({ file_id: req.params.file_id }, 'file_id');
}
