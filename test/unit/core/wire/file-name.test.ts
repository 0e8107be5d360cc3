import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFederatedFile } from '../../../../src/core/wire/federated-file.js';
import { decodeFileMessage } from '../../../../src/core/wire/file-message.js';
import {
  cleanDisplayName,
  MAX_NAME_LENGTH,
  sanitizeFileName,
} from '../../../../src/core/wire/file-name.js';
import { ack } from '../../server/support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../../server/support/room-fixture.js';

/** Hostile names and what every path into the system must turn them into. */
const HOSTILE: Array<[string, string]> = [
  ['invoice\u202egnp.exe', 'invoicegnp.exe'],
  ['\u2066report\u2069.pdf\u200f', 'report.pdf'],
  ['zero\u200bwidth\u2060joined\ufeff.txt', 'zerowidthjoined.txt'],
  ['bell\u0007nul\u0000del\u007fc1\u009f.txt', 'bellnuldelc1.txt'],
  ['  padded.txt  ', 'padded.txt'],
  [`${'y'.repeat(400)}.jpeg`, `${'y'.repeat(MAX_NAME_LENGTH - 5)}.jpeg`],
];

describe('the one file-name sanitizer', () => {
  it.each(HOSTILE)('cleans %j for display', (raw, clean) => {
    expect(cleanDisplayName(raw)).toBe(clean);
  });

  it('keeps names safe as file names: no traversal, separators or device names', () => {
    for (const raw of ['../../etc/passwd', '..\\..\\boot.ini', '/abs/path', '..', 'CON']) {
      const safe = sanitizeFileName(raw);
      expect(safe, raw).not.toMatch(/[/\\]/);
      expect(safe, raw).not.toMatch(/^\./);
      expect(safe, raw).not.toMatch(/^(con|prn|aux|nul)$/i);
    }
  });

  it.each(HOSTILE)('gives a federated object %j the same name as a local share', (raw, clean) => {
    const federated = parseFederatedFile({
      name: raw,
      size: 1,
      mimeType: 'text/plain',
      previewUrl: null,
      downloadUrl: 'https://a.example/x',
    });
    expect(federated.name).toBe(clean);
  });

  describe('through a local share', () => {
    let f: RoomFixture;
    beforeAll(async () => {
      f = await startRoomFixture();
    });
    afterAll(() => f.server.close());

    it.each(HOSTILE)('posts %j with the cleaned name', async (raw, clean) => {
      const reply = await ack(f.aliceSocket, 'chat:file:share', {
        room_id: 'team',
        name: raw,
        size: 1,
        mime_type: 'text/plain',
      });
      expect(reply.success).toBe(true);
      const message = f.server.messages.at(-1)!;
      expect(decodeFileMessage(message.content)?.name).toBe(clean);
      const record = await f.server.files.store.files.get(reply.file_id as string);
      expect(record?.name).toBe(clean);
    });
  });
});
