import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import type { ChatFileUpload } from '../../../src/components/chat-file-upload/chat-file-upload.js';
import '../../../src/components/chat-file-upload/chat-file-upload.js';
import { decodeFileMessage } from '../../../src/core/wire/file-message.js';
import type { ChatMessage } from '../../../src/core/wire/protocol.js';
import { makeTestFile } from '../support/bytes.js';
import { destroyClients, type TestClient } from '../support/clients.js';
import { makePng, until } from '../support/media.js';
import { twoInARoom } from './helpers.js';

function uploadFor(client: TestClient, roomId: string) {
  return fixture<ChatFileUpload>(
    html`<chat-file-upload .client=${client.client} room-id=${roomId}></chat-file-upload>`,
  );
}

/** Collects the [FILE] messages `client` receives in `roomId`. */
function inbox(client: TestClient, roomId: string) {
  const files: Array<NonNullable<ReturnType<typeof decodeFileMessage>>> = [];
  client.client.socket.on('chat:message_received', (message: ChatMessage) => {
    const payload = message.room_id === roomId ? decodeFileMessage(message.content) : null;
    if (payload) files.push(payload);
  });
  return files;
}

const transfer = (...files: File[]) => {
  const data = new DataTransfer();
  for (const file of files) data.items.add(file);
  return data;
};

describe('<chat-file-upload>', () => {
  afterEach(destroyClients);

  it('has a native multiple file input and a labelled button; accessible', async () => {
    const { alice, roomId } = await twoInARoom();
    const el = await uploadFor(alice, roomId);
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="file"]')!;
    expect(input.multiple).to.equal(true);
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-label')).to.match(
      /Attach files/,
    );
    await expect(el).to.be.accessible();
  });

  it('shares picked files and the room sees them', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const received = inbox(bob, roomId);
    const el = await uploadFor(alice, roomId);
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="file"]')!;
    input.files = transfer(
      makeTestFile(5000, 1, 'one.bin'),
      makeTestFile(7000, 2, 'two.bin'),
    ).files;
    const shared: string[] = [];
    el.addEventListener('chat-file-share', (e) => shared.push(e.detail.name));
    input.dispatchEvent(new Event('change'));
    await until(() => shared.length === 2, 10_000, 'two shares');
    expect(shared.sort()).to.deep.equal(['one.bin', 'two.bin']);
    await until(() => received.length === 2, 10_000, 'bob to see both');
    expect(received.map((f) => f.size).sort()).to.deep.equal([5000, 7000]);
  });

  it('refuses a file over max_file_size with a message, before anything is sent', async () => {
    const { alice, bob, roomId } = await twoInARoom({
      alice: { configOverrides: { max_file_size: 10_000 } },
    });
    const received = inbox(bob, roomId);
    const el = await uploadFor(alice, roomId);
    const refused = oneEvent(el, 'chat-file-error');
    void el.shareFiles([makeTestFile(10_001, 1, 'big.bin')]);
    const { detail } = await refused;
    expect(detail.code).to.equal('ERR_TOO_LARGE');
    expect(detail.message).to.equal('big.bin is too large: files may be at most 9.8 KB.');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('too large');
    await new Promise((r) => setTimeout(r, 300));
    expect(received).to.have.length(0);
    await expect(el).to.be.accessible();
  });

  it('refuses a type that is not allowed', async () => {
    const { alice, roomId } = await twoInARoom({
      alice: { configOverrides: { server_seeding: { allowed_mime_types: ['image/png'] } } },
    });
    const el = await uploadFor(alice, roomId);
    const refused = oneEvent(el, 'chat-file-error');
    void el.shareFiles([new File(['x'], 'notes.txt', { type: 'text/plain' })]);
    expect((await refused).detail.code).to.equal('ERR_UNSUPPORTED_TYPE');
  });

  it('shares dropped files and pasted screenshots', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const received = inbox(bob, roomId);
    const el = await uploadFor(alice, roomId);
    el.dispatchEvent(
      new DragEvent('dragover', {
        dataTransfer: transfer(makeTestFile(10, 1, 'd.bin')),
        bubbles: true,
        cancelable: true,
      }),
    );
    expect(el.dragging).to.equal(true);
    el.dispatchEvent(
      new DragEvent('drop', {
        dataTransfer: transfer(makeTestFile(1234, 9, 'dropped.bin')),
        bubbles: true,
        cancelable: true,
      }),
    );
    const screenshot = new File([await makePng()], 'image.png', { type: 'image/png' });
    document.dispatchEvent(
      new ClipboardEvent('paste', {
        clipboardData: transfer(screenshot),
        bubbles: true,
        cancelable: true,
      }),
    );
    await until(() => received.length === 2, 10_000, 'drop and paste');
    const names = received.map((f) => f.name);
    expect(names).to.include('dropped.bin');
    expect(names.find((n) => n.startsWith('pasted-'))).to.match(
      /^pasted-\d{4}-\d\d-\d\dT[\d-]+\.png$/,
    );
    expect(el.dragging).to.equal(false);
  });

  it('cancels a share in progress', async () => {
    const { alice, roomId } = await twoInARoom();
    const el = await uploadFor(alice, roomId);
    const pending = el.shareFiles([makeTestFile(30_000_000, 4, 'slow.bin')]);
    await until(() => !!el.shadowRoot!.querySelector('.upload__cancel'), 5000, 'cancel button');
    el.shadowRoot!.querySelector<HTMLButtonElement>('.upload__cancel')!.click();
    await pending;
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.upload__item')).to.equal(null);
  });

  it('shows sending progress in a panel that never resizes the element, and clears it when sent', async () => {
    const { alice, roomId } = await twoInARoom();
    const el = await uploadFor(alice, roomId);
    const before = el.getBoundingClientRect();
    const live = el.shadowRoot!.querySelector('[aria-live="polite"]')!;
    const pending = el.shareFiles([makeTestFile(12_000_000, 8, 'photo.bin')]);
    await until(() => !!el.shadowRoot!.querySelector('.upload__item'), 5000, 'panel');
    const during = el.getBoundingClientRect();
    expect([during.width, during.height]).to.deep.equal([before.width, before.height]);
    const samples: Array<[number, number, number]> = [];
    await until(
      () => {
        const bar = el.shadowRoot!.querySelector<HTMLElement>('.upload__bar[aria-valuenow]');
        const status = el.shadowRoot!.querySelector('.upload__status')?.textContent ?? '';
        const shown = /(\d+)%/.exec(status);
        if (bar && shown) {
          const fill = bar.querySelector<HTMLElement>('.upload__fill')!;
          samples.push([
            Number(bar.getAttribute('aria-valuenow')),
            Number(shown[1]),
            (fill.getBoundingClientRect().width / bar.getBoundingClientRect().width) * 100,
          ]);
        }
        return !el.shadowRoot!.querySelector('.upload__item');
      },
      30_000,
      'the sent file to leave the panel',
    );
    await pending;
    expect(samples.length).to.be.greaterThan(0);
    for (const [valueNow, shown, bar] of samples) {
      expect(shown).to.equal(valueNow);
      expect(Math.abs(bar - shown)).to.be.at.most(1);
    }
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part="list"]')).to.equal(null);
    expect(live.textContent).to.equal('photo.bin shared');
    const after = el.getBoundingClientRect();
    expect([after.width, after.height]).to.deep.equal([before.width, before.height]);
    await expect(el).to.be.accessible();
  });
});
