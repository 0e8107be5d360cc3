import { html, LitElement, nothing, svg } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { resolveStrings, type ChatFilesStrings } from '../shared/strings.js';
import type { GalleryImage } from './gallery.js';
import { lightboxStyles } from './chat-file-lightbox.styles.js';

/** A horizontal drag longer than this turns the page. */
const SWIPE_MIN_PX = 50;

const arrow = (d: string) =>
  svg`<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d=${d}></path></svg>`;

/**
 * Full-size images of a room, one at a time, in a modal dialog: arrow keys (mirrored in
 * right-to-left text), Home and End, swipe, and the buttons turn pages; Escape or Close
 * closes it and focus returns to where it was. Shows only images already downloaded.
 *
 * @tag chat-file-lightbox
 * @summary A full-screen image viewer with next and previous.
 * @event chat-file-lightbox-close - The lightbox closed.
 * @csspart dialog - The dialog.
 * @csspart image - The image.
 * @cssproperty --chat-file-lightbox-bg - Backdrop colour. @default rgb(10 12 18 / 0.92)
 * @cssproperty --chat-file-lightbox-fg - Text and button colour. @default #f4f5f8
 */
export class ChatFileLightbox extends LitElement {
  static override styles = lightboxStyles;

  /** The images to page through. */
  @property({ attribute: false }) items: GalleryImage[] = [];
  /** The image shown, reflected. */
  @property({ type: Number, reflect: true }) index = 0;
  /** Whether the dialog is open, reflected. */
  @property({ type: Boolean, reflect: true }) open = false;
  /** Replaces some or all of the visible strings. */
  @property({ attribute: false }) strings: Partial<ChatFilesStrings> | undefined;

  @state() private dragStart: number | null = null;
  @query('dialog') private dialog!: HTMLDialogElement;

  /** Opens at `index` of `items`. */
  async show(items: GalleryImage[], index: number): Promise<void> {
    this.items = items;
    this.index = Math.max(0, Math.min(index, items.length - 1));
    this.open = true;
    await this.updateComplete;
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.querySelector<HTMLElement>('.lightbox__close')?.focus();
  }

  /** Closes the lightbox. */
  close(): void {
    if (this.dialog?.open) this.dialog.close();
  }

  /** Shows the next image, if any. */
  next(): void {
    if (this.index < this.items.length - 1) this.index += 1;
  }

  /** Shows the previous image, if any. */
  previous(): void {
    if (this.index > 0) this.index -= 1;
  }

  private get rtl(): boolean {
    return getComputedStyle(this).direction === 'rtl';
  }

  private onKey(event: KeyboardEvent): void {
    const forward = this.rtl ? 'ArrowLeft' : 'ArrowRight';
    const back = this.rtl ? 'ArrowRight' : 'ArrowLeft';
    if (event.key === forward) this.next();
    else if (event.key === back) this.previous();
    else if (event.key === 'Home') this.index = 0;
    else if (event.key === 'End') this.index = Math.max(0, this.items.length - 1);
    else return;
    event.preventDefault();
  }

  private onPointerDown(event: PointerEvent): void {
    this.dragStart = event.clientX;
  }

  private onPointerUp(event: PointerEvent): void {
    if (this.dragStart === null) return;
    const dx = event.clientX - this.dragStart;
    this.dragStart = null;
    if (Math.abs(dx) < SWIPE_MIN_PX) return;
    const towardsStart = this.rtl ? dx < 0 : dx > 0;
    if (towardsStart) this.previous();
    else this.next();
  }

  private onClose(): void {
    this.open = false;
    this.dispatchEvent(
      new CustomEvent('chat-file-lightbox-close', { bubbles: true, composed: true }),
    );
  }

  override render() {
    const strings = resolveStrings(this.strings);
    const item = this.items[this.index];
    const count = this.items.length;
    return html`<dialog
      part="dialog"
      aria-label=${item ? `${strings.lightboxLabel}: ${item.name}` : strings.lightboxLabel}
      @keydown=${this.onKey}
      @close=${this.onClose}
    >
      ${
        item && this.open
          ? html`<div class="lightbox">
              <div class="lightbox__bar">
                <span class="lightbox__title" title=${item.name}>${item.name}</span>
                <span class="lightbox__position" aria-live="polite"
                  >${strings.lightboxPosition(this.index + 1, count)}</span
                >
                <button type="button" class="lightbox__close" @click=${this.close}>
                  ${strings.lightboxClose}
                </button>
              </div>
              <div
                class="lightbox__stage"
                @pointerdown=${this.onPointerDown}
                @pointerup=${this.onPointerUp}
                @pointercancel=${() => (this.dragStart = null)}
              >
                <img part="image" src=${item.src} alt=${item.name} draggable="false" />
                ${
                  count > 1
                    ? html`<button
                          type="button"
                          class="lightbox__nav lightbox__nav--prev"
                          aria-label=${strings.lightboxPrevious}
                          ?disabled=${this.index === 0}
                          @click=${this.previous}
                        >
                          ${arrow('M15 5l-7 7 7 7')}
                        </button>
                        <button
                          type="button"
                          class="lightbox__nav lightbox__nav--next"
                          aria-label=${strings.lightboxNext}
                          ?disabled=${this.index === count - 1}
                          @click=${this.next}
                        >
                          ${arrow('M9 5l7 7-7 7')}
                        </button>`
                    : nothing
                }
              </div>
            </div>`
          : nothing
      }
    </dialog>`;
  }
}
