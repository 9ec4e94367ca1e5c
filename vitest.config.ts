import { defineConfig } from 'vitest/config';

/**
 * The two tests that move 256 MiB files run last, on their own: beside other tests they
 * slowed every one of them (disk and CPU), by up to 1.75 times.
 */
const HEAVY = [
  'test/integration/attachments.test.ts',
  'test/integration/attachments-federation.test.ts',
];

export default defineConfig({
  test: {
    // The machine has 2 cores; the differential and property suites are CPU-bound.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: [...HEAVY, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'files', include: HEAVY, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
