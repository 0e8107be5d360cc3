/**
 * The nonce store the server uses: nonces live in the metadata store, so a request
 * captured before a restart still cannot be replayed after it.
 */
import type { MetadataStore } from '../store/metadata-store.js';
import { MAX_CLOCK_SKEW_MS, type NonceStore } from './signing.js';

/** A {@link NonceStore} backed by the metadata store. */
export class PersistentNonceStore implements NonceStore {
  constructor(private readonly store: MetadataStore) {}

  claim(origin: string, nonce: string, now: number): Promise<boolean> {
    // A request may be up to the skew early or late, so a nonce must be kept for twice
    // the skew; anything older is refused for its date before the nonce is consulted.
    return this.store.federation.claimNonce(origin, nonce, now, now - 2 * MAX_CLOCK_SKEW_MS);
  }
}
