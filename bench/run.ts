/**
 * `npm run bench [-- --quick] [-- --profile] [-- name ...]`: runs every `bench/*.bench.ts`
 * (or those whose file name contains one of the names), prints a table and writes
 * `bench/results/latest.json` (and `quick.json` or `full.json`, so a quick run never
 * overwrites the last full figures). `--profile` writes CPU profiles of the server
 * processes to `bench/results/profiles/`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { browserVersion } from './support/browser.js';
import { formatNotes, round, type Benchmark, type BenchResult } from './support/measure.js';
import { SharedResources } from './support/shared.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
if (args.includes('--profile')) {
  // Server processes then write CPU profiles (open them in Chrome DevTools).
  process.env.BENCH_PROFILE_DIR = path.join(here, 'results', 'profiles');
  mkdirSync(process.env.BENCH_PROFILE_DIR, { recursive: true });
}

/** The commit measured, and whether the working tree differed from it. */
function gitState(): { commit: string; dirty: boolean } {
  try {
    const run = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    const paths = ['src', 'server', 'examples'];
    return {
      commit: run('rev-parse', '--short', 'HEAD'),
      dirty: run('status', '--porcelain', '--', ...paths) !== '',
    };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** The nginx version (`nginx -v` prints it on stderr), or `missing`. */
function nginxVersion(): string {
  const result = spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/([\d.]+)/.exec(result.stderr ?? '')?.[1] ?? 'missing';
}

// Taken before anything runs: others may commit while a long run is going.
const git = gitState();
const loadAtStart = loadavg();

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  // By number: 10 runs after 9.
  .sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b))
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)));

const runDir = mkdtempSync(path.join(tmpdir(), 'chat-files-bench-'));
// Browser pages load this copy of the bundle, taken now (see server-child.ts).
const sdkDir = path.join(runDir, 'sdk');
cpSync(path.join(root, 'dist', 'browser'), sdkDir, {
  recursive: true,
  filter: (source) => !source.endsWith('.map'),
});
process.env.BENCH_SDK_DIR = sdkDir;
const sdkBuilt = statSync(path.join(sdkDir, 'chat-files.js')).mtime.toISOString();
const shared = new SharedResources(path.join(runDir, 'shared'));
// Ctrl-C still stops the server processes and the browser and removes the temp files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n[bench] ${signal}: stopping servers and browser, removing temporary files`);
    void shared.closeAll().finally(() => {
      rmSync(runDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

const results: BenchResult[] = [];
const failures: string[] = [];
const seconds: Record<string, number> = {};
const runStarted = Date.now();
try {
  for (const file of files) {
    const bench = (await import(pathToFileURL(path.join(here, file)).href)).default as Benchmark;
    const tmpDir = path.join(runDir, bench.name);
    mkdirSync(tmpDir, { recursive: true });
    const started = Date.now();
    console.log(`\n[bench] ${bench.name}${quick ? ' (quick)' : ''}`);
    try {
      const produced = await bench.run({
        quick,
        tmpDir,
        shared,
        log: (m) => console.log(`  ${m}`),
      });
      for (const r of produced) {
        console.log(
          `  ${r.name}: ${r.value} ${r.unit} vs ${r.baseline_name} ${r.baseline_value} → ratio ${r.ratio}`,
        );
      }
      results.push(...produced);
    } catch (error) {
      failures.push(`${bench.name}: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`  failed: ${error instanceof Error ? error.stack : String(error)}`);
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
      seconds[bench.name] = Math.round((Date.now() - started) / 100) / 10;
      console.log(`  (${seconds[bench.name]} s)`);
    }
  }
} finally {
  await shared.closeAll();
  rmSync(runDir, { recursive: true, force: true });
}

const report = {
  date: new Date().toISOString(),
  quick,
  environment: {
    node: process.version,
    chromium: await browserVersion().catch(() => 'unknown'),
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(totalmem() / 1024 ** 3),
    nginx: nginxVersion(),
    // 1-minute load averages: how much else the machine was doing.
    load_average: { start: round(loadAtStart[0]!), end: round(loadavg()[0]!) },
    ...git,
    sdk_bundle_built: sdkBuilt,
  },
  seconds: { ...seconds, total: Math.round((Date.now() - runStarted) / 100) / 10 },
  results,
  failures,
};
const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
const json = `${JSON.stringify(report, null, 2)}\n`;
writeFileSync(path.join(outDir, 'latest.json'), json);
writeFileSync(path.join(outDir, quick ? 'quick.json' : 'full.json'), json);

const rows = results.map((r) => [
  r.name,
  `${r.value} ${r.unit}`,
  `${r.baseline_value} ${r.unit}`,
  r.baseline_name,
  String(r.ratio),
  String(r.runs),
]);
const header = ['benchmark', 'chat-files', 'baseline', 'baseline is', 'ratio', 'runs'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const row of rows) console.log(line(row));
const notes = results.filter((r) => r.notes).map((r) => `  ${r.name}: ${formatNotes(r.notes!)}`);
if (notes.length > 0) console.log(`\nnotes:\n${notes.join('\n')}`);
console.log(
  `\nratio: higher is better (1.0 = as good as the baseline). ${report.environment.cpu_model}, ` +
    `${report.environment.cpus} cores, Node ${report.environment.node}, Chromium ${report.environment.chromium}; ` +
    `${report.seconds.total} s. Written to bench/results/latest.json`,
);
if (failures.length > 0) {
  console.error(`\n${failures.length} benchmark(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
