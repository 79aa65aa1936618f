import { describe, expect, it } from 'vitest';
import { hubRefOf, hubSource, isHubName, isRevision, parseHubRef } from '../../src/util/hub-names.js';

describe("hub names: the hub's own rule (huggingface_hub validate_repo_id), in one place", () => {
  it.each(['meta-llama', 'Llama-3.1-8B-Instruct', 'gpt-oss-20b', 'Qwen2.5-7B', 'a', '_private', 'x'.repeat(96)])('%s is a hub name', (name) => {
    expect(isHubName(name)).toBe(true);
  });

  it.each(['', '-help', '.hidden', 'name.', 'name-', 'a--b', 'a..b', 'repo.git', 'meta llama', 'a/b', 'ä', '$(touch x)', 'x'.repeat(97), 'tab\there'])('%j is not', (name) => {
    expect(isHubName(name)).toBe(false);
  });

  it.each(['main', 'v1.0', 'refs/pr/3', 'a'.repeat(40), '0123456789abcdef0123456789abcdef01234567', 'release_2024-01'])('%s is a revision', (revision) => {
    expect(isRevision(revision)).toBe(true);
  });

  it.each(['', '-x', '--help', 'a b', 'a..b', '../evil', 'a//b', 'a/', '/a', 'a/./b', 'v1\n', 'v1\u001b[31m', 'a@b', 'x'.repeat(256)])('%j is not', (revision) => {
    expect(isRevision(revision)).toBe(false);
  });

  it('parses org/name[/path][@revision]; says why when it cannot', () => {
    expect(parseHubRef('Qwen/Qwen3-8B', false)).toEqual({ repo: 'Qwen/Qwen3-8B', path: null, revision: null });
    expect(parseHubRef('Qwen/Qwen3-8B@v2', false)).toEqual({ repo: 'Qwen/Qwen3-8B', path: null, revision: 'v2' });
    expect(parseHubRef('unsloth/R1-GGUF/UD-Q2_K_XL/part-00001.gguf@main', true)).toEqual({ repo: 'unsloth/R1-GGUF', path: 'UD-Q2_K_XL/part-00001.gguf', revision: 'main' });
    expect(parseHubRef('just-a-name', false)).toMatch(/^expected ORG\/NAME\[@REVISION\]/);
    expect(parseHubRef('a/b/c', false)).toMatch(/not a path inside the repo/);
    expect(parseHubRef('meta llama/x', false)).toMatch(/^"meta llama" is not a hub name \(letters, digits/);
    expect(parseHubRef('a/b@-x', false)).toMatch(/^"-x" is not a revision \(a branch, tag or 40-hex commit/);
    expect(parseHubRef('a/../b', true)).toMatch(/"\." and "\.\." \(and empty parts\) are not/);
  });

  it('an hf: source keeps a pinned revision and gives it back', () => {
    expect(hubSource('org/name', null)).toBe('hf:org/name');
    expect(hubSource('org/name', 'v1', 'q4.gguf')).toBe('hf:org/name/q4.gguf@v1');
    expect(hubRefOf('hf:org/name/q4.gguf@v1')).toEqual({ repo: 'org/name', path: 'q4.gguf', revision: 'v1' });
    expect(hubRefOf('ollama:llama3.1:8b')).toBeNull();
    expect(hubRefOf('hf:--help/x')).toBeNull();
  });
});
