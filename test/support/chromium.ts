/**
 * Finds the system Chromium for browser and end-to-end tests. No test tool downloads a
 * browser of its own.
 */
import { existsSync } from 'node:fs';

export { chromiumArgs } from './chromium-args.js';

/** Path of the Chromium to use: `CHROME_PATH`, else `/usr/bin/chromium`; throws when neither exists. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium'].filter(Boolean) as string[];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      `No Chromium found (looked at ${candidates.join(', ')}). Install it: apt-get install -y chromium, ` +
        'or set CHROME_PATH to a Chromium or Chrome binary.',
    );
  }
  return found;
}
