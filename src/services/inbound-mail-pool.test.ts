import { describe, expect, it } from 'vitest';
import { workerExecArgv } from './inbound-mail-pool.js';

describe('workerExecArgv', () => {
  it("leaves out V8's heap flags (the process's own; a worker refuses them) and keeps the loader", () => {
    expect(workerExecArgv(['--max-semi-space-size=8', '--heap-growing-percent=100', '--import', 'tsx'])).toEqual(['--import', 'tsx']);
    expect(workerExecArgv(['--optimize-for-size', '--import=tsx'])).toEqual(['--import=tsx']);
  });

  it('keeps profiling and other loaders, and adds tsx when it is missing', () => {
    expect(workerExecArgv(['--cpu-prof', '--cpu-prof-dir=/tmp/p', '--require', './hook.cjs', '--enable-source-maps'])).toEqual([
      '--cpu-prof',
      '--cpu-prof-dir=/tmp/p',
      '--require',
      './hook.cjs',
      '--enable-source-maps',
      '--import',
      'tsx',
    ]);
    expect(workerExecArgv(['--import', 'tsx/esm'])).toEqual(['--import', 'tsx/esm']);
  });
});
