/**
 * Measurement helpers for benchmarks: medians over repeated runs, and the result record
 * each benchmark reports (a value next to a baseline measured in the same run).
 */
import type { SharedResources } from './shared.js';

/** One reported figure: the product's value, the baseline's, and their ratio. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline_name: string;
  baseline_value: number;
  /**
   * How the product compares with the baseline, oriented so that higher is better
   * (throughput: value / baseline; time or memory: baseline / value).
   */
  ratio: number;
  runs: number;
  /** Extra figures worth printing (e.g. peak RSS, request counts). */
  notes?: Record<string, number | string>;
}

/** What a benchmark gets from the runner. */
export interface BenchContext {
  /** Smaller sizes so the whole suite runs in about two minutes. */
  quick: boolean;
  /** Scratch directory for this benchmark (removed afterwards). */
  tmpDir: string;
  /** Resources shared by the benchmarks of this run (stopped when the run ends). */
  shared: SharedResources;
  log(message: string): void;
}

/** A benchmark file's default export. */
export interface Benchmark {
  name: string;
  run(context: BenchContext): Promise<BenchResult[]>;
}

/** The median of some samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs `product` and `baseline` alternately `runs` times (alternating spreads the
 * machine's noise over both) and returns the medians.
 */
export async function paired(
  runs: number,
  product: () => Promise<number>,
  baseline: () => Promise<number>,
  /** Called after each run with its two values (for progress logs). */
  onRun?: (run: number, value: number, baseline: number) => void,
): Promise<{ value: number; baseline: number; runs: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    if (i % 2 === 0) {
      a.push(await product());
      b.push(await baseline());
    } else {
      b.push(await baseline());
      a.push(await product());
    }
    onRun?.(i + 1, a.at(-1)!, b.at(-1)!);
  }
  return { value: median(a), baseline: median(b), runs };
}

/** MiB/s from bytes and milliseconds. */
export const mibPerSecond = (bytes: number, ms: number): number =>
  bytes / (1024 * 1024) / (ms / 1000);

/** Result for a throughput figure (higher is better). */
export function throughput(
  name: string,
  measured: { value: number; baseline: number; runs: number },
  baselineName: string,
  notes?: BenchResult['notes'],
): BenchResult {
  return {
    name,
    unit: 'MiB/s',
    value: round(measured.value),
    baseline_name: baselineName,
    baseline_value: round(measured.baseline),
    ratio: round(measured.value / measured.baseline, 3),
    runs: measured.runs,
    notes,
  };
}

/** Rounds to `digits` decimals. */
export const round = (value: number, digits = 2): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/** Notes as one line: `key value, key value`. */
export function formatNotes(notes: NonNullable<BenchResult['notes']>): string {
  return Object.entries(notes)
    .map(([key, value]) => `${key.replace(/_/g, ' ')} ${value}`)
    .join(', ');
}
