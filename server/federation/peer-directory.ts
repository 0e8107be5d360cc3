/**
 * The instances this one trusts, and their public keys, fetched from each peer's
 * `/.well-known/chat-files` and cached.
 */
import type { KeyObject } from 'node:crypto';
import { importPublicKey } from './signing.js';

/** What `/.well-known/chat-files` publishes. */
export interface InstanceDescriptor {
  origin: string;
  public_key: string;
  api_base: string;
  version: number;
}

/** How long a fetched key is trusted before it is fetched again. */
const KEY_TTL_MS = 10 * 60 * 1000;
/** A peer that does not answer quickly is treated as unreachable. */
const FETCH_TIMEOUT_MS = 5000;

const isOnOrigin = (url: string, origin: string): boolean => {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
};

/** Looks up trusted peers and their keys. */
export class PeerDirectory {
  private readonly cache = new Map<
    string,
    { key: KeyObject; descriptor: InstanceDescriptor; at: number }
  >();

  constructor(
    /** Origins of trusted peers. */
    readonly peers: readonly string[],
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Whether `origin` is a trusted peer. */
  trusts(origin: string): boolean {
    return this.peers.includes(origin);
  }

  /** A trusted peer's descriptor, fetched or cached; throws for an untrusted origin. */
  async describe(origin: string): Promise<InstanceDescriptor> {
    return (await this.entry(origin)).descriptor;
  }

  /** A trusted peer's public key. */
  async publicKeyOf(origin: string): Promise<KeyObject> {
    return (await this.entry(origin)).key;
  }

  /** Forgets a cached key (after a signature failure, the peer may have rotated it). */
  forget(origin: string): void {
    this.cache.delete(origin);
  }

  private async entry(origin: string) {
    if (!this.trusts(origin)) throw new Error(`${origin} is not a trusted peer`);
    const cached = this.cache.get(origin);
    if (cached && Date.now() - cached.at < KEY_TTL_MS) return cached;
    const response = await this.fetchImpl(`${origin}/.well-known/chat-files`, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok)
      throw new Error(`${origin}/.well-known/chat-files answered ${response.status}`);
    const descriptor = (await response.json()) as InstanceDescriptor;
    if (descriptor.origin !== origin || typeof descriptor.public_key !== 'string') {
      throw new Error(`${origin} published a descriptor for ${String(descriptor.origin)}`);
    }
    // Signed requests go to api_base; a peer may only point them at itself.
    if (typeof descriptor.api_base !== 'string' || !isOnOrigin(descriptor.api_base, origin)) {
      throw new Error(`${origin} published an api_base outside its origin`);
    }
    const entry = { key: importPublicKey(descriptor.public_key), descriptor, at: Date.now() };
    this.cache.set(origin, entry);
    return entry;
  }
}
