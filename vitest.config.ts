import { defineConfig } from 'vitest/config';

// One runner, three kinds of tests (STYLE.md §3): unit specs beside the code,
// integration specs against real Postgres/Redis/files, and end-to-end suites
// under test/e2e that start real processes.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['test/support/fast-check-setup.ts'],
          include: ['libs/*/src/**/*.spec.ts', 'apps/*/src/**/*.spec.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          setupFiles: ['test/support/fast-check-setup.ts'],
          include: [
            'libs/*/src/**/*.integration-spec.ts',
            'apps/*/src/**/*.integration-spec.ts',
            // The test harness's own moving parts (the TCP balancer of the failover e2e).
            'test/support/**/*.integration-spec.ts',
          ],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e-spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
