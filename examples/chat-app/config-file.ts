/**
 * Loads the reference app's configuration file (`CHAT_FILES_CONFIG`): YAML or JSON with
 * a `chat_files:` block (the SDK's keys) and a `chat_app:` block (the app's own).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, resolveConfig, type ChatFilesConfig } from '../../src/core/wire/config.js';

/** The app's own settings. */
export interface ChatAppSettings {
  /** Groups per username, e.g. `{ bob: { groups: ['pro'] } }`; `admin` makes a user an administrator. */
  users: Record<string, { groups: string[] }>;
  /** Largest text message, in characters. @default 4000 */
  max_message_length: number;
}

/** A loaded configuration file. */
export interface AppConfig {
  chatFiles: ChatFilesConfig;
  chatApp: ChatAppSettings;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function resolveChatApp(input: unknown, warn: (m: string) => void): ChatAppSettings {
  const settings: ChatAppSettings = { users: {}, max_message_length: 4000 };
  if (input === undefined || input === null) return settings;
  if (!isObject(input)) throw new ConfigError('', 'chat_app must be an object');
  for (const [key, value] of Object.entries(input)) {
    if (key === 'users') {
      if (!isObject(value))
        throw new Error('chat_app.users must map usernames to { groups: [...] }');
      for (const [name, user] of Object.entries(value)) {
        const groups = isObject(user) ? user.groups : undefined;
        if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
          throw new Error(`chat_app.users.${name}.groups must be a list of group names`);
        }
        settings.users[name] = { groups: [...groups] };
      }
    } else if (key === 'max_message_length') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
        throw new Error(
          `chat_app.max_message_length must be a positive integer, got ${JSON.stringify(value)}`,
        );
      }
      settings.max_message_length = value;
    } else {
      warn(`chat_app: unknown key "${key}" ignored`);
    }
  }
  return settings;
}

/** Reads and validates the file; with no path, every default applies. */
export function loadAppConfig(
  file: string | undefined,
  warn: (m: string) => void = console.warn,
): AppConfig {
  if (!file)
    return {
      chatFiles: resolveConfig({}, { onWarning: warn }),
      chatApp: resolveChatApp(undefined, warn),
    };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`CHAT_FILES_CONFIG: cannot read ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(
      `CHAT_FILES_CONFIG: ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (document === null || document === undefined) document = {};
  if (!isObject(document))
    throw new Error(
      `CHAT_FILES_CONFIG: ${file} must hold a mapping with chat_files: and chat_app:`,
    );
  for (const key of Object.keys(document)) {
    if (key !== 'chat_files' && key !== 'chat_app')
      warn(`${file}: unknown top-level key "${key}" ignored`);
  }
  return {
    chatFiles: resolveConfig(document.chat_files ?? {}, { onWarning: warn }),
    chatApp: resolveChatApp(document.chat_app, warn),
  };
}
