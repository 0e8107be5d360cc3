/**
 * The `chat_files` configuration block: every key, its default, and the one resolver
 * that validates a user-supplied block into a fully populated config. Shared by the
 * browser runtime and the server so both sides agree on sizes and timeouts.
 */

/** An ICE server entry, as `RTCPeerConnection` takes it. */
export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Server-side storage of uploaded files ("seeding"). */
export interface ServerSeedingConfig {
  /** Accept uploads and serve downloads from the server. @default true */
  enabled: boolean;
  /** Directory for stored blobs; relative paths resolve against the data directory. @default '/uploads/chat_files' */
  storage_path: string;
  /** Server-wide cap; unclaimed temp files are evicted oldest-first above it. @default 10737418240 (10 GiB) */
  max_total_storage_bytes: number;
  /** Minutes an unclaimed upload is kept; `false` keeps it until the cap forces eviction. @default false */
  temp_cache_minutes: number | false;
  /** How often the cleanup job runs. @default 1 */
  cleanup_interval_hours: number;
  /** MIME allow-list for uploads and shares; `null` accepts every type. @default null */
  allowed_mime_types: string[] | null;
  /** Where blobs are kept: the disk at `storage_path`, or an S3-compatible bucket. @default { driver: 'disk' } */
  storage: BlobStorageConfig;
  /** How downloads are answered: streamed by the server, redirected to object storage, or handed to nginx. @default 'proxy' */
  download: DownloadMode;
  /** Seconds a presigned download URL stays valid (`download: redirect`). @default 300 */
  presign_expiry_seconds: number;
  /** nginx `internal` location the blobs are served from (`download: accel`). @default '/_chat_files_accel/' */
  accel_location: string;
  /** Seconds an upload body may send nothing before it is answered 408 and dropped. @default 30 */
  upload_idle_timeout_seconds: number;
  /** Hours an unfinished tus upload is kept after its creation; `false` keeps it. @default 24 */
  tus_expiration_hours: number | false;
}

/** Blob storage on an S3-compatible service; credentials come from the AWS SDK's default chain. */
export interface S3StorageConfig {
  driver: 's3';
  /** Bucket name. */
  bucket: string;
  /** Region (`auto` for Cloudflare R2). */
  region: string;
  /** Endpoint of a service other than AWS, e.g. `http://minio:9000`. */
  endpoint?: string;
  /** Bucket in the path rather than the host name (MinIO, Garage). @default false */
  force_path_style?: boolean;
}

/** Where server copies are stored. */
export type BlobStorageConfig = { driver: 'disk' } | S3StorageConfig;

/** `proxy`: the server streams; `redirect`: 302 to a presigned URL; `accel`: `X-Accel-Redirect` to nginx. */
export type DownloadMode = 'proxy' | 'redirect' | 'accel';

/** Cross-instance rooms. */
export interface FederationConfig {
  /** Turn federation on. @default false */
  enabled: boolean;
  /** This instance's public origin, e.g. `https://chat.example.org`. @default null (the host supplies it) */
  origin: string | null;
  /** Origins of the instances this one trusts. @default [] */
  peers: string[];
}

/** One rate limit: how many times per window a user, and one connection, may do something. */
export interface RateLimitRule {
  /** Times per window for one user, across all their connections and every node. */
  per_user: number;
  /** Times per window for one socket connection. */
  per_socket: number;
  /** Length of the window, in seconds. */
  window_seconds: number;
}

/** Limits on everything a client does that makes work for others. Over a limit the answer is `ERR_RATE_LIMITED` with a retry time. */
export interface RateLimitsConfig {
  /** Apply the limits. @default true */
  enabled: boolean;
  /** `chat:file:share`. @default { per_user: 120, per_socket: 120, window_seconds: 60 } */
  share: RateLimitRule;
  /** Messages the server posts into rooms for a user (shares) or a peer instance (federation). @default { per_user: 120, per_socket: 120, window_seconds: 60 } */
  message: RateLimitRule;
  /** `chat:file:probe` (each reaches the whole room). @default { per_user: 120, per_socket: 60, window_seconds: 60 } */
  probe: RateLimitRule;
  /** `chat:file:signal` (WebRTC offers, answers, ICE candidates). @default { per_user: 1200, per_socket: 600, window_seconds: 60 } */
  signal: RateLimitRule;
  /** `chat:file:request_peers`. @default { per_user: 300, per_socket: 150, window_seconds: 60 } */
  request_peers: RateLimitRule;
  /** `chat:file:relay_request`. @default { per_user: 240, per_socket: 120, window_seconds: 60 } */
  relay_request: RateLimitRule;
  /** Uploads (multipart and tus) started. @default { per_user: 120, per_socket: 120, window_seconds: 60 } */
  upload: RateLimitRule;
  /** Every other event except relay frames (which only flow inside a session). @default { per_user: 3000, per_socket: 1500, window_seconds: 60 } */
  events: RateLimitRule;
  /** One probe per file per requesting user is passed on to the room in this many seconds; repeats are answered from the seed registry only. @default 5 */
  probe_interval_seconds: number;
}

/** The fully resolved `chat_files` block. */
export interface ChatFilesConfig {
  /** Bytes per frame on the wire. @default 65536 */
  chunk_size: number;
  /** Bytes per piece: the unit of hashing, verification, caching and resume. @default 1048576 */
  piece_size: number;
  /** Largest file that may be shared. @default 524288000 (500 MB) */
  max_file_size: number;
  /** Largest thumbnail data URL, in characters. @default 51200 */
  max_thumbnail_size: number;
  /** Milliseconds to wait for a WebRTC data channel before falling back to the relay. @default 10000 */
  webrtc_timeout: number;
  /** Relay frames in flight before an acknowledgement is required. @default 8 */
  relay_batch_size: number;
  /** Bytes buffered in memory before received frames are merged into a Blob. @default 10485760 */
  blob_merge_threshold: number;
  /** Images up to this size download by themselves. @default 1048576 */
  image_auto_download_max: number;
  /** IndexedDB cache limit, in megabytes. @default 500 */
  cache_max_bytes: number;
  /** Milliseconds to wait for answers to a peer probe. @default 3000 */
  probe_timeout: number;
  /** Milliseconds to wait passively for a seeder before giving up. @default 60000 */
  peer_wait_timeout: number;
  /** ICE servers for WebRTC. @default Google's public STUN servers */
  ice_servers: IceServerConfig[];
  /** Server seeding. */
  server_seeding: ServerSeedingConfig;
  /** Permanent-storage limits in bytes per group name; `default` applies to everyone else. */
  upload_tiers: Record<string, number>;
  /** Cross-instance rooms. */
  federation: FederationConfig;
  /** Rate limits per user and per connection. */
  rate_limits: RateLimitsConfig;
  /** Bytes per second this client uploads to peers for seeding, all peers together; `null` is unlimited. @default null */
  max_upload_rate: number | null;
  /** Peers this client serves at once (data channels and relay sessions); others are refused and fetch elsewhere. @default 8 */
  max_concurrent_uploads: number;
}

/** A partial `chat_files` block as a host or config file supplies it. */
export type ChatFilesConfigInput = {
  [K in keyof ChatFilesConfig]?: K extends 'rate_limits'
    ? RateLimitsInput
    : ChatFilesConfig[K] extends Array<unknown>
      ? ChatFilesConfig[K]
      : ChatFilesConfig[K] extends object
        ? Partial<ChatFilesConfig[K]>
        : ChatFilesConfig[K];
};

/** A partial `rate_limits` block: any rule, and any field of a rule, may be left out. */
export type RateLimitsInput = {
  [K in keyof RateLimitsConfig]?: RateLimitsConfig[K] extends object
    ? Partial<RateLimitsConfig[K]>
    : RateLimitsConfig[K];
};

const MiB = 1024 * 1024;

/** The documented defaults of every key. */
export const DEFAULT_CONFIG: Readonly<ChatFilesConfig> = Object.freeze<ChatFilesConfig>({
  chunk_size: 64 * 1024,
  piece_size: MiB,
  max_file_size: 500 * MiB,
  max_thumbnail_size: 50 * 1024,
  webrtc_timeout: 10_000,
  relay_batch_size: 8,
  blob_merge_threshold: 10 * MiB,
  image_auto_download_max: MiB,
  cache_max_bytes: 500,
  probe_timeout: 3000,
  peer_wait_timeout: 60_000,
  ice_servers: [
    { urls: 'stun:stun.l.google.com:19302' },
    { urls: 'stun:stun1.l.google.com:19302' },
  ],
  server_seeding: {
    enabled: true,
    storage_path: '/uploads/chat_files',
    max_total_storage_bytes: 10 * 1024 * MiB,
    temp_cache_minutes: false,
    cleanup_interval_hours: 1,
    allowed_mime_types: null,
    storage: { driver: 'disk' },
    download: 'proxy',
    presign_expiry_seconds: 300,
    accel_location: '/_chat_files_accel/',
    upload_idle_timeout_seconds: 30,
    tus_expiration_hours: 24,
  },
  upload_tiers: {
    default: 100 * MiB,
    pro: 5 * 1024 * MiB,
  },
  federation: {
    enabled: false,
    origin: null,
    peers: [],
  },
  rate_limits: {
    enabled: true,
    share: { per_user: 120, per_socket: 120, window_seconds: 60 },
    message: { per_user: 120, per_socket: 120, window_seconds: 60 },
    probe: { per_user: 120, per_socket: 60, window_seconds: 60 },
    signal: { per_user: 1200, per_socket: 600, window_seconds: 60 },
    request_peers: { per_user: 300, per_socket: 150, window_seconds: 60 },
    relay_request: { per_user: 240, per_socket: 120, window_seconds: 60 },
    upload: { per_user: 120, per_socket: 120, window_seconds: 60 },
    events: { per_user: 3000, per_socket: 1500, window_seconds: 60 },
    probe_interval_seconds: 5,
  },
  max_upload_rate: null,
  max_concurrent_uploads: 8,
});

/** A configuration value that cannot be used; `key` is the dotted path of the offending key. */
export class ConfigError extends Error {
  /** Stable error code. */
  readonly code = 'ERR_CONFIG';
  constructor(
    /** Dotted path of the key, e.g. `server_seeding.temp_cache_minutes`. */
    readonly key: string,
    message: string,
  ) {
    super(`chat_files.${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Check = (value: unknown, key: string) => void;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const positiveInteger: Check = (value, key) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(key, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
};

const nonNegativeNumber: Check = (value, key) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(key, `must be a number >= 0, got ${JSON.stringify(value)}`);
  }
};

const positiveNumber: Check = (value, key) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(key, `must be a number > 0, got ${JSON.stringify(value)}`);
  }
};

const boolean: Check = (value, key) => {
  if (typeof value !== 'boolean') {
    throw new ConfigError(key, `must be true or false, got ${JSON.stringify(value)}`);
  }
};

const nonEmptyString: Check = (value, key) => {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
  }
};

const origin = (value: unknown, key: string): void => {
  nonEmptyString(value, key);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    throw new ConfigError(
      key,
      `must be an origin like https://chat.example.org, got ${JSON.stringify(value)}`,
    );
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== (value as string).replace(/\/$/, '')
  ) {
    throw new ConfigError(
      key,
      `must be an origin (scheme, host, port; no path), got ${JSON.stringify(value)}`,
    );
  }
};

const RATE_RULE_KEYS = ['per_user', 'per_socket', 'window_seconds'] as const;

const rateRule: Check = (value, key) => {
  if (!isPlainObject(value)) {
    throw new ConfigError(
      key,
      `must be an object like { per_user, per_socket, window_seconds }, got ${JSON.stringify(value)}`,
    );
  }
  for (const [field, fieldValue] of Object.entries(value)) {
    if (!(RATE_RULE_KEYS as readonly string[]).includes(field)) {
      throw new ConfigError(`${key}.${field}`, `unknown; use ${RATE_RULE_KEYS.join(', ')}`);
    }
    positiveInteger(fieldValue, `${key}.${field}`);
  }
};

const CHECKS: Record<string, Check> = {
  chunk_size: positiveInteger,
  piece_size: positiveInteger,
  max_file_size: positiveInteger,
  max_thumbnail_size: positiveInteger,
  webrtc_timeout: positiveInteger,
  relay_batch_size: positiveInteger,
  blob_merge_threshold: positiveInteger,
  image_auto_download_max: nonNegativeNumber,
  cache_max_bytes: positiveNumber,
  probe_timeout: positiveInteger,
  peer_wait_timeout: positiveInteger,
  ice_servers: (value, key) => {
    if (!Array.isArray(value)) throw new ConfigError(key, 'must be a list of ICE servers');
    value.forEach((server, i) => {
      if (!isPlainObject(server))
        throw new ConfigError(`${key}[${i}]`, 'must be an object with urls');
      const urls = server.urls;
      const ok =
        typeof urls === 'string' ||
        (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
      if (!ok) throw new ConfigError(`${key}[${i}].urls`, 'must be a string or a list of strings');
    });
  },
  'server_seeding.enabled': boolean,
  'server_seeding.storage_path': nonEmptyString,
  'server_seeding.max_total_storage_bytes': positiveInteger,
  'server_seeding.temp_cache_minutes': (value, key) => {
    if (value === false) return;
    positiveNumber(value, key);
  },
  'server_seeding.cleanup_interval_hours': positiveNumber,
  'server_seeding.allowed_mime_types': (value, key) => {
    if (value === null) return;
    const valid =
      Array.isArray(value) &&
      value.every((t) => typeof t === 'string' && /^[\w.+-]+\/[\w.+*-]+$/.test(t));
    if (!valid) throw new ConfigError(key, 'must be null or a list of MIME types like "image/png"');
  },
  'server_seeding.storage': storageConfig,
  'server_seeding.download': (value, key) => {
    if (value !== 'proxy' && value !== 'redirect' && value !== 'accel') {
      throw new ConfigError(key, `must be proxy, redirect or accel, got ${JSON.stringify(value)}`);
    }
  },
  'server_seeding.presign_expiry_seconds': (value, key) => {
    positiveInteger(value, key);
    // SigV4 presigned URLs cannot outlive a week.
    if ((value as number) > 604_800) {
      throw new ConfigError(key, `must be at most 604800 (7 days), got ${JSON.stringify(value)}`);
    }
  },
  'server_seeding.accel_location': (value, key) => {
    if (typeof value !== 'string' || !/^\/[\w./-]*\/$/.test(value) || value.includes('..')) {
      throw new ConfigError(
        key,
        `must be a path that starts and ends with "/", like "/_chat_files_accel/", got ${JSON.stringify(value)}`,
      );
    }
  },
  'server_seeding.upload_idle_timeout_seconds': positiveNumber,
  'server_seeding.tus_expiration_hours': (value, key) => {
    if (value === false) return;
    positiveNumber(value, key);
  },
  upload_tiers: (value, key) => {
    if (!isPlainObject(value)) throw new ConfigError(key, 'must map group names to byte limits');
    for (const [group, limit] of Object.entries(value)) {
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
        throw new ConfigError(
          `${key}.${group}`,
          `must be a byte count >= 0, got ${JSON.stringify(limit)}`,
        );
      }
    }
  },
  'federation.enabled': boolean,
  'federation.origin': (value, key) => {
    if (value !== null) origin(value, key);
  },
  'federation.peers': (value, key) => {
    if (!Array.isArray(value)) throw new ConfigError(key, 'must be a list of origins');
    value.forEach((peer, i) => origin(peer, `${key}[${i}]`));
  },
  'rate_limits.enabled': boolean,
  'rate_limits.share': rateRule,
  'rate_limits.message': rateRule,
  'rate_limits.probe': rateRule,
  'rate_limits.signal': rateRule,
  'rate_limits.request_peers': rateRule,
  'rate_limits.relay_request': rateRule,
  'rate_limits.upload': rateRule,
  'rate_limits.events': rateRule,
  'rate_limits.probe_interval_seconds': positiveNumber,
  max_upload_rate: (value, key) => {
    if (value !== null) positiveNumber(value, key);
  },
  max_concurrent_uploads: positiveInteger,
};

/** Checks `server_seeding.storage`; credentials are refused so they never sit in a config file. */
function storageConfig(value: unknown, key: string): void {
  if (!isPlainObject(value)) throw new ConfigError(key, 'must be an object like { driver: disk }');
  const { driver, bucket, region, endpoint, force_path_style, ...rest } = value;
  if (driver === 'disk') {
    const extra = Object.keys({ bucket, region, endpoint, force_path_style, ...rest }).filter(
      (name) => value[name] !== undefined,
    );
    if (extra.length > 0) throw new ConfigError(`${key}.${extra[0]}`, 'is only for driver s3');
    return;
  }
  if (driver !== 's3') {
    throw new ConfigError(`${key}.driver`, `must be disk or s3, got ${JSON.stringify(driver)}`);
  }
  nonEmptyString(bucket, `${key}.bucket`);
  if (typeof region !== 'string' || region === '') {
    throw new ConfigError(`${key}.region`, 'must be a region like "us-east-1" ("auto" for R2)');
  }
  if (endpoint !== undefined) {
    let url: URL | null = null;
    try {
      url = new URL(String(endpoint));
    } catch {
      // reported below
    }
    if (typeof endpoint !== 'string' || !url || !/^https?:$/.test(url.protocol)) {
      throw new ConfigError(
        `${key}.endpoint`,
        `must be an http(s) URL, got ${JSON.stringify(endpoint)}`,
      );
    }
  }
  if (force_path_style !== undefined) boolean(force_path_style, `${key}.force_path_style`);
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    const name = unknown[0]!;
    const message = /secret|access|key|token|credential|password/i.test(name)
      ? 'is not read: credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), a shared profile (AWS_PROFILE) or an instance role'
      : 'is not a storage key (driver, bucket, region, endpoint, force_path_style)';
    throw new ConfigError(`${key}.${name}`, message);
  }
}

/** Options for {@link resolveConfig}. */
export interface ResolveConfigOptions {
  /** Called once per unknown key; the default writes to `console.warn`. */
  onWarning?: (message: string) => void;
}

const NESTED = new Set(['server_seeding', 'federation', 'rate_limits']);

/**
 * Validates a partial `chat_files` block and fills in every default.
 * Throws {@link ConfigError} naming the key on a wrong type or an impossible value;
 * an unknown key is reported through `onWarning` and ignored.
 */
export function resolveConfig(
  input: unknown = {},
  { onWarning = (message) => console.warn(message) }: ResolveConfigOptions = {},
): ChatFilesConfig {
  if (input === null || input === undefined) input = {};
  if (!isPlainObject(input)) {
    throw new ConfigError(
      '',
      `the chat_files block must be an object, got ${JSON.stringify(input)}`,
    );
  }
  const resolved = structuredClone(DEFAULT_CONFIG) as ChatFilesConfig;
  const target = resolved as unknown as Record<string, unknown>;

  for (const [key, value] of Object.entries(input)) {
    if (NESTED.has(key)) {
      if (value === undefined) continue;
      if (!isPlainObject(value)) throw new ConfigError(key, 'must be an object');
      const section = target[key] as Record<string, unknown>;
      for (const [subKey, subValue] of Object.entries(value)) {
        const path = `${key}.${subKey}`;
        const check = CHECKS[path];
        if (!check) {
          onWarning(`chat_files: unknown key "${path}" ignored`);
          continue;
        }
        if (subValue === undefined) continue;
        check(subValue, path);
        const current = section[subKey];
        // A partial object (one field of a rate limit) keeps the other fields' defaults.
        section[subKey] =
          isPlainObject(current) && isPlainObject(subValue)
            ? { ...current, ...structuredClone(subValue) }
            : structuredClone(subValue);
      }
      continue;
    }
    const check = CHECKS[key];
    if (!check) {
      onWarning(`chat_files: unknown key "${key}" ignored`);
      continue;
    }
    if (value === undefined) continue;
    check(value, key);
    target[key] = structuredClone(value);
  }

  if (resolved.piece_size % resolved.chunk_size !== 0) {
    throw new ConfigError(
      'piece_size',
      `must be a multiple of chunk_size (${resolved.chunk_size})`,
    );
  }
  const seeding = resolved.server_seeding;
  if (seeding.download === 'redirect' && seeding.storage.driver !== 's3') {
    throw new ConfigError(
      'server_seeding.download',
      'redirect needs object storage (storage.driver: s3); use proxy or accel with the disk',
    );
  }
  if (seeding.download === 'accel' && seeding.storage.driver !== 'disk') {
    throw new ConfigError(
      'server_seeding.download',
      'accel serves files from the disk through nginx; use proxy or redirect with storage.driver: s3',
    );
  }
  if (resolved.upload_tiers.default === undefined) {
    resolved.upload_tiers.default = DEFAULT_CONFIG.upload_tiers.default;
  }
  return resolved;
}

/** Cache limit in bytes (the config key is in megabytes). */
export function cacheLimitBytes(config: Pick<ChatFilesConfig, 'cache_max_bytes'>): number {
  return Math.floor(config.cache_max_bytes * MiB);
}

/** The part of the config a browser client needs; server-only keys are left out. */
export type PublicConfig = Omit<
  ChatFilesConfig,
  'server_seeding' | 'upload_tiers' | 'federation' | 'rate_limits'
> & {
  server_seeding: Pick<
    ServerSeedingConfig,
    'enabled' | 'temp_cache_minutes' | 'allowed_mime_types'
  >;
  federation: Pick<FederationConfig, 'enabled'>;
};

/** Strips storage paths, caps, tiers and peer lists, which a browser has no use for. */
export function publicConfig(config: ChatFilesConfig): PublicConfig {
  const {
    server_seeding,
    upload_tiers: _tiers,
    federation,
    rate_limits: _limits,
    ...rest
  } = config;
  return {
    ...structuredClone(rest),
    server_seeding: {
      enabled: server_seeding.enabled,
      temp_cache_minutes: server_seeding.temp_cache_minutes,
      allowed_mime_types: server_seeding.allowed_mime_types
        ? [...server_seeding.allowed_mime_types]
        : null,
    },
    federation: { enabled: federation.enabled },
  };
}
