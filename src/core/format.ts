/**
 * Formatting shared by the elements and the server's plain-text messages.
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Human-readable size, e.g. `1.2 MB` (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}
