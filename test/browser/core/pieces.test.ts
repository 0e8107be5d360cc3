import { expect } from '@open-wc/testing';
import { manifestFitsSize, pieceCount, pieceLength, PieceSet } from '../../../src/core/pieces.js';

describe('pieces', () => {
  it('splits sizes into pieces', () => {
    expect(pieceCount(0, 4)).to.equal(0);
    expect(pieceCount(8, 4)).to.equal(2);
    expect(pieceCount(9, 4)).to.equal(3);
    expect(pieceLength(2, 9, 4)).to.equal(1);
  });

  it('keeps a bitmap set that survives structured cloning', () => {
    const set = PieceSet.of(10, [0, 3, 9]);
    expect(set.add(3)).to.equal(false);
    expect(set.count).to.equal(3);
    const copy = new PieceSet(10, structuredClone(set.bits));
    expect(copy.indexes()).to.deep.equal([0, 3, 9]);
    expect(copy.missing()).to.have.length(7);
    expect(copy.has(10)).to.equal(false);
    copy.delete(0);
    expect(copy.complete).to.equal(false);
    expect(PieceSet.of(2, [0, 1]).complete).to.equal(true);
  });

  it('checks a manifest has one digest per piece', () => {
    const hex = 'a'.repeat(64);
    expect(manifestFitsSize({ piece_size: 4, pieces: [hex, hex], root: hex }, 8)).to.equal(true);
    expect(manifestFitsSize({ piece_size: 4, pieces: [hex], root: hex }, 8)).to.equal(false);
    expect(manifestFitsSize({ piece_size: 4, pieces: ['A'.repeat(64)], root: hex }, 4)).to.equal(
      false,
    );
    expect(manifestFitsSize({ piece_size: 0, pieces: [], root: hex }, 0)).to.equal(false);
    expect(manifestFitsSize(null, 0)).to.equal(false);
  });
});
