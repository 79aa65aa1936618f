import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, gpuplan } from './run.js';

/** Runs the CLI into a pipe whose reader starts only after `delay` seconds: the output waits in the pipe. */
function readLate(args: string[], delay: number): { code: number | null; stdout: string } {
  const quoted = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('bash', ['-c', `set -o pipefail; ${quoted} 2>/dev/null | { sleep ${delay}; cat; }`], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout };
}

describe('the CLI leaves with process.exit (bin/gpuplan.js)', () => {
  it('a reader that starts late still gets all of an output larger than a pipe buffer', () => {
    const eager = gpuplan(['catalog', 'models', '--json']);
    expect(eager.code).toBe(0);
    // Linux pipes hold 64 KiB: a shorter output would not make the writer wait.
    expect(Buffer.byteLength(eager.stdout)).toBeGreaterThan(64 * 1024);
    const late = readLate(['catalog', 'models', '--json'], 0.3);
    expect(late.code).toBe(0);
    expect(late.stdout).toBe(eager.stdout);
    expect(() => JSON.parse(late.stdout)).not.toThrow();
  });

  it('keeps the exit code main returned', () => {
    expect(gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '1xT4', '--context', '131072']).code).toBe(1);
    expect(gpuplan(['plan', '--model', 'no-such-model', '--budget', '1xH100']).code).toBe(2);
  });
});
