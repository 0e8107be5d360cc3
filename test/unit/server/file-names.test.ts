import { describe, expect, it } from 'vitest';
import { cleanDisplayName, MAX_NAME_LENGTH, sanitizeFileName } from '../../../server/file-names.js';

describe('file names', () => {
  it('strips NUL, control and bidi-override characters from display names', () => {
    expect(cleanDisplayName('a\u0000b\u0007c\u009f.txt')).toBe('abc.txt');
    expect(cleanDisplayName('invoice\u202egnp.exe')).toBe('invoicegnp.exe');
    expect(cleanDisplayName('  spaced  ')).toBe('spaced');
    expect(cleanDisplayName('\u0000\u0001')).toBe('file');
    expect(cleanDisplayName('../../etc/passwd')).toBe('../../etc/passwd');
  });

  it('truncates long names to 255 characters, keeping the extension', () => {
    const name = cleanDisplayName(`${'x'.repeat(300)}.jpeg`);
    expect(Array.from(name)).toHaveLength(MAX_NAME_LENGTH);
    expect(name.endsWith('.jpeg')).toBe(true);
    const emoji = cleanDisplayName(`${'😀'.repeat(300)}.png`);
    expect(Array.from(emoji)).toHaveLength(MAX_NAME_LENGTH);
    expect(emoji.endsWith('.png')).toBe(true);
    expect(cleanDisplayName('y'.repeat(300))).toHaveLength(255);
  });

  it('makes names safe on any filesystem', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(sanitizeFileName('..')).toBe('file');
    expect(sanitizeFileName('.hidden')).toBe('hidden');
    expect(sanitizeFileName('a<b>c:d"e|f?g*h\\i.txt')).toBe('a_b_c_d_e_f_g_h_i.txt');
    expect(sanitizeFileName('CON.txt')).toBe('_CON.txt');
    expect(sanitizeFileName('trailing. . ')).toBe('trailing');
    expect(sanitizeFileName('nul\u0000byte.txt')).toBe('nulbyte.txt');
    const long = sanitizeFileName(`${'é'.repeat(300)}.txt`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith('.txt')).toBe(true);
  });
});
