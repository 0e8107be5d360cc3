import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../../../../server/http/content-disposition.js';

describe('Content-Disposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name in filename*', () => {
    expect(contentDisposition('attachment', 'report.pdf')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
    expect(contentDisposition('inline', 'naïve café (1).jpg')).toBe(
      `inline; filename="na_ve caf_ (1).jpg"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9%20%281%29.jpg`,
    );
    expect(contentDisposition('attachment', 'a"b\\c\'d*.txt')).toBe(
      `attachment; filename="a_b_c'd*.txt"; filename*=UTF-8''a%22b%5Cc%27d%2A.txt`,
    );
  });
});
