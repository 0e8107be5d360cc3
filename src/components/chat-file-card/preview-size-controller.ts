/**
 * Shares a preview's size with the room when a person resizes it, and takes the size
 * others choose.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ChatFilesLike } from '../shared/client-api.js';

/** Wait for the drag to settle before telling the room. */
const RESIZE_SETTLE_MS = 300;

/** Tracks the resizable preview box of one card. */
export class PreviewSizeController implements ReactiveController {
  private box: HTMLElement | null = null;
  private observer: ResizeObserver | null = null;
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private applied: { width: number; height: number } | null = null;
  private initial: { width: number; height: number } | null = null;

  constructor(
    host: ReactiveControllerHost,
    private readonly context: () => { client: ChatFilesLike | null; fileId: string },
  ) {
    host.addController(this);
  }

  /** Starts tracking `box` (or stops, with `null`). */
  attach(box: HTMLElement | null): void {
    if (box === this.box) return;
    this.detach();
    this.box = box;
    if (!box) return;
    const { client, fileId } = this.context();
    this.unsubscribe = client?.onPreviewSize(fileId, (size) => this.apply(size)) ?? null;
    this.observer = new ResizeObserver(() => this.onResize());
    this.observer.observe(box);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.detach();
  }

  private detach(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    clearTimeout(this.timer);
    this.box = null;
    this.initial = null;
  }

  private apply({ width, height }: { width: number; height: number }): void {
    if (!this.box || !(width > 0) || !(height > 0)) return;
    this.applied = { width: Math.round(width), height: Math.round(height) };
    this.box.style.width = `${this.applied.width}px`;
    this.box.style.height = `${this.applied.height}px`;
  }

  private onResize(): void {
    const box = this.box;
    if (!box) return;
    const size = { width: Math.round(box.offsetWidth), height: Math.round(box.offsetHeight) };
    // The first observation is the natural layout size, not a person's resize.
    if (!this.initial) {
      this.initial = size;
      return;
    }
    if (this.applied && this.applied.width === size.width && this.applied.height === size.height)
      return;
    // Content loading (an image decoding) changes the size without an inline style: not a resize.
    if (!box.style.width && !box.style.height) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const { client, fileId } = this.context();
      client?.sendPreviewSize(fileId, size.width, size.height);
    }, RESIZE_SETTLE_MS);
  }
}
