import { describe, expect, it } from 'vitest';
import {
  decodeFileMessage,
  encodeFileMessage,
  isFileMessage,
} from '../../../../src/core/wire/file-message.js';

describe('[FILE] message codec', () => {
  const payload = {
    file_id: 'abc',
    name: 'report "final".pdf',
    size: 1234,
    mime_type: 'application/pdf',
  };

  it('round-trips, keeping a thumbnail only when it is an image data URL', () => {
    expect(decodeFileMessage(encodeFileMessage(payload))).toEqual(payload);
    const withThumb = { ...payload, thumbnail: 'data:image/jpeg;base64,AAAA' };
    expect(decodeFileMessage(encodeFileMessage(withThumb))).toEqual(withThumb);
    const evil = `[FILE]${JSON.stringify({ ...payload, thumbnail: 'javascript:alert(1)' })}`;
    expect(decodeFileMessage(evil)).toEqual(payload);
  });

  it('writes the reference format', () => {
    expect(encodeFileMessage(payload)).toBe(
      '[FILE]{"file_id":"abc","name":"report \\"final\\".pdf","size":1234,"mime_type":"application/pdf"}',
    );
  });

  it('ignores unknown fields and defaults a missing type', () => {
    const content = '[FILE]{"file_id":"x","name":"n","size":1,"future":true}';
    expect(decodeFileMessage(content)).toEqual({
      file_id: 'x',
      name: 'n',
      size: 1,
      mime_type: 'application/octet-stream',
    });
  });

  it.each([
    'hello',
    '[FILE]not json',
    '[FILE]null',
    '[FILE]{"name":"n","size":1}',
    '[FILE]{"file_id":"x","name":"n","size":-1}',
    '[FILE]{"file_id":"x","name":"n","size":"1"}',
    '[FILE]{"file_id":"x","name":5,"size":1}',
  ])('returns null for %s', (content) => {
    expect(decodeFileMessage(content)).toBeNull();
  });

  it('carries a federated file object and refuses a broken one', () => {
    const federated = {
      name: 'cat.png',
      size: 3,
      mimeType: 'image/png',
      previewUrl: 'https://a.example/api/chat/files/shares/t/preview',
      downloadUrl: 'https://a.example/api/chat/files/shares/t/download',
      origin: 'https://a.example',
    };
    const withFederated = {
      file_id: 'fed_1',
      name: 'cat.png',
      size: 3,
      mime_type: 'image/png',
      federated,
    };
    expect(decodeFileMessage(encodeFileMessage(withFederated))).toEqual(withFederated);
    const broken = `[FILE]${JSON.stringify({ ...withFederated, federated: { ...federated, downloadUrl: 'javascript:x' } })}`;
    expect(decodeFileMessage(broken)).toBeNull();
  });

  it('recognises only string content', () => {
    expect(isFileMessage(42)).toBe(false);
    expect(isFileMessage('[FILE]{}')).toBe(true);
  });
});
