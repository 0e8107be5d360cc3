import { css } from 'lit';

/**
 * The elements' colours, from the documented custom properties (`--chat-file-*`, set
 * anywhere up the page), with light and dark defaults. Which default applies follows the
 * page's `color-scheme`: a page that declares `color-scheme: light dark` (or the
 * `<meta name="color-scheme">`) gets dark elements when `prefers-color-scheme` is dark;
 * a page that declares nothing stays light, so the elements never turn dark on a white
 * page. Inside, styles use the private `--_*` names.
 */
export const themeStyles = css`
  :host {
    --_accent: var(--chat-file-accent, light-dark(#2f5bd3, #8ab4ff));
    --_on-accent: var(--chat-file-on-accent, light-dark(#ffffff, #0b1020));
    --_bg: var(--chat-file-bg, light-dark(#ffffff, #1c2130));
    --_fg: var(--chat-file-fg, light-dark(#1d2330, #e8eaf0));
    --_border: var(--chat-file-border, light-dark(#d9dde7, #394156));
    --_surface: var(--chat-file-surface, light-dark(#eef0f5, #262c3d));
    --_muted: var(--chat-file-muted, light-dark(#5d6578, #a9b0c2));
    --_error: var(--chat-file-error, light-dark(#b3261e, #ffb4ab));
    --_danger-bg: var(--chat-file-danger, light-dark(#b3261e, #ffb4ab));
    --_radius: var(--chat-file-radius, 10px);
    --_track: color-mix(in srgb, var(--_fg) 12%, transparent);
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
