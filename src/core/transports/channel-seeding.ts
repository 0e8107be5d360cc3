/**
 * The seeding side of WebRTC: serves the data channels peers open to download a file this
 * client holds. The requester asks for pieces (`want`); the seeder pipelines frames,
 * pausing only when the channel's buffer is above a high-water mark until
 * `bufferedamountlow` fires, and within the client's upload budget (rate and peers at
 * once). There is no stop-and-wait per batch.
 */
import {
  FRAME_HEADER_BYTES,
  framePayloadBytes,
  parseChannelMessage,
  writeFrame,
  type ChannelMessage,
} from './frames.js';
import { CHANNEL_PREFIX, type PeerLink } from './peer-link.js';
import type { PieceSet } from '../pieces.js';
import type { PieceProvider } from './transport.js';
import type { UploadBudget } from './upload-budget.js';

/** The seeder pauses sending above this many buffered bytes... */
const BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
/** ...and resumes when the buffer drains below this. Low enough to refill before it runs dry. */
const BUFFER_LOW_BYTES = 1024 * 1024;

/** Pieces listed in one `have` message: well within any channel's message size. */
const HAVE_BATCH = 4096;

/** Options of {@link ChannelSeeding}. */
export interface ChannelSeedingOptions {
  /** Payload bytes per frame (`chunk_size`). */
  chunkSize: number;
  /** Where served pieces come from. */
  provider: PieceProvider;
  /** Whether `socketId` may download `fileId` (it asked through the server). */
  isAuthorized: (fileId: string, socketId: string) => boolean;
  /** Files this client will not serve (revoked). */
  refuse?: (fileId: string) => boolean;
  /** The client's upload rate and concurrency limits. */
  budget: UploadBudget;
}

/** Serves the file channels peers open to this client. */
export class ChannelSeeding {
  /** Options it was built with. */
  readonly options: ChannelSeedingOptions;
  private readonly servers = new Set<ChannelServer>();

  constructor(options: ChannelSeedingOptions) {
    this.options = options;
  }

  /** Channels this client is serving right now. */
  get servingCount(): number {
    return this.servers.size;
  }

  /** Serves a channel a peer opened on `link`. */
  serve(link: PeerLink, channel: RTCDataChannel): void {
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
    const release = this.options.budget.acquire();
    if (!release) return refuse('ERR_RATE_LIMITED', 'Serving as many peers as allowed.');
    const server = new ChannelServer(
      this.options,
      channel,
      fileId,
      () => link.pc.sctp?.maxMessageSize,
    );
    this.servers.add(server);
    channel.addEventListener('close', () => {
      this.servers.delete(server);
      release();
    });
    void server.run();
  }

  /**
   * Tells the peers this client serves `fileId` to that it now holds piece `index` as well
   * (it is still downloading the file), so they can ask for it.
   */
  announce(fileId: string, index: number): void {
    for (const server of this.servers) if (server.fileId === fileId) server.have(index);
  }

  /** Closes every channel being served. */
  destroy(): void {
    for (const server of [...this.servers]) server.close();
    this.servers.clear();
  }
}

/** Serves one file over one data channel: queued pieces, pipelined frames. */
class ChannelServer {
  private readonly options: ChannelSeedingOptions;
  private readonly channel: RTCDataChannel;
  /** The file served. */
  readonly fileId: string;
  /** Pieces held, `null` for all. */
  private pieces: PieceSet | null = null;
  /** Pieces announced before the channel was ready to tell the peer. */
  private early: number[] | null = [];
  private readonly maxMessageSize: () => number | undefined;
  private readonly queue: number[] = [];
  /** Pieces the requester no longer wants (delivered by another source). */
  private readonly cancelled = new Set<number>();
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    options: ChannelSeedingOptions,
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
        for (const index of message.pieces) this.cancelled.delete(index);
        this.queue.push(...message.pieces);
        this.wake?.();
      } else if (message?.t === 'cancel') {
        for (const index of message.pieces) {
          const queued = this.queue.indexOf(index);
          if (queued !== -1) this.queue.splice(queued, 1);
          else this.cancelled.add(index);
        }
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
    this.pieces = held.pieces;
    await this.waitOpen();
    for (const index of this.early ?? []) this.pieces?.add(index);
    this.early = null;
    // What the peer knows comes from an earlier probe answer: tell it everything held now
    // (as a BitTorrent bitfield does), then each piece as it is stored.
    const holding = this.pieces?.indexes() ?? [];
    for (let i = 0; i < holding.length; i += HAVE_BATCH) {
      this.sendControl({ t: 'have', pieces: holding.slice(i, i + HAVE_BATCH) });
    }
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
        if (!bytes || (this.pieces && !this.pieces.has(current.index))) {
          this.sendControl({ t: 'missing', pieces: [current.index] });
          continue;
        }
        const view = new Uint8Array(bytes);
        for (
          let offset = 0;
          offset < view.byteLength && !this.closed && !this.cancelled.has(current.index);
          offset += payload
        ) {
          await this.drain();
          const paced = this.options.budget.spend(Math.min(payload, view.byteLength - offset));
          if (paced) await paced;
          if (this.closed || this.cancelled.has(current.index)) break;
          this.channel.send(
            writeFrame(frame, current.index, offset, view.subarray(offset, offset + payload)),
          );
        }
        this.cancelled.delete(current.index);
      }
    } catch {
      // The channel closed under us (send on a closing channel throws); nothing to clean up.
    }
  }

  /** Closes the channel (its close event ends the serving). */
  close(): void {
    this.channel.close();
  }

  /** Announces a piece this client stored since the channel opened. */
  have(index: number): void {
    if (this.early) {
      this.early.push(index);
      return;
    }
    // A complete file needs no announcements; a piece already held was announced.
    if (!this.pieces?.add(index)) return;
    this.sendControl({ t: 'have', pieces: [index] });
  }

  private waitOpen(): Promise<void> {
    if (this.channel.readyState === 'open') return Promise.resolve();
    return new Promise((resolve) => {
      this.channel.addEventListener('open', () => resolve(), { once: true });
      this.channel.addEventListener('close', () => resolve(), { once: true });
    });
  }

  private sendControl(message: ChannelMessage): void {
    if (this.channel.readyState !== 'open') return;
    try {
      this.channel.send(JSON.stringify(message));
    } catch {
      // Closing under us; its close event ends the serving.
    }
  }
}
