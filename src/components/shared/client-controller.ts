/**
 * Gives an element its client: the one set on its `client` property, else the page-wide
 * default. Re-renders the host when the default changes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { defaultClient, type ChatFilesLike } from './client-api.js';

/** An element with an optional own client. */
export interface ClientHost extends ReactiveControllerHost {
  client: ChatFilesLike | null;
}

/** Resolves and tracks the client of one element. */
export class ClientController implements ReactiveController {
  private readonly onChange = () => this.host.requestUpdate();

  constructor(private readonly host: ClientHost) {
    host.addController(this);
  }

  /** The element's effective client, or `null` when the host page has set none. */
  get client(): ChatFilesLike | null {
    return this.host.client ?? defaultClient();
  }

  hostConnected(): void {
    window.addEventListener('chat-file-client-changed', this.onChange);
  }

  hostDisconnected(): void {
    window.removeEventListener('chat-file-client-changed', this.onChange);
  }
}
