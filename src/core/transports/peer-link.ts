/**
 * Peer connections: one `RTCPeerConnection` per pair of sockets ({@link PeerLink}), reused
 * for every file between them, kept in a pool keyed by remote socket ({@link PeerLinks}).
 *
 * Signalling is the app's business, as with simple-peer: a link hands each outgoing signal
 * to the `signal` callback, and the app passes incoming ones to {@link PeerLinks.receive}.
 * The client carries them over `chat:file:signal`, so the server checks that both ends are
 * members of the file's room. Offers from both sides at once are resolved with the
 * "perfect negotiation" pattern (the socket with the smaller id is the polite peer).
 *
 * `signal_data` (opaque to the server) is {@link SignalData}: the sender's connection id,
 * then a description, a candidate, `unsupported` (this browser has no WebRTC: fall back at
 * once) or `bye` (the connection was closed on purpose).
 */
import { ChatFilesClientError } from '../errors.js';
import type { IceServerConfig } from '../wire/config.js';
import type { FileSignalPayload, ServerToClientEvents, SignalType } from '../wire/protocol.js';

/** Label prefix of a file's data channel. */
export const CHANNEL_PREFIX = 'chat-files:';

/** A connection with no open channel for this long is closed to free its resources. */
const IDLE_LINK_MS = 60_000;

/** What travels in `signal_data` (ours; the server only relays it). */
export interface SignalData {
  /** Id of the sender's `RTCPeerConnection`, so a fresh connection is never mistaken for renegotiation. */
  pc: string;
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
  /** The sender cannot do WebRTC; the reason is informative. */
  unsupported?: string;
  /** The sender closed connection `pc`. */
  bye?: boolean;
}

/** A signal addressed to this client, as `chat:file:signal` delivers it. */
export type IncomingSignal = Parameters<ServerToClientEvents['chat:file:signal']>[0];

/** A signal to send to a remote socket, as `chat:file:signal` takes it. */
export type OutgoingSignal = FileSignalPayload & { signal_data: SignalData };

/** Options of {@link PeerLinks}. */
export interface PeerLinksOptions {
  /** The constructor to use; `null` when this browser (or the host) has no WebRTC. */
  RTCPeerConnection: typeof RTCPeerConnection | null;
  iceServers: IceServerConfig[];
  /** This client's socket id (decides which end is polite). */
  localId: () => string;
  /** Sends a signal to the remote end; the app carries it (dropped when offline). */
  signal: (message: OutgoingSignal) => void;
  /** A remote peer opened a data channel on `link` (the seeding side serves it). */
  onChannel: (link: PeerLink, channel: RTCDataChannel) => void;
  /** Records that `socketId` asked for `fileId` through the server (it signalled for it). */
  authorize: (fileId: string, socketId: string) => void;
}

const randomId = () => crypto.randomUUID();

/** One `RTCPeerConnection` to one remote socket. */
export class PeerLink {
  /** Our connection id (`SignalData.pc`). */
  readonly id = randomId();
  /** The remote socket. */
  readonly remoteSocketId: string;
  /** The remote user. */
  readonly remoteUsername: string;
  /** The underlying connection. */
  readonly pc: RTCPeerConnection;
  /** The remote connection id, once known. */
  remoteId: string | null = null;
  /** Room and file the next signal is sent for (the server checks the pair). */
  context: { roomId: string; fileId: string };
  private readonly links: PeerLinks;
  private readonly polite: boolean;
  private makingOffer = false;
  private ignoreOffer = false;
  private signals: Promise<void> = Promise.resolve();
  private failure: ChatFilesClientError | null = null;
  private readonly failureListeners = new Set<(error: ChatFilesClientError) => void>();
  private readonly channels = new Set<RTCDataChannel>();
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    links: PeerLinks,
    remote: { socketId: string; username: string },
    context: { roomId: string; fileId: string },
  ) {
    this.links = links;
    this.remoteSocketId = remote.socketId;
    this.remoteUsername = remote.username;
    this.context = context;
    this.polite = links.options.localId() < remote.socketId;
    const Ctor = links.options.RTCPeerConnection!;
    this.pc = new Ctor({ iceServers: links.options.iceServers });
    this.pc.onnegotiationneeded = () => void this.offer();
    this.pc.onicecandidate = ({ candidate }) => {
      // The end-of-candidates marker carries nothing the other side needs.
      if (candidate) this.send('ice-candidate', { pc: this.id, candidate: candidate.toJSON() });
    };
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state === 'failed') this.fail('The peer-to-peer connection failed.');
      else if (state === 'closed') this.fail('The peer-to-peer connection closed.');
    };
    this.pc.oniceconnectionstatechange = () => {
      if (this.pc.iceConnectionState === 'failed')
        this.fail('No network path to the peer (ICE failed).');
    };
    this.pc.ondatachannel = ({ channel }) => {
      this.track(channel);
      links.options.onChannel(this, channel);
    };
    this.armIdle();
  }

  /** The error that ended this link, if it ended. */
  get failed(): ChatFilesClientError | null {
    return this.failure;
  }

  /** Calls `listener` once if and when the link fails (at once if it already has). */
  onFailure(listener: (error: ChatFilesClientError) => void): () => void {
    if (this.failure) {
      listener(this.failure);
      return () => {};
    }
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  private send(type: SignalType, data: SignalData): void {
    this.links.options.signal({
      target_username: this.remoteUsername,
      target_socket_id: this.remoteSocketId,
      room_id: this.context.roomId,
      file_id: this.context.fileId,
      signal_type: type,
      signal_data: data,
    });
  }

  private async offer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      if (this.pc.localDescription) {
        this.send('offer', { pc: this.id, description: this.pc.localDescription.toJSON() });
      }
    } catch (error) {
      this.fail(`Could not create a WebRTC offer: ${(error as Error).message}`);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Applies a signal from the remote end; signals are handled one at a time, in order. */
  handle(type: SignalType, data: SignalData): void {
    this.signals = this.signals.then(async () => {
      if (this.failure) return;
      if (data.unsupported) {
        return this.fail(`The peer cannot use WebRTC (${data.unsupported}).`);
      }
      if (data.bye) return this.fail('The peer closed the connection.');
      try {
        if (data.description && (type === 'offer' || type === 'answer')) {
          const description = data.description;
          const collision =
            description.type === 'offer' &&
            (this.makingOffer || this.pc.signalingState !== 'stable');
          this.ignoreOffer = !this.polite && collision;
          if (this.ignoreOffer) return;
          await this.pc.setRemoteDescription(description);
          if (description.type === 'offer') {
            await this.pc.setLocalDescription();
            if (this.pc.localDescription) {
              this.send('answer', { pc: this.id, description: this.pc.localDescription.toJSON() });
            }
          }
        } else if (data.candidate) {
          try {
            await this.pc.addIceCandidate(data.candidate);
          } catch (error) {
            if (!this.ignoreOffer) throw error;
          }
        }
      } catch (error) {
        this.fail(`WebRTC signalling failed: ${(error as Error).message}`);
      }
    });
  }

  private track(channel: RTCDataChannel): void {
    this.channels.add(channel);
    this.disarmIdle();
    channel.addEventListener('close', () => {
      this.channels.delete(channel);
      if (this.channels.size === 0) this.armIdle();
    });
  }

  private armIdle(): void {
    this.disarmIdle();
    this.idleTimer = setTimeout(() => this.close(true), IDLE_LINK_MS);
  }

  private disarmIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /**
   * Opens the data channel of a file and resolves once it is open. Rejects at once when
   * the link fails (ICE failed, the peer has no WebRTC), else after `timeoutMs`.
   */
  openChannel(fileId: string, timeoutMs: number, signal: AbortSignal): Promise<RTCDataChannel> {
    if (this.failure) return Promise.reject(this.failure);
    const channel = this.pc.createDataChannel(`${CHANNEL_PREFIX}${fileId}`, { ordered: true });
    channel.binaryType = 'arraybuffer';
    this.track(channel);
    return new Promise<RTCDataChannel>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        offFailure();
        signal.removeEventListener('abort', onAbort);
        channel.removeEventListener('open', onOpen);
        channel.removeEventListener('close', onClose);
      };
      const failWith = (error: unknown) => {
        cleanup();
        channel.close();
        reject(error);
      };
      const onOpen = () => {
        cleanup();
        resolve(channel);
      };
      const onClose = () =>
        failWith(
          new ChatFilesClientError('ERR_NETWORK', 'The data channel closed before opening.'),
        );
      const onAbort = () => failWith(signal.reason);
      const timer = setTimeout(
        () =>
          failWith(
            new ChatFilesClientError('ERR_TIMEOUT', 'The peer-to-peer connection timed out.'),
          ),
        timeoutMs,
      );
      const offFailure = this.onFailure(failWith);
      signal.addEventListener('abort', onAbort, { once: true });
      channel.addEventListener('open', onOpen);
      channel.addEventListener('close', onClose);
    });
  }

  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new ChatFilesClientError('ERR_NETWORK', message);
    for (const listener of this.failureListeners) listener(this.failure);
    this.failureListeners.clear();
    this.shutdown();
  }

  private shutdown(): void {
    this.disarmIdle();
    for (const channel of this.channels) channel.close();
    this.channels.clear();
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.ondatachannel = null;
    this.pc.close();
    this.links.forget(this);
  }

  /** Closes the connection; with `tellPeer`, the peer learns at once (a `bye` signal). */
  close(tellPeer = false): void {
    if (this.failure) return;
    if (tellPeer) this.send('ice-candidate', { pc: this.id, bye: true });
    this.fail('The connection was closed.');
  }
}

/**
 * The client's peer connections, keyed by remote socket: creates them for downloads,
 * answers offers from others, and serves file channels opened by peers.
 */
export class PeerLinks {
  /** Options the pool was built with. */
  readonly options: PeerLinksOptions;
  private readonly links = new Map<string, PeerLink>();
  private destroyed = false;

  constructor(options: PeerLinksOptions) {
    this.options = options;
  }

  /** True when this client can create peer connections. */
  get supported(): boolean {
    return this.options.RTCPeerConnection !== null && !this.destroyed;
  }

  /** Open connections (for diagnostics and tests). */
  get size(): number {
    return this.links.size;
  }

  /** The open link to a remote socket, if any (reused across files). */
  get(socketId: string): PeerLink | undefined {
    const link = this.links.get(socketId);
    return link && !link.failed ? link : undefined;
  }

  /** The link to a remote socket, created (as the offerer) when there is none. */
  connect(
    remote: { socketId: string; username: string },
    context: { roomId: string; fileId: string },
  ): PeerLink {
    if (!this.supported) {
      throw new ChatFilesClientError('ERR_UNAVAILABLE', 'WebRTC is not available in this browser.');
    }
    let link = this.links.get(remote.socketId);
    if (link && !link.failed) {
      link.context = context;
      return link;
    }
    link = new PeerLink(this, remote, context);
    this.links.set(remote.socketId, link);
    return link;
  }

  /** Removes a closed link from the pool. */
  forget(link: PeerLink): void {
    if (this.links.get(link.remoteSocketId) === link) this.links.delete(link.remoteSocketId);
  }

  /** Applies a signal the app received for this client (simple-peer's `peer.signal()`). */
  receive(event: IncomingSignal): void {
    if (this.destroyed) return;
    const data = event.signal_data as SignalData | null;
    if (typeof data !== 'object' || data === null || typeof data.pc !== 'string') return;
    // The server routed this only between members of the file's room.
    this.options.authorize(event.file_id, event.from_socket_id);
    let link = this.links.get(event.from_socket_id);
    if (link && link.remoteId !== null && link.remoteId !== data.pc) {
      // The peer started a new connection (it closed or lost the old one).
      link.close();
      link = undefined;
    }
    if (!link) {
      if (data.bye || data.unsupported || event.signal_type !== 'offer') return;
      if (!this.supported) {
        this.options.signal({
          target_username: event.from_username,
          target_socket_id: event.from_socket_id,
          room_id: event.room_id,
          file_id: event.file_id,
          signal_type: 'answer',
          signal_data: { pc: 'none', unsupported: 'no-webrtc' } satisfies SignalData,
        });
        return;
      }
      link = new PeerLink(
        this,
        { socketId: event.from_socket_id, username: event.from_username },
        { roomId: event.room_id, fileId: event.file_id },
      );
      this.links.set(event.from_socket_id, link);
    }
    link.remoteId ??= data.pc;
    link.handle(event.signal_type, data);
  }

  /** Closes every connection and stops answering. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const link of [...this.links.values()]) link.close(true);
    this.links.clear();
  }
}
