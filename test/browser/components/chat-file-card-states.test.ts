import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import { frenchStrings } from '../../../src/components/shared/strings-fr.js';
import { makeTestFile } from '../support/bytes.js';
import { closeClient, createRoom, destroyClients, makeClient } from '../support/clients.js';
import { quotaClient } from '../support/quota-client.js';
import { until } from '../support/media.js';
import { cardFor, shareAndReceive, twoInARoom } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;
const status = (card: ChatFileCard) =>
  shadow(card).querySelector('[part="status"]')!.textContent!.trim();
const button = (card: ChatFileCard, label: RegExp) =>
  [...shadow(card).querySelectorAll('button')].find((b) => label.test(b.textContent ?? ''));

describe('<chat-file-card> states', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    await destroyClients();
  });

  it('tells the sender "Shared · On this device", never "Downloaded · via cache"', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(5000, 1, 'mine.bin'));
    const card = await cardFor(alice, message);
    await until(() => card.state === 'complete', 5000, 'own file complete');
    await card.updateComplete;
    expect(status(card)).to.equal('Shared · On this device');
    expect(shadow(card).textContent).not.to.contain('via');
    await expect(card).to.be.accessible();
  });

  it('tells the recipient "On this device" when the file comes from its cache', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(5000, 2, 'got.bin'));
    const first = await cardFor(bob, message);
    await first.download();
    expect(status(first)).to.equal('Downloaded · via peer-to-peer');
    first.remove();
    // A reload: the same user and cache, a new client.
    await closeClient(bob);
    const reloaded = await makeClient('bob', { user: bob.user, cacheName: bob.cacheName });
    const again = await cardFor(reloaded, message);
    await until(() => again.state === 'complete', 5000, 'complete from cache');
    await again.updateComplete;
    expect(status(again)).to.equal('On this device');
  });

  it('moves focus to the next action when the pressed one goes away', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(200_000, 3, 'f.bin'));
    const card = await cardFor(bob, message);
    button(card, /Download/)!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => card.state === 'complete', 10_000, 'complete');
    await card.updateComplete;
    const focused = shadow(card).activeElement;
    expect(focused?.textContent?.trim()).to.equal('Save');
  });

  it('asks before stopping a share; Escape keeps it, confirming revokes it', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(1000, 4, 'oops.bin'));
    const card = await cardFor(alice, message);
    const summary = shadow(card).querySelector<HTMLElement>('.card__menu summary')!;
    summary.click();
    button(card, /Stop sharing/)!.click();
    await card.updateComplete;
    const dialog = shadow(card).querySelector('dialog')!;
    expect(dialog.open).to.equal(true);
    expect(dialog.textContent).to.contain('Nobody will be able to download oops.bin');
    await expect(card).to.be.accessible();
    await sendKeys({ press: 'Escape' });
    await card.updateComplete;
    expect(shadow(card).querySelector('dialog')).to.equal(null);
    expect(card.state).not.to.equal('unavailable');
    expect(shadow(card).activeElement).to.equal(summary);

    summary.click();
    button(card, /Stop sharing/)!.click();
    await card.updateComplete;
    [...shadow(card).querySelectorAll('dialog button')]
      .at(-1)!
      .dispatchEvent(new MouseEvent('click'));
    await until(() => card.state === 'unavailable', 5000, 'revoked');
  });

  it('lays out right to left, and follows the dark colour scheme', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(1000, 5, 'rtl.bin'));
    const wrapper = await fixture<HTMLElement>(
      // The page allows both schemes, so the elements follow prefers-color-scheme.
      html`<div dir="rtl" style="width: 400px; color-scheme: light dark">
        <chat-file-card .client=${bob.client} .message=${message}></chat-file-card>
      </div>`,
    );
    const card = wrapper.querySelector('chat-file-card')!;
    await card.updateComplete;
    const name = shadow(card).querySelector('[part="name"]')!.getBoundingClientRect();
    const actions = shadow(card).querySelector('[part="actions"]')!.getBoundingClientRect();
    expect(actions.right).to.be.lessThan(name.left);
    await expect(card).to.be.accessible();

    const base = shadow(card).querySelector('[part="base"]')!;
    expect(getComputedStyle(base).backgroundColor).to.equal('rgb(255, 255, 255)');
    await emulateMedia({ colorScheme: 'dark' });
    expect(getComputedStyle(base).backgroundColor).to.equal('rgb(28, 33, 48)');
    expect(getComputedStyle(base).color).to.equal('rgb(232, 234, 240)');
    await expect(card).to.be.accessible();
    // A page that declares no colour scheme keeps light elements even then.
    wrapper.style.colorScheme = '';
    expect(getComputedStyle(base).backgroundColor).to.equal('rgb(255, 255, 255)');
    // A page's own colours win over both schemes.
    wrapper.style.setProperty('--chat-file-bg', 'rgb(1, 2, 3)');
    expect(getComputedStyle(base).backgroundColor).to.equal('rgb(1, 2, 3)');
  });

  it('speaks a second language through the strings object', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(1000, 6, 'doc.bin'));
    const card = await fixture<ChatFileCard>(
      html`<chat-file-card
        .client=${bob.client}
        .message=${message}
        .strings=${frenchStrings}
      ></chat-file-card>`,
    );
    expect(button(card, /Télécharger/)).to.exist;
    expect(status(card)).to.equal('Prêt à télécharger');
    await card.download();
    expect(status(card)).to.equal('Téléchargé · via pair-à-pair');
    await expect(card).to.be.accessible();
  });
});

describe('<chat-file-card> failures', () => {
  afterEach(destroyClients);

  it('says what happened and what to do, and Try again starts over', async () => {
    const alice = await makeClient('alice');
    const bob = await quotaClient('bob');
    const roomId = await createRoom(alice.user, [bob.user]);
    const message = await shareAndReceive(
      alice,
      bob,
      roomId,
      makeTestFile(2_000_000, 9, 'full.bin'),
    );
    const card = await cardFor(bob, message);
    // This browser's storage is full: every write fails.
    await bob.failNextCommits(1000);
    await card.download();
    await card.updateComplete;
    expect(card.state).to.equal('error');
    expect(status(card)).to.equal(
      'Download failed: This browser has no room left for downloads. Free some space, then try again.',
    );
    const retry = button(card, /Try again/)!;
    expect(retry.getAttribute('aria-label')).to.equal('Try again to download full.bin');
    await expect(card).to.be.accessible();

    await bob.failNextCommits(0);
    retry.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => card.state === 'complete', 10_000, 'the second attempt');
    await card.updateComplete;
    expect(shadow(card).activeElement?.textContent?.trim()).to.equal('Save');
  });
});
