import { css } from 'lit';

/** Styles of `<chat-file-lightbox>`. */
export const lightboxStyles = css`
  :host {
    --chat-file-lightbox-bg: rgb(10 12 18 / 0.92);
    --chat-file-lightbox-fg: #f4f5f8;
    display: contents;
  }
  dialog {
    width: 100vw;
    height: 100dvh;
    max-width: none;
    max-height: none;
    margin: 0;
    padding: 0;
    border: 0;
    background: var(--chat-file-lightbox-bg);
    color: var(--chat-file-lightbox-fg);
    font: inherit;
    overscroll-behavior: contain;
  }
  dialog::backdrop {
    background: transparent;
  }
  .lightbox {
    display: grid;
    grid-template-rows: auto 1fr;
    height: 100%;
  }
  .lightbox__bar {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    padding: 0.5rem 0.75rem;
  }
  .lightbox__title {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .lightbox__stage {
    position: relative;
    display: grid;
    place-items: center;
    min-height: 0;
    touch-action: pan-y pinch-zoom;
    user-select: none;
  }
  .lightbox__stage img {
    max-width: calc(100vw - 1rem);
    max-height: calc(100dvh - 4rem);
    object-fit: contain;
  }
  button {
    font: inherit;
    color: inherit;
    background: rgb(255 255 255 / 0.12);
    border: 1px solid rgb(255 255 255 / 0.3);
    border-radius: 999px;
    min-width: 2.75rem;
    min-height: 2.75rem;
    cursor: pointer;
  }
  button:focus-visible {
    outline: 2px solid var(--chat-file-lightbox-fg);
    outline-offset: 2px;
  }
  button[disabled] {
    opacity: 0.35;
    cursor: default;
  }
  .lightbox__nav {
    position: absolute;
    top: 50%;
    translate: 0 -50%;
    font-size: 1.4rem;
  }
  .lightbox__nav--prev {
    inset-inline-start: 0.5rem;
  }
  .lightbox__nav--next {
    inset-inline-end: 0.5rem;
  }
  :host(:dir(rtl)) .lightbox__nav svg {
    transform: scaleX(-1);
  }
`;
