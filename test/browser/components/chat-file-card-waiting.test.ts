import { expect } from '@open-wc/testing';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import { closeClient, destroyClients, makeClient } from '../support/clients.js';
import { until } from '../support/media.js';
import { cardFor, shareAndReceive, twoInARoom } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;
const status = (card: ChatFileCard) =>
  shadow(card).querySelector('[part="status"]')!.textContent!.trim();

describe('<chat-file-card> waiting for a holder', () => {
  afterEach(destroyClients);

  it('says whom it waits for, shows the wait, and downloads by itself when the sender returns', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const file = makeTestFile(1_500_000, 41, 'away.bin');
    const message = await shareAndReceive(alice, bob, roomId, file);
    // Her copy is in her cache before she leaves.
    await alice.client.whenIdle();
    await closeClient(alice);
    const card = await cardFor(bob, message);
    const states: string[] = [];
    card.addEventListener('chat-file-state', (e) => states.push(e.detail.state));
    void card.download();
    await until(() => card.state === 'waiting', 20_000, 'the waiting state');
    await card.updateComplete;
    expect(status(card)).to.equal(`Waiting for ${alice.user.username} to come online`);
    const buttons = [...shadow(card).querySelectorAll('button')].map((b) => b.textContent!.trim());
    expect(buttons).to.deep.equal(['Try again', 'Cancel']);
    await until(
      () => /waiting \d+ s; it starts by itself/.test(shadow(card).textContent ?? ''),
      5000,
      'the time waited',
    );
    await expect(card).to.be.accessible();

    // Alice opens the app again, with the file still in her cache.
    const back = await makeClient('alice', { user: alice.user, cacheName: alice.cacheName });
    await back.client.loadCachedFilesForRoom(roomId);
    await until(() => card.state === 'complete', 30_000, 'the download to start by itself');
    expect(states).to.include('transferring');
    expect(await firstDifference(await card.getFile(), file)).to.equal(-1);
  });
});
