import { expect, fixture, html } from '@open-wc/testing';
import type { ChatFileBrowser } from '../../../src/components/chat-file-browser/chat-file-browser.js';
import '../../../src/components/chat-file-browser/chat-file-browser.js';
import { makeTestFile } from '../support/bytes.js';
import { createRoom, destroyClients } from '../support/clients.js';
import { makePng, until } from '../support/media.js';
import { twoInARoom } from './helpers.js';

const cards = (el: ChatFileBrowser) =>
  [...el.shadowRoot!.querySelectorAll('chat-file-card')].map((c) => c.fileName).sort();

describe('<chat-file-browser>', () => {
  afterEach(() => {
    localStorage.clear();
    return destroyClients();
  });

  it('lists files across rooms, filters them, and keeps deleted rooms in a collapsed group', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const other = await createRoom(alice.user, []);
    await alice.client.shareFile(roomId, await makePng(20, 20, 'photo.png'), { upload: false });
    await alice.client.shareFile(roomId, new File(['hello'], 'notes.txt', { type: 'text/plain' }), {
      upload: false,
    });
    await alice.client.shareFile(other, makeTestFile(2000, 1, 'archive.zip', 'application/zip'), {
      upload: true,
    });
    const gone = await createRoom(alice.user, []);
    await alice.client.shareFile(gone, makeTestFile(100, 2, 'old.bin'), { upload: false });
    await alice.user.fetch(`/api/rooms/${gone}`, { method: 'DELETE' });

    const el = await fixture<ChatFileBrowser>(
      html`<chat-file-browser .client=${alice.client} storage-prefix="t1"></chat-file-browser>`,
    );
    await until(() => cards(el).length === 4, 10_000, 'files');
    expect(cards(el)).to.deep.equal(['archive.zip', 'notes.txt', 'old.bin', 'photo.png']);
    for (const card of el.shadowRoot!.querySelectorAll('chat-file-card'))
      expect(card.browseMode).to.equal(true);

    const deleted = el.shadowRoot!.querySelector('details')!;
    expect(deleted.open).to.equal(false);
    expect(deleted.querySelector('summary')!.textContent).to.contain('Deleted Rooms (1)');

    const imageFilter = el.shadowRoot!.querySelector<HTMLInputElement>(
      'input[name="type"][value="image"]',
    )!;
    imageFilter.click();
    await el.updateComplete;
    expect(cards(el)).to.deep.equal(['photo.png']);
    imageFilter.click();
    await el.updateComplete;
    expect(cards(el)).to.have.length(4);

    const search = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="search"]')!;
    search.value = 'NOTE';
    search.dispatchEvent(new Event('input'));
    await until(() => cards(el).length === 1, 2000, 'search');
    expect(cards(el)).to.deep.equal(['notes.txt']);
    search.value = '';
    search.dispatchEvent(new Event('input'));
    await until(() => cards(el).length === 4, 2000, 'search cleared');

    el.shadowRoot!.querySelector<HTMLButtonElement>(`button[data-room="${other}"]`)!.click();
    await el.updateComplete;
    expect(cards(el)).to.deep.equal(['archive.zip']);
    el.shadowRoot!.querySelector<HTMLButtonElement>('button[data-room=""]')!.click();
    await el.updateComplete;

    await alice.client.storePermanently(
      (await alice.client.userFiles()).find((f) => f.name === 'archive.zip')!.id,
    );
    await el.reload();
    el.shadowRoot!.querySelector<HTMLInputElement>('input[name="saved"]')!.click();
    await el.updateComplete;
    expect(cards(el)).to.deep.equal(['archive.zip']);
    expect(bob.client.username).to.be.a('string');
    await expect(el).to.be.accessible();
  });

  it('keeps view state per storage prefix', async () => {
    const { alice } = await twoInARoom();
    const first = await fixture<ChatFileBrowser>(
      html`<chat-file-browser .client=${alice.client} storage-prefix="left"></chat-file-browser>`,
    );
    const second = await fixture<ChatFileBrowser>(
      html`<chat-file-browser .client=${alice.client} storage-prefix="right"></chat-file-browser>`,
    );
    first.shadowRoot!.querySelector<HTMLButtonElement>('button[data-view="list"]')!.click();
    first.shadowRoot!.querySelector<HTMLInputElement>('input[name="type"][value="video"]')!.click();
    await first.updateComplete;
    expect(first.getAttribute('view')).to.equal('list');
    expect(second.getAttribute('view')).to.equal('grid');
    expect(localStorage.getItem('left:view')).to.equal('list');
    expect(localStorage.getItem('left:types')).to.equal('["video"]');
    expect(localStorage.getItem('right:view')).to.equal(null);

    const again = await fixture<ChatFileBrowser>(
      html`<chat-file-browser .client=${alice.client} storage-prefix="left"></chat-file-browser>`,
    );
    expect(again.getAttribute('view')).to.equal('list');
    expect(
      again.shadowRoot!.querySelector<HTMLInputElement>('input[value="video"]')!.checked,
    ).to.equal(true);
  });
});
