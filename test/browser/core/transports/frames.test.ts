import { expect } from '@open-wc/testing';
import {
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  frameCount,
  framePayloadBytes,
  parseChannelMessage,
  PieceAssembler,
  RelayCursor,
} from '../../../../src/core/transports/frames.js';

const manifest = (pieces: number, pieceSize: number) => ({
  piece_size: pieceSize,
  pieces: Array.from({ length: pieces }, () => '0'.repeat(64)),
  root: '0'.repeat(64),
});

describe('frames', () => {
  it('never exceeds chunk_size of payload or the channel message size', () => {
    expect(framePayloadBytes(65536, 262144)).to.equal(65536);
    expect(framePayloadBytes(65536, 16384)).to.equal(16384 - FRAME_HEADER_BYTES);
    expect(framePayloadBytes(65536, null)).to.equal(65536);
  });

  it('round-trips a data-channel frame', () => {
    const frame = decodeFrame(encodeFrame(7, 131072, new Uint8Array([1, 2, 3])))!;
    expect(frame.index).to.equal(7);
    expect(frame.offset).to.equal(131072);
    expect([...frame.payload]).to.deep.equal([1, 2, 3]);
    expect(decodeFrame(new ArrayBuffer(4))).to.equal(null);
  });

  it('assembles pieces from frames and refuses frames that do not fit the file', () => {
    const assembler = new PieceAssembler(10, manifest(3, 4)); // pieces of 4, 4, 2 bytes
    expect(assembler.add(0, 0, new Uint8Array([1, 2]))).to.equal(null);
    expect(new Uint8Array(assembler.add(0, 2, new Uint8Array([3, 4]))!)).to.deep.equal(
      new Uint8Array([1, 2, 3, 4]),
    );
    expect(new Uint8Array(assembler.add(2, 0, new Uint8Array([9, 9]))!)).to.have.length(2);
    expect(() => assembler.add(3, 0, new Uint8Array([1]))).to.throw(RangeError);
    expect(() => assembler.add(2, 1, new Uint8Array([1, 2]))).to.throw(RangeError);
  });

  it('maps relay frames onto the requested pieces in order, whatever the frame size', () => {
    const cursor = new RelayCursor([2, 0], 10, 4);
    expect(cursor.next(2)).to.deep.equal({ index: 2, offset: 0 }); // piece 2 is 2 bytes
    expect(cursor.next(3)).to.deep.equal({ index: 0, offset: 0 });
    expect(() => cursor.next(2)).to.throw(RangeError); // crosses the end of piece 0
    expect(cursor.next(1)).to.deep.equal({ index: 0, offset: 3 });
    expect(cursor.done).to.equal(true);
    expect(frameCount([2, 0], 10, 4, 3)).to.equal(3);
  });

  it('parses only well-formed control messages', () => {
    expect(parseChannelMessage('{"t":"want","pieces":[1,2]}')).to.deep.equal({
      t: 'want',
      pieces: [1, 2],
    });
    expect(parseChannelMessage('{"t":"want","pieces":[-1]}')).to.equal(null);
    expect(parseChannelMessage('{"t":"have","pieces":[7]}')).to.deep.equal({
      t: 'have',
      pieces: [7],
    });
    expect(parseChannelMessage('{"t":"have","pieces":["7"]}')).to.equal(null);
    expect(parseChannelMessage('{"t":"cancel","pieces":[3]}')?.t).to.equal('cancel');
    expect(parseChannelMessage('{"t":"error","code":"ERR_GONE","message":"x"}')?.t).to.equal(
      'error',
    );
    expect(parseChannelMessage('not json')).to.equal(null);
  });
});
