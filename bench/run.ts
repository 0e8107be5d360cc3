/**
 * `npm run bench [-- --quick] [-- name ...]`: runs every `bench/*.bench.ts`, prints a
 * table and writes `bench/results/latest.json`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumPath } from '../test/support/chromium.js';
import type { Benchmark, BenchResult } from './support/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));

function chromiumVersion(): string {
  try {
    return execFileSync(chromiumPath(), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)));

const results: BenchResult[] = [];
const failures: string[] = [];
for (const file of files) {
  const bench = (await import(pathToFileURL(path.join(here, file)).href)).default as Benchmark;
  const tmpDir = mkdtempSync(path.join(tmpdir(), 'chat-files-bench-'));
  const started = Date.now();
  console.log(`\n[bench] ${bench.name}${quick ? ' (quick)' : ''}`);
  try {
    const produced = await bench.run({ quick, tmpDir, log: (m) => console.log(`  ${m}`) });
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
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

const report = {
  date: new Date().toISOString(),
  quick,
  environment: {
    node: process.version,
    chromium: chromiumVersion(),
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
  },
  results,
  failures,
};
const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);

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
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const row of rows) console.log(line(row));
console.log(
  `\nratio: higher is better (1.0 = as good as the baseline). Written to bench/results/latest.json`,
);
if (failures.length > 0) {
  console.error(`\n${failures.length} benchmark(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
