import { css } from 'lit';

/** Styles of `<chat-file-card>`. */
export const cardStyles = css`
  :host {
    --chat-file-accent: #2f5bd3;
    --chat-file-bg: #ffffff;
    --chat-file-border: #d9dde7;
    --chat-file-radius: 10px;
    --chat-file-muted: #5d6578;
    --chat-file-error: #b3261e;
    --chat-file-preview-max-height: 360px;
    display: block;
    max-width: 28rem;
    /* A room may hold thousands of cards: skip layout and paint of those off screen. */
    content-visibility: auto;
    contain-intrinsic-size: auto 5.5rem;
    font: inherit;
    color: inherit;
    /* Hosts often set pre-wrap on message bodies; it must not leak into the template. */
    white-space: normal;
    text-align: start;
  }
  :host([hidden]) {
    display: none;
  }
  .card {
    background: var(--chat-file-bg);
    border: 1px solid var(--chat-file-border);
    border-radius: var(--chat-file-radius);
    padding: 0.6rem;
    display: grid;
    gap: 0.5rem;
  }
  :host([state='unavailable']) .card {
    border-style: dashed;
    background: #f7f7f9;
  }
  :host([state='error']) .card {
    border-color: var(--chat-file-error);
  }
  .card__head {
    display: flex;
    flex-wrap: wrap;
    gap: 0.6rem;
    align-items: center;
  }
  .card__thumb {
    width: 48px;
    height: 48px;
    border-radius: 6px;
    background: #eef0f5;
    display: grid;
    place-items: center;
    overflow: hidden;
    color: var(--chat-file-muted);
  }
  .card__thumb img {
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .card__info {
    flex: 1 1 9rem;
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
  .card__status {
    font-size: 0.82rem;
    color: var(--chat-file-muted);
    overflow-wrap: anywhere;
  }
  :host([state='error']) .card__status,
  :host([state='unavailable']) .card__status {
    color: var(--chat-file-error);
  }
  .card__actions {
    display: flex;
    gap: 0.3rem;
    align-items: center;
    margin-inline-start: auto;
  }
  button,
  .card__menu summary {
    font: inherit;
    font-size: 0.85rem;
    cursor: pointer;
    border: 1px solid var(--chat-file-accent);
    background: transparent;
    color: var(--chat-file-accent);
    border-radius: 6px;
    padding: 0.25rem 0.6rem;
  }
  button.primary {
    background: var(--chat-file-accent);
    color: white;
  }
  button:focus-visible,
  .card__menu summary:focus-visible {
    outline: 2px solid var(--chat-file-accent);
    outline-offset: 2px;
  }
  .card__menu {
    position: relative;
  }
  .card__menu summary {
    list-style: none;
    border-color: transparent;
  }
  .card__menu summary::-webkit-details-marker {
    display: none;
  }
  .card__menu-list {
    position: absolute;
    right: 0;
    z-index: 2;
    display: grid;
    gap: 2px;
    background: var(--chat-file-bg);
    border: 1px solid var(--chat-file-border);
    border-radius: 6px;
    padding: 4px;
    min-width: 10rem;
  }
  .card__menu-list button {
    border: 0;
    text-align: left;
  }
  .card__progress {
    height: 6px;
    background: #0001;
    border-radius: 3px;
    overflow: hidden;
  }
  .card__progress-fill {
    height: 100%;
    background: var(--chat-file-accent);
    transition: width 0.15s;
  }
  .card__preview {
    resize: both;
    overflow: hidden;
    max-width: 100%;
    min-width: 8rem;
    min-height: 3rem;
    border-radius: 6px;
    background: #f3f4f8;
  }
  .card__preview--image {
    /* Small images keep their size: upscaling only blurs them. */
    width: fit-content;
    min-width: 0;
  }
  .card__preview img {
    display: block;
    max-width: 100%;
    max-height: var(--chat-file-preview-max-height);
    object-fit: contain;
  }
  .card__preview[style] img {
    width: 100%;
    height: 100%;
    max-height: none;
  }
  .card__preview video {
    display: block;
    width: 100%;
    height: 100%;
    max-height: var(--chat-file-preview-max-height);
    object-fit: contain;
  }
  .card__preview audio {
    display: block;
    width: 100%;
  }
  .card__preview iframe {
    display: block;
    width: 100%;
    height: 100%;
    min-height: 320px;
    border: 0;
  }
  .card__preview pre {
    margin: 0;
    padding: 0.6rem;
    max-height: var(--chat-file-preview-max-height);
    overflow: auto;
    font-size: 0.8rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .card__server {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    align-items: center;
    font-size: 0.82rem;
    color: var(--chat-file-muted);
    border-top: 1px solid var(--chat-file-border);
    padding-top: 0.4rem;
  }
  .card__server-error {
    flex-basis: 100%;
    color: var(--chat-file-error);
  }
`;
