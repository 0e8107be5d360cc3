/**
 * The federated file object: how a file shared on one instance is described to another.
 * Required fields are the ones every receiver understands; optional fields are ignored by
 * older receivers, so the schema can grow without breaking them.
 */
import { cleanDisplayName, MAX_RAW_NAME_LENGTH } from './file-name.js';
import { formatBytes } from './format.js';

/** A file as a peer instance describes it. */
export interface FederatedFile {
  /** Display name. */
  name: string;
  /** Bytes. */
  size: number;
  /** MIME type as declared by the sender. */
  mimeType: string;
  /** Absolute URL of a preview image on the origin instance (`null` when there is none). */
  previewUrl: string | null;
  /** Absolute URL of the download on the origin instance. */
  downloadUrl: string;
  /** Hex SHA-256 of the content, when the origin knows it. */
  sha256?: string;
  /** Origin of the instance that owns the file. */
  origin?: string;
  /** When the share stops working (ms since epoch); absent = no expiry. */
  expiresAt?: number;
  /** Whether the share asks for a password. */
  passwordProtected?: boolean;
}

/** Why a federated file object was refused. */
export class FederatedFileError extends Error {
  /** Stable error code. */
  readonly code = 'ERR_VALIDATION';
  constructor(
    /** The offending field. */
    readonly field: string,
    message: string,
  ) {
    super(`file.${field}: ${message}`);
    this.name = 'FederatedFileError';
  }
}

const MAX_URL_LENGTH = 2048;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MIME = /^[\w.+-]+\/[\w.+-]+$/;

function parseUrl(value: unknown, field: string, expectedOrigin: string | undefined): string {
  if (typeof value !== 'string' || value === '')
    throw new FederatedFileError(field, 'must be a URL string');
  if (value.length > MAX_URL_LENGTH)
    throw new FederatedFileError(field, `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FederatedFileError(field, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FederatedFileError(field, 'must use http or https');
  }
  if (url.username || url.password)
    throw new FederatedFileError(field, 'must not carry credentials');
  if (expectedOrigin !== undefined && url.origin !== expectedOrigin) {
    throw new FederatedFileError(field, `must be on the sending instance (${expectedOrigin})`);
  }
  return url.href;
}

/** Options of {@link parseFederatedFile}. */
export interface ParseFederatedFileOptions {
  /** When given, both URLs must be on this origin (the sending peer's). */
  expectedOrigin?: string;
}

/**
 * Validates an untrusted federated file object and returns a clean copy holding only known
 * fields. Throws {@link FederatedFileError} naming the field on any missing or mistyped one.
 */
export function parseFederatedFile(
  input: unknown,
  options: ParseFederatedFileOptions = {},
): FederatedFile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FederatedFileError('', 'must be an object');
  }
  const raw = input as Record<string, unknown>;
  const { expectedOrigin } = options;

  if (typeof raw.name !== 'string' || raw.name.trim() === '')
    throw new FederatedFileError('name', 'must be a non-empty string');
  if (raw.name.length > MAX_RAW_NAME_LENGTH)
    throw new FederatedFileError('name', `must be at most ${MAX_RAW_NAME_LENGTH} characters`);
  // The same cleaning as a local share: controls, bidi overrides and invisible characters
  // go, long names are cut to MAX_NAME_LENGTH keeping the extension.
  const name = cleanDisplayName(raw.name);
  if (typeof raw.size !== 'number' || !Number.isSafeInteger(raw.size) || raw.size < 0) {
    throw new FederatedFileError('size', 'must be a whole number of bytes');
  }
  if (typeof raw.mimeType !== 'string' || !MIME.test(raw.mimeType)) {
    throw new FederatedFileError('mimeType', 'must be a MIME type like image/png');
  }
  const previewUrl =
    raw.previewUrl === null ? null : parseUrl(raw.previewUrl, 'previewUrl', expectedOrigin);
  const downloadUrl = parseUrl(raw.downloadUrl, 'downloadUrl', expectedOrigin);

  const file: FederatedFile = {
    name,
    size: raw.size,
    mimeType: raw.mimeType.toLowerCase(),
    previewUrl,
    downloadUrl,
  };
  if (raw.sha256 !== undefined) {
    if (typeof raw.sha256 !== 'string' || !SHA256_HEX.test(raw.sha256)) {
      throw new FederatedFileError('sha256', 'must be 64 lower-case hex digits');
    }
    file.sha256 = raw.sha256;
  }
  if (raw.origin !== undefined) {
    const origin = parseUrl(raw.origin, 'origin', expectedOrigin);
    file.origin = new URL(origin).origin;
  }
  if (raw.expiresAt !== undefined && raw.expiresAt !== null) {
    if (
      typeof raw.expiresAt !== 'number' ||
      !Number.isSafeInteger(raw.expiresAt) ||
      raw.expiresAt <= 0
    ) {
      throw new FederatedFileError('expiresAt', 'must be a timestamp in milliseconds');
    }
    file.expiresAt = raw.expiresAt;
  }
  if (raw.passwordProtected !== undefined) {
    if (typeof raw.passwordProtected !== 'boolean')
      throw new FederatedFileError('passwordProtected', 'must be true or false');
    file.passwordProtected = raw.passwordProtected;
  }
  return file;
}

/** Serializes a federated file object with its fields in a stable order. */
export function serializeFederatedFile(file: FederatedFile): string {
  return JSON.stringify(parseFederatedFile(file));
}

/**
 * The plain-text body for receivers that know no file objects: the file's name, size and
 * link, readable as an ordinary chat message.
 */
export function federatedFileFallbackText(
  file: Pick<FederatedFile, 'name' | 'size' | 'downloadUrl'>,
  sender?: string,
): string {
  const who = sender ? `${sender} shared a file: ` : 'Shared file: ';
  return `${who}${file.name} (${formatBytes(file.size)}) ${file.downloadUrl}`;
}
