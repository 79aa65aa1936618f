/**
 * examples/ must be what `npm run examples` writes today: every example is
 * re-rendered by the built CLI into a temp directory and compared byte for byte.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module script without types
import { EXAMPLES, renderExample } from '../../scripts/examples.mjs';
import { EXAMPLES_DIR } from './fixtures.js';

type Example = { dir: string; args: string[] };

describe('examples/ is up to date (run `npm run examples` when this fails)', () => {
  it('holds exactly the examples scripts/examples.mjs lists', () => {
    const committed = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(committed).toEqual((EXAMPLES as Example[]).map((e) => e.dir).sort());
  });

  it.each(EXAMPLES as Example[])('$dir', (example) => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-example-')), example.dir);
    const { code, stderr } = renderExample(example, out);
    expect(code, stderr).toBe(0);
    const fresh = readdirSync(out).sort();
    expect(readdirSync(join(EXAMPLES_DIR, example.dir)).sort()).toEqual(fresh);
    for (const file of fresh) {
      expect(readFileSync(join(EXAMPLES_DIR, example.dir, file), 'utf8'), `examples/${example.dir}/${file} is stale`).toBe(readFileSync(join(out, file), 'utf8'));
    }
  });
});
