/**
 * Where this instance's federation key comes from. Every node of one deployment must
 * sign with the same key, so that peers see one instance:
 * - `federationKey` (a PEM Ed25519 private key) when the host configures one;
 * - otherwise, on a store several nodes share (PostgreSQL), a secret of that store,
 *   created once by whichever node starts first (seeded from a key file in `dataDir`
 *   when there is one, so a single node moving to PostgreSQL keeps its identity);
 * - otherwise (the embedded SQLite store) the key file in `dataDir`.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import type { MetadataStore } from '../store/metadata-store.js';
import {
  instanceKeysOf,
  loadOrCreateKeys,
  privateKeyFromSeed,
  readKeyFile,
  seedOf,
  type InstanceKeys,
} from './signing.js';

/** Name of the shared secret holding the Ed25519 seed of the federation key. */
export const FEDERATION_KEY_SECRET = 'federation-ed25519-seed';

/** Loads (or creates, once) the key pair this instance signs with. */
export async function loadInstanceKeys(input: {
  store: MetadataStore;
  /** Whether `store` is shared by several nodes (else the key file in `dataDir` is used). */
  sharedStore: boolean;
  dataDir: string;
  /** A configured PEM private key, or `null`. */
  configuredKey: string | null;
}): Promise<InstanceKeys> {
  if (input.configuredKey) {
    return instanceKeysOf(createPrivateKey(input.configuredKey), 'federationKey');
  }
  if (!input.sharedStore) return loadOrCreateKeys(input.dataDir);
  // Any 32 random bytes are a valid Ed25519 seed (the store's default secret).
  const seed = await input.store.sharedSecret(FEDERATION_KEY_SECRET, () => {
    const saved = readKeyFile(input.dataDir);
    return saved ? seedOf(saved) : randomBytes(32);
  });
  return instanceKeysOf(privateKeyFromSeed(seed));
}
