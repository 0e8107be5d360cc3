/**
 * Configuration of the reference app that browser tests run against: no STUN servers
 * (no outside network), short timeouts so fallbacks show quickly.
 */
import { resolveConfig, type ChatFilesConfigInput } from '../../../src/core/wire/config.js';
import type { AppConfig } from '../../../examples/chat-app/config-file.js';

/** The `chat_files` block of the test server; browser clients use the same one. */
export const BROWSER_TEST_CHAT_FILES: ChatFilesConfigInput = {
  ice_servers: [],
  probe_timeout: 1000,
  peer_wait_timeout: 5000,
  webrtc_timeout: 5000,
  max_file_size: 100 * 1024 * 1024,
};

/** A user of the test server in the reference app's `admin` group. */
export const BROWSER_TEST_ADMIN = 'ada-admin';

/** The app config used by the web-test-runner server plugin. */
export function browserTestServerConfig(): AppConfig {
  return {
    chatFiles: resolveConfig(BROWSER_TEST_CHAT_FILES),
    chatApp: {
      users: { pat: { groups: ['pro'] }, [BROWSER_TEST_ADMIN]: { groups: ['admin'] } },
      max_message_length: 4000,
    },
  };
}

/** Limits of the second test server, used to measure transfers of a 500 MB file. */
export const BROWSER_TEST_LARGE_CHAT_FILES: ChatFilesConfigInput = {
  ...BROWSER_TEST_CHAT_FILES,
  max_file_size: 600 * 1024 * 1024,
  // Each client caches the whole file; the default 500 MB would evict it at the last piece.
  cache_max_bytes: 1200,
};

/** The app config of the large-file test server (`/__chat-server__?profile=large`). */
export function browserTestLargeServerConfig(): AppConfig {
  return { ...browserTestServerConfig(), chatFiles: resolveConfig(BROWSER_TEST_LARGE_CHAT_FILES) };
}
