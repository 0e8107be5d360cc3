import { describe, expect, it } from 'vitest';
import {
  contentMatchesType,
  detectFormat,
  isAllowedType,
  isInlineSafe,
  normalizeMimeType,
} from '../../../server/content-type.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1');

/** The first bytes of each common format. */
const SAMPLES: Record<string, Buffer> = {
  png: hex('89504e470d0a1a0a 0000000d49484452'),
  jpeg: hex('ffd8ffe000104a464946'),
  gif: ascii('GIF89a\x01\x00\x01\x00'),
  webp: ascii('RIFF\x24\x00\x00\x00WEBPVP8 '),
  wav: ascii('RIFF\x24\x00\x00\x00WAVEfmt '),
  pdf: ascii('%PDF-1.7\n'),
  zip: hex('504b0304140000000800'),
  mp4: ascii('\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00'),
  webm: hex('1a45dfa39f4286810142f7'),
  ogg: ascii('OggS\x00\x02\x00\x00'),
  mp3: ascii('ID3\x04\x00\x00\x00\x00\x00\x00'),
  aac: hex('fff15080'),
};

describe('content types', () => {
  it('normalizes declared types', () => {
    expect(normalizeMimeType('Image/PNG; charset=x')).toBe('image/png');
    expect(normalizeMimeType('not a type')).toBe('application/octet-stream');
    expect(normalizeMimeType(undefined)).toBe('application/octet-stream');
    expect(normalizeMimeType('')).toBe('application/octet-stream');
  });

  it('checks the allow-list, with type/* wildcards', () => {
    expect(isAllowedType('image/png', null)).toBe(true);
    expect(isAllowedType('image/png', ['image/*'])).toBe(true);
    expect(isAllowedType('imagex/png', ['image/*'])).toBe(false);
    expect(isAllowedType('video/mp4', ['image/png', 'Video/MP4'])).toBe(true);
    expect(isAllowedType('text/html', ['image/png'])).toBe(false);
  });

  it('recognizes png, jpeg, gif, webp, pdf, zip, mp4, webm, mp3, ogg, wav by magic bytes', () => {
    for (const [format, head] of Object.entries(SAMPLES)) {
      expect(detectFormat(head), format).toBe(format);
    }
    expect(detectFormat(ascii('hello, world'))).toBeNull();
    expect(detectFormat(Buffer.alloc(0))).toBeNull();
    expect(detectFormat(hex('fffb9064'))).toBe('mp3');
  });

  it('matches content against the declared type', () => {
    const ok: Array<[string, string]> = [
      ['image/png', 'png'],
      ['image/jpeg', 'jpeg'],
      ['image/gif', 'gif'],
      ['image/webp', 'webp'],
      ['audio/wav', 'wav'],
      ['application/pdf', 'pdf'],
      ['application/zip', 'zip'],
      ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'zip'],
      ['application/epub+zip', 'zip'],
      ['video/mp4', 'mp4'],
      ['video/quicktime', 'mp4'],
      ['video/webm', 'webm'],
      ['audio/webm', 'webm'],
      ['audio/ogg', 'ogg'],
      ['audio/mpeg', 'mp3'],
      ['audio/aac', 'aac'],
    ];
    for (const [type, format] of ok) {
      expect(contentMatchesType(type, SAMPLES[format]!), `${type} ${format}`).toBe(true);
    }
    const mismatched: Array<[string, Buffer]> = [
      ['image/png', SAMPLES.jpeg!],
      ['image/png', ascii('<svg onload=alert(1)>')],
      ['text/plain', SAMPLES.png!],
      ['application/pdf', SAMPLES.zip!],
      ['video/mp4', Buffer.alloc(0)],
      ['audio/mpeg', SAMPLES.ogg!],
    ];
    for (const [type, head] of mismatched) {
      expect(contentMatchesType(type, head), type).toBe(false);
    }
    // Types without a signature cannot be checked; generic bytes claim nothing.
    expect(contentMatchesType('text/csv', ascii('a,b\n1,2'))).toBe(true);
    expect(contentMatchesType('application/octet-stream', SAMPLES.png!)).toBe(true);
  });

  it('shows images, audio, video and plain text inline, never HTML or SVG', () => {
    for (const type of ['image/png', 'image/jpeg', 'audio/mpeg', 'video/mp4', 'text/plain']) {
      expect(isInlineSafe(type), type).toBe(true);
    }
    for (const type of [
      'text/html',
      'image/svg+xml',
      'application/xhtml+xml',
      'text/xml',
      'application/pdf',
      'application/javascript',
      'application/octet-stream',
    ]) {
      expect(isInlineSafe(type), type).toBe(false);
    }
  });
});
