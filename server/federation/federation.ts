/**
 * This instance's side of federation: its identity (key pair, `/.well-known/chat-files`),
 * the peers it trusts, and what it sends them: rooms, text messages, files (through a
 * share made once per file) and revocations. Everything sent goes through the persistent
 * outbox, so nothing is lost to a peer that is down or a node that restarts.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import {
  federatedFileFallbackText,
  type FederatedFile,
} from '../../src/core/wire/federated-file.js';
import { isFileMessage } from '../../src/core/wire/file-message.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import type { HostRoom } from '../host-adapter.js';
import { newShare, shareUrls } from '../shares/issue-share.js';
import type { StoredFile } from '../store/metadata-store.js';
import { EnvelopeError, parseEnvelope, type Envelope, type MessageEnvelope } from './envelope.js';
import { PersistentNonceStore } from './nonce-store.js';
import { EnvelopeSender, mayRetry, type DeliveryResult, type SenderOptions } from './outbound.js';
import {
  FederationOutbox,
  offerFile,
  outboxEntry,
  revokeFileShares,
  type OutboxOptions,
} from './outbox.js';
import { PeerDirectory, type InstanceDescriptor } from './peer-directory.js';
import type { InstanceKeys, NonceStore } from './signing.js';

export type { DeliveryResult } from './outbound.js';

/** Version of the federation API published in `/.well-known/chat-files`. */
export const FEDERATION_API_VERSION = 1;

/** Longest room name an envelope carries. */
const MAX_ROOM_NAME = 80;

/**
 * How long the outbox job leaves an envelope alone while the node that queued it makes
 * the first attempt itself (longer than that attempt can take); if that node dies
 * meanwhile, the job sends it afterwards.
 */
const FIRST_ATTEMPT_HOLD_MS = 60_000;

/** What a host app uses of federation (`files.federation`, `null` when it is off). */
export interface ChatFilesFederation {
  /** This instance's origin. */
  readonly origin: string;
  /** The peer origins this instance trusts. */
  readonly peers: readonly string[];
  /** Whether `origin` is a trusted peer. */
  trusts(origin: string): boolean;
  /**
   * Tells the room's peers (its `federated_with` origins that are trusted) that the room
   * exists, so their app creates it with the same id. Resolves after one attempt per
   * peer; a peer that could not be reached is retried in the background (`retrying`).
   */
  announceRoom(roomId: string): Promise<DeliveryResult[]>;
  /**
   * Sends a user's text message to the room's peers, which post it as
   * `<sender>@<this host>`. Content that looks like a `[FILE]` message is not relayed
   * (files travel as file objects, never as text a peer would render as a card).
   */
  relayText(roomId: string, sender: string, text: string): Promise<DeliveryResult[]>;
  /** Resolves once every delivery started so far has been attempted (failures stay queued). */
  idle(): Promise<void>;
}

/** The server's federation service. */
export class FederationService implements ChatFilesFederation {
  readonly peers: readonly string[];
  /** Trusted peers and their keys. */
  readonly directory: PeerDirectory;
  /** Seen request nonces (persisted, so a restart does not reopen the replay window). */
  readonly nonces: NonceStore;
  /** This instance's key pair (loaded from the shared store on several nodes). */
  readonly keys: Promise<InstanceKeys>;
  private readonly sender: EnvelopeSender;
  private readonly outbox: FederationOutbox;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: ServerContext,
    /** This instance's origin. */
    readonly origin: string,
    keys: InstanceKeys | Promise<InstanceKeys>,
    options: { sender?: SenderOptions; fetchImpl?: typeof fetch; outbox?: OutboxOptions } = {},
  ) {
    this.keys = Promise.resolve(keys);
    // Routes that need the key await it and fail then; this only keeps it from going unhandled.
    this.keys.catch((error: unknown) => ctx.logger.error('cannot load the federation key', error));
    this.peers = ctx.config.federation.peers.filter((peer) => peer !== origin);
    this.directory = new PeerDirectory(this.peers, options.fetchImpl);
    this.nonces = new PersistentNonceStore(ctx.store);
    this.sender = new EnvelopeSender(
      { origin, keys: this.keys, directory: this.directory, now: ctx.now },
      { fetchImpl: options.fetchImpl, ...options.sender },
    );
    this.outbox = new FederationOutbox(
      {
        store: ctx.store,
        deliver: (peer, envelope) => this.deliverOnce(peer, envelope),
        logger: ctx.logger,
        now: ctx.now,
      },
      options.outbox,
    );
    this.outbox.start();
  }

  trusts(origin: string): boolean {
    return this.peers.includes(origin);
  }

  /** What `/.well-known/chat-files` publishes. */
  async descriptor(): Promise<InstanceDescriptor> {
    return {
      origin: this.origin,
      public_key: (await this.keys).publicKeyBase64,
      api_base: `${this.origin}${this.ctx.options.basePath}`,
      version: FEDERATION_API_VERSION,
    };
  }

  /** The handler the host mounts at `GET /.well-known/chat-files`. */
  readonly wellKnown: RequestHandler = async (_req, res) => {
    const descriptor = await this.descriptor();
    res.set({ 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' });
    res.json(descriptor);
  };

  /** The trusted peers a room spans. */
  peersOf(room: HostRoom | null): string[] {
    return [...new Set(room?.federated_with ?? [])].filter((peer) => this.trusts(peer));
  }

  async announceRoom(roomId: string): Promise<DeliveryResult[]> {
    const room = await this.ctx.host.getRoom(roomId);
    if (!room) throw new ChatFilesError('ERR_NOT_FOUND', 'No such room.');
    const envelope = this.checked({
      type: 'room',
      room: { id: roomId, name: room.name.slice(0, MAX_ROOM_NAME) },
    });
    return this.sendNow(this.peersOf(room), envelope);
  }

  async relayText(roomId: string, sender: string, text: string): Promise<DeliveryResult[]> {
    if (isFileMessage(text)) return [];
    const room = await this.ctx.host.getRoom(roomId);
    const peers = this.peersOf(room);
    if (peers.length === 0) return [];
    const envelope = this.checked({
      type: 'message',
      id: `text:${randomUUID()}`,
      room_id: roomId,
      sender,
      text,
      created_at: this.ctx.now(),
    });
    return this.sendNow(peers, envelope);
  }

  /**
   * Offers a file whose server copy was just stored to the peers of its room: makes its
   * share (once per file, never again after a revocation) and sends each peer the file
   * object. Resolves once the share exists; deliveries continue in the background.
   */
  async fileStored(fileId: string): Promise<void> {
    const file = await this.ctx.store.files.get(fileId);
    if (!file) return;
    const peers = this.peersOf(await this.ctx.host.getRoom(file.room_id));
    if (peers.length === 0) return;
    const { token, share } = newShare(this.ctx, file, { createdBy: file.sender });
    const envelope = this.checked(this.fileEnvelope(file, token));
    const now = this.ctx.now();
    const entries = peers.map((peer) => outboxEntry(peer, envelope, now));
    if (!(await offerFile(this.ctx.store, share, entries))) return;
    void this.track(this.outbox.kick());
  }

  /**
   * Revokes every share of a file and, in the same transaction, queues the notice to the
   * peers of its room. Returns how many shares were revoked and the peers told (the
   * notices are delivered in the background).
   */
  async revokeFile(
    file: Pick<StoredFile, 'id' | 'room_id'>,
  ): Promise<{ revoked: number; peers: string[] }> {
    const peers = this.peersOf(await this.ctx.host.getRoom(file.room_id));
    const envelope = this.checked({ type: 'revoke', room_id: file.room_id, file_id: file.id });
    const now = this.ctx.now();
    const entries = peers.map((peer) => outboxEntry(peer, envelope, now));
    const revoked = await revokeFileShares(this.ctx.store, file.id, now, entries);
    if (entries.length > 0) void this.track(this.outbox.kick());
    return { revoked, peers };
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.outbox.idle();
  }

  /** Stops the outbox job and cancels attempts in progress (they stay queued). */
  async close(): Promise<void> {
    const stopped = this.outbox.stop();
    this.sender.close();
    await stopped;
    await this.idle();
  }

  private fileEnvelope(file: StoredFile, token: string): MessageEnvelope {
    const urls = shareUrls(this.ctx, token, file);
    const object: FederatedFile = {
      name: file.name,
      size: file.size,
      mimeType: file.mime_type,
      previewUrl: urls.preview_url,
      downloadUrl: urls.download_url,
      origin: this.origin,
    };
    if (file.sha256) object.sha256 = file.sha256;
    return {
      type: 'message',
      // One id per file: a peer that receives it twice shows it once.
      id: `file:${file.id}`,
      room_id: file.room_id,
      sender: file.sender,
      text: federatedFileFallbackText(object, file.sender),
      file: object,
      file_id: file.id,
      created_at: file.created_at,
    };
  }

  /**
   * Queues an envelope for each peer and makes the first attempt at once, so the caller
   * hears how it went; what failed but may pass stays queued for the outbox job.
   */
  private async sendNow(peers: readonly string[], envelope: Envelope): Promise<DeliveryResult[]> {
    if (peers.length === 0) return [];
    const now = this.ctx.now();
    const entries = peers.map((peer) =>
      outboxEntry(peer, envelope, now, now + FIRST_ATTEMPT_HOLD_MS),
    );
    await this.ctx.store.federation.enqueue(entries);
    return Promise.all(
      entries.map((entry) =>
        this.track(
          (async (): Promise<DeliveryResult> => {
            const result = await this.deliverOnce(entry.peer, envelope);
            await this.outbox.settle(entry, result);
            return mayRetry(result) ? { ...result, retrying: true } : result;
          })(),
        ),
      ),
    );
  }

  /**
   * One attempt at an envelope. A peer that answers a message with 404 does not know the
   * room yet (its announce was lost), so the room is announced again and the message
   * sent once more.
   */
  private async deliverOnce(peer: string, envelope: Envelope): Promise<DeliveryResult> {
    const first = await this.sender.send(peer, envelope);
    if (first.delivered || first.status !== 404 || envelope.type !== 'message') return first;
    const room = await this.ctx.host.getRoom(envelope.room_id);
    if (!this.peersOf(room).includes(peer)) return first;
    const announced = await this.sender.send(
      peer,
      this.checked({
        type: 'room',
        room: { id: envelope.room_id, name: room!.name.slice(0, MAX_ROOM_NAME) },
      }),
    );
    return announced.delivered ? this.sender.send(peer, envelope) : first;
  }

  /** Validates an outgoing envelope as a peer would, so a bad one fails here, loudly. */
  private checked<E extends Envelope>(envelope: E): E {
    try {
      parseEnvelope(envelope, this.origin);
    } catch (error) {
      if (error instanceof EnvelopeError) {
        throw new ChatFilesError('ERR_VALIDATION', `Cannot federate this: ${error.message}.`);
      }
      throw error;
    }
    return envelope;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise
      .finally(() => this.pending.delete(promise))
      .catch((error: unknown) => this.ctx.logger.error('federation: delivery failed', error));
    return promise;
  }
}
