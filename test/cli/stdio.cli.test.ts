import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, gpuplan } from './run.js';

/** Runs the CLI into a pipe whose reader starts only after `delay` seconds: the output waits in the pipe. */
function readLate(args: string[], delay: number): { code: number | null; stdout: string } {
  const quoted = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('bash', ['-c', `set -o pipefail; ${quoted} 2>/dev/null | { sleep ${delay}; cat; }`], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout };
}

/**
 * Python's subprocess passes a pipe on as it is; Node's spawn (libuv) makes a child's standard
 * descriptors blocking first, so a Node parent cannot reproduce this.
 */
const NON_BLOCKING_PIPE = `
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
os.close(w)
time.sleep(0.3)
out = b''
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    out += chunk
err = child.stderr.read()
sys.stdout.buffer.write(out)
sys.stderr.buffer.write(err)
sys.exit(child.wait())
`;
const hasPython = spawnSync('python3', ['--version']).status === 0;

/**
 * Runs the CLI with standard output on a pipe made O_NONBLOCK, as a parent that made its pipe
 * non-blocking passes it on: once the pipe is full, write(2) says EAGAIN instead of waiting.
 * The reader starts after 0.3 s, so the output (more than the pipe's 64 KiB) fills it first.
 */
function intoNonBlockingPipe(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('python3', ['-c', NON_BLOCKING_PIPE, process.execPath, BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('standard output written directly (src/cli/stdio.ts) and the exit (bin/gpuplan.cjs)', () => {
  const eager = gpuplan(['catalog', 'models', '--json']);

  it('a reader that starts late still gets all of an output larger than a pipe buffer', () => {
    expect(eager.code).toBe(0);
    // Linux pipes hold 64 KiB: a shorter output would not make the writer wait.
    expect(Buffer.byteLength(eager.stdout)).toBeGreaterThan(64 * 1024);
    const late = readLate(['catalog', 'models', '--json'], 0.3);
    expect(late.code).toBe(0);
    expect(late.stdout).toBe(eager.stdout);
  });

  it.skipIf(!hasPython)('a non-blocking pipe that fills up (EAGAIN) gets all of the output, in order', () => {
    const late = intoNonBlockingPipe(['catalog', 'models', '--json']);
    expect(late.stderr).toBe('');
    expect(late.code).toBe(0);
    expect(late.stdout).toBe(eager.stdout);
  });

  it('keeps the exit code main returned', () => {
    expect(gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '1xT4', '--context', '131072']).code).toBe(1);
    expect(gpuplan(['plan', '--model', 'no-such-model', '--budget', '1xH100']).code).toBe(2);
  });
});
