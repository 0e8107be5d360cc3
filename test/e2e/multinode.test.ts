/**
 * Three reference-app nodes sharing PostgreSQL, Redis and one blob directory, driven in
 * Chromium: first each user on a node of their own, then through nginx with a node
 * killed mid-transfer.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { bytesByTransport, recordCompletion } from './support/completion.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type AppProcess } from './support/app-process.js';
import {
  metricOf,
  startBalancer,
  startNode,
  startSharedServices,
  type Balancer,
  type SharedServices,
} from './support/cluster.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const NODE_CONFIG = {
  ice_servers: [],
  probe_timeout: 1000,
  webrtc_timeout: 4000,
  peer_wait_timeout: 4000,
};

const noWebRtc = () => {
  // A browser without WebRTC (or one where it is blocked).
  delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
};

/** Opens the app at `origin` as `user` in general, in a fresh browser context. */
async function open(browser: Browser, origin: string, user: string, init?: () => void) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${user}] page error:`, error.message));
  await page.goto(`${origin}/?user=${user}&room=general`);
  await page.waitForSelector('body[data-socket="connected"][data-room="general"]');
  return { context, page };
}

const cardOf = (page: Page, name: string) =>
  page.locator('#messages chat-file-card', { hasText: name }).last();

const waitForState = (card: Locator, state: string, timeout = 30_000) =>
  expect.poll(() => card.getAttribute('state'), { timeout }).toBe(state);

/** SHA-256 of the file a card resolves to, computed in the page. */
const cardFileHash = (card: Locator) =>
  card.evaluate(async (el) => {
    const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  });

async function pick(page: Page, name: string, buffer: Buffer) {
  await page
    .locator('chat-file-upload input[type="file"]')
    .setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
}

async function say(page: Page, text: string) {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

const messageOn = (page: Page, text: string) =>
  page.locator('#messages li', { hasText: text }).first().waitFor({ timeout: 10_000 });

describe('three nodes on PostgreSQL, Redis and one blob directory', () => {
  let shared: SharedServices;
  const nodes: AppProcess[] = [];
  let balancer: Balancer | undefined;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    shared = await startSharedServices();
    // One at a time: each creates or checks the schema under the same lock.
    for (const name of ['node1', 'node2', 'node3']) {
      nodes.push(await startNode(shared, name, NODE_CONFIG));
    }
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await balancer?.stop();
    for (const node of nodes) await node.stop();
    await shared?.stop();
  });

  it('carries messages, WebRTC signals, relay frames and the server seed across nodes', async () => {
    const [node1, node2, node3] = nodes as [AppProcess, AppProcess, AppProcess];
    const alice = await open(browser, node1.url, 'alice');
    const bob = await open(browser, node2.url, 'bob');
    const carol = await open(browser, node3.url, 'carol', noWebRtc);
    contexts.push(bob.context, carol.context);

    await say(alice.page, 'hello from node 1');
    await messageOn(bob.page, 'hello from node 1');
    await messageOn(carol.page, 'hello from node 1');

    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    await pick(alice.page, 'across.bin', bytes);

    const bobCard = cardOf(bob.page, 'across.bin');
    // Bob's page cannot reach the server's copy, so WebRTC does not race it.
    await bob.page.route(
      (url) => url.pathname.endsWith('/download'),
      (route) => route.abort(),
    );
    await recordCompletion(bobCard);
    await bobCard.locator('button', { hasText: 'Download' }).click();
    await waitForState(bobCard, 'complete');
    // Alice (node 1) sent over WebRTC.
    expect(['webrtc', 'swarm']).toContain(await bobCard.getAttribute('transport'));
    expect((await bytesByTransport(bobCard)).webrtc).toBeGreaterThan(0);
    expect(await cardFileHash(bobCard)).toBe(sha256(bytes));

    const carolCard = cardOf(carol.page, 'across.bin');
    // Her page cannot reach the server's copy either, so the bytes must come over the relay.
    await carol.page.route(
      (url) => url.pathname.endsWith('/download'),
      (route) => route.abort(),
    );
    await recordCompletion(carolCard);
    await carolCard.locator('button', { hasText: 'Download' }).click();
    await waitForState(carolCard, 'complete');
    // Alice and bob both seed over the relay: one source or both (a swarm of relays).
    expect(['relay', 'swarm']).toContain(await carolCard.getAttribute('transport'));
    const carolSources = await bytesByTransport(carolCard);
    expect(carolSources.relay).toBeGreaterThan(0);
    expect((carolSources.webrtc ?? 0) + (carolSources.server ?? 0)).toBe(0);
    expect(await cardFileHash(carolCard)).toBe(sha256(bytes));
    // The frames went through node 3 from a seeder on another node.
    expect(await metricOf(node3.url, 'chat_files_relay_sessions_opened_total')).toBeGreaterThan(0);

    // The server copy alice's page uploaded through node 1, once alice and bob are gone.
    await cardOf(alice.page, 'across.bin')
      .locator('[part="server"][data-server="cached"]')
      .waitFor({ timeout: 30_000 });
    // Everyone who holds the bytes leaves (carol too, or dave would take them from her).
    await alice.context.close();
    await bob.context.close();
    await carol.context.close();
    const dave = await open(browser, node3.url, 'dave', noWebRtc);
    contexts.push(dave.context);
    const daveCard = cardOf(dave.page, 'across.bin');
    await daveCard.locator('button', { hasText: 'Download' }).click();
    await waitForState(daveCard, 'complete');
    expect(await daveCard.getAttribute('transport')).toBe('server');
    expect(await cardFileHash(daveCard)).toBe(sha256(bytes));
    await dave.context.close();
  });

  it('through nginx: a node killed mid-transfer, the client moves to another node and finishes; nothing accepted is lost', async () => {
    balancer = await startBalancer(
      shared.workDir,
      nodes.map((node) => node.port),
    );
    const erin = await open(browser, balancer.url, 'erin');
    const frank = await open(browser, balancer.url, 'frank', noWebRtc);
    contexts.push(erin.context, frank.context);

    const said = ['before the kill 1', 'before the kill 2', 'before the kill 3'];
    for (const text of said) {
      await say(erin.page, text);
      await messageOn(erin.page, text);
    }
    for (const text of said) await messageOn(frank.page, text);

    const bytes = randomBytes(24 * 1024 * 1024);
    await pick(erin.page, 'survivor.bin', bytes);
    await cardOf(erin.page, 'survivor.bin')
      .locator('[part="server"][data-server="cached"]')
      .waitFor({ timeout: 60_000 });

    // Which node holds frank's socket: the one of erin is counted too, so ask after she leaves.
    await erin.context.close();
    let frankNode: AppProcess | undefined;
    await expect
      .poll(
        async () => {
          const counts = await Promise.all(
            nodes.map(async (node) => (await metricOf(node.url, 'chat_files_sockets')) ?? 0),
          );
          // Once erin's socket is gone everywhere, the one socket left is frank's.
          frankNode =
            counts.reduce((a, b) => a + b, 0) === 1 ? nodes[counts.indexOf(1)] : undefined;
          return frankNode !== undefined;
        },
        { timeout: 10_000 },
      )
      .toBe(true);

    // Every change of frank's connection, as his page shows it.
    await frank.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { socketStates: string[] }).socketStates = seen;
      new MutationObserver(() => seen.push(document.body.dataset.socket ?? '')).observe(
        document.body,
        { attributes: true, attributeFilter: ['data-socket'] },
      );
    });
    const card = cardOf(frank.page, 'survivor.bin');
    await card.locator('button', { hasText: 'Download' }).click();
    await expect
      .poll(async () => Number((await card.getAttribute('progress')) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(await card.getAttribute('state')).not.toBe('complete');
    await frankNode!.kill('SIGKILL');

    await waitForState(card, 'complete', 90_000);
    expect(await cardFileHash(card)).toBe(sha256(bytes));
    // Frank's page lost its node and reconnected through nginx to one that is alive.
    await frank.page.waitForSelector('body[data-socket="connected"]', { timeout: 20_000 });
    const states = await frank.page.evaluate(
      () => (window as unknown as { socketStates: string[] }).socketStates,
    );
    expect(states.indexOf('disconnected')).toBeGreaterThanOrEqual(0);
    expect(states.lastIndexOf('connected')).toBeGreaterThan(states.indexOf('disconnected'));

    // Every message accepted before the kill is still there, served by the nodes left.
    const messages = await frank.page.evaluate(async () => {
      const res = await fetch('/api/rooms/general/messages', { credentials: 'same-origin' });
      return ((await res.json()) as { messages: Array<{ content: string }> }).messages.map(
        (m) => m.content,
      );
    });
    for (const text of said) expect(messages).toContain(text);
  });
});
