import type { Reporter, TestModule } from 'vitest/node';

/** Prints `vitest: N passed, N failed, N skipped` as the last line, for CI logs. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const db = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
    console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped (database: ${db})`);
  }
}
