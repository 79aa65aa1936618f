import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('the GitHub Action (action.yml)', () => {
  it('runs the CLI that package.json ships as its bin', () => {
    const action = parse(readFileSync(`${ROOT}action.yml`, 'utf8')) as { runs: { steps: { env?: Record<string, string> }[] } };
    const bins = action.runs.steps.flatMap((s) => (s.env?.GPUPLAN ? [s.env.GPUPLAN] : []));
    expect(bins).toHaveLength(1);
    const path = (bins[0] as string).replace('${{ github.action_path }}/', '');
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: Record<string, string> };
    expect(path).toBe(pkg.bin.gpuplan);
    expect(existsSync(`${ROOT}${path}`)).toBe(true);
  });
});
