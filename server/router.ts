/**
 * The REST router: every route module mounted in order, then the 404 and the one error
 * handler that turns thrown errors into `{ error, code }` responses.
 */
import express, { type Router } from 'express';
import type { ServerContext } from './context.js';
import { errorMiddleware } from './errors.js';

/** Builds the router for a server context. */
export function buildRouter(ctx: ServerContext): Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.json({ ok: true, server_seeding: ctx.config.server_seeding.enabled });
  });
  router.use((_req, res) => {
    res.status(404).json({ error: 'No such chat-files route.', code: 'ERR_NOT_FOUND' });
  });
  router.use(errorMiddleware((m, e) => ctx.logger.error(m, e)));
  return router;
}
