import { expect } from '@open-wc/testing';
import { login, uniqueName } from './support/server.js';
import { makeTestFile, uniqueCacheName } from './support/bytes.js';
import type * as Entry from '../../src/index.js';

// The built bundles, as package users load them. `npm test` builds before the browser
// layer; run `npm run build` first when running this file alone.
const ESM = '/dist/browser/chat-files.js';
const IIFE = '/dist/browser/chat-files.iife.js';

type Sdk = typeof Entry;

async function built(url: string): Promise<boolean> {
  return (await fetch(url, { method: 'HEAD' })).ok;
}

/** Starts a client from a bundle and hashes and caches a file through its inlined worker. */
async function exerciseWorker(sdk: Sdk): Promise<void> {
  const user = await login(uniqueName('bundle'));
  const socket = await user.connect();
  const client = new sdk.ChatFiles({
    socket,
    username: user.username,
    cacheName: uniqueCacheName('bundle'),
    config: { ice_servers: [] },
  });
  try {
    const file = makeTestFile(3 * 1024 * 1024 + 1, 42, 'bundle.bin');
    const stored = await client.cache.put('bundle-file', file, {
      room_id: 'general',
      name: 'b.bin',
    });
    expect(stored.complete).to.equal(true);
    expect((await client.cache.getStats()).bytes).to.equal(file.size);
    expect((await client.cache.get('bundle-file'))!.size).to.equal(file.size);
  } finally {
    await client.destroy();
    socket.disconnect();
  }
}

describe('the built bundles', () => {
  it('ES module: the inlined worker runs', async function () {
    if (!(await built(ESM))) this.skip();
    const sdk = (await import(/* @vite-ignore */ ESM)) as Sdk;
    await exerciseWorker(sdk);
  });

  it('IIFE: the global and its inlined worker run', async function () {
    if (!(await built(IIFE))) this.skip();
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = IIFE;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('IIFE failed to load'));
      document.head.append(script);
    });
    const sdk = (window as unknown as { ChatFilesSDK: Sdk }).ChatFilesSDK;
    expect(sdk.ChatFiles).to.be.a('function');
    await exerciseWorker(sdk);
  });
});
