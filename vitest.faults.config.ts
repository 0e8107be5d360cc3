import { defineConfig } from 'vitest/config';

// The fault suite: real reference-app processes killed, starved of disk, fuzzed and loaded.
// `npm run test:faults` runs it at full size; `npm test` runs the reduced form.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
