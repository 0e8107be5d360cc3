/**
 * The seeding side of a client: everything that serves other peers the files this client
 * holds, and the sources its downloads pull from. It answers probes, carries WebRTC
 * signals over the socket, serves data channels and relay sessions within the upload
 * budget (`max_upload_rate`, `max_concurrent_uploads`), and registers this user as a
 * seeder of the files it completes.
 */
import { AuthorizationLedger } from './authorizations.js';
import type { ChatFilesConfig } from './wire/config.js';
import type { ServerToClientEvents } from './wire/protocol.js';
import type { RestClient } from './rest-client.js';
import { request, type ChatFilesSocket } from './socket-requests.js';
import { ChannelSeeding } from './transports/channel-seeding.js';
import { PeerLinks } from './transports/peer-link.js';
import { RelayHub, relaySources } from './transports/relay-transport.js';
import { serverSources } from './transports/server-transport.js';
import type { PieceProvider, SourceFactory } from './transports/transport.js';
import {
  describeUploadLimits,
  UploadBudget,
  type UploadLimits,
} from './transports/upload-budget.js';
import { webRtcSources } from './transports/webrtc-source.js';

/** What {@link Seeding} needs from its client. */
export interface SeedingOptions {
  socket: ChatFilesSocket;
  config: ChatFilesConfig;
  /** The `RTCPeerConnection` constructor, or `null` without WebRTC. */
  RTCPeerConnection: typeof RTCPeerConnection | null;
  /** Where served pieces come from. */
  provider: PieceProvider;
  /** Files this client will not serve (revoked). */
  isRevoked: (fileId: string) => boolean;
  /** Diagnostics. */
  log: (message: string, error?: unknown) => void;
}

/** This client's seeding limits as the API reports them. */
export interface UploadLimitsReport extends UploadLimits {
  /** Peers being served now. */
  active_uploads: number;
  /** A sentence for a tooltip, e.g. "Sharing with others: at most 2 MiB/s, up to 8 peers at once." */
  description: string;
}

/** Serves peers and provides the download sources of one client. */
export class Seeding {
  private readonly options: SeedingOptions;
  private readonly ledger = new AuthorizationLedger();
  private readonly budget: UploadBudget;
  private readonly channels: ChannelSeeding;
  private readonly links: PeerLinks;
  private readonly relay: RelayHub;
  private readonly detach: Array<() => void> = [];
  private destroyed = false;

  constructor(options: SeedingOptions) {
    this.options = options;
    const { socket, config, provider, isRevoked } = options;
    this.budget = new UploadBudget({
      max_upload_rate: config.max_upload_rate,
      max_concurrent_uploads: config.max_concurrent_uploads,
    });
    this.channels = new ChannelSeeding({
      chunkSize: config.chunk_size,
      provider,
      isAuthorized: (fileId, socketId) => this.ledger.has(fileId, socketId),
      refuse: isRevoked,
      budget: this.budget,
    });
    this.links = new PeerLinks({
      RTCPeerConnection: options.RTCPeerConnection,
      iceServers: config.ice_servers,
      localId: () => socket.id ?? '',
      signal: (message) => {
        if (socket.connected) socket.emit('chat:file:signal', message);
      },
      onChannel: (link, channel) => this.channels.serve(link, channel),
      authorize: (fileId, socketId) => this.ledger.grant(fileId, socketId),
    });
    this.relay = new RelayHub({
      socket,
      provider,
      chunkSize: config.chunk_size,
      windowFrames: config.relay_batch_size,
      refuse: isRevoked,
      budget: this.budget,
      onServed: (fileId, socketId) => this.ledger.grant(fileId, socketId),
    });
    this.on('chat:file:signal', (event) => this.links.receive(event));
    this.on('chat:file:probe', (event) => void this.answerProbe(event));
  }

  private on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]) {
    this.options.socket.on(event, listener as never);
    this.detach.push(() => this.options.socket.off(event, listener as never));
  }

  /** The ways downloads reach a source, in the order they are tried for each candidate. */
  sources(rest: RestClient): SourceFactory[] {
    const { webrtc_timeout } = this.options.config;
    return [
      webRtcSources(this.links, webrtc_timeout),
      relaySources(this.relay, webrtc_timeout),
      serverSources(rest),
    ];
  }

  /** The seeding limits, the uploads running now and a tooltip sentence. */
  get limits(): UploadLimitsReport {
    const limits = this.budget.current;
    return {
      ...limits,
      active_uploads: this.budget.activeUploads,
      description: describeUploadLimits(limits),
    };
  }

  /** Changes the seeding limits (already validated). */
  setLimits(limits: Partial<UploadLimits>): void {
    this.budget.set(limits);
  }

  /** Tells the peers being served `fileId` that this client now holds piece `index` too. */
  announce(fileId: string, index: number): void {
    this.channels.announce(fileId, index);
  }

  /** Registers this user as a seeder of a file it holds completely. */
  register(fileId: string): void {
    if (this.destroyed) return;
    void request(this.options.socket, 'chat:file:seed_registered', { file_id: fileId }).catch(
      (error) => this.options.log(`seed registration of ${fileId} failed`, error),
    );
  }

  private async answerProbe(
    event: Parameters<ServerToClientEvents['chat:file:probe']>[0],
  ): Promise<void> {
    const { socket, provider } = this.options;
    if (this.destroyed || event.requester_socket_id === socket.id) return;
    const held = await provider.lookup(event.file_id).catch(() => null);
    if (!held || held.room_id !== event.room_id) return;
    // The server delivered this probe only to members of the room: the asker may have it.
    this.ledger.grant(event.file_id, event.requester_socket_id);
    socket.emit('chat:file:probe_response', {
      file_id: event.file_id,
      has_file: true,
      requester_socket_id: event.requester_socket_id,
      ...(held.pieces ? { pieces: held.pieces.indexes() } : {}),
    });
  }

  /** Stops serving: relay sessions, data channels, peer connections, listeners. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.relay.destroy();
    this.channels.destroy();
    this.links.destroy();
    for (const off of this.detach) off();
    this.detach.length = 0;
    this.ledger.clear();
  }
}
