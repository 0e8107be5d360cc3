import { expect } from '@open-wc/testing';
import type { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';
import { firstDifference, makeTestFile } from '../support/bytes.js';
import { destroyClients } from '../support/clients.js';
import { until } from '../support/media.js';
import { cardFor, shareAndReceive, twoInARoom } from './helpers.js';

const shadow = (card: ChatFileCard) => card.shadowRoot!;

/** What a person sees of the progress at one moment. */
interface Sample {
  at: number;
  attribute: number;
  valueNow: number;
  textPercent: number;
  barPercent: number;
  detail: string;
}

function sample(card: ChatFileCard, startedAt: number): Sample | null {
  const bar = shadow(card).querySelector<HTMLElement>('[part="progress"][aria-valuenow]');
  const fill = bar?.querySelector<HTMLElement>('.card__progress-fill');
  const status = shadow(card).querySelector('[part="status"]')!.textContent ?? '';
  const match = /(\d+)%/.exec(status);
  if (!bar || !fill || !match) return null;
  return {
    at: performance.now() - startedAt,
    attribute: Number(card.getAttribute('progress')),
    valueNow: Number(bar.getAttribute('aria-valuenow')),
    textPercent: Number(match[1]),
    barPercent: (fill.getBoundingClientRect().width / bar.getBoundingClientRect().width) * 100,
    detail: shadow(card).querySelector('[part="progress-detail"]')?.textContent ?? '',
  };
}

describe('<chat-file-card> progress', () => {
  afterEach(destroyClients);

  it('draws the bar at the percentage it shows, on every frame, with bytes, speed and time left', async () => {
    // Bob has no WebRTC: the relay carries the file, slowly enough to watch.
    const { alice, bob, roomId } = await twoInARoom({ bob: { RTCPeerConnection: null } });
    const file = makeTestFile(48_000_000, 21, 'big.bin');
    const message = await shareAndReceive(alice, bob, roomId, file);
    const card = await cardFor(bob, message);
    const live = shadow(card).querySelector('[aria-live="polite"]')!;
    const announcements: string[] = [];
    new MutationObserver(() => announcements.push(live.textContent ?? '')).observe(live, {
      childList: true,
      characterData: true,
      subtree: true,
    });

    const samples: Sample[] = [];
    const startedAt = performance.now();
    let done = false;
    const watch = () => {
      const s = sample(card, startedAt);
      if (s) samples.push(s);
      if (!done) requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
    const downloading = card.download();
    // Accessible while the bar moves, too.
    await until(() => card.progress >= 20, 60_000, 'a fifth');
    expect(card.state).to.equal('transferring');
    await expect(card).to.be.accessible();
    await downloading;
    done = true;

    expect(card.getAttribute('state')).to.equal('complete');
    expect(await firstDifference(await card.getFile(), file)).to.equal(-1);
    expect(samples.length).to.be.greaterThan(10);
    for (const s of samples) {
      expect(s.valueNow, 'aria-valuenow').to.equal(s.attribute);
      expect(s.textPercent, 'the number shown').to.equal(s.attribute);
      expect(Math.abs(s.barPercent - s.textPercent), `bar at ${s.at} ms`).to.be.at.most(1);
      expect(s.detail).to.match(/^[\d.]+ [KMG]?B of 46 MB/);
    }
    // Progress moved through many values, not a handful of jumps.
    expect(new Set(samples.map((s) => s.attribute)).size).to.be.greaterThan(10);
    const late = samples.filter((s) => s.at > 3000);
    if (late.length > 0) {
      expect(late.at(-1)!.detail).to.match(/\/s · .+ left$/);
    }
    // Milestones only: a start, a few quarters and the end, never a flood.
    expect(announcements.length).to.be.within(2, 6);
    expect(announcements.at(-1)).to.equal('big.bin downloaded');
    console.log(`progress: ${samples.length} samples over ${Math.round(samples.at(-1)!.at)} ms`);
  });
});
