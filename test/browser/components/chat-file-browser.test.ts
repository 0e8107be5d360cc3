import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { ChatFileBrowser } from '../../../src/components/chat-file-browser/chat-file-browser.js';
import '../../../src/components/chat-file-browser/chat-file-browser.js';
import { makeTestFile } from '../support/bytes.js';
import { createRoom, destroyClients, makeClient } from '../support/clients.js';
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

describe('<chat-file-browser> list, grid and storage', () => {
  afterEach(() => {
    localStorage.clear();
    return destroyClients();
  });

  async function filesOfAlice() {
    const { alice, bob, roomId } = await twoInARoom();
    await alice.client.shareFile(roomId, await makePng(30, 20, 'b-photo.png'), { upload: false });
    await bob.client.shareFile(roomId, makeTestFile(9000, 1, 'c-data.bin'), { upload: true });
    await alice.client.shareFile(
      roomId,
      new File(['x'.repeat(500)], 'a-notes.txt', { type: 'text/plain' }),
      { upload: true },
    );
    return { alice, bob, roomId };
  }

  const rows = (el: ChatFileBrowser) =>
    [...el.shadowRoot!.querySelectorAll<HTMLTableRowElement>('tbody tr')].map(
      (r) => r.querySelector('.table__name-text')!.textContent,
    );

  it('lists files in a sortable table a keyboard can walk; accessible', async () => {
    const { alice } = await filesOfAlice();
    localStorage.setItem('t3:view', 'list');
    const el = await fixture<ChatFileBrowser>(
      html`<chat-file-browser
        .client=${alice.client}
        storage-prefix="t3"
        style="width: 1100px"
      ></chat-file-browser>`,
    );
    await until(() => rows(el).length === 3, 10_000, 'rows');
    const headers = [...el.shadowRoot!.querySelectorAll('th')].map((th) =>
      th.textContent!.replace(/[▴▾]/g, '').trim(),
    );
    expect(headers.slice(0, 7)).to.deep.equal([
      'Name',
      'Size',
      'Type',
      'Sender',
      'Room',
      'Date',
      'Server copy',
    ]);
    // Newest first by default.
    expect(rows(el)).to.deep.equal(['a-notes.txt', 'c-data.bin', 'b-photo.png']);
    const sortBy = (key: string) =>
      el.shadowRoot!.querySelector<HTMLButtonElement>(`button[data-sort="${key}"]`)!.click();
    sortBy('name');
    await el.updateComplete;
    expect(rows(el)).to.deep.equal(['a-notes.txt', 'b-photo.png', 'c-data.bin']);
    expect(el.shadowRoot!.querySelector('th[aria-sort="ascending"]')!.textContent).to.contain(
      'Name',
    );
    sortBy('name');
    await el.updateComplete;
    expect(rows(el)).to.deep.equal(['c-data.bin', 'b-photo.png', 'a-notes.txt']);
    sortBy('size');
    await el.updateComplete;
    expect(rows(el)[0]).to.equal('c-data.bin');
    await until(
      () => el.shadowRoot!.querySelectorAll('td[data-server="cached"]').length === 2,
      10_000,
      'server status',
    );

    const first = el.shadowRoot!.querySelector<HTMLElement>('tbody tr')!;
    expect(first.tabIndex).to.equal(0);
    first.focus();
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal(rows(el)[1]);
    await sendKeys({ press: 'End' });
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal(rows(el)[2]);
    expect(
      [...el.shadowRoot!.querySelectorAll('tbody tr')].filter(
        (r) => r.getAttribute('tabindex') === '0',
      ),
    ).to.have.length(1);
    await expect(el).to.be.accessible();

    // At any width the table fits its frame: no action button past the edge.
    for (const width of [390, 700, 1100]) {
      el.style.width = `${width}px`;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const wrap = el.shadowRoot!.querySelector<HTMLElement>('.browser__table-wrap')!;
      expect(wrap.scrollWidth, `table at ${width}px`).to.be.at.most(wrap.clientWidth);
      const edge = wrap.getBoundingClientRect().right;
      for (const button of el.shadowRoot!.querySelectorAll('.table__actions button')) {
        expect(button.getBoundingClientRect().right, `button at ${width}px`).to.be.at.most(edge);
      }
    }
  });

  it('keeps a revoked file listed as revoked, with nothing to download, in the list and the grid', async () => {
    const { alice, bob } = await filesOfAlice();
    const data = (await bob.client.userFiles()).find((f) => f.name === 'c-data.bin')!;
    await bob.client.revokeFile(data.id);
    // A fresh page: what it knows of the revocation comes from the server's list.
    const reloaded = await makeClient('alice', { user: alice.user, cacheName: alice.cacheName });
    localStorage.setItem('t7:view', 'list');
    const el = await fixture<ChatFileBrowser>(
      html`<chat-file-browser
        .client=${reloaded.client}
        storage-prefix="t7"
        style="width: 1100px"
      ></chat-file-browser>`,
    );
    await until(() => rows(el).length === 3, 10_000, 'rows');
    const row = (name: string) =>
      [...el.shadowRoot!.querySelectorAll<HTMLTableRowElement>('tbody tr')].find(
        (r) => r.querySelector('.table__name-text')!.textContent === name,
      )!;
    const revoked = row('c-data.bin');
    expect(revoked.hasAttribute('data-revoked')).to.equal(true);
    expect(revoked.querySelector('.table__revoked')!.textContent!.trim()).to.equal('Revoked');
    expect(revoked.querySelector('.table__revoked')!.getAttribute('title')).to.equal(
      'This file is no longer available',
    );
    expect(revoked.querySelectorAll('button')).to.have.length(0);
    for (const name of ['a-notes.txt', 'b-photo.png']) {
      expect(row(name).hasAttribute('data-revoked')).to.equal(false);
      expect(row(name).querySelector('button.primary')!.getAttribute('aria-label')).to.equal(
        `Download ${name}`,
      );
    }
    await expect(el).to.be.accessible();

    el.shadowRoot!.querySelector<HTMLButtonElement>('button[data-view="grid"]')!.click();
    await until(() => cards(el).length === 3, 10_000, 'tiles');
    const tiles = [...el.shadowRoot!.querySelectorAll('chat-file-card')];
    await Promise.all(tiles.map((t) => t.updateComplete));
    const stateOf = (name: string) => tiles.find((t) => t.fileName === name)!.state;
    expect(stateOf('c-data.bin')).to.equal('unavailable');
    for (const name of ['a-notes.txt', 'b-photo.png'])
      expect(stateOf(name)).to.not.equal('unavailable');
    await expect(el).to.be.accessible();
  });

  it('combines filters and search, and tiles the grid without holes', async () => {
    const { alice, roomId } = await filesOfAlice();
    await alice.client.shareFile(roomId, await makePng(30, 20, 'a-photo.png'), { upload: false });
    const el = await fixture<ChatFileBrowser>(
      html`<chat-file-browser
        .client=${alice.client}
        storage-prefix="t4"
        style="width: 900px"
      ></chat-file-browser>`,
    );
    await until(() => cards(el).length === 4, 10_000, 'tiles');
    el.shadowRoot!.querySelector<HTMLInputElement>('input[name="type"][value="image"]')!.click();
    await el.updateComplete;
    expect(cards(el)).to.deep.equal(['a-photo.png', 'b-photo.png']);
    const search = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="search"]')!;
    search.value = 'a-';
    search.dispatchEvent(new Event('input'));
    await until(() => cards(el).length === 1, 2000, 'image and search');
    expect(cards(el)).to.deep.equal(['a-photo.png']);
    search.value = 'zzz';
    search.dispatchEvent(new Event('input'));
    await until(() => cards(el).length === 0, 2000, 'nothing');
    expect(el.shadowRoot!.textContent).to.contain('No files match these filters.');
    search.value = '';
    search.dispatchEvent(new Event('input'));
    el.shadowRoot!.querySelector<HTMLInputElement>('input[name="type"][value="image"]')!.click();
    await until(() => cards(el).length === 4, 2000, 'all again');

    const tiles = [...el.shadowRoot!.querySelectorAll('chat-file-card')];
    await Promise.all(tiles.map((t) => t.updateComplete));
    const boxes = tiles.map((t) => t.getBoundingClientRect());
    const rowsOfTiles = new Map<number, DOMRect[]>();
    for (const box of boxes)
      rowsOfTiles.set(Math.round(box.top), [...(rowsOfTiles.get(Math.round(box.top)) ?? []), box]);
    for (const row of rowsOfTiles.values()) {
      const heights = new Set(row.map((b) => Math.round(b.height)));
      expect(heights.size, 'tiles of one row share a height').to.equal(1);
    }
    expect(tiles.every((t) => t.getAttribute('layout') === 'tile')).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('shows server storage used of the tier and removes a kept file', async () => {
    const { alice } = await filesOfAlice();
    const notes = (await alice.client.userFiles()).find((f) => f.name === 'a-notes.txt')!;
    await alice.client.storePermanently(notes.id);
    const el = await fixture<ChatFileBrowser>(
      html`<chat-file-browser .client=${alice.client} storage-prefix="t5"></chat-file-browser>`,
    );
    await until(() => !!el.shadowRoot!.querySelector('[part="storage"]'), 10_000, 'storage');
    const storage = el.shadowRoot!.querySelector('[part="storage"]')!;
    // The tier reads as the README and the quota error write it.
    expect(storage.textContent).to.match(/500 B of 100 MB used/);
    const meter = storage.querySelector('[role="meter"]')!;
    expect(meter.getAttribute('aria-valuenow')).to.equal('500');
    storage.querySelector('summary')!.click();
    const remove = storage.querySelector<HTMLButtonElement>('button')!;
    expect(remove.getAttribute('aria-label')).to.equal(
      'Remove a-notes.txt from your server storage',
    );
    await expect(el).to.be.accessible();
    remove.click();
    await until(() => !el.shadowRoot!.querySelector('.storage__files'), 10_000, 'released');
    expect(el.shadowRoot!.querySelector('[part="storage"]')!.textContent).to.match(/0 B of/);
  });
});

describe('<chat-file-browser> direction and colour scheme', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    localStorage.clear();
    await destroyClients();
  });

  it('mirrors right to left and follows the dark scheme; accessible in both', async () => {
    const { alice, roomId } = await twoInARoom();
    await alice.client.shareFile(roomId, await makePng(20, 20, 'rtl.png'), { upload: false });
    const wrapper = await fixture<HTMLElement>(
      html`<div
        dir="rtl"
        style="width: 900px; color-scheme: light dark; background: Canvas; color: CanvasText"
      >
        <chat-file-browser .client=${alice.client} storage-prefix="t6"></chat-file-browser>
      </div>`,
    );
    const el = wrapper.querySelector('chat-file-browser')!;
    await until(() => cards(el).length === 1, 10_000, 'tile');
    const sidebar = el.shadowRoot!.querySelector('[part="sidebar"]')!.getBoundingClientRect();
    const toolbar = el.shadowRoot!.querySelector('[part="toolbar"]')!.getBoundingClientRect();
    expect(sidebar.left).to.be.greaterThan(toolbar.right);
    await expect(el).to.be.accessible();

    const chip = el.shadowRoot!.querySelector('.chip span')!;
    expect(getComputedStyle(chip).backgroundColor).to.equal('rgb(255, 255, 255)');
    await emulateMedia({ colorScheme: 'dark' });
    expect(getComputedStyle(chip).backgroundColor).to.equal('rgb(28, 33, 48)');
    expect(getComputedStyle(el).color).to.equal('rgb(232, 234, 240)');
    await expect(el).to.be.accessible();
  });
});
