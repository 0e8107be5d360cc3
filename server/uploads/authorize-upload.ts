/**
 * Who may send a file's bytes, decided before a single byte is written: the user who
 * shared the `file_id`, still a member of its room, while the file fits the limits and
 * the server's storage, while the server does not hold it yet, and while no other upload
 * of it is running.
 */
import { isServable, requireMember } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { formatBytes } from '../quota.js';
import type { StoredFile } from '../store/metadata-store.js';
import { randomBytes } from 'node:crypto';
import { MAX_ID_LENGTH } from '../validate.js';
import { MemoryUploadGate, type UploadGate, type UploadPass } from './upload-gate.js';

const gates = new WeakMap<ServerContext, UploadGate>();

/** The upload gate of a server: the `uploadGate` option, else one in this process's memory. */
export function uploadGate(ctx: ServerContext): UploadGate {
  if (ctx.options.uploadGate) return ctx.options.uploadGate;
  let gate = gates.get(ctx);
  if (!gate) {
    gate = new MemoryUploadGate();
    gates.set(ctx, gate);
  }
  return gate;
}

/** A `file_id` as a client sent it, validated. */
export function parseUploadFileId(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      'file_id must be the id returned by chat:file:share.',
    );
  }
  return value;
}

/** 507 when even evicting every unclaimed copy would not make room for `size` bytes. */
export function storageCapError(pinned: number, cap: number): ChatFilesError {
  return new ChatFilesError(
    'ERR_STORAGE_FULL',
    `Server storage is full: ${formatBytes(pinned)} of ${formatBytes(cap)} is held by permanently stored files. Try again once space is freed.`,
  );
}

/** 409 for a file whose bytes the server already holds. */
function alreadyStored(): ChatFilesError {
  return new ChatFilesError(
    'ERR_CONFLICT',
    'The server already holds this file; it was uploaded before.',
  );
}

/**
 * Checks that `username` may upload `fileId` now and returns its record. Throws 404 for
 * an unknown file, 403 for someone else's file or a former member, 413 when the file is
 * over `max_file_size`, 409 when the server already holds it, 507 when it cannot fit.
 */
export async function authorizeUpload(
  ctx: ServerContext,
  username: string,
  fileId: string,
): Promise<StoredFile> {
  const { config } = ctx;
  const record = await ctx.store.files.get(fileId);
  if (!record) throw new ChatFilesError('ERR_NOT_FOUND', 'No such file; share it first.');
  if (record.sender !== username) {
    throw new ChatFilesError('ERR_FORBIDDEN', 'Only the user who shared a file may upload it.');
  }
  await requireMember(ctx, username, record.room_id);
  // The limit may have been lowered since the file was shared.
  if (record.size > config.max_file_size) {
    throw new ChatFilesError(
      'ERR_TOO_LARGE',
      `The file is larger than the ${config.max_file_size}-byte limit.`,
    );
  }
  if (isServable(ctx, await ctx.store.copies.get(fileId))) throw alreadyStored();
  const cap = config.server_seeding.max_total_storage_bytes;
  const { pinned_bytes: pinned } = await ctx.store.copies.usage();
  if (pinned + record.size > cap) throw storageCapError(pinned, cap);
  return record;
}

/** Takes the upload gate of `fileId` for `holder`, or throws 409 while another upload holds it. */
export async function enterUploadGate(
  ctx: ServerContext,
  fileId: string,
  holder: string,
): Promise<UploadPass> {
  const pass = await uploadGate(ctx).tryAcquire(fileId, holder);
  if (!pass) {
    throw new ChatFilesError(
      'ERR_CONFLICT',
      'Another upload of this file is running; only one of them can store it.',
    );
  }
  return pass;
}

/**
 * {@link authorizeUpload} and then the file's upload gate: resolves the record and the
 * pass, or throws 409 while another upload of the same file runs.
 */
export async function admitUpload(
  ctx: ServerContext,
  username: string,
  fileId: string,
): Promise<{ record: StoredFile; pass: UploadPass }> {
  const record = await authorizeUpload(ctx, username, fileId);
  const pass = await enterUploadGate(ctx, fileId, randomBytes(16).toString('hex'));
  try {
    // Between the check and the gate another upload may have finished.
    if (isServable(ctx, await ctx.store.copies.get(fileId))) throw alreadyStored();
  } catch (error) {
    await pass.release();
    throw error;
  }
  return { record, pass };
}
