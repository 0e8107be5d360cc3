/**
 * The REST router: every route mounted in order, then the 404 and the one error
 * handler that turns thrown errors into `{ error, code }` responses.
 */
import express, { type Router } from 'express';
import { publicConfig } from '../src/core/wire/config.js';
import type { ServerContext } from './context.js';
import { requireUser } from './access.js';
import { errorMiddleware } from './errors.js';
import { federatedFileRoute, federatedPreviewRoute } from './federation/federated-file-routes.js';
import { inboundMessagesRoute } from './federation/inbound-route.js';
import { downloadRoute } from './routes/download-route.js';
import {
  createShareRoute,
  revokeRoute,
  shareCors,
  shareDownloadRoute,
  sharePreviewRoute,
} from './routes/share-routes.js';
import {
  deleteServerCopyRoute,
  removeFromServerRoute,
  storePermanentlyRoute,
} from './routes/storage-routes.js';
import { rateLimitRoute } from './limits/rate-limit-route.js';
import { findSdkDir, sdkRoutes } from './sdk-routes.js';
import { uploadRoute } from './routes/upload-route.js';
import { tusEndpoint } from './tus/tus-route.js';
import { listUserFilesRoute, userStorageRoute } from './routes/user-routes.js';

/** Largest JSON body the routes accept; they only ever carry a file id or share options. */
const JSON_LIMIT = '16kb';

/** Builds the router for a server context. */
export function buildRouter(ctx: ServerContext): Router {
  const router = express.Router();
  router.use(ctx.metrics.httpMiddleware());
  // Before the JSON parser: a signature covers the exact bytes of the body.
  router.post('/federation/v1/messages', ...inboundMessagesRoute(ctx));
  // Before the JSON parser too: tus bodies are raw bytes, read by the tus server itself.
  const tus = tusEndpoint(ctx).handler;
  // Creating a tus upload spends from the same budget as a multipart upload.
  router.post('/tus', rateLimitRoute(ctx, 'upload'));
  router.all('/tus', tus);
  router.all('/tus/:upload_id', tus);
  // A host that already parsed JSON keeps its result; express.json skips parsed bodies.
  router.use(express.json({ limit: JSON_LIMIT }));

  router.get('/health', (_req, res) => {
    res.json({ ok: true, server_seeding: ctx.config.server_seeding.enabled });
  });
  // What a browser client needs to match the server (limits, timeouts, ICE servers).
  router.get('/config', (_req, res) => {
    res.json(publicConfig(ctx.config));
  });
  // The browser SDK itself (ESM with its worker, and the IIFE).
  router.use(
    '/sdk',
    sdkRoutes(findSdkDir(), (m) => ctx.logger.warn(m)),
  );
  // Who the page is signed in as, so a page can connect knowing only its cookie or token.
  router.get('/me', async (req, res) => {
    const user = await requireUser(ctx, req);
    res.json({ username: user.username, groups: user.groups });
  });
  router.get('/user', listUserFilesRoute(ctx));
  router.get('/user/storage', userStorageRoute(ctx));
  router.post('/upload', rateLimitRoute(ctx, 'upload'), uploadRoute(ctx));
  router.post('/store-permanently', storePermanentlyRoute(ctx));
  router.post('/remove-from-server', removeFromServerRoute(ctx));
  router.post('/delete-server-copy', deleteServerCopyRoute(ctx));
  // Express 5 routes HEAD to GET handlers; the handler answers HEAD without a body.
  router.get('/:file_id/download', downloadRoute(ctx));
  router.post('/:file_id/shares', createShareRoute(ctx));
  router.post('/:file_id/revoke', revokeRoute(ctx));
  router.use('/shares', shareCors);
  router.get('/shares/:token/download', shareDownloadRoute(ctx));
  router.get('/shares/:token/preview', sharePreviewRoute(ctx));
  router.get('/federation/v1/files/:local_id', federatedFileRoute(ctx));
  router.get('/federation/v1/files/:local_id/preview', federatedPreviewRoute(ctx));

  router.use((_req, res) => {
    res.status(404).json({ error: 'No such chat-files route.', code: 'ERR_NOT_FOUND' });
  });
  router.use(errorMiddleware((m, e) => ctx.logger.error(m, e)));
  return router;
}
