import { describe, expect, it } from 'vitest';
import { PieceSet } from '../../../src/core/pieces.js';
import { Swarm, SwarmMember } from '../../../src/core/swarm.js';

const MiB = 1024 * 1024;

function member(swarm: Swarm, peer: string, pieces: number[] | null = null) {
  const m = new SwarmMember(swarm, {
    id: `webrtc:${peer}`,
    peer,
    kind: 'webrtc',
    available: pieces ? PieceSet.of(swarm.held.size, pieces) : null,
  });
  swarm.join(m);
  return m;
}

/** Takes everything the feed gives without delivering. */
function drain(m: SwarmMember): number[] {
  const feed = m.feed();
  const out: number[] = [];
  for (let i = feed.take(); i !== undefined; i = feed.take()) out.push(i);
  return out;
}

describe('Swarm: which source fetches which piece', () => {
  it('never gives one piece to two sources before the endgame', () => {
    const swarm = new Swarm(new PieceSet(6), MiB);
    const a = member(swarm, 'a');
    const b = member(swarm, 'b');
    const fa = a.feed();
    const fb = b.feed();
    const taken = [fa.take(), fb.take(), fa.take(), fb.take(), fa.take(), fb.take()];
    expect(new Set(taken).size).toBe(6);
  });

  it('says a source has work exactly when its feed would give it a piece', () => {
    // A full seeder is fetching piece 0 when a partial one holding only piece 0 joins:
    // pieces 1 and 2 are still unrequested, so it is not yet the endgame for piece 0.
    const swarm = new Swarm(new PieceSet(3), MiB);
    const full = member(swarm, 'full');
    expect(full.feed().take()).toBe(0);
    const partial = member(swarm, 'partial', [0]);
    expect(swarm.hasWorkFor(partial)).toBe(false);
    expect(partial.feed().take()).toBeUndefined();
    // Once nothing is left unrequested, the partial seeder may double piece 0.
    expect(drain(full)).toEqual([1, 2]);
    expect(swarm.hasWorkFor(partial)).toBe(true);
    expect(partial.feed().take()).toBe(0);
  });

  it('hands out the rarest piece first when availability differs', () => {
    const swarm = new Swarm(new PieceSet(4), MiB);
    const full = member(swarm, 'full');
    member(swarm, 'partial', [0, 1]);
    // Pieces 2 and 3 only the full seeder has: it gets them first.
    const feed = full.feed();
    expect([feed.take(), feed.take()].sort()).toEqual([2, 3]);
  });

  it('asks a partial source only for what it holds', () => {
    const swarm = new Swarm(new PieceSet(5), MiB);
    const partial = member(swarm, 'partial', [1, 3]);
    expect(drain(partial).sort()).toEqual([1, 3]);
  });

  it('gives a piece being fetched to a second source only once nothing else is left', () => {
    const swarm = new Swarm(new PieceSet(2), MiB);
    const slow = member(swarm, 'slow');
    const fast = member(swarm, 'fast');
    expect(drain(slow)).toEqual([0, 1]);
    // Every missing piece is requested: the endgame lets another source ask for them too.
    const second = drain(fast);
    expect(second.sort()).toEqual([0, 1]);
    // At most two copies: a third source gets nothing.
    expect(drain(member(swarm, 'third'))).toEqual([]);
  });

  it('cancels the other copy when one is stored, and gives pieces back when a source leaves', () => {
    const swarm = new Swarm(new PieceSet(3), MiB);
    const a = member(swarm, 'a');
    const b = member(swarm, 'b');
    const cancelled: number[] = [];
    b.cancel = (index) => cancelled.push(index);
    expect(drain(a)).toEqual([0, 1, 2]);
    expect(drain(b)).toEqual([0, 1, 2]);
    swarm.stored(a, 1, MiB);
    expect(cancelled).toEqual([1]);
    swarm.leave(a);
    // a's other pieces are b's alone now; nothing was lost.
    expect([...b.inflight].sort()).toEqual([0, 2]);
    expect(swarm.unservable()).toBe(0);
  });

  it('never gives a piece back to the peer that sent a bad copy of it', () => {
    const swarm = new Swarm(new PieceSet(2), MiB);
    const liar = member(swarm, 'liar');
    const feed = liar.feed();
    expect(feed.take()).toBe(0);
    swarm.rejected(liar, 0);
    expect(feed.take()).toBe(1);
    expect(feed.take()).toBe(undefined);
    swarm.stored(liar, 1, MiB);
    expect(swarm.unservable()).toBe(1);
  });
});
