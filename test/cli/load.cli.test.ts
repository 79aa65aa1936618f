/** Issue 18 from the user's side: estimate of one full configuration, plan sized for load, and the files it writes. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { gpuplan } from './run.js';

const oneLineError = (r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) => {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
};

describe('plan sized for load (built CLI)', () => {
  it('Llama-3.1-8B at 20 requests/s on 8×H100: data-parallel copies, not TP 8, behind one endpoint', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-load-')), 'deploy');
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.tensorParallel).toBeLessThan(8);
    expect(plan.replicas * plan.dataParallel).toBeGreaterThan(1);
    expect(plan.settings['data-parallel-size']).toBe(plan.replicas);
    // What was planned carries the target within its limits, at 80% utilisation at most.
    expect(plan.load.capacityRequestsPerSecond * 0.8).toBeGreaterThanOrEqual(20);
    expect(plan.perf.tpotSeconds).toBeLessThanOrEqual(0.05);
    expect(plan.perf.outputTokensPerSecond).toBeCloseTo(20 * 300, 0);
    // One endpoint: one service publishes the port, and it runs every copy.
    const compose = YAML.parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'));
    const published = Object.entries(compose.services as Record<string, { ports?: string[]; command?: string[] }>).filter(([, s]) => s.ports);
    expect(published).toHaveLength(1);
    expect(published[0]?.[1].command).toContain('--data-parallel-size');
  });

  it('DeepSeek-R1 FP8 for 256 users on 8×H200 with vLLM: weighs expert parallel and says why', () => {
    const r = gpuplan(['plan', '--model', 'deepseek-r1-671b', '--budget', '8xH200', '--engine', 'vllm', '--quant', 'fp8', '--users', '256', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.load.target).toBe('users');
    expect(plan.perf.batch).toBe(256);
    expect(plan.load.why.some((w: string) => w.startsWith('expert parallel:'))).toBe(true);
    // Ranks that share the experts keep only their own requests' MLA cache: more requests fit than at TP 8.
    if (plan.dataParallel > 1) expect(plan.settings['data-parallel-size']).toBe(plan.dataParallel);
    expect(plan.settings['enable-expert-parallel'] === true).toBe(plan.expertParallel);
  });

  it('Llama-3.1-70B at 20 requests/s on 16×H100: the same one-node server on both nodes, LeaderWorkerSet replicas as one endpoint', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-load-')), 'deploy');
    const r = gpuplan(['plan', '--model', 'llama-3.1-70b', '--budget', '16xH100', '--rate', '20', '--input-len', '1000', '--output-len', '300', '--tpot-ms', '50', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.nodes).toBe(2);
    expect(plan.nodeReplicas).toBe(2);
    // One node's copies run in one vLLM (its own data parallel); every node runs the same.
    const perNode = plan.replicas / plan.nodeReplicas;
    expect(plan.tensorParallel * plan.pipelineParallel * perNode).toBe(8);
    expect(plan.settings['data-parallel-size'] ?? 1).toBe(perNode);
    expect(plan.load.capacityRequestsPerSecond * 0.8).toBeGreaterThanOrEqual(20);
    // Kubernetes: groups of one pod, as many as nodes, each reserving one node's GPUs; the Service selects them all.
    const [lws, svc] = readFileSync(join(out, 'lws.yaml'), 'utf8')
      .split(/^---$/m)
      .map((d) => YAML.parse(d));
    expect(lws.spec.replicas).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.size).toBe(1);
    const pod = lws.spec.leaderWorkerTemplate.workerTemplate;
    expect(pod.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('8');
    expect(Object.entries(svc.spec.selector).every(([k, v]) => (pod.metadata.labels[k] ?? (k === 'leaderworkerset.sigs.k8s.io/name' ? 'vllm' : undefined)) === v)).toBe(true);
    // No Ray cluster: the compose file is one node's server, run on each node.
    const compose = YAML.parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services)).toEqual(['vllm']);
    expect(compose.services.vllm.deploy.resources.reservations.devices[0].count).toBe(8);
    expect(compose['x-gpuplan'].nodeReplicas).toBe(2);
    // And gpuplan's own validate reads the files as planned: no warning.
    const v = gpuplan(['validate', out, '--format', 'json']);
    expect(v.code).toBe(0);
    const findings: { severity: string }[] = JSON.parse(v.stdout).findings;
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('llama.cpp replicas: one service per set of GPUs and an nginx balancer listing each', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpuplan-load-')), 'deploy');
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '4xRTX-4090', '--engine', 'llamacpp', '--rate', '6', '--input-len', '500', '--output-len', '200', '--out', out]);
    expect(r.code).toBe(0);
    const compose = YAML.parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'));
    const servers = Object.keys(compose.services).filter((s) => s.startsWith('llama-server-'));
    expect(servers.length).toBeGreaterThan(1);
    const conf = readFileSync(join(out, 'nginx.conf'), 'utf8');
    for (const s of servers) expect(conf).toContain(`server ${s}:8000;`);
    const ids = servers.flatMap((s) => compose.services[s].deploy.resources.reservations.devices[0].device_ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('without a target it plans for one user, as before', () => {
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--json']);
    const plan = JSON.parse(r.stdout).plan;
    expect(plan.gpuCount).toBe(1);
    expect(plan.perf.batch).toBe(1);
    expect(plan.load.target).toBe('one-user');
  });

  it('a rate beyond the budget: nothing fits, and the closest configuration says by how much', () => {
    const r = gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', '--rate', '1000', '--tpot-ms', '20']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/The load target is not met/);
  });

  it.each([
    [['--rate', '5', '--users', '10'], /option --users "10": give one load target, --rate or --users/],
    [['--rate', '0'], /option '--rate <req\/s>' argument '0' is invalid/],
    [['--tpot-ms', 'fast'], /option '--tpot-ms <ms>' argument 'fast' is invalid/],
    [['--input-len', '40000', '--context', '4096'], /option --input-len "40000": a request of 40128 tokens is more than the context 4096/],
  ])('bad load options %j: one line, exit 2', (extra, pattern) => {
    oneLineError(gpuplan(['plan', '--model', 'llama-3.1-8b', '--budget', '8xH100', ...extra]), pattern);
  });
});

describe('estimate of one full configuration (built CLI)', () => {
  it('--batch max --input-len --output-len: perf with the issue’s fields, at what the engine sustains', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-8b', '--gpu', 'h100-sxm', '--engine', 'vllm', '--batch', 'max', '--input-len', '1000', '--output-len', '300', '--json']);
    expect(r.code).toBe(0);
    const perf = JSON.parse(r.stdout).perf;
    for (const key of ['batch', 'ttftSeconds', 'tpotSeconds', 'perSequenceTokensPerSecond', 'outputTokensPerSecond', 'bound', 'formula']) expect(perf).toHaveProperty(key);
    // max: vLLM's max_num_seqs on an 80 GB H100 (1024) or the KV pool, whichever is smaller.
    expect(perf.batch).toBeGreaterThan(100);
    expect(perf.batch).toBeLessThanOrEqual(1024);
    expect(perf.perSequenceTokensPerSecond).toBeCloseTo(1 / perf.tpotSeconds, 6);
  });

  it('DP 8 × TP 1 with expert parallel of DeepSeek-R1 on 8 H200: the experts split over 8 GPUs', () => {
    const r = gpuplan([
      'estimate',
      '--model',
      'deepseek-r1-671b',
      '--quant',
      'fp8',
      '--gpu',
      'h200',
      '--engine',
      'vllm',
      '--tp',
      '1',
      '--dp',
      '8',
      '--gpus',
      '8',
      '--expert-parallel',
      '--batch',
      '256',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.verdict.status).toBe('fits');
    expect(e.perf.batch).toBe(256);
    // 688.6 GB of FP8 weights: each GPU holds the dense part whole and an eighth of the routed experts.
    expect(e.perGpu.weights).toBeGreaterThan(688.6e9 / 8);
    expect(e.perGpu.weights).toBeLessThan(688.6e9 / 4);
  });

  it('llama.cpp splits layers over --gpus', () => {
    const r = gpuplan(['estimate', '--model', 'llama-3.1-70b', '--quant', 'q4_k_m', '--gpu', 'rtx-4090', '--engine', 'llamacpp', '--gpus', '2', '--context', '4096', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).perf.batch).toBe(1);
  });

  it.each([
    [['--engine', 'vllm', '--gpu', 'h100-sxm', '--tp', '2', '--gpus', '4'], /option --gpus "4": vLLM runs DP 1 × TP 2 × PP 1 = 2 GPUs/],
    [['--engine', 'vllm', '--gpu', 'h100-sxm', '--expert-parallel'], /option --expert-parallel: llama-3.1-8b has no experts/],
    [['--batch', '8'], /option --batch needs --engine and --gpu/],
    [['--engine', 'vllm', '--gpu', 'h100-sxm', '--batch', 'lots'], /option '--batch <n\|max>' argument 'lots' is invalid/],
  ])('bad configuration %j: one line, exit 2', (extra, pattern) => {
    oneLineError(gpuplan(['estimate', '--model', 'llama-3.1-8b', ...extra]), pattern);
  });
});
