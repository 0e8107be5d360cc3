/**
 * `POST /federation/v1/messages`: what peer instances send this one. The raw body is
 * read here (it must be byte-exact for the signature), the signature checked before
 * anything else, then the envelope validated and acted on:
 * - `room`: the host creates the room (`host.federation.upsertRoom`),
 * - `message`: posted into the local room as `<sender>@<peer host>`; a file becomes a
 *   `[FILE]` message whose `federated` block points at the peer (metadata only is kept),
 * - `revoke`: the local records of that file turn revoked and the room is told.
 * A refused request changes nothing.
 */
import { randomBytes } from 'node:crypto';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { encodeFileMessage, FILE_MESSAGE_PREFIX } from '../../src/core/wire/file-message.js';
import { emitToRoom, type ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { asyncHandler } from '../routes/route-helpers.js';
import {
  EnvelopeError,
  parseEnvelope,
  type MessageEnvelope,
  type RevokeEnvelope,
  type RoomEnvelope,
} from './envelope.js';
import type { FederationService } from './federation.js';
import { SignatureError, verifyRequest } from './signing.js';

/** How long received envelope ids are kept to drop duplicates. */
const INBOX_RETENTION_MS = 7 * 24 * 60 * 60_000;

/** Largest envelope accepted; a file message is a few kilobytes. */
export const MAX_ENVELOPE_BYTES = 256 * 1024;

/** The local id of a peer's file: `fed_` and 128 random bits in hex. */
export const FEDERATED_FILE_ID = /^fed_[0-9a-f]{32}$/;

/** How a peer's user is named here: `alice@chat.example.org`. */
export const remoteSender = (sender: string, origin: string) => `${sender}@${new URL(origin).host}`;

/** The federation service, or 404 when federation is off. */
export function requireFederation(ctx: ServerContext): FederationService {
  if (!ctx.federation) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'Federation is turned off on this server.');
  }
  return ctx.federation;
}

async function acceptRoom(ctx: ServerContext, origin: string, envelope: RoomEnvelope) {
  const hooks = ctx.host.federation;
  if (!hooks) {
    throw new ChatFilesError('ERR_FORBIDDEN', 'This instance does not take rooms from peers.');
  }
  const existing = await ctx.host.getRoom(envelope.room.id);
  // A peer must not take over a local room by announcing its id.
  if (existing && !(existing.federated_with ?? []).includes(origin)) {
    throw new ChatFilesError(
      'ERR_CONFLICT',
      'A room with this id exists here and is not shared with your instance.',
    );
  }
  const accepted = await hooks.upsertRoom({ ...envelope.room, origin });
  if (accepted === false) {
    throw new ChatFilesError('ERR_FORBIDDEN', 'This instance refused the room.');
  }
  return { success: true };
}

async function acceptMessage(ctx: ServerContext, origin: string, envelope: MessageEnvelope) {
  const room = await ctx.host.getRoom(envelope.room_id);
  if (!room) throw new ChatFilesError('ERR_NOT_FOUND', 'No such room here.');
  if (!(room.federated_with ?? []).includes(origin)) {
    throw new ChatFilesError('ERR_FORBIDDEN', 'This room is not shared with your instance.');
  }
  if (!envelope.file && envelope.text.startsWith(FILE_MESSAGE_PREFIX)) {
    // Local clients would render it as a card for a file of this instance.
    throw new ChatFilesError('ERR_VALIDATION', 'A text message must not look like a file message.');
  }
  // Each remote user spends from the same message budget as a local one.
  await ctx.limits.spend('message', { user: `${origin} ${envelope.sender}` });
  const now = ctx.now();
  // Duplicates come from retries, minutes apart; a week of ids is plenty.
  if (
    !(await ctx.store.federation.recordInbound(origin, envelope.id, now, now - INBOX_RETENTION_MS))
  ) {
    return { success: true, duplicate: true };
  }
  let localId: string | undefined;
  try {
    let content = envelope.text;
    if (envelope.file) {
      localId = `fed_${randomBytes(16).toString('hex')}`;
      await ctx.store.federation.createFile({
        id: localId,
        room_id: envelope.room_id,
        origin,
        origin_file_id: envelope.file_id!,
        sender: envelope.sender,
        file: envelope.file,
        revoked_at: null,
        created_at: ctx.now(),
      });
      content = encodeFileMessage({
        file_id: localId,
        name: envelope.file.name,
        size: envelope.file.size,
        mime_type: envelope.file.mimeType,
        federated: envelope.file,
      });
    }
    const message = await ctx.host.postMessage(
      envelope.room_id,
      remoteSender(envelope.sender, origin),
      content,
    );
    return {
      success: true,
      message_id: (message as { id?: unknown } | null)?.id ?? null,
      ...(localId ? { file_id: localId } : {}),
    };
  } catch (error) {
    // Undo, so the peer's retry (with the same envelope id) is not taken for a duplicate.
    if (localId) await ctx.store.federation.deleteFile(localId);
    await ctx.store.federation.forgetInbound(origin, envelope.id);
    throw error;
  }
}

async function acceptRevoke(ctx: ServerContext, origin: string, envelope: RevokeEnvelope) {
  const revoked = await ctx.store.federation.revokeFiles({
    origin,
    origin_file_id: envelope.file_id,
    room_id: envelope.room_id,
    now: ctx.now(),
  });
  for (const record of revoked) {
    emitToRoom(ctx, record.room_id, 'chat:file:revoked', {
      file_id: record.id,
      room_id: record.room_id,
    });
  }
  return { success: true, revoked: revoked.length };
}

/** The raw body, or 400 when a parser of the host consumed it first. */
function rawBody(req: Request): Buffer {
  if (Buffer.isBuffer(req.body)) return req.body;
  // The raw parser leaves no body at all on a request without one.
  if (req.body === undefined) return Buffer.alloc(0);
  throw new ChatFilesError(
    'ERR_BAD_REQUEST',
    'The request body was consumed before it reached chat-files; mount the router before any body parser.',
  );
}

/** Builds the middleware chain of `POST /federation/v1/messages`. */
export function inboundMessagesRoute(ctx: ServerContext): RequestHandler[] {
  const gate = (_req: Request, _res: Response, next: NextFunction) => {
    try {
      requireFederation(ctx);
      next();
    } catch (error) {
      next(error);
    }
  };
  const raw = express.raw({ type: () => true, limit: MAX_ENVELOPE_BYTES });
  const handle = asyncHandler(async (req, res) => {
    await ctx.ready;
    const federation = requireFederation(ctx);
    const body = rawBody(req);
    let origin: string;
    try {
      origin = await verifyRequest({
        method: req.method,
        path: req.originalUrl,
        headers: req.headers,
        body,
        trustedOrigins: federation.peers,
        publicKeyOf: (peer) => federation.directory.publicKeyOf(peer),
        nonces: federation.nonces,
        now: ctx.now(),
      });
    } catch (error) {
      if (error instanceof SignatureError) {
        throw new ChatFilesError(
          error.status === 403 ? 'ERR_FORBIDDEN' : 'ERR_BAD_SIGNATURE',
          error.message,
        );
      }
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ChatFilesError('ERR_BAD_REQUEST', 'The envelope is not JSON.');
    }
    let envelope;
    try {
      envelope = parseEnvelope(json, origin);
    } catch (error) {
      if (error instanceof EnvelopeError) {
        throw new ChatFilesError('ERR_VALIDATION', `Invalid envelope: ${error.message}.`);
      }
      throw error;
    }
    switch (envelope.type) {
      case 'room':
        res.json(await acceptRoom(ctx, origin, envelope));
        return;
      case 'message':
        res.json(await acceptMessage(ctx, origin, envelope));
        return;
      case 'revoke':
        res.json(await acceptRevoke(ctx, origin, envelope));
        return;
    }
  });
  return [gate, raw, handle];
}
