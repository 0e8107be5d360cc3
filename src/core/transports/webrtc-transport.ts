/**
 * WebRTC data channels, both ways: downloading from a seeder ({@link WebRtcSource}) and
 * serving the files this client holds to whoever asks ({@link PeerLinks} answers offers
 * and serves channels).
 *
 * One `RTCPeerConnection` per pair of sockets, reused for every file between them; one
 * ordered, reliable data channel per file transfer, labelled `chat-files:<file_id>`.
 * Signalling goes through `chat:file:signal`, so the server checks that both ends are
 * members of the file's room; offers from both sides at once are resolved with the
 * "perfect negotiation" pattern (the socket with the smaller id is the polite peer).
 *
 * `signal_data` (opaque to the server) is {@link SignalData}: the sender's connection id,
 * then a description, a candidate, `unsupported` (this browser has no WebRTC: fall back at
 * once) or `bye` (the connection was closed on purpose).
 *
 * The requester asks for a window of pieces and tops it up as pieces are stored; the
 * seeder pipelines frames, pausing only when the channel's buffer is above a high-water
 * mark until `bufferedamountlow` fires. There is no stop-and-wait per batch.
 */
import { ChatFilesClientError } from '../errors.js';
import type { IceServerConfig } from '../config.js';
import type { PieceSet } from '../pieces.js';
import type { ServerToClientEvents, SignalType } from '../protocol.js';
import type { ChatFilesSocket } from '../socket-requests.js';
import {
  decodeFrame,
  FRAME_HEADER_BYTES,
  framePayloadBytes,
  PieceAssembler,
  parseChannelMessage,
  writeFrame,
  type ChannelMessage,
} from './frames.js';
import type { FileDescriptor, PieceProvider, PieceSink, PieceSource } from './transport.js';

/** Label prefix of a file's data channel. */
export const CHANNEL_PREFIX = 'chat-files:';

/**
 * Pieces asked for at once on one channel. Sixteen 1 MiB pieces cover the bandwidth-delay
 * product of a fast link plus the cache's commit latency, and bound the memory of pieces
 * being assembled.
 */
const PIECES_IN_FLIGHT = 16;
/** Top the window up when this many slots are free, so requests go out in small batches. */
const REFILL_AT = 4;
/** The seeder pauses sending above this many buffered bytes... */
const BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
/** ...and resumes when the buffer drains below this. Low enough to refill before it runs dry. */
const BUFFER_LOW_BYTES = 1024 * 1024;
/** A channel with outstanding pieces and no frame for this long is considered lost. */
const CHANNEL_STALL_MS = 15_000;
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

type SignalEvent = Parameters<ServerToClientEvents['chat:file:signal']>[0];

/** Options of {@link PeerLinks}. */
export interface PeerLinksOptions {
  socket: ChatFilesSocket;
  /** The constructor to use; `null` when this browser (or the host) has no WebRTC. */
  RTCPeerConnection: typeof RTCPeerConnection | null;
  iceServers: IceServerConfig[];
  /** Payload bytes per frame (`chunk_size`). */
  chunkSize: number;
  /** Where served pieces come from. */
  provider: PieceProvider;
  /** Whether `socketId` may download `fileId` (it asked through the server). */
  isAuthorized: (fileId: string, socketId: string) => boolean;
  /** Records that `socketId` asked for `fileId` through the server. */
  authorize: (fileId: string, socketId: string) => void;
  /** Files this client will not serve (revoked). */
  refuse?: (fileId: string) => boolean;
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
    this.polite = (links.options.socket.id ?? '') < remote.socketId;
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
      links.serveChannel(this, channel);
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
    const { socket } = this.links.options;
    if (!socket.connected) return;
    socket.emit('chat:file:signal', {
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
  private readonly serving = new Set<RTCDataChannel>();
  private readonly detach: Array<() => void> = [];
  private destroyed = false;

  constructor(options: PeerLinksOptions) {
    this.options = options;
    const onSignal = (event: SignalEvent) => this.onSignal(event);
    options.socket.on('chat:file:signal', onSignal);
    this.detach.push(() => options.socket.off('chat:file:signal', onSignal));
  }

  /** True when this client can create peer connections. */
  get supported(): boolean {
    return this.options.RTCPeerConnection !== null && !this.destroyed;
  }

  /** Open connections (for diagnostics and tests). */
  get size(): number {
    return this.links.size;
  }

  /** Channels this client is serving right now. */
  get servingCount(): number {
    return this.serving.size;
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

  private onSignal(event: SignalEvent): void {
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
        this.options.socket.emit('chat:file:signal', {
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

  /** Serves a channel a peer opened on `link`. */
  serveChannel(link: PeerLink, channel: RTCDataChannel): void {
    channel.binaryType = 'arraybuffer';
    const fileId = channel.label.startsWith(CHANNEL_PREFIX)
      ? channel.label.slice(CHANNEL_PREFIX.length)
      : null;
    const refuse = (code: string, message: string) => {
      const send = () => {
        try {
          channel.send(JSON.stringify({ t: 'error', code, message } satisfies ChannelMessage));
        } finally {
          setTimeout(() => channel.close(), 100);
        }
      };
      if (channel.readyState === 'open') send();
      else channel.addEventListener('open', send, { once: true });
    };
    if (!fileId) return refuse('ERR_BAD_REQUEST', 'Unknown channel.');
    if (this.options.refuse?.(fileId)) return refuse('ERR_GONE', 'The file was revoked.');
    if (!this.options.isAuthorized(fileId, link.remoteSocketId)) {
      return refuse('ERR_FORBIDDEN', 'Ask for the file through the chat server first.');
    }
    this.serving.add(channel);
    channel.addEventListener('close', () => this.serving.delete(channel));
    void new ChannelServer(this.options, channel, fileId, () => link.pc.sctp?.maxMessageSize).run();
  }

  /** Closes every connection and stops answering. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const off of this.detach) off();
    for (const link of [...this.links.values()]) link.close(true);
    this.links.clear();
  }
}

/** Serves one file over one data channel: queued pieces, pipelined frames. */
class ChannelServer {
  private readonly options: PeerLinksOptions;
  private readonly channel: RTCDataChannel;
  private readonly fileId: string;
  private readonly maxMessageSize: () => number | undefined;
  private readonly queue: number[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    options: PeerLinksOptions,
    channel: RTCDataChannel,
    fileId: string,
    maxMessageSize: () => number | undefined,
  ) {
    this.options = options;
    this.channel = channel;
    this.fileId = fileId;
    this.maxMessageSize = maxMessageSize;
    channel.bufferedAmountLowThreshold = BUFFER_LOW_BYTES;
    channel.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = parseChannelMessage(event.data);
      if (message?.t === 'want') {
        this.queue.push(...message.pieces);
        this.wake?.();
      }
    });
    channel.addEventListener('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => {
      this.wake = null;
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.channel.bufferedAmount > BUFFER_HIGH_BYTES) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.channel.removeEventListener('bufferedamountlow', done);
          this.channel.removeEventListener('close', done);
          resolve();
        };
        this.channel.addEventListener('bufferedamountlow', done);
        this.channel.addEventListener('close', done);
      });
    }
  }

  async run(): Promise<void> {
    const held = await this.options.provider.lookup(this.fileId).catch(() => null);
    if (!held) {
      this.sendControl({ t: 'error', code: 'ERR_NOT_FOUND', message: 'Not holding this file.' });
      setTimeout(() => this.channel.close(), 100);
      return;
    }
    await this.waitOpen();
    const payload = framePayloadBytes(this.options.chunkSize, this.maxMessageSize());
    const frame = new Uint8Array(FRAME_HEADER_BYTES + payload);
    const read = (index: number) =>
      this.options.provider.readPiece(this.fileId, index).catch(() => null);
    let ahead: { index: number; bytes: Promise<ArrayBuffer | null> } | null = null;
    try {
      while (!this.closed) {
        let current = ahead;
        ahead = null;
        if (!current) {
          const index = this.queue.shift();
          if (index === undefined) {
            await this.sleep();
            continue;
          }
          current = { index, bytes: read(index) };
        }
        const bytes = await current.bytes;
        // Read the next piece while this one is on the wire.
        const following = this.queue.shift();
        if (following !== undefined) ahead = { index: following, bytes: read(following) };
        if (!bytes || (held.pieces !== null && !held.pieces.has(current.index))) {
          this.sendControl({ t: 'missing', pieces: [current.index] });
          continue;
        }
        const view = new Uint8Array(bytes);
        for (let offset = 0; offset < view.byteLength && !this.closed; offset += payload) {
          await this.drain();
          if (this.closed) break;
          this.channel.send(
            writeFrame(frame, current.index, offset, view.subarray(offset, offset + payload)),
          );
        }
      }
    } catch {
      // The channel closed under us (send on a closing channel throws); nothing to clean up.
    }
  }

  private waitOpen(): Promise<void> {
    if (this.channel.readyState === 'open') return Promise.resolve();
    return new Promise((resolve) => {
      this.channel.addEventListener('open', () => resolve(), { once: true });
      this.channel.addEventListener('close', () => resolve(), { once: true });
    });
  }

  private sendControl(message: ChannelMessage): void {
    if (this.channel.readyState === 'open') this.channel.send(JSON.stringify(message));
  }
}

/** Options of {@link WebRtcSource}. */
export interface WebRtcSourceOptions {
  links: PeerLinks;
  file: FileDescriptor;
  username: string;
  socketId: string;
  /** Pieces the seeder advertised, or null for all. */
  available?: PieceSet | null;
  /** How long to wait for the channel to open (`webrtc_timeout`). */
  timeoutMs: number;
}

/** A {@link PieceSource} over a WebRTC data channel to one seeder socket. */
export class WebRtcSource implements PieceSource {
  readonly kind = 'webrtc' as const;
  readonly peer: string;
  readonly id: string;
  readonly available: PieceSet | null;
  private readonly options: WebRtcSourceOptions;
  private channel: RTCDataChannel | null = null;
  private readonly controller = new AbortController();

  constructor(options: WebRtcSourceOptions) {
    this.options = options;
    this.peer = options.username;
    this.id = `webrtc:${options.username}:${options.socketId}`;
    this.available = options.available ?? null;
  }

  async open(signal: AbortSignal): Promise<void> {
    const { links, file, username, socketId, timeoutMs } = this.options;
    const link = links.connect(
      { socketId, username },
      { roomId: file.room_id, fileId: file.file_id },
    );
    const combined = AbortSignal.any([signal, this.controller.signal]);
    this.channel = await link.openChannel(file.file_id, timeoutMs, combined);
  }

  fetch(pieces: readonly number[], sink: PieceSink, signal: AbortSignal): Promise<void> {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') {
      return Promise.reject(
        new ChatFilesClientError('ERR_NETWORK', 'The data channel is not open.'),
      );
    }
    if (pieces.length === 0) return Promise.resolve();
    const { file } = this.options;
    const combined = AbortSignal.any([signal, this.controller.signal]);
    const assembler = new PieceAssembler(file.size, file.manifest);
    const queue = [...pieces];
    const outstanding = new Set<number>();
    let delivering = 0;

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let stallTimer: ReturnType<typeof setTimeout> | null = null;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        if (stallTimer !== null) clearTimeout(stallTimer);
        channel.removeEventListener('message', onMessage);
        channel.removeEventListener('close', onClose);
        combined.removeEventListener('abort', onAbort);
        assembler.clear();
        if (error === undefined) resolve();
        else reject(error);
      };
      const armStall = () => {
        if (stallTimer !== null) clearTimeout(stallTimer);
        stallTimer = null;
        if (outstanding.size === 0 || delivering > 0) return;
        stallTimer = setTimeout(
          () => finish(new ChatFilesClientError('ERR_TIMEOUT', 'The peer stopped sending.')),
          CHANNEL_STALL_MS,
        );
      };
      const refill = (force: boolean) => {
        const free = PIECES_IN_FLIGHT - outstanding.size - delivering;
        if (queue.length === 0 || free <= 0 || (!force && free < REFILL_AT)) return;
        const batch = queue.splice(0, free);
        for (const index of batch) outstanding.add(index);
        try {
          channel.send(JSON.stringify({ t: 'want', pieces: batch } satisfies ChannelMessage));
        } catch (error) {
          // The channel is closing under us; its close event ends the fetch as well.
          finish(
            new ChatFilesClientError('ERR_NETWORK', 'The data channel closed.', { cause: error }),
          );
        }
      };
      const checkDone = () => {
        if (queue.length === 0 && outstanding.size === 0 && delivering === 0) finish();
      };
      const onMessage = (event: MessageEvent) => {
        if (settled) return;
        if (typeof event.data === 'string') {
          const message = parseChannelMessage(event.data);
          if (message?.t === 'missing') {
            for (const index of message.pieces) {
              outstanding.delete(index);
              assembler.drop(index);
            }
            refill(true);
            armStall();
            checkDone();
          } else if (message?.t === 'error') {
            finish(
              new ChatFilesClientError('ERR_UNAVAILABLE', `The peer refused: ${message.message}`),
            );
          }
          return;
        }
        const frame = decodeFrame(event.data as ArrayBuffer);
        let piece: ArrayBuffer | null = null;
        try {
          if (!frame || !outstanding.has(frame.index)) throw new RangeError('unexpected frame');
          piece = assembler.add(frame.index, frame.offset, frame.payload);
        } catch (error) {
          return finish(new ChatFilesClientError('ERR_PROTOCOL', (error as Error).message));
        }
        armStall();
        if (!piece) return;
        const index = frame.index;
        outstanding.delete(index);
        delivering++;
        sink.deliver(index, piece).then(
          () => {
            delivering--;
            if (settled) return;
            refill(false);
            armStall();
            checkDone();
          },
          (error: unknown) => finish(error),
        );
      };
      const onClose = () =>
        finish(new ChatFilesClientError('ERR_NETWORK', 'The peer closed the data channel.'));
      const onAbort = () => finish(combined.reason);
      channel.addEventListener('message', onMessage);
      channel.addEventListener('close', onClose);
      combined.addEventListener('abort', onAbort, { once: true });
      refill(true);
      armStall();
    });
  }

  close(): void {
    this.controller.abort(new DOMException('Source closed.', 'AbortError'));
    this.channel?.close();
    this.channel = null;
  }
}
