/**
 * What a card's `chat-file-complete` event said about where the bytes came from. A download
 * pulls from every source at once, so a file the server also holds arrives as a `swarm`
 * with the peer's part named in `bytes_by_transport`.
 */
import type { Locator } from 'playwright-core';

/** The bytes each transport carried, as recorded by {@link recordCompletion}. */
export type BytesByTransport = Partial<Record<string, number>>;

/** Starts recording the card's completion; call it before the download starts. */
export async function recordCompletion(card: Locator): Promise<void> {
  await card.evaluate((el) => {
    el.addEventListener(
      'chat-file-complete',
      (event) => {
        const detail = (event as CustomEvent<{ bytes_by_transport?: BytesByTransport }>).detail;
        el.setAttribute('data-bytes-by-transport', JSON.stringify(detail.bytes_by_transport ?? {}));
      },
      { once: true },
    );
  });
}

/** The bytes each transport carried in the recorded download. */
export async function bytesByTransport(card: Locator): Promise<BytesByTransport> {
  return JSON.parse(
    (await card.getAttribute('data-bytes-by-transport')) ?? '{}',
  ) as BytesByTransport;
}
