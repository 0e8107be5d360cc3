/**
 * Formatting shared by the elements and the server's plain-text messages.
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * Human-readable size in binary units labelled as the README labels them:
 * `104857600` is `100 MB`, `1536` is `1.5 KB`, `0` is `0 B`. One decimal below 10, none above.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  let rounded = value >= 10 || unit === 0 ? Math.round(value) : Math.round(value * 10) / 10;
  // 1023.6 KB rounds to 1024 KB: say 1 MB.
  if (rounded >= 1024 && unit < UNITS.length - 1) {
    rounded = 1;
    unit += 1;
  }
  return `${rounded} ${UNITS[unit]}`;
}
