import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../../examples/chat-app/config-file.js';

const write = (name: string, text: string) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cfg-')), name);
  writeFileSync(file, text);
  return file;
};

describe('CHAT_FILES_CONFIG', () => {
  it('reads the chat_files and chat_app blocks from YAML', () => {
    const file = write(
      'config.yaml',
      'chat_files:\n  max_file_size: 1073741824\n  server_seeding:\n    temp_cache_minutes: 30\nchat_app:\n  users:\n    bob: { groups: [pro] }\n',
    );
    const config = loadAppConfig(file, () => {});
    expect(config.chatFiles.max_file_size).toBe(1073741824);
    expect(config.chatFiles.server_seeding.temp_cache_minutes).toBe(30);
    expect(config.chatApp.users.bob).toEqual({ groups: ['pro'] });
  });

  it('reads JSON', () => {
    const file = write('config.json', JSON.stringify({ chat_files: { chunk_size: 32768 } }));
    expect(loadAppConfig(file, () => {}).chatFiles.chunk_size).toBe(32768);
  });

  it('stops with a message naming the key', () => {
    const file = write(
      'config.yaml',
      'chat_files:\n  server_seeding:\n    temp_cache_minutes: soon\n',
    );
    expect(() => loadAppConfig(file, () => {})).toThrow(
      /chat_files\.server_seeding\.temp_cache_minutes/,
    );
  });

  it('warns about unknown keys', () => {
    const warnings: string[] = [];
    loadAppConfig(write('c.yaml', 'chat_files:\n  chunksize: 1\nextra: 1\n'), (m) =>
      warnings.push(m),
    );
    expect(warnings.join('\n')).toMatch(/chunksize/);
    expect(warnings.join('\n')).toMatch(/extra/);
  });

  it('explains unreadable and malformed files', () => {
    expect(() => loadAppConfig('/nonexistent/config.yaml')).toThrow(/cannot read/);
    expect(() => loadAppConfig(write('bad.json', '{'), () => {})).toThrow(/not valid JSON/);
  });
});
