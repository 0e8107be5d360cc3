/**
 * Making share links: a fresh token (only its hash is stored), the absolute download and
 * preview URLs built on this instance's public origin, and what a file's preview is.
 */
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { MAX_PREVIEW_BYTES, PREVIEW_IMAGE_TYPES } from '../federation/preview-proxy.js';
import type { ShareRecord, StoredFile } from '../store/metadata-store.js';
import { hashShareToken, newShareToken } from './share-access.js';

/** Where a share's preview comes from: the stored thumbnail, the image itself, or nothing. */
export type PreviewSource = 'thumbnail' | 'image' | null;

/**
 * The preview a share of `file` can offer: its thumbnail when it has one, else the image
 * itself when it is a previewable type small enough to pass the receiving proxy.
 */
export function previewSource(
  file: Pick<StoredFile, 'thumbnail' | 'mime_type' | 'size'>,
): PreviewSource {
  if (file.thumbnail) return 'thumbnail';
  if (PREVIEW_IMAGE_TYPES.has(file.mime_type) && file.size <= MAX_PREVIEW_BYTES) return 'image';
  return null;
}

/** The absolute URLs of a share (relative to the mount path when no origin is known). */
export function shareUrls(
  ctx: ServerContext,
  token: string,
  file: Pick<StoredFile, 'thumbnail' | 'mime_type' | 'size'>,
): { download_url: string; preview_url: string | null } {
  const base = `${ctx.options.publicOrigin ?? ''}${ctx.options.basePath}/shares/${token}`;
  // Cards show inline previews for images only; other types get their type icon.
  const preview = file.mime_type.startsWith('image/') && previewSource(file) !== null;
  return { download_url: `${base}/download`, preview_url: preview ? `${base}/preview` : null };
}

/** A new share of `file` with its token; the caller stores the record. */
export function newShare(
  ctx: ServerContext,
  file: Pick<StoredFile, 'id'>,
  options: { createdBy: string; passwordHash?: string | null; expiresAt?: number | null },
): { token: string; share: ShareRecord } {
  const token = newShareToken();
  return {
    token,
    share: {
      id: randomUUID(),
      file_id: file.id,
      token_hash: hashShareToken(token),
      scope: 'view',
      password_hash: options.passwordHash ?? null,
      expires_at: options.expiresAt ?? null,
      revoked_at: null,
      created_by: options.createdBy,
      created_at: ctx.now(),
    },
  };
}
