import { css } from 'lit';
import { themeStyles } from '../shared/theme.styles.js';

/** Styles of `<chat-file-card>`. */
export const cardStyles = [
  themeStyles,
  css`
    :host {
      --_preview-max-height: var(--chat-file-preview-max-height, 360px);
      display: block;
      /* Like a chat attachment: room for the name and status, never the whole column. */
      max-width: 34rem;
      container-type: inline-size;
      /* A room may hold thousands of cards: skip layout and paint of those off screen. */
      content-visibility: auto;
      contain-intrinsic-size: auto 5.5rem;
      font: inherit;
      color: var(--_fg);
      /* Hosts often set pre-wrap on message bodies; it must not leak into the template. */
      white-space: normal;
      text-align: start;
    }
    :host([hidden]) {
      display: none;
    }
    .card {
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: 0.6rem;
      display: grid;
      gap: 0.5rem;
      min-width: 0;
    }
    .card:focus {
      outline: none;
    }
    :host([state='unavailable']) .card {
      border-style: dashed;
      background: var(--_surface);
    }
    :host([state='error']) .card {
      border-color: var(--_error);
    }
    .card__head {
      display: flex;
      flex-wrap: wrap;
      gap: 0.6rem;
      align-items: center;
    }
    .card__thumb {
      flex: none;
      width: 48px;
      height: 48px;
      border-radius: 6px;
      background: var(--_surface);
      display: grid;
      place-items: center;
      overflow: hidden;
      color: var(--_muted);
    }
    .card__thumb img {
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    /* A document's first page reads from its top, and white paper needs an edge. */
    .card__thumb .card__page-thumb {
      object-position: top;
      outline: 1px solid var(--_border);
      outline-offset: -1px;
      border-radius: inherit;
    }
    /* The text column keeps its room: the actions wrap under it before it is squeezed. */
    .card__info {
      flex: 1 1 14rem;
      min-width: 0;
      display: grid;
    }
    .card__name {
      font-weight: 600;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .card__meta,
    .card__status,
    .card__detail {
      font-size: 0.82rem;
      color: var(--_muted);
      overflow-wrap: anywhere;
    }
    .card__detail {
      font-variant-numeric: tabular-nums;
      margin-top: -0.25rem;
    }
    :host([state='error']) .card__status,
    :host([state='unavailable']) .card__status {
      color: var(--_error);
    }
    .card__actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.3rem;
      align-items: center;
      margin-inline-start: auto;
    }
    /* Narrow cards: actions go under the name, across the whole width. */
    @container (max-width: 24rem) {
      .card__actions {
        flex-basis: 100%;
        justify-content: flex-end;
      }
    }
    button,
    .card__menu summary {
      font: inherit;
      font-size: 0.85rem;
      cursor: pointer;
      border: 1px solid var(--_accent);
      background: transparent;
      color: var(--_accent);
      border-radius: 6px;
      padding: 0.25rem 0.6rem;
      min-height: 2rem;
    }
    button.primary {
      background: var(--_accent);
      color: var(--_on-accent);
    }
    button.danger {
      background: var(--_danger-bg);
      border-color: var(--_danger-bg);
      color: var(--_bg);
    }
    button:disabled {
      opacity: 0.6;
      cursor: default;
    }
    button:focus-visible,
    .card__menu summary:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }
    .card__menu {
      position: relative;
    }
    .card__menu summary {
      list-style: none;
      border-color: transparent;
      display: grid;
      place-items: center;
    }
    .card__menu summary::-webkit-details-marker {
      display: none;
    }
    .card__menu-list {
      position: absolute;
      inset-inline-end: 0;
      z-index: 2;
      display: grid;
      gap: 2px;
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 6px;
      padding: 4px;
      min-width: 11rem;
      box-shadow: 0 4px 16px rgb(0 0 0 / 0.18);
    }
    .card__menu-list button {
      border: 0;
      text-align: start;
    }
    /* No transition: the bar's width is the number shown, at every moment. */
    .card__progress {
      height: 6px;
      background: var(--_track);
      border-radius: 3px;
      overflow: hidden;
    }
    .card__progress-fill {
      height: 100%;
      background: var(--_accent);
    }
    .card__progress--indeterminate .card__progress-fill {
      width: 30%;
      animation: chat-file-slide 1.4s ease-in-out infinite;
    }
    @keyframes chat-file-slide {
      from {
        translate: -100% 0;
      }
      to {
        translate: 340% 0;
      }
    }
    :host(:dir(rtl)) .card__progress--indeterminate .card__progress-fill {
      animation-direction: reverse;
    }
    @media (prefers-reduced-motion: reduce) {
      .card__progress--indeterminate .card__progress-fill {
        animation: none;
        width: 100%;
        opacity: 0.35;
      }
    }
    /* Resizable by pointer (the size is shared with the room); the grip shows on hover only. */
    .card__preview {
      resize: none;
      overflow: hidden;
      max-width: 100%;
      min-width: 8rem;
      min-height: 3rem;
      border-radius: 6px;
      background: var(--_surface);
    }
    .card__preview--image:hover,
    .card__preview--video:hover {
      resize: both;
    }
    /* Not resizable, so nothing to clip: the page's outline shows. */
    .card__preview--pdf {
      overflow: visible;
    }
    .card__preview--image,
    .card__preview--pdf {
      /* Small images keep their size: upscaling only blurs them. */
      width: fit-content;
      min-width: 0;
    }
    .card__image {
      display: block;
      padding: 0;
      border: 0;
      border-radius: 6px;
      background: none;
      cursor: zoom-in;
      width: 100%;
      height: 100%;
    }
    .card__preview img {
      display: block;
      max-width: 100%;
      max-height: var(--_preview-max-height);
      object-fit: contain;
    }
    .card__preview[style] img {
      width: 100%;
      height: 100%;
      max-height: none;
    }
    /* The page is white paper on a white card: an outline and a lift show where it ends. */
    .card__pdf {
      display: block;
      box-shadow:
        0 0 0 1px var(--_border),
        0 1px 4px rgb(0 0 0 / 0.16);
      max-width: 100%;
      max-height: var(--_preview-max-height);
      width: auto;
      height: auto;
      background: #fff;
    }
    .card__preview video {
      display: block;
      width: 100%;
      height: 100%;
      max-height: var(--_preview-max-height);
      object-fit: contain;
      background: #000;
    }
    .card__preview--audio {
      resize: none;
      background: none;
    }
    .card__preview audio {
      display: block;
      width: 100%;
    }
    .card__preview--text {
      resize: none;
    }
    .card__text pre {
      margin: 0;
      padding: 0.6rem;
      max-height: var(--_preview-max-height);
      overflow: auto;
      font-size: 0.8rem;
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    .card__text--folded pre {
      max-height: 10.5em;
      overflow: hidden;
      mask-image: linear-gradient(to bottom, #000 70%, transparent);
    }
    .card__more {
      margin: 0 0.6rem 0.6rem;
      border: 0;
      padding-inline: 0;
    }
    .card__preview-note {
      margin: 0;
      padding: 0.6rem;
      font-size: 0.85rem;
      color: var(--_muted);
    }
    .card__server {
      display: flex;
      flex-wrap: wrap;
      gap: 0.3rem 0.5rem;
      align-items: center;
      font-size: 0.82rem;
      color: var(--_muted);
      border-top: 1px solid var(--_border);
      padding-top: 0.4rem;
    }
    .card__server-text {
      flex: 1 1 8rem;
    }
    .card__server-hint {
      flex-basis: 100%;
      font-size: 0.78rem;
    }
    .card__server-error {
      flex-basis: 100%;
      color: var(--_error);
    }
    .card__dialog {
      max-width: min(26rem, calc(100vw - 2rem));
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_bg);
      color: var(--_fg);
      padding: 1rem 1.2rem;
    }
    .card__dialog::backdrop {
      background: rgb(0 0 0 / 0.4);
    }
    .card__dialog h2 {
      font-size: 1.05rem;
      margin: 0 0 0.5rem;
    }
    .card__dialog p {
      margin: 0 0 1rem;
      font-size: 0.9rem;
    }
    .card__dialog-actions {
      display: flex;
      flex-wrap: wrap;
      justify-content: flex-end;
      gap: 0.5rem;
    }
  `,
];

/** The tile layout, for grids: every tile the same shape, so a grid has no holes. */
export const tileStyles = css`
  :host([layout='tile']) {
    max-width: none;
    height: 100%;
    contain-intrinsic-size: auto 16rem;
  }
  .card--tile {
    height: 100%;
    box-sizing: border-box;
    grid-template-rows: auto auto 1fr auto;
    align-content: start;
    padding: 0.5rem;
  }
  .card__media {
    position: relative;
    aspect-ratio: 4 / 3;
    border-radius: 6px;
    background: var(--_surface);
    overflow: hidden;
    display: grid;
    place-items: center;
    color: var(--_muted);
  }
  .card__media img,
  .card__media video,
  .card__media .card__image {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }
  /* A page is shown whole, as paper on the tile's surface. */
  .card__media .card__pdf,
  .card__media .card__page-thumb {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: contain;
    background: none;
    box-shadow: none;
  }
  .card__media pre {
    margin: 0;
    padding: 0.4rem;
    width: 100%;
    height: 100%;
    box-sizing: border-box;
    overflow: hidden;
    font-size: 0.6rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    text-align: start;
  }
  .card__media-icon svg {
    width: 40%;
    height: auto;
    min-width: 32px;
  }
  .card__sender {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .card--tile .card__actions {
    margin-inline-start: 0;
    align-self: end;
  }
  .card--tile .card__actions button {
    flex: 1;
  }
  .card--tile .card__menu summary {
    flex: none;
  }
`;
