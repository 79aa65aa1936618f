/**
 * Standard output and error, written with write(2) on the descriptors themselves.
 *
 * `process.stdout` is made on first use, and for a pipe that means loading Node's `net` and
 * stream modules (3-5 ms of every start, `npm run bench`) for output gpuplan writes once, whole.
 * A descriptor that another process left non-blocking (O_NONBLOCK belongs to the open file,
 * shared with whoever passed it on) can refuse a write with EAGAIN while its reader catches up:
 * from then on that descriptor's output goes through Node's stream, which waits for it. A Windows
 * console gets the stream from the start: it shows UTF-8 (×, ≥, —) only through the UTF-16
 * conversion Node's stream does, which a write on the descriptor skips (files and pipes there are
 * written directly, and fail at once, as elsewhere).
 */
import { fstatSync, writeSync } from 'node:fs';

type Fd = 1 | 2;

/** The streams that took over a descriptor (after EAGAIN, or a Windows console), with what is still to be written. */
const takenOver = new Map<Fd, NodeJS.WriteStream>();

function streamOf(fd: Fd, onError: (error: NodeJS.ErrnoException) => void): NodeJS.WriteStream {
  const stream = fd === 1 ? process.stdout : process.stderr;
  // A pipe whose reader left fails as an 'error' event once the stream writes on its own.
  stream.on('error', onError);
  takenOver.set(fd, stream);
  return stream;
}

/** A Windows console (a character device there): `node:tty` would tell too, but loads `net` to do it. */
function windowsConsole(fd: Fd): boolean {
  if (process.platform !== 'win32') return false;
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * Writes all of `text` to `fd`, in order with what was written before; throws the write's error
 * (EPIPE, ENOSPC, EBADF) at once. `onStreamError` hears the errors of a stream that took over.
 */
export function writeText(fd: Fd, text: string, onStreamError: (error: NodeJS.ErrnoException) => void): void {
  const stream = takenOver.get(fd) ?? (windowsConsole(fd) ? streamOf(fd, onStreamError) : undefined);
  if (stream) {
    stream.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    streamOf(fd, onStreamError).write(bytes.subarray(written));
  }
}

/** Whether output handed to a stream has yet to leave the process (exiting now would lose it). */
export function writesPending(): boolean {
  for (const stream of takenOver.values()) if (stream.writableLength > 0) return true;
  return false;
}
