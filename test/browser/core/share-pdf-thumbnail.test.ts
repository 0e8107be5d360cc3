import { expect } from '@open-wc/testing';
import { decodeFileMessage } from '../../../src/core/wire/file-message.js';
import { createRoom, destroyClients, makeClient } from '../support/clients.js';
import { makePdf } from '../support/media.js';

/** Share of a bitmap's pixels that are not white. */
function inkRatio(bitmap: ImageBitmap): number {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) ink += 1;
  }
  return ink / (data.length / 4);
}

/** Alice shares `file` with Bob; resolves with the payload of the `[FILE]` message Bob got. */
async function shareToBob(file: File, maxThumbnailSize?: number) {
  const alice = await makeClient('alice', {
    configOverrides: maxThumbnailSize ? { max_thumbnail_size: maxThumbnailSize } : {},
  });
  const bob = await makeClient('bob');
  const roomId = await createRoom(alice.user, [bob.user]);
  const message = new Promise<string>((resolve) =>
    bob.client.socket.on('chat:message_received', (m) => resolve(m.content)),
  );
  const result = await alice.client.shareFile(roomId, file, { upload: false });
  return { result, payload: decodeFileMessage(await message)! };
}

describe('ChatFiles: a shared PDF carries its first page as a thumbnail', () => {
  afterEach(destroyClients);

  it('puts page 1 in the [FILE] message, as an image data URL within max_thumbnail_size', async () => {
    const { payload } = await shareToBob(makePdf('minutes.pdf'), 6000);
    expect(payload.name).to.equal('minutes.pdf');
    expect(payload.mime_type).to.equal('application/pdf');
    expect(payload.thumbnail).to.match(/^data:image\/(webp|jpeg);base64,/);
    expect(payload.thumbnail!.length).to.be.at.most(6000);
    const bitmap = await createImageBitmap(await (await fetch(payload.thumbnail!)).blob());
    // The page is A6-like (298 × 420 pt): portrait, drawn at most 320 px on its long edge.
    expect(bitmap.height).to.be.greaterThan(bitmap.width);
    expect(bitmap.width / bitmap.height).to.be.closeTo(298 / 420, 0.02);
    expect(Math.max(bitmap.width, bitmap.height)).to.be.at.most(320);
    // The blue rectangle and the text are on it: neither blank nor all ink.
    const ratio = inkRatio(bitmap);
    expect(ratio).to.be.greaterThan(0.15);
    expect(ratio).to.be.lessThan(0.6);
  });

  it('shrinks the page until it fits a tight budget', async () => {
    const { payload } = await shareToBob(makePdf('tight.pdf'), 1500);
    expect(payload.thumbnail).to.match(/^data:image\/(webp|jpeg);base64,/);
    expect(payload.thumbnail!.length).to.be.at.most(1500);
    const bitmap = await createImageBitmap(await (await fetch(payload.thumbnail!)).blob());
    expect(inkRatio(bitmap)).to.be.greaterThan(0.1);
  });

  it('shares a PDF that pdf.js cannot open, with no thumbnail', async () => {
    const broken = new File(['%PDF-1.4 this is not really a pdf'], 'broken.pdf', {
      type: 'application/pdf',
    });
    const { result, payload } = await shareToBob(broken);
    expect(result.file_id).to.be.a('string');
    expect(payload.file_id).to.equal(result.file_id);
    expect(payload.name).to.equal('broken.pdf');
    expect(payload.thumbnail ?? null).to.equal(null);
  });
});
