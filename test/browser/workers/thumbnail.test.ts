import { expect } from '@open-wc/testing';
import { canThumbnail, makeThumbnail } from '../../../src/workers/thumbnail.js';

/** A noisy (hard to compress) image, so size limits really bite. */
async function noisyImage(width: number, height: number, type = 'image/png'): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  let x = 12345;
  for (let i = 0; i < image.data.length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    image.data[i] = x & 0xff;
    image.data[i + 1] = (x >>> 8) & 0xff;
    image.data[i + 2] = (x >>> 16) & 0xff;
    image.data[i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas.convertToBlob({ type });
}

async function decodedSize(dataUrl: string): Promise<{ width: number; height: number }> {
  const bitmap = await createImageBitmap(await (await fetch(dataUrl)).blob());
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

describe('thumbnails', () => {
  it('keeps the aspect ratio and fits the default 50 KB limit', async () => {
    const image = await noisyImage(2000, 500);
    const thumb = await makeThumbnail(image, 'image/png', 51200);
    expect(thumb).to.not.equal(null);
    expect(thumb!.data_url.length).to.be.at.most(51200);
    expect(thumb!.data_url).to.match(/^data:image\/(webp|jpeg);base64,/);
    expect(thumb!.source_width).to.equal(2000);
    expect(thumb!.source_height).to.equal(500);
    const { width, height } = await decodedSize(thumb!.data_url);
    expect({ width, height }).to.deep.equal({ width: thumb!.width, height: thumb!.height });
    expect(Math.max(width, height)).to.be.at.most(320);
    expect(width / height).to.be.closeTo(4, 0.05);
  });

  it('shrinks until it fits a small limit', async () => {
    const image = await noisyImage(1200, 1600, 'image/jpeg');
    const roomy = await makeThumbnail(image, 'image/jpeg', 51200);
    const tight = await makeThumbnail(image, 'image/jpeg', 4000);
    expect(tight!.data_url.length).to.be.at.most(4000);
    expect(tight!.width).to.be.below(roomy!.width);
    expect(tight!.width / tight!.height).to.be.closeTo(0.75, 0.05);
  });

  it('never upscales a small image', async () => {
    const thumb = await makeThumbnail(await noisyImage(40, 20), 'image/png', 51200);
    expect({ width: thumb!.width, height: thumb!.height }).to.deep.equal({ width: 40, height: 20 });
  });

  it('gives up when nothing fits, and skips what is not a decodable image', async () => {
    expect(await makeThumbnail(await noisyImage(800, 800), 'image/png', 200)).to.equal(null);
    expect(await makeThumbnail(new Blob(['not an image']), 'image/png', 51200)).to.equal(null);
    expect(canThumbnail('image/svg+xml')).to.equal(false);
    expect(canThumbnail('application/pdf')).to.equal(false);
    expect(
      await makeThumbnail(
        new Blob(['<svg xmlns="http://www.w3.org/2000/svg"/>']),
        'image/svg+xml',
        51200,
      ),
    ).to.equal(null);
  });
});
