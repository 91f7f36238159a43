import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The end-to-end tests (test/e2e/) serve the built web app: build it when it is missing or stale.
    globalSetup: ['./test/e2e/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Integration suites each create their own database; files can run in parallel.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit+integration', include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'], exclude: ['node_modules/**', 'test/e2e/**'], sequence: { groupOrder: 0 } },
      },
      // The browser tests run after the rest, on their own: Chromium beside the timing-sensitive suites (the SMTP crash test) would slow them on two cores.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
