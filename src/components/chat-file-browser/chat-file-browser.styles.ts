import { css } from 'lit';

/** Styles of `<chat-file-browser>`. */
export const browserStyles = css`
  :host {
    --chat-file-accent: #2f5bd3;
    --chat-file-border: #d9dde7;
    --chat-file-muted: #5d6578;
    --chat-file-sidebar-bg: #f3f4f8;
    display: block;
    font: inherit;
    color: inherit;
    /* Hosts often set pre-wrap on message bodies; it must not leak into the template. */
    white-space: normal;
    text-align: start;
  }
  .browser {
    display: grid;
    grid-template-columns: minmax(10rem, 14rem) 1fr;
    gap: 1rem;
    min-height: 20rem;
  }
  .browser__sidebar {
    background: var(--chat-file-sidebar-bg);
    border-radius: 8px;
    padding: 0.6rem;
    display: grid;
    align-content: start;
    gap: 0.2rem;
  }
  .browser__sidebar h3 {
    font-size: 0.75rem;
    text-transform: uppercase;
    letter-spacing: 0.06em;
    color: var(--chat-file-muted);
    margin: 0.4rem 0.3rem;
  }
  .browser__room {
    font: inherit;
    text-align: left;
    border: 0;
    background: none;
    padding: 0.3rem 0.5rem;
    border-radius: 6px;
    cursor: pointer;
    color: inherit;
    display: flex;
    justify-content: space-between;
    gap: 0.5rem;
  }
  .browser__room[aria-current='true'] {
    background: #ffffff;
    font-weight: 600;
  }
  .browser__room:focus-visible,
  .browser__toolbar button:focus-visible {
    outline: 2px solid var(--chat-file-accent);
  }
  .browser__count {
    color: var(--chat-file-muted);
    font-size: 0.8rem;
  }
  details summary {
    cursor: pointer;
    padding: 0.3rem 0.5rem;
    color: var(--chat-file-muted);
  }
  .browser__main {
    display: grid;
    align-content: start;
    gap: 0.8rem;
    min-width: 0;
  }
  .browser__toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 0.6rem;
    align-items: center;
  }
  .browser__toolbar input[type='search'] {
    font: inherit;
    padding: 0.35rem 0.5rem;
    border: 1px solid var(--chat-file-border);
    border-radius: 6px;
    min-width: 12rem;
  }
  .browser__toolbar fieldset {
    border: 0;
    padding: 0;
    margin: 0;
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  .browser__toolbar legend {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  }
  .browser__toolbar label {
    font-size: 0.85rem;
    display: inline-flex;
    gap: 0.2rem;
    align-items: center;
  }
  .browser__toolbar button {
    font: inherit;
    font-size: 0.85rem;
    border: 1px solid var(--chat-file-border);
    background: white;
    border-radius: 6px;
    padding: 0.25rem 0.6rem;
    cursor: pointer;
  }
  .browser__toolbar button[aria-pressed='true'] {
    border-color: var(--chat-file-accent);
    color: var(--chat-file-accent);
  }
  .browser__files {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.6rem;
  }
  :host([view='grid']) .browser__files {
    grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
  }
  .browser__empty {
    color: var(--chat-file-muted);
  }
`;
