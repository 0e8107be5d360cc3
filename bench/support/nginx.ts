/**
 * Debian's nginx on loopback serving one directory, as the download baseline.
 */
import { startNginx as startTestNginx, type TestNginx } from '../../test/support/nginx.js';

/** A running nginx. */
export type Nginx = TestNginx;

/** Serves `root` at `http://127.0.0.1:<port>/`; throws with the install command when nginx is missing. */
export function startNginx(root: string): Promise<Nginx> {
  return startTestNginx(`    root ${root};`);
}
