/**
 * Every key of the `chat_files` block refuses a value of the wrong type with a message
 * that names the key, so an operator's typo points at the line to fix.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from '../../../src/core/wire/config.js';

type Leaf = [key: string, value: unknown];

/** Dotted paths of every key in the defaults, descending into objects (not arrays). */
function leaves(value: unknown, prefix = ''): Leaf[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [[prefix, value]];
  }
  const entries = Object.entries(value);
  const own: Leaf[] = prefix ? [[prefix, value]] : [];
  return own.concat(entries.flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k)));
}

/** A value of another type than `value`. */
function wrongTypeFor(value: unknown): unknown {
  // A key whose default is null takes a string or a number; a boolean is neither.
  if (value === null) return true;
  if (typeof value === 'number' || value === false) return 'not a number';
  if (typeof value === 'string') return 5;
  if (typeof value === 'boolean') return 'yes';
  return 5;
}

/** The input block that sets only `key` to `value`. */
function blockWith(key: string, value: unknown): Record<string, unknown> {
  const parts = key.split('.');
  const root: Record<string, unknown> = {};
  let node = root;
  for (const part of parts.slice(0, -1)) {
    const child: Record<string, unknown> = {};
    node[part] = child;
    node = child;
  }
  node[parts.at(-1)!] = value;
  return root;
}

const KEYS = leaves(DEFAULT_CONFIG).filter(([key]) => key !== '');

describe('config keys refuse a value of the wrong type, naming the key', () => {
  it('covers every key, nested ones included', () => {
    const names = KEYS.map(([key]) => key);
    expect(names).toContain('federation.origin');
    expect(names).toContain('server_seeding.temp_cache_minutes');
    expect(names).toContain('rate_limits.share.per_user');
    expect(names).toContain('upload_tiers.default');
  });

  it.each(KEYS)('%s', (key, value) => {
    const bad = wrongTypeFor(value);
    let error: unknown;
    try {
      resolveConfig(blockWith(key, bad), { onWarning: () => {} });
    } catch (e) {
      error = e;
    }
    expect(error, `${key}: ${JSON.stringify(bad)} was accepted`).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`chat_files.${key}`);
    expect((error as ConfigError).key).toBe(key);
  });

  it('names federation.origin: 5 exactly', () => {
    expect(() => resolveConfig({ federation: { origin: 5 } })).toThrow(
      /^chat_files\.federation\.origin: /,
    );
  });
});
