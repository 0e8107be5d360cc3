/**
 * Mirrors play, pause and seek of a card's video or audio preview across the room, and
 * applies what others do, without echoing remote actions back.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MediaSyncAction } from '../../core/wire/protocol.js';
import type { ChatFilesLike } from '../shared/client-api.js';

/** Remote positions closer than this are not worth a seek (avoids stutter). */
const SEEK_TOLERANCE_S = 0.5;
/** Media events fired within this window after a remote action are its echoes. */
const ECHO_WINDOW_MS = 400;

/** Syncs one media element of one card. */
export class MediaSyncController implements ReactiveController {
  private media: HTMLMediaElement | null = null;
  private unsubscribe: (() => void) | null = null;
  private remoteUntil = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly context: () => {
      client: ChatFilesLike | null;
      roomId: string;
      fileId: string;
    },
  ) {
    host.addController(this);
  }

  /** Starts syncing `media` (or stops, with `null`). */
  attach(media: HTMLMediaElement | null): void {
    if (media === this.media) return;
    this.detach();
    this.media = media;
    if (!media) return;
    media.addEventListener('play', this.onLocal);
    media.addEventListener('pause', this.onLocal);
    media.addEventListener('seeked', this.onLocal);
    const { client, fileId } = this.context();
    this.unsubscribe =
      client?.onMediaSync(fileId, (p) => this.applyRemote(p.action, p.time)) ?? null;
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.detach();
  }

  private detach(): void {
    const media = this.media;
    if (media) {
      media.removeEventListener('play', this.onLocal);
      media.removeEventListener('pause', this.onLocal);
      media.removeEventListener('seeked', this.onLocal);
    }
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.media = null;
  }

  private readonly onLocal = (event: Event) => {
    if (Date.now() < this.remoteUntil) return;
    const media = this.media;
    const { client, roomId, fileId } = this.context();
    if (!media || !client) return;
    const action: MediaSyncAction =
      event.type === 'seeked' ? 'seek' : (event.type as 'play' | 'pause');
    client.sendMediaSync(roomId, fileId, action, media.currentTime);
  };

  private applyRemote(action: MediaSyncAction, time: number): void {
    const media = this.media;
    if (!media || !Number.isFinite(time)) return;
    this.remoteUntil = Date.now() + ECHO_WINDOW_MS;
    if (Math.abs(media.currentTime - time) > SEEK_TOLERANCE_S) media.currentTime = time;
    if (action === 'play') void media.play().catch(() => undefined);
    if (action === 'pause') media.pause();
  }
}
