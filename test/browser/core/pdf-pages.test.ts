import { expect } from '@open-wc/testing';
import {
  makePdfThumbnail,
  PDF_THUMBNAIL_MAX_BYTES,
  renderPdfFirstPage,
} from '../../../src/core/pdf-pages.js';
import { inkRatio, makePdf } from '../support/media.js';

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
