/**
 * Downloading from one seeder over a WebRTC data channel: one ordered, reliable channel
 * per file transfer, labelled `chat-files:<file_id>`, on the peer link to that seeder
 * (opened if there is none, reused if there is).
 *
 * The requester keeps a window of pieces requested (its size comes from the feed, so a
 * swarm can size it to this seeder's speed) and tops it up as pieces complete.
 */
import { ChatFilesClientError } from '../errors.js';
import type { PieceSet } from '../pieces.js';
import { decodeFrame, PieceAssembler, parseChannelMessage, type ChannelMessage } from './frames.js';
import type { PeerLinks } from './peer-link.js';
import {
  asFeed,
  type FileDescriptor,
  type PieceFeed,
  type PieceSink,
  type PieceSource,
  type SourceFactory,
} from './transport.js';

/** A channel with outstanding pieces and no frame for this long is considered lost. */
const CHANNEL_STALL_MS = 15_000;
/**
 * Received pieces waiting to be verified and stored before no more are asked for: the
 * feed's depth sizes the wire, this bounds the memory a fast seeder can fill.
 */
const MAX_UNSTORED_PIECES = 8;

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

/** Makes {@link WebRtcSource}s for peer candidates, when this browser has WebRTC. */
export function webRtcSources(links: PeerLinks, timeoutMs: number): SourceFactory {
  return {
    kind: 'webrtc',
    create: (candidate, file) =>
      candidate.kind === 'peer' && links.supported
        ? new WebRtcSource({
            links,
            file,
            username: candidate.username,
            socketId: candidate.socketId,
            available: candidate.pieces,
            timeoutMs,
          })
        : null,
  };
}

/** A {@link PieceSource} over a WebRTC data channel to one seeder socket. */
export class WebRtcSource implements PieceSource {
  readonly kind = 'webrtc' as const;
  readonly peer: string;
  readonly id: string;
  readonly available: PieceSet | null;
  private readonly options: WebRtcSourceOptions;
  private channel: RTCDataChannel | null = null;
  private cancelPiece: ((index: number) => void) | null = null;
  private readonly controller = new AbortController();
  onAvailable: ((index: number) => void) | null = null;

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
    const channel = await link.openChannel(file.file_id, timeoutMs, combined);
    this.channel = channel;
    // A partial seeder announces the pieces it gets while it is connected, fetching or not.
    const available = this.available;
    if (!available) return;
    const onHave = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = parseChannelMessage(event.data);
      if (message?.t !== 'have') return;
      for (const index of message.pieces) if (available.add(index)) this.onAvailable?.(index);
    };
    channel.addEventListener('message', onHave);
    channel.addEventListener('close', () => channel.removeEventListener('message', onHave), {
      once: true,
    });
  }

  fetch(work: readonly number[] | PieceFeed, sink: PieceSink, signal: AbortSignal): Promise<void> {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') {
      return Promise.reject(
        new ChatFilesClientError('ERR_NETWORK', 'The data channel is not open.'),
      );
    }
    const feed = asFeed(work);
    const { file } = this.options;
    const combined = AbortSignal.any([signal, this.controller.signal]);
    const assembler = new PieceAssembler(file.size, file.manifest);
    const outstanding = new Set<number>();
    const cancelled = new Set<number>();
    let delivering = 0;

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let stallTimer: ReturnType<typeof setTimeout> | null = null;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        this.cancelPiece = null;
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
      const refill = () => {
        const batch: number[] = [];
        if (delivering >= MAX_UNSTORED_PIECES) return;
        let free = feed.depth() - outstanding.size;
        while (free > 0) {
          const index = feed.take();
          if (index === undefined) break;
          outstanding.add(index);
          batch.push(index);
          free--;
        }
        if (batch.length === 0) return;
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
        if (outstanding.size === 0 && delivering === 0) finish();
      };
      const onMessage = (event: MessageEvent) => {
        if (settled) return;
        if (typeof event.data === 'string') {
          const message = parseChannelMessage(event.data);
          if (message?.t === 'missing') {
            for (const index of message.pieces) {
              if (!outstanding.delete(index)) continue;
              assembler.drop(index);
              feed.skip(index);
            }
            refill();
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
        if (frame && cancelled.has(frame.index)) return; // asked elsewhere and already stored
        try {
          if (!frame || !outstanding.has(frame.index)) throw new RangeError('unexpected frame');
          piece = assembler.add(frame.index, frame.offset, frame.payload);
        } catch (error) {
          return finish(new ChatFilesClientError('ERR_PROTOCOL', (error as Error).message));
        }
        armStall();
        const index = frame.index;
        if (!piece) {
          sink.received?.(index, assembler.receivedOf(index));
          return;
        }
        outstanding.delete(index);
        delivering++;
        const delivery = sink.deliver(index, piece);
        // Ask for more before the piece is stored: the channel stays busy meanwhile.
        refill();
        delivery.then(
          () => {
            delivering--;
            if (settled) return;
            refill();
            armStall();
            checkDone();
          },
          (error: unknown) => finish(error),
        );
      };
      const onClose = () =>
        finish(new ChatFilesClientError('ERR_NETWORK', 'The peer closed the data channel.'));
      const onAbort = () => finish(combined.reason);
      this.cancelPiece = (index) => {
        if (settled || !outstanding.delete(index)) return;
        assembler.drop(index);
        cancelled.add(index);
        try {
          channel.send(JSON.stringify({ t: 'cancel', pieces: [index] } satisfies ChannelMessage));
        } catch {
          // Closing; the close event ends the fetch.
        }
        refill();
        armStall();
        checkDone();
      };
      channel.addEventListener('message', onMessage);
      channel.addEventListener('close', onClose);
      combined.addEventListener('abort', onAbort, { once: true });
      refill();
      armStall();
      checkDone();
    });
  }

  cancel(index: number): void {
    this.cancelPiece?.(index);
  }

  close(): void {
    this.controller.abort(new DOMException('Source closed.', 'AbortError'));
    this.channel?.close();
    this.channel = null;
  }
}
