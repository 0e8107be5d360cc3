import { expect, fixture, html } from '@open-wc/testing';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import '../../../src/components/chat-file-card/chat-file-card.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import { destroyClients } from '../support/clients.js';
import { makePng, makeWebm, until } from '../support/media.js';
import { cardFor, shareAndReceive, twoInARoom } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;
const text = (card: ChatFileCard) => shadow(card).textContent!.replace(/\s+/g, ' ');
const button = (card: ChatFileCard, label: RegExp) =>
  [...shadow(card).querySelectorAll('button')].find((b) => label.test(b.textContent ?? ''))!;

describe('<chat-file-card>', () => {
  afterEach(destroyClients);

  it('shows a [FILE] message: name, size, type and a download action; accessible', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(
      alice,
      bob,
      roomId,
      makeTestFile(2_500_000, 7, 'report.bin'),
    );
    const card = await cardFor(bob, message);
    expect(card.getAttribute('state')).to.equal('available');
    expect(card.fileName).to.equal('report.bin');
    expect(text(card)).to.contain('report.bin');
    expect(text(card)).to.contain('2.4 MB');
    expect(text(card)).to.contain('application/octet-stream');
    expect(button(card, /Download/)).to.exist;
    await expect(card).to.be.accessible();
  });

  it('downloads over WebRTC when asked, shows progress, and getFile() gives the same bytes', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const file = makeTestFile(3_000_000, 11, 'data.bin');
    const message = await shareAndReceive(alice, bob, roomId, file);
    const card = await cardFor(bob, message);
    const states: string[] = [];
    card.addEventListener('chat-file-state', (e) => states.push(e.detail.state));
    const completed = new Promise((resolve) =>
      card.addEventListener('chat-file-complete', resolve),
    );
    button(card, /Download/).click();
    await completed;
    await card.updateComplete;
    expect(card.getAttribute('state')).to.equal('complete');
    expect(card.getAttribute('progress')).to.equal('100');
    expect(card.getAttribute('transport')).to.equal('webrtc');
    expect(states).to.include('complete');
    expect(await firstDifference(await card.getFile(), file)).to.equal(-1);
    expect(text(card)).to.match(/Downloaded · via peer-to-peer/);
    await expect(card).to.be.accessible();
  });

  it('downloads a small image by itself and shows a decoded inline preview', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, await makePng(80, 60));
    const card = await cardFor(bob, message);
    await until(() => card.getAttribute('state') === 'complete', 15_000, 'auto-download');
    await until(() => !!shadow(card).querySelector('.card__preview img'), 5000, 'preview');
    const img = shadow(card).querySelector<HTMLImageElement>('.card__preview img')!;
    await img.decode();
    expect(img.naturalWidth).to.equal(80);
    expect(img.alt).to.equal('picture.png');
    await expect(card).to.be.accessible();
  });

  it('renders a text file as text, never as HTML', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const hostile = '<b>bold</b><img src=x onerror="window.__pwned = true">';
    const message = await shareAndReceive(
      alice,
      bob,
      roomId,
      new File([hostile], 'note.txt', { type: 'text/plain' }),
    );
    const card = await cardFor(bob, message);
    await card.download();
    await until(() => !!shadow(card).querySelector('.card__preview pre'), 5000, 'text preview');
    const pre = shadow(card).querySelector('.card__preview pre')!;
    expect(pre.textContent).to.contain(hostile);
    expect(pre.querySelector('b, img')).to.equal(null);
    expect((window as { __pwned?: boolean }).__pwned).to.equal(undefined);
  });

  it('mirrors play and pause of a video preview to the other side of the room', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const video = await makeWebm(2);
    const message = await shareAndReceive(alice, bob, roomId, video);
    const aliceCard = await cardFor(alice, message);
    const bobCard = await cardFor(bob, message);
    await bobCard.download();
    await until(
      () => aliceCard.getAttribute('state') === 'complete',
      10_000,
      'alice has her own file',
    );
    await until(
      () => !!shadow(aliceCard).querySelector('video') && !!shadow(bobCard).querySelector('video'),
      5000,
      'videos',
    );
    const aliceVideo = shadow(aliceCard).querySelector('video')!;
    const bobVideo = shadow(bobCard).querySelector('video')!;
    aliceVideo.muted = true;
    bobVideo.muted = true;
    await aliceVideo.play();
    await until(() => !bobVideo.paused, 5000, "bob's video to play");
    aliceVideo.pause();
    await until(() => bobVideo.paused, 5000, "bob's video to pause");
  });

  it('shares the size a person gives the preview with the room', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, await makePng(200, 150, 'big.png'));
    const aliceCard = await cardFor(alice, message);
    const bobCard = await cardFor(bob, message);
    await until(
      () =>
        !!shadow(aliceCard).querySelector('.card__preview') &&
        !!shadow(bobCard).querySelector('.card__preview'),
      15_000,
      'previews',
    );
    const box = shadow(aliceCard).querySelector<HTMLElement>('.card__preview')!;
    box.style.width = '180px';
    box.style.height = '120px';
    const bobBox = shadow(bobCard).querySelector<HTMLElement>('.card__preview')!;
    await until(
      () => bobBox.style.width === '180px' && bobBox.style.height === '120px',
      5000,
      'size to arrive',
    );
  });

  it('shows the server copy, stores it permanently, and says so in words when over quota', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(
      alice,
      bob,
      roomId,
      makeTestFile(300_000, 5, 'kept.bin'),
      { upload: true },
    );
    const card = await cardFor(bob, message);
    await until(
      () => !!shadow(card).querySelector('[part="server"][data-server="cached"]'),
      10_000,
      'server area',
    );
    button(card, /Keep on server/).click();
    await until(
      () => !!shadow(card).querySelector('[part="server"][data-server="stored"]'),
      10_000,
      'stored',
    );
    expect(text(card)).to.contain('Saved on the server');
    await expect(card).to.be.accessible();
    button(card, /Stop keeping/).click();
    await until(() => !shadow(card).querySelector('[data-server="stored"]'), 10_000, 'removed');
  });

  it('shows "no longer available" when the file is revoked, and offers no download', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(1000, 2, 'gone.bin'));
    const card = await cardFor(bob, message);
    card.markUnavailable();
    await card.updateComplete;
    expect(card.getAttribute('state')).to.equal('unavailable');
    expect(text(card)).to.contain('no longer available');
    expect(shadow(card).querySelector('button')).to.equal(null);
    await expect(card).to.be.accessible();
  });

  it('takes replacement strings', async () => {
    const { alice, bob, roomId } = await twoInARoom();
    const message = await shareAndReceive(alice, bob, roomId, makeTestFile(1000, 3, 'x.bin'));
    const card = await fixture<ChatFileCard>(
      html`<chat-file-card
        .client=${bob.client}
        .message=${message}
        .strings=${{ download: 'Herunterladen' }}
      ></chat-file-card>`,
    );
    expect(button(card, /Herunterladen/)).to.exist;
  });
});
