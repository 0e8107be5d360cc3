/**
 * What every route and socket handler shares: resolved options, the host adapter, the
 * store, blob storage, the relay sessions, the attached socket.io servers, share-link
 * limits and federation.
 */
import type { Server as SocketIOServer } from 'socket.io';
import type { ChatFilesConfig } from '../src/core/wire/config.js';
import type { ServerToClientEvents } from '../src/core/wire/protocol.js';
import type { FederationService } from './federation/federation.js';
import type { HostAdapter } from './host-adapter.js';
import type { RateLimits } from './limits/rate-limits.js';
import type { ChatFilesMetrics } from './metrics.js';
import type { Logger, ResolvedServerOptions } from './options.js';
import type { ShareGate } from './shares/share-access.js';
import type { RelaySessions } from './socket/relay-sessions.js';
import type { BlobStorage } from './storage/blob-storage.js';
import type { MetadataStore, RemovalResult } from './store/metadata-store.js';

/** Why a server copy went away, as told to the room. */
export type RemovalReason = 'expired' | 'evicted' | 'removed';

/** Shared state of one chat-files server. */
export interface ServerContext {
  readonly options: ResolvedServerOptions;
  readonly config: ChatFilesConfig;
  readonly host: HostAdapter;
  readonly store: MetadataStore;
  readonly blobs: BlobStorage;
  readonly logger: Logger;
  readonly relay: RelaySessions;
  /** socket.io servers passed to `attach`. */
  readonly ioServers: SocketIOServer[];
  /** Failure counters of share links (token and password guessing). */
  readonly shareGate: ShareGate;
  /** Rate limits per user and per socket (`chat_files.rate_limits`). */
  readonly limits: RateLimits;
  /** Federation, or `null` when `federation.enabled` is false. */
  readonly federation: FederationService | null;
  /** Resolves once storage is ready; rejects when it cannot be prepared. */
  readonly ready: Promise<void>;
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Prometheus counters of this node. */
  readonly metrics: ChatFilesMetrics;
}

/**
 * Emits an event to a chat room on every attached socket.io server. `io.to(room)` goes
 * through the adapter, so members connected to other nodes get it too.
 */
export function emitToRoom<E extends keyof ServerToClientEvents>(
  ctx: ServerContext,
  roomId: string,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
): void {
  for (const io of ctx.ioServers) {
    (io.to(roomId) as unknown as { emit(name: string, ...rest: unknown[]): void }).emit(
      event,
      ...args,
    );
  }
}

/**
 * Finishes a removal: deletes the bytes of blobs nothing refers to any more and tells
 * each affected room that the server no longer holds the file.
 */
export async function completeRemoval(
  ctx: ServerContext,
  result: RemovalResult,
  reason: RemovalReason,
): Promise<void> {
  for (const blobId of result.freed_blob_ids) {
    await ctx.blobs.delete(blobId).catch((error: unknown) => {
      // The blob is already forgotten by the store; the orphan sweep retries the delete.
      ctx.logger.error(`cannot delete blob ${blobId}`, error);
    });
  }
  for (const { file_id, room_id } of result.removed) {
    if (room_id) emitToRoom(ctx, room_id, 'chat:file:server_removed', { file_id, room_id, reason });
  }
}
