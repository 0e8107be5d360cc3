import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import type { ChatFileLightbox } from '../../../src/components/chat-file-lightbox/chat-file-lightbox.js';
import { destroyClients } from '../support/clients.js';
import { makePdf, makePng, makeWebm, until } from '../support/media.js';
import { cardFor, shareAndReceive, twoInARoom } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;

/** Share of a canvas's pixels that are not white. */
function ink(canvas: HTMLCanvasElement): number {
  const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) count += 1;
  }
  return count / (data.length / 4);
}

describe('<chat-file-card> previews', () => {
  afterEach(async () => {
    document.querySelector('chat-file-lightbox')?.remove();
    await destroyClients();
  });

  it('draws the first page of a PDF onto a canvas, with its page count; accessible', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makePdf('minutes.pdf'));
    const card = await cardFor(bob, message);
    await card.download();
    await until(
      () => !!shadow(card).querySelector<HTMLCanvasElement>('canvas.card__pdf')?.dataset.drawn,
      10_000,
      'pdf page',
    );
    const canvas = shadow(card).querySelector<HTMLCanvasElement>('canvas.card__pdf')!;
    expect(canvas.width).to.be.greaterThan(100);
    expect(ink(canvas)).to.be.greaterThan(0.1);
    expect(canvas.getAttribute('role')).to.equal('img');
    expect(shadow(card).querySelector('[part="meta"]')!.textContent).to.contain('1 page');
    expect(shadow(card).querySelector('iframe')).to.equal(null);
    await expect(card).to.be.accessible();
  });

  it("shows a received PDF's first page from its message before anything is downloaded", async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makePdf('agenda.pdf'));
    const card = await cardFor(bob, message);
    expect(card.getAttribute('state')).to.equal('available');
    const img = shadow(card).querySelector<HTMLImageElement>('[part="thumbnail"] img')!;
    expect(img).to.not.equal(null);
    expect(img.src).to.match(/^data:image\/(webp|jpeg);base64,/);
    await img.decode();
    // Page 1 is portrait (298 × 420 pt) and carries the blue rectangle.
    expect(img.naturalHeight).to.be.greaterThan(img.naturalWidth);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d')!.drawImage(img, 0, 0);
    expect(ink(canvas)).to.be.greaterThan(0.15);
    expect(card.getAttribute('state')).to.equal('available');
    await expect(card).to.be.accessible();
  });

  it('offers "Open" when a PDF cannot be drawn', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const broken = new File(['%PDF-1.4 this is not really a pdf'], 'broken.pdf', {
      type: 'application/pdf',
    });
    const message = await shareAndReceive(alice, bob, roomId, broken);
    const card = await cardFor(bob, message);
    await card.download();
    await until(
      () => /cannot be previewed/.test(shadow(card).textContent ?? ''),
      10_000,
      'fallback',
    );
    const open = [...shadow(card).querySelectorAll('button')].find(
      (b) => b.textContent?.trim() === 'Open',
    );
    expect(open?.getAttribute('aria-label')).to.equal('Open broken.pdf in a new tab');
    await expect(card).to.be.accessible();
  });

  it('folds long text behind "Show more" and unfolds it', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const message = await shareAndReceive(
      alice,
      bob,
      roomId,
      new File([lines], 'log.txt', { type: 'text/plain' }),
    );
    const card = await cardFor(bob, message);
    await card.download();
    await until(() => !!shadow(card).querySelector('.card__more'), 5000, 'show more');
    const pre = shadow(card).querySelector('pre')!;
    const more = shadow(card).querySelector<HTMLButtonElement>('.card__more')!;
    const foldedHeight = pre.getBoundingClientRect().height;
    expect(more.textContent!.trim()).to.equal('Show more');
    expect(more.getAttribute('aria-expanded')).to.equal('false');
    await expect(card).to.be.accessible();
    more.click();
    await card.updateComplete;
    expect(pre.getBoundingClientRect().height).to.be.greaterThan(foldedHeight * 1.5);
    expect(more.getAttribute('aria-expanded')).to.equal('true');
    expect(more.textContent!.trim()).to.equal('Show less');
  });

  it('shows a video with a poster frame and its duration', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, await makeWebm(1));
    const card = await cardFor(bob, message);
    await card.download();
    await until(() => !!shadow(card).querySelector('video'), 5000, 'video');
    const video = shadow(card).querySelector('video')!;
    expect(video.getAttribute('src')).to.match(/^blob:/);
    expect(video.preload).to.equal('auto');
    await until(() => video.readyState >= 2, 5000, 'a decoded first frame');
    expect(video.videoWidth).to.equal(160);
    await expect(card).to.be.accessible();
  });

  it('opens images in a lightbox: arrows, Home/End, Escape; focus returns to the image', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const messages = [];
    for (const name of ['one.png', 'two.png', 'three.png'])
      messages.push(await shareAndReceive(alice, bob, roomId, await makePng(40, 30, name)));
    const list = await fixture<HTMLElement>(
      html`<div>
        ${messages.map((m) => html`<chat-file-card .client=${bob.client} .message=${m}></chat-file-card>`)}
      </div>`,
    );
    const cards = [...list.querySelectorAll('chat-file-card')];
    await until(
      () => cards.every((c) => !!shadow(c).querySelector('.card__image img')),
      15_000,
      'three previews',
    );
    const second = shadow(cards[1]!).querySelector<HTMLButtonElement>('.card__image')!;
    second.focus();
    second.click();
    await until(() => !!document.querySelector('chat-file-lightbox[open]'), 5000, 'lightbox');
    const box = document.querySelector<ChatFileLightbox>('chat-file-lightbox')!;
    const shown = () => box.shadowRoot!.querySelector('img')!.alt;
    expect(shown()).to.equal('two.png');
    expect(box.shadowRoot!.textContent).to.contain('2 of 3');
    await expect(box).to.be.accessible();
    await sendKeys({ press: 'ArrowRight' });
    await box.updateComplete;
    expect(shown()).to.equal('three.png');
    await sendKeys({ press: 'ArrowRight' });
    await box.updateComplete;
    expect(shown()).to.equal('three.png');
    await sendKeys({ press: 'Home' });
    await box.updateComplete;
    expect(shown()).to.equal('one.png');
    await sendKeys({ press: 'ArrowLeft' });
    await box.updateComplete;
    expect(shown()).to.equal('one.png');
    await sendKeys({ press: 'End' });
    await box.updateComplete;
    expect(shown()).to.equal('three.png');
    await sendKeys({ press: 'Escape' });
    await until(() => !box.open, 2000, 'closed');
    expect(shadow(cards[1]!).activeElement).to.equal(second);
  });

  it('turns pages by swiping, mirrored in right-to-left text', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const a = await shareAndReceive(alice, bob, roomId, await makePng(40, 30, 'a.png'));
    const b = await shareAndReceive(alice, bob, roomId, await makePng(40, 30, 'b.png'));
    const list = await fixture<HTMLElement>(
      html`<div dir="rtl">
        <chat-file-card .client=${bob.client} .message=${a}></chat-file-card>
        <chat-file-card .client=${bob.client} .message=${b}></chat-file-card>
      </div>`,
    );
    const [first] = [...list.querySelectorAll('chat-file-card')];
    await until(
      () => [...list.querySelectorAll('chat-file-card')].every((c) => c.state === 'complete'),
      15_000,
      'both',
    );
    await first!.openLightbox();
    const box = document.querySelector<ChatFileLightbox>('chat-file-lightbox')!;
    expect(box.index).to.equal(0);
    const stage = box.shadowRoot!.querySelector<HTMLElement>('.lightbox__stage')!;
    const swipe = (from: number, to: number) => {
      stage.dispatchEvent(new PointerEvent('pointerdown', { clientX: from, bubbles: true }));
      stage.dispatchEvent(new PointerEvent('pointerup', { clientX: to, bubbles: true }));
    };
    // In right-to-left text the next image comes from the left: swipe to the right.
    swipe(100, 260);
    await box.updateComplete;
    expect(box.index).to.equal(1);
    await sendKeys({ press: 'ArrowRight' });
    await box.updateComplete;
    expect(box.index).to.equal(0);
    box.close();
  });
});
