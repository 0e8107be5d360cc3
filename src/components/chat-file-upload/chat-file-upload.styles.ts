import { css } from 'lit';

/** Styles of `<chat-file-upload>`. */
export const uploadStyles = css`
  :host {
    --chat-file-accent: #2f5bd3;
    --chat-file-radius: 8px;
    --chat-file-error: #b3261e;
    --chat-file-muted: #5d6578;
    display: inline-block;
    font: inherit;
    color: inherit;
    /* Hosts often set pre-wrap on message bodies; it must not leak into the template. */
    white-space: normal;
    text-align: start;
  }
  :host([dragging]) .upload__button {
    outline: 2px dashed var(--chat-file-accent);
    outline-offset: 3px;
  }
  .upload {
    display: grid;
    gap: 0.4rem;
  }
  .upload__button {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    font: inherit;
    cursor: pointer;
    border: 1px solid var(--chat-file-accent);
    color: var(--chat-file-accent);
    background: transparent;
    border-radius: var(--chat-file-radius);
    padding: 0.4rem 0.8rem;
  }
  .upload__button:focus-visible {
    outline: 2px solid var(--chat-file-accent);
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
  .upload__list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.3rem;
    min-width: 14rem;
  }
  .upload__item {
    display: grid;
    grid-template-columns: 1fr auto;
    align-items: center;
    gap: 0.2rem 0.6rem;
    font-size: 0.85rem;
  }
  .upload__name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .upload__item--error .upload__status {
    color: var(--chat-file-error);
  }
  .upload__status {
    grid-column: 1 / -1;
    color: var(--chat-file-muted);
  }
  .upload__bar {
    grid-column: 1 / -1;
    height: 4px;
    background: #0001;
    border-radius: 2px;
    overflow: hidden;
  }
  .upload__fill {
    height: 100%;
    background: var(--chat-file-accent);
    transition: width 0.15s;
  }
  .upload__cancel {
    font: inherit;
    font-size: 0.8rem;
    border: 0;
    background: none;
    color: var(--chat-file-accent);
    cursor: pointer;
    padding: 0.1rem 0.3rem;
  }
`;
