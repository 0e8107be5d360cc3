/**
 * Delivering envelopes to peer instances: a signed POST to the peer's
 * `${api_base}/federation/v1/messages` (api_base from its `/.well-known/chat-files`),
 * each attempt freshly signed and time-limited. One call is one attempt; retries are the
 * outbox's job (`outbox.ts`). Envelopes carry share tokens in their URLs, so no body is
 * ever logged.
 */
import { serializeEnvelope, type Envelope } from './envelope.js';
import type { PeerDirectory } from './peer-directory.js';
import { signRequest, type InstanceKeys } from './signing.js';

/** Path of the inbound endpoint below a peer's api_base. */
export const MESSAGES_PATH = '/federation/v1/messages';

/** Tunables of {@link EnvelopeSender}. */
export interface SenderOptions {
  /** Longest one attempt may take. @default 5000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetchImpl?: typeof fetch;
}

/** The outcome of delivering one envelope to one peer. */
export interface DeliveryResult {
  origin: string;
  delivered: boolean;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** `code` of the peer's error answer, or a short local reason. */
  code?: string;
  /** Not delivered yet, but retrying in the background. */
  retrying?: boolean;
}

const retriable = (status: number) =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/** Whether a failed delivery may succeed when tried again (no answer, or a transient one). */
export const mayRetry = (result: DeliveryResult): boolean =>
  !result.delivered && (result.status === undefined || retriable(result.status));

/** Sends signed envelopes to peers; `close()` cancels attempts in progress. */
export class EnvelopeSender {
  private readonly controller = new AbortController();
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(
    private readonly deps: {
      origin: string;
      keys: Pick<InstanceKeys, 'privateKey'> | Promise<Pick<InstanceKeys, 'privateKey'>>;
      directory: PeerDirectory;
      now: () => number;
    },
    options: SenderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  /** One attempt at delivering `envelope` to `peer`; never throws. */
  send(peer: string, envelope: Envelope): Promise<DeliveryResult> {
    if (this.controller.signal.aborted) {
      return Promise.resolve({ origin: peer, delivered: false, code: 'closed' });
    }
    return this.attempt(peer, serializeEnvelope(envelope));
  }

  /** Stops every attempt in progress and refuses new ones. */
  close(): void {
    this.controller.abort();
  }

  private async attempt(peer: string, body: string): Promise<DeliveryResult> {
    let url: URL;
    try {
      url = new URL(`${(await this.deps.directory.describe(peer)).api_base}${MESSAGES_PATH}`);
    } catch {
      // Unreachable, or an invalid descriptor: worth another try later either way.
      return { origin: peer, delivered: false, code: 'no_descriptor' };
    }
    const headers = signRequest({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      body,
      origin: this.deps.origin,
      keys: await this.deps.keys,
      now: this.deps.now(),
    });
    try {
      const response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const text = await response.text();
      if (response.ok) return { origin: peer, delivered: true, status: response.status };
      let code: string | undefined;
      try {
        const parsed = JSON.parse(text) as { code?: unknown };
        if (typeof parsed.code === 'string') code = parsed.code.slice(0, 40);
      } catch {
        // not our JSON error shape; the status says enough
      }
      return { origin: peer, delivered: false, status: response.status, code };
    } catch {
      return { origin: peer, delivered: false, code: 'unreachable' };
    }
  }
}
