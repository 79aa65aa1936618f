import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuplan } from './run.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gpuplan-cli-'));
const PLAN = ['plan', '--model', 'deepseek-r1-distill-qwen-7b', '--budget', '4090'];

describe('gpuplan plan --out / gpuplan render (built CLI)', () => {
  it('writes the deploy folder, says where, and prints the plan', () => {
    const out = join(tmp(), 'deploy');
    const r = gpuplan([...PLAN, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gpuplan plan/);
    expect(r.stderr).toMatch(/Wrote 4 files to .*deploy: docker-compose.yml, serve.sh, PLAN.md, plan.json/);
    expect(readdirSync(out).sort()).toEqual(['PLAN.md', 'docker-compose.yml', 'plan.json', 'serve.sh']);
    expect(statSync(join(out, 'serve.sh')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(out, 'PLAN.md'), 'utf8')).toMatch(/docker compose up -d[\s\S]*curl localhost:8000\/v1\/models/);
  });

  it('refuses to overwrite without --force (exit 2, files untouched), replaces with it', () => {
    const out = join(tmp(), 'deploy');
    expect(gpuplan([...PLAN, '--out', out]).code).toBe(0);
    writeFileSync(join(out, 'serve.sh'), 'mine');
    const again = gpuplan([...PLAN, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^gpuplan: --out ".*deploy": docker-compose.yml, serve.sh, PLAN.md, plan.json already exist; pass --force/);
    expect(again.stdout).toBe('');
    expect(readFileSync(join(out, 'serve.sh'), 'utf8')).toBe('mine');
    expect(gpuplan([...PLAN, '--out', out, '--force']).code).toBe(0);
    expect(readFileSync(join(out, 'serve.sh'), 'utf8')).toMatch(/^#!\/usr\/bin\/env bash/);
  });

  it('render plan.json re-creates byte-identical files', () => {
    const first = join(tmp(), 'a');
    const second = join(tmp(), 'b');
    expect(gpuplan([...PLAN, '--engine', 'ollama', '--out', first]).code).toBe(0);
    const r = gpuplan(['render', join(first, 'plan.json'), '--out', second]);
    expect(r.code).toBe(0);
    for (const file of readdirSync(first)) {
      expect(readFileSync(join(second, file), 'utf8')).toBe(readFileSync(join(first, file), 'utf8'));
    }
  });

  it('nothing fits: exit 1 and nothing written', () => {
    const out = join(tmp(), 'deploy');
    const r = gpuplan(['plan', '--model', 'deepseek-r1-671b', '--budget', '8xA100-40G', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Nothing fits, so nothing was written/);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['render', '/nonexistent/plan.json', '--out', '/tmp/x'], /^gpuplan: plan "\/nonexistent\/plan.json": cannot read it: no such file \(ENOENT\)\n$/],
    [['render', 'package.json', '--out', '/tmp/x'], /^gpuplan: package.json: .*(expected|Unrecognized)/],
  ])('bad input %j → exit 2 with a one-line message', (args, message) => {
    const r = gpuplan(args as string[], join(import.meta.dirname, '../..'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a hand-edited plan.json whose files would not read back is refused, nothing written', () => {
    const dir = tmp();
    expect(gpuplan([...PLAN, '--out', join(dir, 'a')]).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'a', 'plan.json'), 'utf8'));
    plan.plan.settings['max-model-len'] = '';
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(plan));
    const r = gpuplan(['render', join(dir, 'edited.json'), '--out', join(dir, 'b')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gpuplan: an empty argument/);
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });

  it('a local checkpoint (config.json in a directory with a hostile name) is served from that directory, quoted', () => {
    const dir = join(tmp(), 'my models', 'evil $(touch PWNED) `id`');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(import.meta.dirname, '../fixtures/configs/llama-2-7b.config.json'), join(dir, 'config.json'));
    const out = join(tmp(), 'deploy');
    const r = gpuplan(['plan', '--model', join(dir, 'config.json'), '--budget', '4090', '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'docker-compose.yml'), 'utf8')).toContain(`source: "${dir.replace('$', '$$$$')}"`);
    expect(readFileSync(join(out, 'serve.sh'), 'utf8')).toContain(`exec vllm serve '${dir}' \\`);
    expect(existsSync(join(out, 'PWNED'))).toBe(false);
  });

  it('a hand-edited plan.json whose node replicas are not its nodes is refused, one line, nothing written', () => {
    const plan = JSON.parse(readFileSync(join(__dirname, '../../examples/llama-3.1-70b-rate-20-16xh100/plan.json'), 'utf8'));
    expect(plan.plan.nodeReplicas).toBe(2);
    plan.plan.nodeReplicas = 3;
    const dir = tmp();
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const r = gpuplan(['render', join(dir, 'plan.json'), '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/field plan\.nodeReplicas: nodeReplicas must be 1, or the plan's nodes/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('--out pointing at a file is bad input', () => {
    const file = join(tmp(), 'f');
    writeFileSync(file, '');
    const r = gpuplan([...PLAN, '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists and is not a directory/);
  });
});

describe('render: a hand-edited plan the templates cannot render', () => {
  it('an unknown weights scheme → exit 2, one line, nothing written', () => {
    const dir = tmp();
    expect(gpuplan([...PLAN, '--out', join(dir, 'a')]).code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'a', 'plan.json'), 'utf8'));
    plan.plan.artifact.source = 's3:bucket/model';
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(plan));
    const r = gpuplan(['render', join(dir, 'edited.json'), '--out', join(dir, 'b')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gpuplan: artifact source "s3:bucket\/model": unknown scheme/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });
});
