import { describe, expect, it } from 'vitest';
import {
  EnvelopeError,
  parseEnvelope,
  serializeEnvelope,
  type MessageEnvelope,
} from '../../../../server/federation/envelope.js';

const A = 'http://a.test:3001';
const message: MessageEnvelope = {
  type: 'message',
  id: 'm-1',
  room_id: 'room-1',
  sender: 'alice',
  text: `alice shared a file: cat.png (12.3 KB) ${A}/api/chat/files/shares/t/download`,
  file: {
    name: 'cat.png',
    size: 12345,
    mimeType: 'image/png',
    previewUrl: `${A}/api/chat/files/shares/t/preview`,
    downloadUrl: `${A}/api/chat/files/shares/t/download`,
  },
  file_id: 'f-1',
  created_at: 1_800_000_000_000,
};

describe('federation envelopes', () => {
  it('round-trips a file message and ignores unknown fields', () => {
    const wire = JSON.parse(serializeEnvelope(message)) as Record<string, unknown>;
    expect(wire.v).toBe(1);
    expect(parseEnvelope({ ...wire, future: { x: 1 } }, A)).toEqual(message);
  });

  it('round-trips rooms, text messages and revocations', () => {
    const room = { type: 'room' as const, room: { id: 'room-1', name: 'design' } };
    expect(parseEnvelope(JSON.parse(serializeEnvelope(room)), A)).toEqual(room);
    const { file: _file, file_id: _id, ...text } = message;
    expect(parseEnvelope(JSON.parse(serializeEnvelope(text)), A)).toEqual(text);
    const revoke = { type: 'revoke' as const, room_id: 'room-1', file_id: 'f-1' };
    expect(parseEnvelope(revoke, A)).toEqual(revoke);
  });

  it.each([
    ['type', { type: 'delete' }],
    ['room_id', { room_id: '../x' }],
    ['sender', { sender: 42 }],
    ['text', { text: '' }],
    ['created_at', { created_at: 'now' }],
    ['file', { file: { ...message.file, size: -5 } }],
    ['file', { file: { ...message.file, downloadUrl: 'http://127.0.0.1:22/steal' } }],
    ['file_id', { file_id: undefined }],
  ])('refuses a bad %s', (field, patch) => {
    let error: unknown;
    try {
      parseEnvelope({ ...message, ...patch }, A);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvelopeError);
    expect((error as EnvelopeError).field).toBe(field);
  });

  it('carries a text fallback a text-only receiver can show on its own', () => {
    // An older receiver reads only the fields it knows: type, room, sender, text.
    const wire = JSON.parse(serializeEnvelope(message)) as { text: string };
    expect(wire.text).toContain('cat.png');
    expect(wire.text).toContain('12.3 KB');
    expect(wire.text).toContain(message.file!.downloadUrl);
  });
});
