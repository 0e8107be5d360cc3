/**
 * This instance's side of federation: its identity (key pair, `/.well-known/chat-files`),
 * the peers it trusts, and what it sends them: rooms, text messages, files (through a
 * share made once per file) and revocations.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { federatedFileFallbackText, type FederatedFile } from '../../src/core/federated-file.js';
import { isFileMessage } from '../../src/core/file-message.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import type { HostRoom } from '../host-adapter.js';
import { newShare, shareUrls } from '../shares/issue-share.js';
import type { StoredFile } from '../store/metadata-store.js';
import { EnvelopeError, parseEnvelope, type Envelope, type MessageEnvelope } from './envelope.js';
import { PersistentNonceStore } from './nonce-store.js';
import {
  EnvelopeSender,
  mayRetry,
  offerFile,
  type DeliveryResult,
  type SenderOptions,
} from './outbound.js';
import { PeerDirectory, type InstanceDescriptor } from './peer-directory.js';
import type { InstanceKeys, NonceStore } from './signing.js';

export type { DeliveryResult } from './outbound.js';

/** Version of the federation API published in `/.well-known/chat-files`. */
export const FEDERATION_API_VERSION = 1;

/** Longest room name an envelope carries. */
const MAX_ROOM_NAME = 80;

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
  /** Resolves once every delivery started so far has finished (or given up). */
  idle(): Promise<void>;
}

/** The server's federation service. */
export class FederationService implements ChatFilesFederation {
  readonly peers: readonly string[];
  /** Trusted peers and their keys. */
  readonly directory: PeerDirectory;
  /** Seen request nonces (persisted, so a restart does not reopen the replay window). */
  readonly nonces: NonceStore;
  private readonly sender: EnvelopeSender;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: ServerContext,
    /** This instance's origin. */
    readonly origin: string,
    /** This instance's key pair. */
    readonly keys: InstanceKeys,
    options: { sender?: SenderOptions; fetchImpl?: typeof fetch } = {},
  ) {
    this.peers = ctx.config.federation.peers.filter((peer) => peer !== origin);
    this.directory = new PeerDirectory(this.peers, options.fetchImpl);
    this.nonces = new PersistentNonceStore(ctx.store);
    this.sender = new EnvelopeSender(
      { origin, keys, directory: this.directory, logger: ctx.logger, now: ctx.now },
      { fetchImpl: options.fetchImpl, ...options.sender },
    );
  }

  trusts(origin: string): boolean {
    return this.peers.includes(origin);
  }

  /** What `/.well-known/chat-files` publishes. */
  descriptor(): InstanceDescriptor {
    return {
      origin: this.origin,
      public_key: this.keys.publicKeyBase64,
      api_base: `${this.origin}${this.ctx.options.basePath}`,
      version: FEDERATION_API_VERSION,
    };
  }

  /** The handler the host mounts at `GET /.well-known/chat-files`. */
  readonly wellKnown: RequestHandler = (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' });
    res.json(this.descriptor());
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
    return Promise.all(
      this.peersOf(room).map(async (peer) => {
        // Whoever creates the room should not wait for a peer that is down; messages
        // to a peer that missed the room announce it again anyway.
        const first = await this.track(this.sender.sendOnce(peer, envelope));
        if (!mayRetry(first)) return first;
        void this.track(this.sender.send(peer, envelope));
        return { ...first, retrying: true };
      }),
    );
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
    return Promise.all(peers.map((peer) => this.deliverMessage(peer, envelope)));
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
    if (!(await offerFile(this.ctx.store, share))) return;
    for (const peer of peers) void this.deliverMessage(peer, envelope);
  }

  /**
   * Tells the peers of a file's room that its shares were revoked. Returns the peers
   * told; deliveries continue in the background.
   */
  async fileRevoked(file: Pick<StoredFile, 'id' | 'room_id'>): Promise<string[]> {
    const peers = this.peersOf(await this.ctx.host.getRoom(file.room_id));
    const envelope = this.checked({ type: 'revoke', room_id: file.room_id, file_id: file.id });
    for (const peer of peers) void this.track(this.sender.send(peer, envelope));
    return peers;
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Cancels pending retries. */
  close(): void {
    this.sender.close();
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
   * Sends a message; a peer that answers 404 does not know the room yet (its announce
   * was lost), so the room is announced again and the message sent once more.
   */
  private deliverMessage(peer: string, envelope: MessageEnvelope): Promise<DeliveryResult> {
    return this.track(
      (async () => {
        const first = await this.sender.send(peer, envelope);
        if (first.delivered || first.status !== 404) return first;
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
      })(),
    );
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
