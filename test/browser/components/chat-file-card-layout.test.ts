import { expect, fixture, html } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import type { ChatMessage } from '../../../src/core/wire/protocol.js';
import { destroyClients } from '../support/clients.js';
import { makePdf, makePng, until } from '../support/media.js';
import { shareAndReceive, twoInARoom } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;

/** A card for `message` inside a column `width` pixels wide, as a chat's message list. */
async function cardInColumn(
  client: Awaited<ReturnType<typeof twoInARoom>>['bob'],
  message: ChatMessage,
  width: number,
): Promise<ChatFileCard> {
  const column = await fixture<HTMLElement>(
    html`<div style="width: ${width}px">
      <chat-file-card .client=${client.client} .message=${message}></chat-file-card>
    </div>`,
  );
  const card = column.querySelector<ChatFileCard>('chat-file-card')!;
  await card.updateComplete;
  return card;
}

describe('<chat-file-card> layout', () => {
  afterEach(() => destroyClients());

  it('in a wide column, is attachment-sized and keeps its status on one line', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makePdf('report.pdf'));
    const card = await cardInColumn(bob, message, 1000);
    const width = card.getBoundingClientRect().width;
    expect(width).to.be.within(500, 580);
    await card.download();
    await until(() => card.state === 'complete', 10_000, 'downloaded');
    await card.updateComplete;
    const info = shadow(card).querySelector<HTMLElement>('.card__info')!;
    expect(info.getBoundingClientRect().width).to.be.greaterThan(220);
    const status = shadow(card).querySelector<HTMLElement>('[part="status"]')!;
    const lineHeight = parseFloat(getComputedStyle(status).lineHeight) || 20;
    expect(status.getBoundingClientRect().height).to.be.below(lineHeight * 1.5);
    const meta = shadow(card).querySelector<HTMLElement>('[part="meta"]')!;
    expect(meta.getBoundingClientRect().height).to.be.below(lineHeight * 1.5);
  });

  it('sizes the PDF preview box to the drawn page', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makePdf('minutes.pdf'));
    const card = await cardInColumn(bob, message, 1000);
    await card.download();
    await until(
      () => !!shadow(card).querySelector<HTMLCanvasElement>('canvas.card__pdf')?.dataset.drawn,
      10_000,
      'pdf page',
    );
    const box = shadow(card)
      .querySelector<HTMLElement>('[part="preview"]')!
      .getBoundingClientRect();
    const page = shadow(card).querySelector('canvas.card__pdf')!.getBoundingClientRect();
    expect(page.height).to.be.greaterThan(100);
    expect(Math.abs(box.height - page.height)).to.be.below(3);
    expect(Math.abs(box.width - page.width)).to.be.below(3);
    // A PDF preview is not resizable (the page has its own shape) and does not clip the page's outline.
    const style = getComputedStyle(shadow(card).querySelector('[part="preview"]')!);
    expect(style.resize).to.equal('none');
    expect(style.overflow).to.equal('visible');
  });

  it('shows an image once: the head shows the type icon while the preview is open', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, await makePng(64, 48, 'tiny.png'));
    const card = await cardInColumn(bob, message, 1000);
    await until(() => !!shadow(card).querySelector('.card__image img'), 10_000, 'preview');
    await card.updateComplete;
    expect(shadow(card).querySelectorAll('img').length).to.equal(1);
    expect(shadow(card).querySelector('[part="thumbnail"] svg')).to.not.equal(null);
    // Its resize grip shows only while a pointer is over the preview.
    const preview = shadow(card).querySelector<HTMLElement>('[part="preview"]')!;
    expect(getComputedStyle(preview).resize).to.equal('none');
    const at = preview.getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(at.x + 10), Math.round(at.y + 10)] });
    expect(getComputedStyle(preview).resize).to.equal('both');
    await resetMouse();
    const hide = [...shadow(card).querySelectorAll('button')].find(
      (b) => b.textContent?.trim() === 'Hide preview',
    )!;
    hide.click();
    await card.updateComplete;
    expect(shadow(card).querySelector('[part="thumbnail"] img')).to.not.equal(null);
  });
});
