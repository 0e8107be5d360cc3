import { css } from 'lit';
import { themeStyles } from '../shared/theme.styles.js';

/** Styles of `<chat-file-upload>`. */
export const uploadStyles = [
  themeStyles,
  css`
    :host {
      display: inline-block;
      position: relative;
      font: inherit;
      color: var(--_fg);
      /* Hosts often set pre-wrap on message bodies; it must not leak into the template. */
      white-space: normal;
      text-align: start;
    }
    :host([dragging]) .upload__button {
      outline: 2px dashed var(--_accent);
      outline-offset: 3px;
    }
    .upload__button {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font: inherit;
      cursor: pointer;
      border: 1px solid var(--_accent);
      color: var(--_accent);
      background: transparent;
      border-radius: var(--chat-file-radius, 8px);
      padding: 0.4rem 0.8rem;
      min-height: 2.25rem;
      white-space: nowrap;
    }
    .upload__button:disabled {
      opacity: 0.6;
      cursor: default;
    }
    .upload__button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }
    .upload__input {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
    /* A panel above the button: it takes no room in the host's layout. */
    .upload__list {
      position: absolute;
      bottom: calc(100% + 0.4rem);
      inset-inline-start: 0;
      z-index: 5;
      width: min(22rem, calc(100vw - 1.5rem));
      list-style: none;
      margin: 0;
      padding: 0.5rem 0.6rem;
      display: grid;
      gap: 0.5rem;
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: var(--chat-file-radius, 8px);
      box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
    }
    :host([panel='below']) .upload__list {
      bottom: auto;
      top: calc(100% + 0.4rem);
    }
    .upload__item {
      display: grid;
      grid-template-columns: minmax(0, 1fr) auto;
      align-items: center;
      gap: 0.2rem 0.6rem;
      font-size: 0.85rem;
    }
    .upload__name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      font-weight: 600;
    }
    .upload__item--error .upload__status {
      color: var(--_error);
    }
    .upload__status {
      grid-column: 1 / -1;
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
      overflow-wrap: anywhere;
    }
    /* No transition: the bar's width is the number shown, at every moment. */
    .upload__bar {
      grid-column: 1 / -1;
      height: 4px;
      background: var(--_track);
      border-radius: 2px;
      overflow: hidden;
    }
    .upload__fill {
      height: 100%;
      background: var(--_accent);
    }
    .upload__bar--indeterminate .upload__fill {
      width: 30% !important;
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
    @media (prefers-reduced-motion: reduce) {
      .upload__bar--indeterminate .upload__fill {
        animation: none;
        width: 100% !important;
        opacity: 0.35;
      }
    }
    .upload__cancel {
      font: inherit;
      font-size: 0.8rem;
      border: 0;
      background: none;
      color: var(--_accent);
      cursor: pointer;
      padding: 0.25rem 0.4rem;
      min-height: 1.75rem;
    }
    .upload__cancel:focus-visible {
      outline: 2px solid var(--_accent);
    }
  `,
];
