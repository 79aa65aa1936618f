/**
 * Hugging Face hub names: repos (`org/name`), files in them and revisions. One rule for
 * every place a name arrives (`--model hf:…`, `--hf-repo`, a plan's `artifact.source`),
 * because each ends up on an engine's command line, in a URL or in a cache path: a name
 * outside the rule could name another repo, climb out of the cache, or read as an option.
 */

/**
 * An org or repo name as the hub accepts it (huggingface_hub `validate_repo_id`): letters,
 * digits and `_.-`, 1 to 96 characters, starting and ending with a letter, digit or `_`
 * (so never `-x`, `.`, `..`), no `--` or `..` inside, not ending in `.git`.
 */
const HUB_NAME = /^[A-Za-z0-9_](?:[\w.-]{0,94}[A-Za-z0-9_])?$/;

export const HUB_NAME_RULE = 'letters, digits and "_.-", 1 to 96 characters, starting and ending with a letter, digit or "_", without "--" or ".."';

export function isHubName(name: string): boolean {
  return HUB_NAME.test(name) && !name.includes('--') && !name.includes('..') && !name.toLowerCase().endsWith('.git');
}

/**
 * A revision: a branch, a tag (`v1.0`, `refs/pr/3`) or a commit (40 hex digits). Letters,
 * digits and `_.-/`; it starts with a letter, digit or `_` (a leading `-` would reach
 * `vllm serve --revision` as an option) and has no empty, `.` or `..` part (it becomes a
 * cache directory) and no `..` at all (git refuses it in a ref).
 */
const REVISION = /^[A-Za-z0-9_][\w./-]{0,254}$/;

export const REVISION_RULE = 'a branch, tag or 40-hex commit: letters, digits and "_.-/", starting with a letter, digit or "_", without ".." or empty parts';

export function isRevision(revision: string): boolean {
  return REVISION.test(revision) && !revision.includes('..') && revision.split('/').every((part) => part !== '' && part !== '.');
}

/** A file or folder inside a repo: no spaces, control characters or `@`, and no empty, `.` or `..` part. */
function isRepoPath(path: string): boolean {
  return /^[^\s@\u0000-\u001f\u007f]+$/.test(path) && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** `org/name[/path][@revision]`, its parts checked. Null revision: the default branch. */
export interface HubRef {
  repo: string;
  path: string | null;
  revision: string | null;
}

/**
 * Parses `org/name[/path][@revision]` (no scheme). Returns the parts, or why the text is not
 * such a reference (for the caller's one-line error, which names the value).
 */
export function parseHubRef(text: string, allowPath: boolean): HubRef | string {
  const at = text.lastIndexOf('@');
  const body = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? null : text.slice(at + 1);
  const parts = body.split('/');
  if (parts.length < 2) return `expected ORG/NAME${allowPath ? '[/FILE]' : ''}[@REVISION]`;
  // Names, files and revisions become cache directories: no part may climb out of the cache.
  if ([...parts, ...(revision === null ? [] : revision.split('/'))].some((part) => part === '' || part === '.' || part === '..')) {
    return '"." and ".." (and empty parts) are not repo, file or revision names';
  }
  const [org = '', name = '', ...rest] = parts;
  for (const part of [org, name]) if (!isHubName(part)) return `${JSON.stringify(part)} is not a hub name (${HUB_NAME_RULE})`;
  const path = rest.length > 0 ? rest.join('/') : null;
  if (path !== null && !allowPath) return `expected ORG/NAME[@REVISION], not a path inside the repo ("${path}")`;
  if (path !== null && !isRepoPath(path)) return `${JSON.stringify(path)} is not a file in a repo (no spaces, "@", or empty, "." or ".." parts)`;
  if (revision !== null && !isRevision(revision)) return `${JSON.stringify(revision)} is not a revision (${REVISION_RULE})`;
  return { repo: `${org}/${name}`, path, revision };
}

/** The `hf:` source of a repo's checkpoint (a plan's `artifact.source`): the revision kept when one is pinned. */
export function hubSource(repo: string, revision: string | null, path: string | null = null): string {
  return `hf:${repo}${path ? `/${path}` : ''}${revision ? `@${revision}` : ''}`;
}

/** The parts of an `hf:` source (`hf:org/name[/path][@rev]`), or null for another scheme or a malformed one. */
export function hubRefOf(source: string): HubRef | null {
  if (!source.startsWith('hf:')) return null;
  const ref = parseHubRef(source.slice(3), true);
  return typeof ref === 'string' ? null : ref;
}

/** The repo of an `hf:` source (`hf:org/name/file@rev` → `org/name`), or null. */
export function hubRepoOf(source: string): string | null {
  return hubRefOf(source)?.repo ?? null;
}
