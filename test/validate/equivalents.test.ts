/**
 * validate's fixes by meaning (issue 14's list of wrong suggestions) and flags of other
 * recorded releases.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuplan } from '../cli/run.js';
import { fixture } from '../helpers.js';

function validateText(name: string, text: string): { code: number | null; findings: { rule: string; severity: string; message: string; fix: string | null }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuplan-equivalents-'));
  writeFileSync(join(dir, name), text);
  const r = gpuplan(['validate', join(dir, name), '--format', 'json']);
  return { code: r.code, findings: JSON.parse(r.stdout).findings };
}

describe('fixes by meaning, not spelling (issue 14)', () => {
  it.each([
    ['vllm serve meta-llama/Llama-3.1-8B-Instruct --mem-fraction-static 0.8', '--mem-fraction-static', '--gpu-memory-utilization'],
    ['llama-server -m /models/llama.gguf --max-model-len 8192', '--max-model-len', '--ctx-size'],
    ['python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --max-model-len 8192', '--max-model-len', '--context-length'],
    ['python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --gpu-memory-utilization 0.8', '--gpu-memory-utilization', '--mem-fraction-static'],
    ['llama-server -m /models/llama.gguf --max-num-seqs 4', '--max-num-seqs', '--parallel'],
  ])('%s → %s means %s', (line, wrong, right) => {
    const r = validateText('run.sh', `#!/bin/sh\n${line}\n`);
    const finding = r.findings.find((f) => f.rule === 'unknown-flag');
    expect(finding?.message).toContain(wrong);
    expect(finding?.fix?.startsWith(`${right} (`)).toBe(true);
  });

  it('Modelfile max_tokens → num_predict (Ollama api.Options)', () => {
    const r = validateText('Modelfile', 'FROM llama3.1:8b\nPARAMETER max_tokens 512\n');
    expect(r.findings[0]?.fix).toBe("PARAMETER num_predict … (Ollama's name for max_tokens)");
  });

  it('an option of another recorded release is a warning naming that release, not an unknown flag', () => {
    // --guided-decoding-backend is in vLLM 0.11.0's argument parser and gone from 0.16.0's (catalogs/engine-flags).
    const r = validateText(
      'docker-compose.yml',
      'services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    command: ["meta-llama/Llama-3.1-8B-Instruct", "--guided-decoding-backend", "xgrammar"]\n    ports: ["8000:8000"]\n    ipc: host\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: 1\n              capabilities: [gpu]\n',
    );
    const finding = r.findings.find((f) => f.rule === 'other-release-flag');
    expect(finding).toMatchObject({ severity: 'warning', message: '--guided-decoding-backend is an option of vLLM 0.11.0, not of 0.16.0, the release this launch runs' });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('choices that are open registries (vLLM `Literal[…] | str`: argparse takes any name)', () => {
  const compose = (tag: string, mode: string) =>
    `services:\n  vllm:\n    image: vllm/vllm-openai:${tag}\n    command: ["${tag === 'v0.11.0' ? '--model' : 'serve-model'}", "meta-llama/Llama-3.1-8B-Instruct", "--tokenizer-mode", "${mode}"]\n    ports: ["8000:8000"]\n    ipc: host\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {driver: nvidia, count: 1, capabilities: [gpu]}\n`.replace(
      '"serve-model", ',
      '',
    );
  it('a name a plugin registers is a note on 0.16.0 (TokenizerMode | str since vllm-project/vllm f0a28bf, Dec 2025); a near-miss a warning', () => {
    const plugin = validateText('docker-compose.yml', compose('v0.16.0', 'step_audio_2')).findings.find((f) => f.rule === 'invalid-choice');
    expect(plugin?.severity).toBe('info');
    expect(validateText('docker-compose.yml', compose('v0.16.0', 'mistrall')).findings.find((f) => f.rule === 'invalid-choice')).toMatchObject({
      severity: 'warning',
      fix: '--tokenizer-mode mistral',
    });
  });
  it('0.11.0 took only its Literal values: the same name is an error there', () => {
    expect(validateText('docker-compose.yml', compose('v0.11.0', 'step_audio_2')).findings.find((f) => f.rule === 'invalid-choice')?.severity).toBe('error');
  });
});

describe('nothing dropped silently (issue 14)', () => {
  it('a file that runs nothing gpuplan recognises is counted and explained; --strict fails on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-strict-'));
    writeFileSync(
      join(dir, 'deployment.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: vllm\n          image: {{ .Values.image }}\n',
    );
    const json = JSON.parse(gpuplan(['validate', join(dir, 'deployment.yaml'), '--format', 'json']).stdout);
    expect(json.notUnderstood).toBe(1);
    expect(json.files[0].notUnderstood).toMatch(/^a Helm template: render it first \(helm template/);
    const text = gpuplan(['validate', join(dir, 'deployment.yaml')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/1 not understood \(--verbose says why\)/);
    expect(gpuplan(['validate', join(dir, 'deployment.yaml'), '--strict']).code).toBe(1);
  });

  it('an image built from vllm/vllm-openai (lmcache/vllm-openai) runs the same server: its launch is checked', () => {
    const json = JSON.parse(gpuplan(['validate', 'test/fixtures/validate/valid/lmcache-vllm-compose.yml', '--format', 'json']).stdout);
    expect(json.files[0]).toMatchObject({ kind: 'compose', launches: 1, notUnderstood: null });
  });
});

describe('launches inside wrappers and operators (issue 14)', () => {
  const errors = (r: ReturnType<typeof validateText>) => r.findings.filter((f) => f.severity === 'error').map((f) => f.rule);

  it('a command kept in a variable (`CMD="…"; eval "$CMD"`, `CMD=(…)` over lines; "${CMD[@]}") is the launch', () => {
    const quoted = validateText('run.sh', 'CMD="python3 -m sglang.launch_server \\\n  --model-path meta-llama/Llama-3.1-8B-Instruct --tp-size 3"\necho "$CMD"\neval "$CMD"\n');
    expect(quoted.findings.find((f) => f.rule === 'tp-heads')).toMatchObject({ fix: '--tp-size one of 1, 2, 4, 8' });
    const array = validateText('run.sh', 'ARGS=(\n  vllm serve meta-llama/Llama-3.1-8B-Instruct\n  # the context\n  --max-model-lenn 8192\n)\n"${ARGS[@]}" &\n');
    expect(errors(array)).toEqual(['unknown-flag']);
  });

  it('`bash -lc -- SCRIPT` and `bash -o pipefail -c SCRIPT` run their script; `<model-path>` in a sample is a value to fill in', () => {
    const pod = (command: string, script: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:v0.16.0\n      command: ${command}\n      args: [${JSON.stringify(script)}]\n      resources: {limits: {nvidia.com/gpu: 1}}\n`;
    expect(errors(validateText('pod.yaml', pod('["/bin/bash", "-lc", "--"]', 'ulimit -n 65536; vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-parallel-size 3')))).toEqual([
      'parallel-gpus',
      'tp-heads',
    ]);
    expect(errors(validateText('pod.yaml', pod('["bash", "-o", "pipefail", "-c"]', 'vllm serve meta-llama/Llama-3.1-8B-Instruct --max-model-lenn 8192')))).toEqual(['unknown-flag']);
    expect(validateText('run.sh', 'vllm serve \\\n  --model <model-path> \\\n  --served-model-name <model-name>\n').findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('KubeRay: the launch may use every GPU of the cluster; the Ray container gets KubeRay’s /dev/shm unless plasma-directory moves it', () => {
    const cluster = (tp: number, params: string) =>
      `apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  headGroupSpec:\n    rayStartParams: {${params}}\n    template:\n      spec:\n        containers:\n          - name: head\n            image: vllm/vllm-openai:v0.16.0\n            command: ["/bin/bash", "-lc", "--"]\n            args: ["ray start --head; vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-parallel-size ${tp}"]\n            resources: {limits: {nvidia.com/gpu: 2}}\n  workerGroupSpecs:\n    - groupName: g\n      replicas: 1\n      rayStartParams: {}\n      template:\n        spec:\n          containers:\n            - name: worker\n              image: vllm/vllm-openai:v0.16.0\n              resources: {limits: {nvidia.com/gpu: 2}}\n`;
    expect(errors(validateText('ray.yaml', cluster(4, '')))).toEqual([]);
    const tooBig = validateText('ray.yaml', cluster(8, ''));
    expect(tooBig.findings.find((f) => f.rule === 'parallel-gpus')?.message).toBe('TP 8 × PP 1 = 8 GPUs, but the Ray cluster of RayCluster c container head has 4 (head and workers)');
    expect(errors(validateText('ray.yaml', cluster(4, 'plasma-directory: /tmp')))).toEqual(['shared-memory']);
  });

  it('a RayJob entrypoint is a launch on the cluster of its rayClusterSpec', () => {
    const job = `apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec:\n  entrypoint: vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-parallel-size 4 --distributed-executor-backend ray\n  rayClusterSpec:\n    headGroupSpec:\n      rayStartParams: {}\n      template:\n        spec:\n          containers: [{name: head, image: vllm/vllm-openai:v0.16.0}]\n    workerGroupSpecs:\n      - {groupName: g, replicas: 1, rayStartParams: {}, template: {spec: {containers: [{name: w, image: vllm/vllm-openai:v0.16.0, resources: {limits: {nvidia.com/gpu: 2}}}]}}}\n`;
    expect(validateText('job.yaml', job).findings.find((f) => f.rule === 'parallel-gpus')?.message).toBe('TP 4 × PP 1 = 4 GPUs, but the Ray cluster of RayJob j entrypoint has 2 (head and workers)');
  });

  it('Ascend NPUs (vllm-ascend) are not "no GPUs"; a vLLM image given no arguments is a sketch, not an error', () => {
    const npu = validateText(
      'npu.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: vllm\n      image: quay.io/ascend/vllm-ascend:v0.11.0rc1\n      command: ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct", "--tensor-parallel-size", "2"]\n      resources: {limits: {huawei.com/Ascend910: "2"}}\n',
    );
    expect(npu.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(npu.findings.find((f) => f.rule === 'memory-unchecked')?.message).toContain('huawei.com/Ascend910');
    const sketch = validateText('s.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:latest\n');
    expect(sketch.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['info no-arguments']);
  });

  it('a key given twice (kubectl refuses it) is reported at its line, by name', () => {
    const r = validateText('d.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: []\n  containers: []\n  volumes: []\n');
    expect(r.findings[0]).toMatchObject({ rule: 'yaml', message: 'not valid YAML: Map keys must be unique: `volumes` appears twice in one mapping' });
    expect((r.findings[0] as unknown as { line: number }).line).toBe(7);
  });

  it('Python launchers: argv lists handed to subprocess/exec and command strings are launches; docstrings, help texts and prints are not', () => {
    const source = [
      '#!/usr/bin/env python3',
      '"""Starts vLLM.',
      '',
      '    vllm serve <your_model> --swap-space 16 --max-model-lenn 1',
      '"""',
      'import os, subprocess, sys',
      'from pathlib import Path',
      '',
      'MODEL = os.environ.get("MODEL", "meta-llama/Llama-3.1-8B-Instruct")',
      '',
      'def main():',
      '    cmd = [',
      '        "vllm", "serve", MODEL,',
      '        "--tensor-parallel-size", str(int(os.environ.get("TP", "1"))),',
      '        "--max-model-len", "8192",  # context',
      '    ]',
      '    cmd += ["--gpu-memory-utilization", "0.9"]',
      '    cmd.append("--enable-prefix-cachingg")',
      '    print("running", " ".join(cmd), "llama-server --no-such-option")',
      '    subprocess.run(cmd, check=True)',
      '',
      'def sglang(path):',
      '    subprocess.Popen(',
      '        f"python3 -m sglang.launch_server --model-path {path} "',
      '        "--tp-size 2 --mem-fraction-static 90",',
      '        shell=True,',
      '    )',
      '',
      'parser_help = dict(help="llama-server baseline binary path to use")',
      'issues = []',
      'issues.append("llama-server")',
      'print(", ".join(issues))',
    ].join('\n');
    const r = validateText('launch.py', source);
    expect(r.findings.filter((f) => f.severity !== 'info').map((f) => [(f as unknown as { line: number }).line, f.rule, f.fix])).toEqual([
      [18, 'unknown-flag', 'did you mean --enable-prefix-caching?'],
      [25, 'memory-fraction', '--mem-fraction-static 0.9'],
    ]);
    // `from x import y` is not a Modelfile FROM, and a directory walk takes only the .py files that launch a server.
    expect(validateText('tool.py', 'from pathlib import Path\nprint(Path.cwd())\n').findings.map((f) => f.rule)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-python-walk-'));
    writeFileSync(join(dir, 'serve.py'), 'import os\nos.system("vllm serve meta-llama/Llama-3.1-8B-Instruct --port 8001")\n');
    writeFileSync(join(dir, 'app.py'), 'import os\nprint(os.getcwd())\n');
    const walked = JSON.parse(gpuplan(['validate', dir, '--format', 'json']).stdout) as { files: { file: string; launches: number }[] };
    expect(walked.files.map((f) => [f.file.slice(dir.length + 1), f.launches])).toEqual([['serve.py', 1]]);
  });

  it('a local checkpoint path is read from the config.json beside it (through the compose bind mount), else matched by its directory name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-local-model-'));
    mkdirSync(join(dir, 'models', 'my-finetune'), { recursive: true });
    // Qwen2.5-14B's config (40 attention heads, 8 KV heads) under a name no catalog entry has.
    writeFileSync(join(dir, 'models', 'my-finetune', 'config.json'), readFileSync(fixture('configs/qwen2.5-14b.config.json')));
    const compose = (model: string) =>
      `services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    command: ["${model}", "--tensor-parallel-size", "3"]\n    volumes: ["./models:/models:ro"]\n    ports: ["8000:8000"]\n    ipc: host\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {driver: nvidia, count: 3, capabilities: [gpu]}\n`;
    writeFileSync(join(dir, 'docker-compose.yml'), compose('/models/my-finetune'));
    const read = JSON.parse(gpuplan(['validate', join(dir, 'docker-compose.yml'), '--format', 'json']).stdout) as { findings: { rule: string; message: string; fix: string }[] };
    expect(read.findings.find((f) => f.rule === 'tp-heads')).toMatchObject({
      message: 'TP 3 does not divide the 40 attention heads of Qwen2.5-14B-Instruct; vLLM refuses to start',
      fix: '--tensor-parallel-size one of 1, 2, 4, 8',
    });
    // Without a config.json, the directory's name: /models/Llama-3.1-8B-Instruct is Llama 3.1 8B (32 heads).
    writeFileSync(join(dir, 'docker-compose.yml'), compose('/models/Llama-3.1-8B-Instruct'));
    const named = JSON.parse(gpuplan(['validate', join(dir, 'docker-compose.yml'), '--format', 'json']).stdout) as { findings: { rule: string; message: string }[] };
    expect(named.findings.find((f) => f.rule === 'tp-heads')?.message).toContain('Llama-3.1-8B');
  });

  it('OLLAMA_* variables are read as the release the image tag names; untagged, an unknown name is a note', () => {
    const compose = (tag: string, variable: string) => `services:\n  ollama:\n    image: ollama/ollama${tag}\n    ports: ["11434:11434"]\n    environment:\n      ${variable}: "1"\n`;
    // OLLAMA_VULKAN is read by 0.32.15 (its envconfig), not by 0.12.6; OLLAMA_NEW_ENGINE the other way round.
    const old = validateText('docker-compose.yml', compose(':0.12.6', 'OLLAMA_VULKAN')).findings.find((f) => f.rule === 'ollama-env');
    expect(old).toMatchObject({ severity: 'warning', message: 'Ollama 0.12.6 does not read OLLAMA_VULKAN (service ollama)' });
    expect(validateText('docker-compose.yml', compose(':0.32.15', 'OLLAMA_VULKAN')).findings.filter((f) => f.rule === 'ollama-env')).toEqual([]);
    expect(validateText('docker-compose.yml', compose(':0.12.6', 'OLLAMA_NEW_ENGINE')).findings.filter((f) => f.rule === 'ollama-env')).toEqual([]);
    expect(validateText('docker-compose.yml', compose('', 'OLLAMA_SOMETHING_NEWER')).findings.find((f) => f.rule === 'ollama-env')?.severity).toBe('info');
    expect(validateText('docker-compose.yml', compose('', 'OLLAMA_FLASH_ATTENTON')).findings.find((f) => f.rule === 'ollama-env')).toMatchObject({
      severity: 'warning',
      fix: 'did you mean OLLAMA_FLASH_ATTENTION?',
    });
  });

  it('SkyPilot tasks and dstack configurations: the script with the variables the file sets, against the GPUs it asks for', () => {
    const sky = validateText(
      'serve.yaml',
      'resources:\n  accelerators: A100-80GB:4\nenvs:\n  MODEL_NAME: meta-llama/Llama-3.1-70B-Instruct\nrun: |\n  vllm serve $MODEL_NAME \\\n    --tensor-parallel-size 8\n',
    );
    expect(sky.findings.find((f) => f.rule === 'parallel-gpus')).toMatchObject({ severity: 'error', message: 'TP 8 × PP 1 = 8 GPUs, but SkyPilot task gets 4' });
    expect((sky.findings.find((f) => f.rule === 'parallel-gpus') as unknown as { line: number }).line).toBe(7);
    const dstack = (gpu: string) =>
      `type: service\nname: llama\nimage: lmsysorg/sglang:v0.5.3\nenv:\n  - MODEL_ID=meta-llama/Llama-3.1-8B-Instruct\ncommands:\n  - python3 -m sglang.launch_server --model-path $MODEL_ID --tp $DSTACK_GPUS_NUM --port 8000 --host 0.0.0.0\nport: 8000\nresources:\n  gpu: ${gpu}\n`;
    expect(validateText('.dstack.yml', dstack('24GB:2')).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    // Three GPUs: $DSTACK_GPUS_NUM is 3, which does not divide Llama 3.1 8B's 32 heads.
    expect(validateText('.dstack.yml', dstack('L4:3')).findings.find((f) => f.severity === 'error')).toMatchObject({ rule: 'tp-heads', fix: '--tp one of 1, 2, 4, 8' });
  });
});

describe('a stranger’s review: correct launches that drew alarms, and fixes that missed (issue 14)', () => {
  const gpus = (n: number) => `    deploy:\n      resources:\n        reservations:\n          devices:\n            - {driver: nvidia, count: ${n}, capabilities: [gpu]}\n`;
  const alarms = (r: ReturnType<typeof validateText>) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}: ${f.message}`);

  it('SGLang DP attention runs its DP ranks inside the TP group (the DeepSeek-V3 recipe on one 8-GPU node); DP must divide TP', () => {
    const recipe = (dp: number) =>
      `services:\n  sglang:\n    image: lmsysorg/sglang:v0.5.3\n    ipc: host\n    ports: ["30000:30000"]\n    command: python3 -m sglang.launch_server --model-path deepseek-ai/DeepSeek-V3 --tp 8 --dp ${dp} --enable-dp-attention --trust-remote-code --host 0.0.0.0 --port 30000\n${gpus(8)}`;
    expect(alarms(validateText('docker-compose.yml', recipe(8)))).toEqual([]);
    expect(validateText('docker-compose.yml', recipe(3)).findings.find((f) => f.rule === 'parallel-gpus')).toMatchObject({ severity: 'error', fix: '--dp-size one of 1, 2, 4, 8' });
  });

  it('--dtype half with an AWQ checkpoint sets the activations, not 16-bit weights; BF16 weights load as FP16 on a T4 when no dtype is given (vLLM _resolve_auto_dtype)', () => {
    const awq = `services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    ipc: host\n    ports: ["8000:8000"]\n    command: --model Qwen/Qwen2.5-7B-Instruct-AWQ --quantization awq --dtype half --max-model-len 4096\n${gpus(1)}`;
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-awq-'));
    writeFileSync(join(dir, 'docker-compose.yml'), awq);
    const onT4 = JSON.parse(gpuplan(['validate', join(dir, 'docker-compose.yml'), '--gpu', 't4', '--format', 'json']).stdout) as { findings: { severity: string; rule: string }[] };
    expect(onT4.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    writeFileSync(join(dir, 'docker-compose.yml'), awq.replace('Qwen/Qwen2.5-7B-Instruct-AWQ --quantization awq --dtype half', 'meta-llama/Llama-3.1-8B-Instruct'));
    const bf16 = JSON.parse(gpuplan(['validate', join(dir, 'docker-compose.yml'), '--gpu', 'v100-32g', '--format', 'json']).stdout) as { findings: { severity: string; rule: string }[] };
    expect(bf16.findings.filter((f) => f.rule === 'quantization')).toEqual([]);
  });

  it('a service other services reach on the compose network (Open WebUI, a proxy, `expose:`) need not publish its port', () => {
    const stack = `services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    ipc: host\n    command: ["meta-llama/Llama-3.1-8B-Instruct"]\n${gpus(1)}  open-webui:\n    image: ghcr.io/open-webui/open-webui:main\n    ports: ["3000:8080"]\n    environment:\n      OPENAI_API_BASE_URL: http://vllm:8000/v1\n`;
    expect(alarms(validateText('docker-compose.yml', stack))).toEqual([]);
    const alone = `services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    ipc: host\n    command: ["meta-llama/Llama-3.1-8B-Instruct"]\n${gpus(1)}`;
    expect(validateText('docker-compose.yml', alone).findings.find((f) => f.rule === 'port')?.severity).toBe('warning');
  });

  it('fixes: a long typo is not matched to a one-letter option; a bare -fa is `-fa on` and --host stays an option; a lengthened option is a typo; OLLAMA_KV_CACHE_TYPE by its bits', () => {
    expect(validateText('run.sh', 'vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-paralell-size 2\n').findings.find((f) => f.rule === 'unknown-flag')?.fix).toBe(
      'did you mean --tensor-parallel-size?',
    );
    const fa = validateText('run.sh', 'llama-server -m /models/llama.gguf -ngl 99 -fa --host 0.0.0.0 --port 8080\n');
    expect(fa.findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.fix])).toEqual([['missing-value', '-fa on']]);
    expect(validateText('run.sh', 'vllm serve meta-llama/Llama-3.1-8B-Instruct --max-model-length 8192\n').findings.find((f) => f.rule === 'unknown-flag')).toMatchObject({
      severity: 'error',
      fix: 'did you mean --max-model-len?',
    });
    const kv = (v: string) =>
      validateText(
        'docker-compose.yml',
        `services:\n  ollama:\n    image: ollama/ollama\n    ports: ["11434:11434"]\n    environment:\n      OLLAMA_FLASH_ATTENTION: "1"\n      OLLAMA_KV_CACHE_TYPE: ${v}\n`,
      ).findings.find((f) => f.rule === 'ollama-env')?.fix;
    expect([kv('q4'), kv('fp8'), kv('fp16')]).toEqual(['OLLAMA_KV_CACHE_TYPE=q4_0', 'OLLAMA_KV_CACHE_TYPE=q8_0', 'OLLAMA_KV_CACHE_TYPE=f16']);
  });

  it('docker run of ollama/ollama (Ollama’s own docs command) is a server, its -e OLLAMA_* variables checked', () => {
    const run = validateText('ollama.sh', 'docker run -d --gpus=all -v ollama:/root/.ollama -p 11434:11434 -e OLLAMA_NUM_PARALEL=4 --name ollama ollama/ollama:0.12.6\n');
    expect(run.findings.find((f) => f.rule === 'ollama-env')).toMatchObject({ severity: 'warning', fix: 'did you mean OLLAMA_NUM_PARALLEL?' });
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-ollama-run-'));
    writeFileSync(join(dir, 'ollama.sh'), 'docker run -d --gpus=all -v ollama:/root/.ollama -p 11434:11434 --name ollama ollama/ollama\n');
    const json = JSON.parse(gpuplan(['validate', join(dir, 'ollama.sh'), '--format', 'json']).stdout) as { files: { launches: number; notUnderstood: string | null }[] };
    expect(json.files[0]).toMatchObject({ launches: 1, notUnderstood: null });
  });

  it('a prefix argparse completes to one option while its value is another option’s choice (--tool-parser hermes) is a warning; --max-num-seq 8 is fine', () => {
    const r = validateText('run.sh', 'vllm serve meta-llama/Llama-3.1-8B-Instruct --enable-auto-tool-choice --tool-parser hermes --max-num-seq 8\n');
    expect(r.findings.filter((f) => f.severity !== 'info').map((f) => [f.rule, f.fix])).toEqual([['prefix-option', '--tool-call-parser hermes']]);
  });

  it('a retired Modelfile parameter at its old default (mirostat 0) is a note; set to anything else, a warning (the setting is lost)', () => {
    const r = validateText('Modelfile', 'FROM llama3.1:8b\nPARAMETER mirostat 0\nPARAMETER mirostat_tau 5\nPARAMETER mirostat 2\n');
    expect(r.findings.map((f) => f.severity)).toEqual(['info', 'info', 'warning']);
  });

  it('production-stack Helm values are the launches the chart renders (vllmConfig → options, extraArgs after them, requestGPU)', () => {
    const values = [
      'servingEngineSpec:',
      '  runtimeClassName: ""',
      '  modelSpec:',
      '  - name: "llama3"',
      '    repository: "vllm/vllm-openai"',
      '    tag: "v0.16.0"',
      '    modelURL: "meta-llama/Llama-3.1-8B-Instruct"',
      '    requestGPU: 1',
      '    vllmConfig:',
      '      maxModelLen: 200000',
      '      extraArgs: ["--gpu-memory-utilization", "90"]',
    ].join('\n');
    const r = validateText('values.yaml', values);
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => [(f as unknown as { line: number }).line, f.rule])).toEqual([
      [10, 'context-too-long'],
      [11, 'memory-fraction'],
    ]);
    // No GPU request but a runtime class (or CUDA_VISIBLE_DEVICES): the node's runtime gives the GPUs.
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  runtimeClassName: nvidia\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:v0.16.0\n      args: ["meta-llama/Llama-3.1-8B-Instruct"]\n';
    expect(validateText('pod.yaml', pod).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(validateText('pod.yaml', pod.replace('  runtimeClassName: nvidia\n', '')).findings.find((f) => f.rule === 'no-gpus')?.severity).toBe('error');
  });

  it('a KServe LLMInferenceService runs KServe’s vllm serve of its model uri, spec.parallelism.tensor and the main container’s args', () => {
    const service = (tensor: number) =>
      `apiVersion: serving.kserve.io/v1alpha2\nkind: LLMInferenceService\nmetadata: {name: llama}\nspec:\n  model:\n    uri: hf://meta-llama/Llama-3.1-8B-Instruct\n    name: meta-llama/Llama-3.1-8B-Instruct\n  parallelism:\n    tensor: ${tensor}\n  template:\n    containers:\n      - name: main\n        image: vllm/vllm-openai:v0.16.0\n        args: ["--max-model-len", "8192"]\n        resources: {limits: {nvidia.com/gpu: "${tensor}"}}\n`;
    expect(validateText('llmisvc.yaml', service(2)).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(validateText('llmisvc.yaml', service(3)).findings.find((f) => f.rule === 'tp-heads')).toMatchObject({ severity: 'error', fix: '--tensor-parallel-size one of 1, 2, 4, 8' });
  });

  it('a CPU build without GPUs is a CPU deployment; llama.cpp’s CUDA build without GPUs starts on the CPU (a warning, not an error)', () => {
    const compose = (image: string) =>
      `services:\n  llama:\n    image: ${image}\n    ports: ["8080:8080"]\n    command: -m /models/qwen2.5-0.5b-instruct-q4_k_m.gguf --host 0.0.0.0 --port 8080 -c 4096\n`;
    expect(validateText('docker-compose.yml', compose('ghcr.io/ggml-org/llama.cpp:server')).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(validateText('docker-compose.yml', compose('ghcr.io/ggml-org/llama.cpp:server-cuda')).findings.find((f) => f.rule === 'no-gpus')?.severity).toBe('warning');
  });

  it('a second review: MIG and time-sliced GPU resources, /dev/dri, multi-node data parallel, SGLang gpt-oss, $(VAR) from env, LWS Ray groups, KServe placeholders, JSON options', () => {
    const pod = (resources: string, args: string, env = '') =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:v0.16.0\n      args: ${args}\n${env}      resources: {limits: {${resources}}}\n      volumeMounts: [{name: shm, mountPath: /dev/shm}]\n  volumes: [{name: shm, emptyDir: {medium: Memory}}]\n`;
    const quiet = (r: ReturnType<typeof validateText>) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}: ${f.message}`);
    // NVIDIA device plugin: MIG slices (mixed strategy) and time-sliced shares are GPUs.
    expect(quiet(validateText('mig.yaml', pod('nvidia.com/mig-3g.40gb: 1', '["meta-llama/Llama-3.1-8B-Instruct"]')))).toEqual([]);
    expect(quiet(validateText('shared.yaml', pod('nvidia.com/gpu.shared: 1', '["meta-llama/Llama-3.1-8B-Instruct"]')))).toEqual([]);
    // Kubernetes puts the container's env values in place of $(NAME): TP 4 on 2 GPUs is caught.
    const tp = validateText(
      'env.yaml',
      pod('nvidia.com/gpu: 2', '["$(MODEL)", "--tensor-parallel-size", "$(TP)"]', '      env: [{name: MODEL, value: meta-llama/Llama-3.1-8B-Instruct}, {name: TP, value: "4"}]\n'),
    );
    expect(tp.findings.find((f) => f.rule === 'parallel-gpus')?.message).toBe('TP 4 × PP 1 = 4 GPUs, but Pod p container vllm gets 2');
    // Vulkan builds reach the GPU through /dev/dri.
    expect(
      quiet(
        validateText(
          'docker-compose.yml',
          'services:\n  llama:\n    image: ghcr.io/ggml-org/llama.cpp:server-vulkan\n    devices: [/dev/dri]\n    ports: ["8080:8080"]\n    command: -m /models/m.gguf --host 0.0.0.0 --port 8080 -ngl 99\n',
        ),
      ),
    ).toEqual([]);
    // vLLM multi-node DP: this node starts --data-parallel-size-local ranks.
    const dp =
      'services:\n  vllm:\n    image: vllm/vllm-openai:v0.16.0\n    ipc: host\n    ports: ["8000:8000"]\n    command: ["meta-llama/Llama-3.1-8B-Instruct", "--data-parallel-size", "4", "--data-parallel-size-local", "2", "--data-parallel-address", "10.0.0.1"]\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {driver: nvidia, count: 2, capabilities: [gpu]}\n';
    expect(validateText('docker-compose.yml', dp).findings.filter((f) => f.rule === 'parallel-gpus')).toEqual([]);
    // A JSON option written with Python quotes stops vLLM's parser.
    expect(
      validateText('run.sh', `vllm serve meta-llama/Llama-3.1-8B-Instruct --speculative-config "{'method': 'ngram', 'num_speculative_tokens': 5}"\n`).findings.find((f) => f.rule === 'invalid-value'),
    ).toMatchObject({
      severity: 'error',
      fix: `--speculative-config '{"method": "ngram", "num_speculative_tokens": 5}'`,
    });
    // KServe's {{.Name}} in a ServingRuntime is a runtime placeholder, not a Helm template.
    const runtime = validateText(
      'runtime.yaml',
      'apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: vllm}\nspec:\n  containers:\n    - name: kserve-container\n      image: vllm/vllm-openai:v0.16.0\n      args: ["--model", "/mnt/models", "--served-model-name={{.Name}}", "--port", "8080"]\n      resources: {limits: {nvidia.com/gpu: 1}}\n',
    );
    expect(runtime.findings.filter((f) => f.rule === 'yaml')).toEqual([]);
  });

  it('SGLang serves gpt-oss (MXFP4) on Hopper', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuplan-sglang-oss-'));
    writeFileSync(join(dir, 'run.sh'), 'python3 -m sglang.launch_server --model-path openai/gpt-oss-20b --host 0.0.0.0 --port 30000\n');
    const r = JSON.parse(gpuplan(['validate', join(dir, 'run.sh'), '--gpu', 'h100-sxm', '--format', 'json']).stdout) as { findings: { severity: string; rule: string }[] };
    expect(r.findings.filter((f) => f.rule === 'quantization')).toEqual([]);
  });

  it('a server bound to loopback in a container of its own is unreachable; with host networking or a sidecar it is not', () => {
    const compose = (extra: string) =>
      `services:\n  llama:\n    image: ghcr.io/ggml-org/llama.cpp:server\n${extra}    ports: ["8080:8080"]\n    command: -m /models/m.gguf --host 127.0.0.1 --port 8080\n`;
    expect(validateText('docker-compose.yml', compose('')).findings.find((f) => f.rule === 'port')).toMatchObject({ severity: 'warning', fix: '--host 0.0.0.0' });
    expect(validateText('docker-compose.yml', compose('    network_mode: host\n')).findings.filter((f) => f.rule === 'port')).toEqual([]);
  });
});
