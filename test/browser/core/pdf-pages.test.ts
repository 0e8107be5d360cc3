import { expect } from '@open-wc/testing';
import {
  makePdfThumbnail,
  PDF_THUMBNAIL_MAX_BYTES,
  renderPdfFirstPage,
} from '../../../src/core/pdf-pages.js';
import { makePdf } from '../support/media.js';

/** Share of pixels that differ from white. */
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

describe('PDF first page in the worker', () => {
  it('renders page 1 of a real PDF to a bitmap with ink on it', async () => {
    const page = await renderPdfFirstPage(makePdf(), 300);
    expect(page.pages).to.equal(1);
    expect(Math.max(page.bitmap.width, page.bitmap.height)).to.equal(300);
    const ratio = inkRatio(page.bitmap);
    // The blue rectangle covers about a quarter of the page.
    expect(ratio).to.be.greaterThan(0.15);
    expect(ratio).to.be.lessThan(0.6);
  });

  it('rejects bytes that are not a PDF', async () => {
    const broken = new File(['not a pdf at all'], 'x.pdf', { type: 'application/pdf' });
    let failed = false;
    await renderPdfFirstPage(broken, 200).catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it('makes a thumbnail data URL of page 1 that fits the budget', async () => {
    const thumb = (await makePdfThumbnail(makePdf(), 8000))!;
    expect(thumb.data_url).to.match(/^data:image\/(webp|jpeg);base64,/);
    expect(thumb.data_url.length).to.be.at.most(8000);
    expect(Math.max(thumb.width, thumb.height)).to.equal(320);
    const bitmap = await createImageBitmap(await (await fetch(thumb.data_url)).blob());
    expect(inkRatio(bitmap)).to.be.greaterThan(0.15);
  });

  it('gives no thumbnail for a broken, an oversized or an unfittable PDF', async () => {
    const broken = new File(['not a pdf at all'], 'x.pdf', { type: 'application/pdf' });
    expect(await makePdfThumbnail(broken, 51200)).to.equal(null);
    // A valid document padded past the limit is not parsed at all.
    const padding = new Uint8Array(PDF_THUMBNAIL_MAX_BYTES);
    const oversized = new File([await makePdf().arrayBuffer(), padding], 'big.pdf', {
      type: 'application/pdf',
    });
    expect(await makePdfThumbnail(oversized, 51200)).to.equal(null);
    expect(await makePdfThumbnail(makePdf(), 100)).to.equal(null);
  });
});
