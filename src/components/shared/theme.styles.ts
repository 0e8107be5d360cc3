import { css } from 'lit';

/**
 * The elements' colours, from the documented custom properties (`--chat-file-*`, set
 * anywhere up the page), with light and dark defaults that follow `prefers-color-scheme`.
 * Inside, styles use the private `--_*` names.
 */
export const themeStyles = css`
  :host {
    --_accent: var(--chat-file-accent, #2f5bd3);
    --_on-accent: var(--chat-file-on-accent, #ffffff);
    --_bg: var(--chat-file-bg, #ffffff);
    --_fg: var(--chat-file-fg, #1d2330);
    --_border: var(--chat-file-border, #d9dde7);
    --_surface: var(--chat-file-surface, #eef0f5);
    --_muted: var(--chat-file-muted, #5d6578);
    --_error: var(--chat-file-error, #b3261e);
    --_danger-bg: var(--chat-file-danger, #b3261e);
    --_radius: var(--chat-file-radius, 10px);
    --_track: color-mix(in srgb, var(--_fg) 12%, transparent);
    color-scheme: light dark;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--chat-file-accent, #8ab4ff);
      --_on-accent: var(--chat-file-on-accent, #0b1020);
      --_bg: var(--chat-file-bg, #1c2130);
      --_fg: var(--chat-file-fg, #e8eaf0);
      --_border: var(--chat-file-border, #394156);
      --_surface: var(--chat-file-surface, #262c3d);
      --_muted: var(--chat-file-muted, #a9b0c2);
      --_error: var(--chat-file-error, #ffb4ab);
      --_danger-bg: var(--chat-file-danger, #ffb4ab);
    }
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
