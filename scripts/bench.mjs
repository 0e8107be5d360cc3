// `npm run bench [-- --quick] [-- --profile] [-- name ...]`: builds when dist/ is missing
// (browser pages load the built bundle), warns when it is older than the sources, then runs
// bench/run.ts with tsx and --expose-gc (benchmarks collect garbage before measuring memory).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/browser/chat-files.js');

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

if (!existsSync(bundle)) {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
} else if (newest(path.join(root, 'src')) > statSync(bundle).mtimeMs) {
  console.warn(
    '[bench] dist/browser/chat-files.js is older than src/: the browser benchmarks measure ' +
      'the last build (run npm run build first for current figures)',
  );
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--expose-gc', path.join(root, 'bench/run.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
// Stopping this script stops the run, which then stops its servers and browser and
// removes its temporary files.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code) => process.exit(code ?? 1));
