import { css } from 'lit';
import { themeStyles } from '../shared/theme.styles.js';

/** Styles of `<chat-file-browser>`. */
export const browserStyles = [
  themeStyles,
  css`
    :host {
      --_sidebar-bg: var(--chat-file-sidebar-bg, light-dark(#eef0f5, #262c3d));
      display: block;
      container-type: inline-size;
      font: inherit;
      color: var(--_fg);
      /* Hosts often set pre-wrap on message bodies; it must not leak into the template. */
      white-space: normal;
      text-align: start;
    }
    button {
      font: inherit;
      color: inherit;
      cursor: pointer;
    }
    button:focus-visible,
    input:focus-visible,
    summary:focus-visible,
    tr:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 1px;
    }
    .browser {
      display: grid;
      grid-template-columns: minmax(11rem, 15rem) minmax(0, 1fr);
      gap: 1rem;
      min-height: 20rem;
    }
    .browser__sidebar {
      background: var(--_sidebar-bg);
      border-radius: 8px;
      padding: 0.6rem;
      display: grid;
      align-content: start;
      gap: 1rem;
      min-width: 0;
    }
    .browser__rooms {
      display: grid;
      gap: 0.15rem;
    }
    .browser__room {
      text-align: start;
      border: 0;
      background: none;
      padding: 0.35rem 0.5rem;
      border-radius: 6px;
      display: flex;
      justify-content: space-between;
      gap: 0.5rem;
      min-height: 2rem;
      align-items: center;
    }
    .browser__room-name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .browser__room[aria-current='true'] {
      background: var(--_bg);
      font-weight: 600;
    }
    .browser__room-count {
      color: var(--_muted);
      font-size: 0.8rem;
    }
    details summary {
      cursor: pointer;
      padding: 0.35rem 0.5rem;
      color: var(--_muted);
    }
    .storage {
      border-top: 1px solid var(--_border);
      padding-top: 0.6rem;
      display: grid;
      gap: 0.35rem;
      font-size: 0.85rem;
    }
    .storage__title {
      font-size: 0.75rem;
      text-transform: uppercase;
      letter-spacing: 0.06em;
      color: var(--_muted);
      margin: 0;
    }
    .storage__bar {
      height: 6px;
      border-radius: 3px;
      background: var(--_track);
      overflow: hidden;
    }
    .storage__bar span {
      display: block;
      height: 100%;
      background: var(--_accent);
    }
    .storage__text {
      margin: 0;
      color: var(--_muted);
    }
    .storage__files summary {
      padding-inline: 0;
    }
    .storage__files ul {
      list-style: none;
      margin: 0.3rem 0 0;
      padding: 0;
      display: grid;
      gap: 0.3rem;
    }
    .storage__files li {
      display: grid;
      grid-template-columns: minmax(0, 1fr) auto auto;
      gap: 0.4rem;
      align-items: center;
    }
    .storage__name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .storage__size {
      color: var(--_muted);
      font-size: 0.8rem;
    }
    .storage button,
    .table__actions button,
    .browser__layout button {
      font-size: 0.82rem;
      border: 1px solid var(--_accent);
      color: var(--_accent);
      background: transparent;
      border-radius: 6px;
      padding: 0.2rem 0.55rem;
      min-height: 1.9rem;
    }
    .table__actions button.primary {
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .table__actions button:disabled {
      opacity: 0.7;
      cursor: default;
    }
    /* A revoked file stays listed, said to be gone as its card says it. */
    tr[data-revoked] .table__name-text {
      color: var(--_muted);
    }
    .table__revoked {
      color: var(--_error);
      font-size: 0.82rem;
      font-weight: 600;
      white-space: nowrap;
      line-height: 1.9rem;
    }
    .browser__main {
      container: files-main / inline-size;
      display: grid;
      align-content: start;
      gap: 0.6rem;
      min-width: 0;
    }
    .browser__toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: center;
    }
    .browser__toolbar input[type='search'] {
      font: inherit;
      color: inherit;
      background: var(--_bg);
      padding: 0.4rem 0.6rem;
      border: 1px solid var(--_border);
      border-radius: 6px;
      flex: 1 1 12rem;
      min-width: 0;
    }
    .browser__types {
      border: 0;
      padding: 0;
      margin: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 0.35rem;
      min-width: 0;
    }
    .chip {
      position: relative;
      font-size: 0.82rem;
    }
    .chip input {
      position: absolute;
      opacity: 0;
      inset: 0;
      margin: 0;
      cursor: pointer;
    }
    .chip span {
      display: inline-block;
      padding: 0.25rem 0.65rem;
      border: 1px solid var(--_border);
      border-radius: 999px;
      background: var(--_bg);
    }
    .chip input:checked + span {
      border-color: var(--_accent);
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .chip input:focus-visible + span {
      outline: 2px solid var(--_accent);
      outline-offset: 2px;
    }
    .browser__layout {
      display: inline-flex;
      margin-inline-start: auto;
    }
    .browser__layout button {
      border-color: var(--_border);
      color: inherit;
      border-radius: 0;
    }
    .browser__layout button:first-child {
      border-start-start-radius: 6px;
      border-end-start-radius: 6px;
    }
    .browser__layout button:last-child {
      border-start-end-radius: 6px;
      border-end-end-radius: 6px;
      margin-inline-start: -1px;
    }
    .browser__layout button[aria-pressed='true'] {
      border-color: var(--_accent);
      color: var(--_accent);
      font-weight: 600;
      position: relative;
    }
    .browser__count {
      margin: 0;
      font-size: 0.82rem;
      color: var(--_muted);
    }
    .browser__files {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr));
      gap: 0.6rem;
    }
    .browser__files li {
      min-width: 0;
    }
    .browser__empty {
      color: var(--_muted);
    }
    .browser__table-wrap {
      overflow-x: auto;
      border: 1px solid var(--_border);
      border-radius: 8px;
      background: var(--_bg);
    }
    .table {
      width: 100%;
      border-collapse: collapse;
      font-size: 0.86rem;
    }
    .table th {
      text-align: start;
      font-weight: 600;
      border-bottom: 1px solid var(--_border);
      padding: 0;
      white-space: nowrap;
    }
    .table__sort {
      border: 0;
      background: none;
      padding: 0.5rem 0.6rem;
      font-weight: 600;
      width: 100%;
      text-align: start;
    }
    .table__arrow {
      display: inline-block;
      width: 1em;
      color: var(--_accent);
    }
    .table td {
      padding: 0.4rem 0.6rem;
      white-space: nowrap;
      border-bottom: 1px solid var(--_border);
      vertical-align: middle;
    }
    .table tbody tr:last-child td {
      border-bottom: 0;
    }
    .table tbody tr:hover,
    .table tbody tr:focus-within {
      background: color-mix(in srgb, var(--_accent) 7%, transparent);
    }
    /*
     * The name takes the room the other columns leave, cut with an ellipsis: max-width 0
     * keeps its text from widening the table past its frame; min-width keeps it readable.
     */
    .table__col--name {
      width: 100%;
      max-width: 0;
      min-width: 8rem;
    }
    .table__name {
      max-width: 22rem;
      display: flex;
      gap: 0.5rem;
      align-items: center;
      min-width: 0;
    }
    .table__name img,
    .table__name svg {
      flex: none;
      width: 28px;
      height: 28px;
      border-radius: 4px;
      object-fit: cover;
      color: var(--_muted);
    }
    .table__name-text {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      font-weight: 500;
    }
    .table__progress {
      display: block;
      height: 4px;
      margin-top: 0.3rem;
      background: var(--_track);
      border-radius: 2px;
      overflow: hidden;
    }
    .table__progress span {
      display: block;
      height: 100%;
      background: var(--_accent);
    }
    .table__col--size,
    .table__col--date {
      white-space: nowrap;
      font-variant-numeric: tabular-nums;
    }
    .table__col--type,
    .table__col--sender,
    .table__col--room,
    .table__col--server {
      color: var(--_muted);
    }
    .table__col--server[data-server='kept'] {
      color: var(--_accent);
      font-weight: 600;
    }
    /* On a phone the buttons stack rather than push the row past the table's edge. */
    .table__actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.3rem;
      justify-content: flex-end;
    }
    /* Narrower: the less telling columns go first. */
    @container files-main (max-width: 48rem) {
      .table__col--type {
        display: none;
      }
    }
    @container files-main (max-width: 52rem) {
      .table__col--room {
        display: none;
      }
    }
    @container files-main (max-width: 30rem) {
      .table__col--sender,
      .table__col--server,
      .table__col--date {
        display: none;
      }
    }
    @container (max-width: 44rem) {
      .browser {
        grid-template-columns: minmax(0, 1fr);
      }
      .browser__rooms {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem;
      }
      .browser__room {
        border: 1px solid var(--_border);
      }
      .browser__files {
        grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr));
      }
    }
    @container (max-width: 34rem) {
      .browser__layout {
        margin-inline-start: 0;
      }
    }
  `,
];
