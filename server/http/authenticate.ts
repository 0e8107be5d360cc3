/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1): every 401 names the scheme that
 * would get the caller in. Sessions use bearer tokens (RFC 6750); password-protected
 * share links use a scheme of their own (`ChatFilesShare`), whose password travels in a
 * request header;
 * federation requests are signed.
 */
/** For a missing or expired session: the host's bearer token (or its cookie). */
export const SESSION_CHALLENGE = 'Bearer realm="chat-files"';

/** For a share link that needs its password, sent in the header named `passwordHeader`. */
export const sharePasswordChallenge = (passwordHeader: string) =>
  `ChatFilesShare realm="chat-files share", header="${passwordHeader}"`;

/** For a server-to-server request without a valid signature. */
export const SIGNATURE_CHALLENGE = 'ChatFilesSignature realm="chat-files federation"';

/** The challenge of a 401 with error code `code`. */
export function challengeFor(code: string): string {
  return code === 'ERR_BAD_SIGNATURE' ? SIGNATURE_CHALLENGE : SESSION_CHALLENGE;
}
