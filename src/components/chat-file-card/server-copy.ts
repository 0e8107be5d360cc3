/**
 * The card's server-copy area: whether the server holds the file, and the actions on it,
 * each saying what it does. "Keep on server" adds the user's claim (it counts toward their
 * storage); "Stop keeping" releases it and never deletes a copy others can still use;
 * only the sharer (or an admin, when the server says so) deletes the room's server copy,
 * after a confirmation.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { ServerStatus } from '../../core/wire/protocol.js';
import type { ChatFilesLike } from '../shared/client-api.js';
import type { ChatFilesStrings } from '../shared/strings.js';

/** The host card, as the controller sees it. */
export interface ServerCopyHost extends ReactiveControllerHost {
  readonly fileId: string;
  reportError(error: unknown, fallbackCode: string): string;
}

/** Tracks the server status of one card and runs its actions. */
export class ServerCopyController implements ReactiveController {
  status: ServerStatus | null = null;
  busy = false;
  error = '';

  constructor(
    private readonly host: ServerCopyHost,
    private readonly client: () => ChatFilesLike | null,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Replaces the status (from the server or a `server_cached` event). */
  set(status: ServerStatus | null): void {
    this.status = status;
    this.host.requestUpdate();
  }

  /**
   * Whether to offer deleting the room's copy: the server says whether this user may
   * (its sharer, or an administrator), and decides again when asked.
   */
  get canDelete(): boolean {
    return this.status?.server_available === true && this.status.can_delete;
  }

  /** Keeps the copy (`store`), releases the claim (`release`), or deletes it (`delete`). */
  async run(action: 'store' | 'release' | 'delete'): Promise<void> {
    const client = this.client();
    if (!client) return;
    const fileId = this.host.fileId;
    this.busy = true;
    this.error = '';
    this.host.requestUpdate();
    try {
      if (action === 'store') {
        await client.storePermanently(fileId);
      } else if (action === 'release') {
        await client.removeFromServer(fileId);
      } else {
        await client.deleteServerCopy(fileId);
      }
      this.status = await client.serverStatus(fileId).catch(() => null);
    } catch (error) {
      this.error = this.host.reportError(error, 'ERR_SERVER');
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  /** The area, or nothing when there is nothing to say. */
  render(strings: ChatFilesStrings) {
    if (!this.status) return nothing;
    const { server_available, user_has_claim, expires_at } = this.status;
    const text = user_has_claim
      ? strings.serverStored
      : server_available
        ? expires_at
          ? strings.serverCachedUntil(
              new Date(expires_at).toLocaleString(strings.locale, {
                dateStyle: 'medium',
                timeStyle: 'short',
              }),
            )
          : strings.serverCached
        : strings.serverNotStored;
    const hintId = `server-hint-${this.host.fileId}`;
    return html`<div
      part="server"
      class="card__server"
      data-server=${user_has_claim ? 'stored' : server_available ? 'cached' : 'none'}
    >
      <span class="card__server-text">${text}</span>
      ${
        server_available && !user_has_claim
          ? html`<button
                type="button"
                title=${strings.storeHint}
                aria-describedby=${hintId}
                ?disabled=${this.busy}
                @click=${() => void this.run('store')}
              >
                ${strings.storePermanently}
              </button>
              <span id=${hintId} class="visually-hidden">${strings.storeHint}</span>`
          : nothing
      }
      ${
        user_has_claim
          ? html`<button
                type="button"
                title=${strings.removeHint}
                aria-describedby=${hintId}
                ?disabled=${this.busy}
                @click=${() => void this.run('release')}
              >
                ${strings.removeFromServer}
              </button>
              <span id=${hintId} class="visually-hidden">${strings.removeHint}</span>`
          : nothing
      }
      ${this.error ? html`<span class="card__server-error" role="alert">${this.error}</span>` : nothing}
    </div>`;
  }
}
