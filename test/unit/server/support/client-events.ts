/** Every client → server event the SDK handles, for tests that go over all of them. */
import type { ClientToServerEvents } from '../../../../src/core/wire/protocol.js';

/** The SDK's client → server events; the type below fails to compile if one is missing. */
export const CLIENT_EVENTS = [
  'chat:file:share',
  'chat:file:request_peers',
  'chat:file:server_status',
  'chat:file:server_status_batch',
  'chat:file:probe',
  'chat:file:probe_response',
  'chat:file:signal',
  'chat:file:relay_request',
  'chat:file:relay_chunk',
  'chat:file:relay_ack',
  'chat:file:relay_complete',
  'chat:file:relay_cancel',
  'chat:file:seed_registered',
  'chat:file:server_cached',
  'chat:update_file_preview_size',
  'chat:media_sync',
] as const satisfies ReadonlyArray<keyof ClientToServerEvents>;

type Missing = Exclude<keyof ClientToServerEvents, (typeof CLIENT_EVENTS)[number]>;
/** Compiles only while {@link CLIENT_EVENTS} names every event of the map. */
export const everyEventListed: [Missing] extends [never] ? true : Missing = true;
