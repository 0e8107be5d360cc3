// `npm test`: type check, lint and format check, build, then unit, browser and end-to-end
// tests, and the fault suite in its reduced form. Stops at the first failing step and ends
// with one summary line over all layers.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const steps = [
  { name: 'types', cmd: bin('tsc'), args: ['-p', 'tsconfig.json', '--noEmit'] },
  { name: 'lint', cmd: bin('eslint'), args: ['.'] },
  { name: 'format', cmd: bin('prettier'), args: ['--check', '.', '--log-level', 'warn'] },
  { name: 'build', cmd: process.execPath, args: [path.join(root, 'scripts/build.mjs')] },
  { name: 'unit', cmd: bin('vitest'), args: ['run'], counts: 'vitest' },
  { name: 'browser', cmd: bin('web-test-runner'), args: [], counts: 'wtr' },
  {
    name: 'e2e',
    cmd: bin('vitest'),
    args: ['run', '--config', 'vitest.e2e.config.ts'],
    counts: 'vitest',
  },
  // The fault suite in its reduced form (`npm run test:faults` runs it at full size).
  {
    name: 'faults',
    cmd: bin('vitest'),
    args: ['run', '--config', 'vitest.faults.config.ts'],
    counts: 'vitest',
  },
];

// eslint-disable-next-line no-control-regex -- removes terminal colour codes
const strip = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

/** Reads passed/failed counts from a runner's output. */
function countsOf(kind, output) {
  const text = strip(output);
  if (kind === 'vitest') {
    const line = text.split('\n').find((l) => /^\s*Tests\s+/.test(l)) ?? '';
    return {
      passed: Number(/(\d+) passed/.exec(line)?.[1] ?? 0),
      failed: Number(/(\d+) failed/.exec(line)?.[1] ?? 0),
      skipped: Number(/(\d+) skipped/.exec(line)?.[1] ?? 0),
    };
  }
  const matches = [...text.matchAll(/(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/g)];
  const last = matches.at(-1);
  return {
    passed: Number(last?.[1] ?? 0),
    failed: Number(last?.[2] ?? 0),
    skipped: Number(last?.[3] ?? 0),
  };
}

const only = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };
for (const step of steps) {
  if (only.length > 0 && !only.includes(step.name)) continue;
  console.log(`\n=== ${step.name} ===`);
  const child = spawn(step.cmd, step.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
    process.stderr.write(chunk);
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (step.counts) {
    const counts = countsOf(step.counts, output);
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
    if (code === 0 && counts.passed === 0) {
      console.error(`[test] ${step.name}: no test ran`);
      process.exitCode = 1;
      break;
    }
  }
  if (code !== 0) {
    console.error(`[test] ${step.name} failed (exit ${code})`);
    total.failed = Math.max(total.failed, 1);
    process.exitCode = 1;
    break;
  }
}
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
