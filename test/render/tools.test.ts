/**
 * The generated files checked by the tools users run: Docker Compose's own loader
 * (`docker-compose config`, Debian's docker-compose package) and shellcheck.
 * .ci/run installs both; under CI=true a missing tool fails the test instead of
 * skipping it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { interpolate } from '../../src/formats/compose.js';
import { launchOf } from '../../src/render/render.js';
import { renderPlan } from '../../src/render/render.js';
import { writeRendered } from '../../src/render/write.js';
import { EXAMPLES_DIR, examplePlan, HOSTILE, hostilePlan } from './fixtures.js';

function available(tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!found && process.env.CI === 'true') throw new Error(`${tool} is not installed; .ci/run installs it with apt-get`);
  return found;
}

const hasCompose = available('docker-compose');
const hasShellcheck = available('shellcheck');

/** The committed examples plus renders of hostile plans, as directories on disk. */
function deployDirs(): string[] {
  const examples = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(EXAMPLES_DIR, d.name));
  const hostile = [
    hostilePlan(examplePlan('vllm'), (p) => ({ artifact: { ...p.artifact!, source: `file:/models/${HOSTILE}` } })),
    hostilePlan(examplePlan('sglang'), (p) => ({ artifact: { ...p.artifact!, source: `file:/models/${HOSTILE}` } })),
    hostilePlan(examplePlan('llamacpp'), (p) => ({ artifact: { ...p.artifact!, format: 'gguf', source: `file:/models/${HOSTILE.replaceAll('/', '')}.gguf` } })),
  ].map((result, i) => writeRendered(join(mkdtempSync(join(tmpdir(), 'gpuplan-tools-')), `hostile-${i}`), renderPlan(result), false).dir);
  return [...examples, ...hostile];
}

const dirs = deployDirs();

describe.skipIf(!hasCompose)('docker-compose config', () => {
  it.each(dirs)("%s loads, and Compose passes the plan's argv through unchanged", (dir) => {
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')).plan;
    const run = spawnSync('docker-compose', ['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), 'config'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: '/home/user', HEAD_IP: '10.0.0.1', NODE_RANK: '0', HF_TOKEN: 'hf_x' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const config = YAML.parse(run.stdout);
    const launch = launchOf(plan);
    const services = Object.keys(config.services);
    if (plan.engine === 'ollama' || plan.nodes > 1) {
      expect(services.length).toBeGreaterThanOrEqual(1);
      return;
    }
    // Every server (llama.cpp replicas: each of them; the nginx balancer runs no model).
    const servers = services.filter((name) => name !== 'lb');
    expect(servers.length).toBe(plan.replicas > 1 && plan.engine === 'llamacpp' ? plan.replicas : 1);
    for (const name of servers) {
      // docker-compose v1 prints the config with literal dollars still escaped as $$.
      expect(config.services[name].command.map(interpolate)).toEqual(launch.containerArgs);
      expect(config.services[name].environment.HF_TOKEN).toBe('hf_x');
    }
  });
});

describe.skipIf(!hasShellcheck)('shellcheck', () => {
  const scripts = dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.sh'))
      .map((f) => join(dir, f)),
  );

  it('finds scripts to check', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(5);
  });

  it.each(scripts)('%s is clean', (script) => {
    const run = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});
