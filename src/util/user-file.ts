/**
 * The one reader for files a user names (configs, plan.json, prices, catalogs,
 * deployment files, cache entries). It refuses what is not a regular file — a FIFO
 * would block forever, /dev/zero would fill memory — and anything past a size cap,
 * and every failure is a one-line UserError naming the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from './errors.js';
import { ownEntry } from './own.js';

/** Caps by kind of file: far above any real one, far below what would hurt. */
export const MAX_BYTES = {
  /** config.json, plan.json, prices, cached hub answers (real ones: < 1 MB). */
  json: 16 * 1024 * 1024,
  /** Catalog YAML files. */
  catalog: 16 * 1024 * 1024,
} as const;

/** What an errno means for the person who typed the path. */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'something else already exists there',
  EPIPE: 'the reader closed the pipe',
};

/** The errno code of a file-system error (`ENOENT`), if it has one. */
export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** "permission denied (EACCES)" for a file-system error; null when it is not one (a bug). */
export function describeFsError(error: unknown): string | null {
  const code = errnoOf(error);
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return null;
  return `${ownEntry(ERRNO_TEXT, code) ?? 'file system error'} (${code})`;
}

/** describeFsError, or the error's first line when it is not a file-system error. */
export function describeErrno(error: unknown): string {
  return describeFsError(error) ?? (error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : 'error');
}

/** Why a path cannot be read as a regular file, or null when it can be opened as one. */
function kindOf(stat: ReturnType<typeof fstatSync>): string | null {
  if (stat.isFile()) return null;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a regular file of at most `maxBytes`. `what` names it in messages
 * (`prices file "p.yaml": …`). O_NONBLOCK makes opening a FIFO return at once, so
 * the check after the open sees it; on a regular file the flag changes nothing.
 */
export function readUserFile(path: string, what: string, maxBytes: number, shownAs = path): Buffer {
  const label = `${what} "${shownAs}"`;
  if (path === '') throw new UserError(`${what}: the path is empty`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new UserError(`${label}: cannot read it: ${describeErrno(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    const kind = kindOf(stat);
    if (kind) throw new UserError(`${label}: ${kind}, not a regular file`);
    if (stat.size > maxBytes) throw new UserError(`${label}: ${stat.size} bytes, more than the ${maxBytes} a ${what} may have`);
    // Read to the cap + 1, not to the size fstat gave: a file that grows while read stays bounded.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw new UserError(`${label}: more than the ${maxBytes} bytes a ${what} may have`);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${label}: cannot read it: ${describeErrno(error)}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that a path a library will open itself (a GGUF, read by ranges) is a regular
 * file: a FIFO would block it forever.
 */
export function requireRegularFile(path: string, what: string): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new UserError(`${what} "${path}": cannot read it: ${describeErrno(error)}`);
  }
  const kind = kindOf(stat);
  if (kind) throw new UserError(`${what} "${path}": ${kind}, not a regular file`);
}

/** readUserFile as UTF-8 text. */
export function readUserText(path: string, what: string, maxBytes: number, shownAs = path): string {
  return readUserFile(path, what, maxBytes, shownAs).toString('utf8');
}
