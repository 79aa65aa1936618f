import { loadCatalog, type Catalog } from '../catalog/catalog.js';
import { findGpu, findQuantization } from '../catalog/lookup.js';
import { artifactFor, resolveModel } from '../catalog/model.js';
import { estimate, type Estimate, type EstimateInput, type EstimatePerf } from '../memory/estimate.js';
import { tensorParallelProblem, validTensorParallelDegrees } from '../engines/common.js';
import { KV_DTYPE_BYTES, type KvDtype } from '../memory/kvcache.js';
import type { Mode } from '../memory/modes.js';
import { formatBytes, formatCount, thousands } from '../memory/units.js';
import type { ZeroStage } from '../memory/training.js';
import type { EngineId } from '../engines/ids.js';
import type { Deployment, Engine, EngineFit } from '../engines/types.js';
import { DEFAULT_INPUT_LEN, DEFAULT_OUTPUT_LEN, requestLengths } from '../perf/workload.js';
import { UserError } from '../util/errors.js';
import { checkEngineChoice } from './engine-options.js';
import { EXIT, type Io } from './main.js';
import type { HubRepoOption } from './options.js';
import { releaseDescribing } from '../engines/registry.js';
import { engineEstimate } from '../engines/estimate.js';
import { instancePerf, sustainedBatch } from '../planner/perf.js';

/** Inference context when none is given (docs/ARCHITECTURE.md, "CLI contract"), capped at the model's maximum. */
export const DEFAULT_CONTEXT = 32768;
/** Training sequence length when none is given. */
export const DEFAULT_TRAINING_SEQUENCE = 2048;
/** The base format QLoRA quantizes frozen weights to (Dettmers et al. 2023). */
const QLORA_BASE = 'bnb-nf4';

/** The options commander hands over, already parsed by the parsers in options.ts. */
export interface EstimateOptions {
  model: string;
  quant?: string;
  context?: number;
  concurrency: number;
  tp: number;
  pp: number;
  gpu?: string;
  kvDtype: KvDtype;
  mode: Mode;
  zero: `${ZeroStage}`;
  dp: number;
  /** With --engine: GPUs in all (DP × TP × PP, or llama.cpp's layer split). */
  gpus?: number;
  expertParallel?: boolean;
  batch?: number | 'max';
  inputLen?: number;
  outputLen?: number;
  microBatch: number;
  loraRank: number;
  checkpointing: boolean;
  eagerAttention?: boolean;
  engine?: EngineId;
  engineVersion?: string;
  gpuMemUtil?: number;
  json?: boolean;
  catalog?: string;
  /** hf: models only from the cache (or the catalog). */
  offline?: boolean;
  /** The hub repo a config.json model's weights come from. */
  hfRepo?: HubRepoOption;
}

async function buildInput(catalog: Catalog, o: EstimateOptions): Promise<EstimateInput> {
  const model = await resolveModel(catalog, o.model, { offline: o.offline ?? false, weights: o.hfRepo });
  const quantization = findQuantization(catalog, o.quant ?? model.nativeQuantization);
  const maxContext = model.architecture?.maxContext ?? Number.POSITIVE_INFINITY;
  const inference = o.mode === 'inference';
  const context = o.context ?? (inference ? Math.min(DEFAULT_CONTEXT, maxContext) : DEFAULT_TRAINING_SEQUENCE);
  if (context > maxContext) {
    throw new UserError(`option --context "${context}": ${model.id} supports at most ${maxContext} tokens (max_position_embeddings)`);
  }
  // The same tensor-parallel rule the engines and validate use (engines/common.ts).
  const tpProblem = model.architecture ? tensorParallelProblem(model.architecture, o.tp) : null;
  if (model.architecture && tpProblem) {
    throw new UserError(`option --tp "${o.tp}": ${tpProblem} of ${model.id}; valid: ${validTensorParallelDegrees(model.architecture, Math.max(8, o.tp)).join(', ')}`);
  }
  const layers = model.architecture?.layers;
  if (layers !== undefined && o.pp > layers) {
    throw new UserError(`option --pp "${o.pp}": ${model.id} has only ${layers} layers`);
  }
  return {
    model,
    quantization,
    artifact: artifactFor(model, quantization),
    kvDtype: o.kvDtype,
    context,
    concurrency: o.concurrency,
    tp: o.tp,
    pp: o.pp,
    gpu: o.gpu ? findGpu(catalog, o.gpu) : null,
    mode: o.mode,
    training: {
      zero: Number(o.zero) as ZeroStage,
      dataParallel: o.dp,
      checkpointing: o.checkpointing,
      eagerAttention: o.eagerAttention ?? false,
      microBatch: o.microBatch,
      loraRank: o.loraRank,
      qloraBase: findQuantization(catalog, QLORA_BASE),
    },
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The verdict in words: what the exit code says (0 only for "fits"). */
function verdictLine(v: NonNullable<Estimate['verdict']>, headroom: number): string {
  switch (v.status) {
    case 'fits':
      return `fits, ${formatBytes(Math.max(0, headroom))} to spare`;
    case 'reduced-concurrency':
      return `starts, but with fewer requests at once than asked: ${v.message}`;
    case 'wont-start':
      return `does NOT fit: ${v.message}`;
    case 'cannot-run':
      return `cannot run: ${v.message}`;
    case 'below-target':
      return `runs, but misses the target: ${v.message}`;
  }
}

export function formatEstimate(e: Estimate): string {
  const lines: string[] = [];
  lines.push(`${e.modelName} (${e.model}) — ${e.origin}`);
  const active = e.activeParams < e.params ? `, ${formatCount(e.activeParams)} active per token` : '';
  const mtp = e.mtpParams > 0 ? ` (+ ${formatCount(e.mtpParams)} MTP module, not served)` : '';
  lines.push(`Parameters     ${formatCount(e.params)} total${active}${mtp} — ${thousands(e.params)} exactly`);
  lines.push(`Quantization   ${e.quantization}${e.artifact ? ` — ${e.artifact}` : ' — no published artifact; size from the formula'}`);
  lines.push(`Weights        ${formatBytes(e.weightsBytes)} in all`);
  if (e.kvBytesPerToken !== null) {
    lines.push(`KV cache       ${thousands(e.kvBytesPerToken)} B/token for the whole model (${e.kvDtype === 'auto' ? 'bf16' : e.kvDtype}, ${KV_DTYPE_BYTES[e.kvDtype]} B/element)`);
  }
  if (e.stateBytesPerSequence) {
    lines.push(`State          ${thousands(e.stateBytesPerSequence)} B/sequence, whatever its length (linear-attention / Mamba layers)`);
  }
  const workload =
    e.mode === 'inference'
      ? `${thousands(e.context)} tokens × ${e.concurrency} sequence${e.concurrency > 1 ? 's' : ''}, TP ${e.tensorParallel} × PP ${e.pipelineParallel}`
      : `${e.mode} fine-tune, sequence ${thousands(e.context)}`;
  lines.push(`Workload       ${workload}`);
  lines.push('');
  lines.push(e.tensorParallel * e.pipelineParallel > 1 || e.mode !== 'inference' ? 'Per GPU' : 'Memory');
  const width = Math.max(...e.terms.map((t) => t.name.length), 8) + 2;
  for (const term of e.terms) {
    lines.push(`  ${pad(term.name, width)}${pad(formatBytes(term.bytes), 26)} ${term.formula}`);
  }
  lines.push(`  ${pad('total', width)}${formatBytes(e.perGpu.total)}`);
  if (e.perGpu.capacity !== null && e.gpu && e.verdict) {
    const headroom = e.perGpu.capacity - e.perGpu.total;
    lines.push(`  ${pad('capacity', width)}${pad(formatBytes(e.perGpu.capacity), 26)} one ${e.gpu}`);
    lines.push(`  ${verdictLine(e.verdict, headroom)}`);
    if (e.kvCacheTokens !== null) {
      lines.push(`  KV room left  ${thousands(e.kvCacheTokens)} tokens after weights, activations and overhead`);
    }
  }
  if (e.engine && e.engine.logLines.length > 0) {
    lines.push('', `${e.engine.name} ${e.engine.version} will log`);
    for (const line of e.engine.logLines) lines.push(`  ${line}`);
  }
  if (e.perf) {
    const p = e.perf;
    lines.push('', `Speed at ${p.batch} request${p.batch > 1 ? 's' : ''} in flight (speed model fitted to published benchmarks; README "Speed accuracy")`);
    lines.push(
      `  TPOT ${(p.tpotSeconds * 1e3).toFixed(1)} ms (${p.perSequenceTokensPerSecond.toFixed(1)} tokens/s per request), TTFT ${(p.ttftSeconds * 1e3).toFixed(0)} ms, ${p.outputTokensPerSecond.toFixed(0)} output tokens/s in all; bound: ${p.bound}`,
    );
    lines.push(`  ${p.formula}`);
  }
  if (e.notes.length > 0) {
    lines.push('', 'Notes');
    for (const note of e.notes) lines.push(`  - ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** With --engine: the engine's own accounting on the --gpu (inference only). */
async function withEngine(base: Estimate, input: EstimateInput, o: EstimateOptions): Promise<Estimate> {
  if (!o.engine) {
    if (o.gpuMemUtil !== undefined) throw new UserError('option --gpu-mem-util needs --engine vllm or sglang (and --gpu)');
    if (o.engineVersion !== undefined) throw new UserError(`option --engine-version "${o.engineVersion}" needs --engine`);
    if (o.kvDtype !== 'auto') await checkEngineChoice(undefined, undefined, o.kvDtype);
    const speedOption = (
      [
        ['--gpus', o.gpus],
        ['--expert-parallel', o.expertParallel],
        ['--batch', o.batch],
        ['--input-len', o.inputLen],
        ['--output-len', o.outputLen],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (speedOption) throw new UserError(`option ${speedOption[0]} needs --engine and --gpu: speed comes from an engine's model on a GPU`);
    if (o.dp > 1 && o.mode === 'inference') throw new UserError(`option --dp "${o.dp}" in inference needs --engine and --gpu (data-parallel servers); in training it is --mode full|lora|qlora`);
    return base;
  }
  const arch = input.model.architecture;
  if (!input.gpu) throw new UserError(`option --engine "${o.engine}" needs --gpu: engine accounting is per GPU`);
  if (input.mode !== 'inference') throw new UserError(`option --engine "${o.engine}" applies to --mode inference only`);
  if (!arch) throw new UserError(`option --engine "${o.engine}" needs the model's architecture: give a catalog id or a config.json`);
  // estimate reads any older version with the release whose memory behaviour it shares (plan and render need a recorded one: its image and flags).
  const described = o.engineVersion ? describedRelease(releaseDescribing, o.engine, o.engineVersion) : null;
  const engine = await checkEngineChoice(o.engine, described?.release ?? o.engineVersion, o.kvDtype);
  const moe = arch.moe !== null;
  const layerSplit = engine.parallelism === 'layers';
  const gpus = checkGpuCount(o, engine, layerSplit);
  if (o.expertParallel && (!moe || !engine.scaling.expertParallel)) {
    throw new UserError(`option --expert-parallel: ${moe ? `${engine.name} has no expert-parallel mode` : `${input.model.id} has no experts`}; valid with --engine vllm or sglang and a MoE model`);
  }
  const result = engineEstimate({
    base,
    engine,
    model: { ...input.model, architecture: arch },
    quant: input.quantization,
    artifact: input.artifact,
    gpu: input.gpu,
    tp: input.tp,
    pp: input.pp,
    dp: o.dp,
    gpus,
    kvDtype: input.kvDtype,
    memoryFraction: o.gpuMemUtil ?? null,
  });
  const notes = described && !described.exact ? [`${engine.name} ${o.engineVersion} has no release record; it is read with ${engine.version}'s facts, whose memory behaviour it shares.`] : [];
  const speed = result.run ? await speedOf(engine, result.run, o, input, moe) : null;
  return { ...result.estimate, perf: speed?.perf ?? null, notes: [...notes, ...(speed?.notes ?? []), ...result.estimate.notes] };
}

/** --gpus against DP × TP × PP: vLLM and SGLang run exactly that many; llama.cpp and Ollama split layers over --gpus (default TP × PP). */
function checkGpuCount(o: EstimateOptions, engine: { name: string }, layerSplit: boolean): number {
  if (layerSplit) {
    if (o.dp > 1) throw new UserError(`option --dp "${o.dp}": ${engine.name} serves one copy per --gpus set; plan --rate or --users sizes replicas`);
    return o.gpus ?? o.tp * o.pp;
  }
  const product = o.dp * o.tp * o.pp;
  if (o.gpus !== undefined && o.gpus !== product) {
    throw new UserError(`option --gpus "${o.gpus}": ${engine.name} runs DP ${o.dp} × TP ${o.tp} × PP ${o.pp} = ${product} GPUs; give --dp, --tp and --pp that multiply to ${o.gpus}`);
  }
  return product;
}

/**
 * Speed at --batch requests in flight, each --input-len in and --output-len out (perf/model.ts with the
 * engine's fitted constants). Dense data-parallel ranks are independent copies; a MoE model's share the experts.
 */
async function speedOf(engine: Engine, run: { deployment: Deployment; fit: EngineFit }, o: EstimateOptions, input: EstimateInput, moe: boolean): Promise<{ perf: EstimatePerf; notes: string[] }> {
  const lengths = requestLengths(input.context, o.inputLen, o.outputLen);
  if (!lengths) {
    const [flag, value] = o.inputLen !== undefined ? ['--input-len', o.inputLen] : ['--output-len', o.outputLen];
    throw new UserError(
      `option ${flag} "${value}": a request of ${o.inputLen ?? DEFAULT_INPUT_LEN} in and ${o.outputLen ?? DEFAULT_OUTPUT_LEN} out tokens is more than the context ${input.context}; raise --context or shorten it`,
    );
  }
  const { inputLen, outputLen } = lengths;
  const layout = { dp: moe ? o.dp : 1, expertParallel: o.expertParallel ?? false };
  const copies = moe ? 1 : o.dp;
  const sustained = sustainedBatch(run.fit, layout, inputLen, outputLen);
  const asked = o.batch ?? input.concurrency;
  const wanted = asked === 'max' ? sustained : Math.ceil(asked / copies);
  const notes: string[] = [];
  if (wanted > sustained) {
    notes.push(
      `${engine.name} runs at most ${sustained} requests of ${inputLen + outputLen} tokens at once per server (its running-request limit and KV pool); the speed is for ${sustained}, the rest queue.`,
    );
  }
  const batch = Math.min(wanted, sustained);
  const perf = instancePerf(engine, run.deployment, run.fit, { batch, inputLen, outputLen }, layout);
  return {
    perf: {
      batch: batch * copies,
      ttftSeconds: perf.ttftSeconds,
      tpotSeconds: perf.tpotSeconds,
      perSequenceTokensPerSecond: perf.perSequenceTokensPerSecond,
      outputTokensPerSecond: perf.outputTokensPerSecond * copies,
      bound: perf.bound,
      formula: `${copies > 1 ? `${copies} copies × ` : ''}${perf.formula}`,
    },
    notes,
  };
}

function describedRelease(describe: (id: EngineId, version: string) => { release: string; exact: boolean }, id: EngineId, version: string): { release: string; exact: boolean } {
  try {
    return describe(id, version);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`option --engine-version "${version}": ${error.message}`);
    throw error;
  }
}

export async function runEstimate(o: EstimateOptions, io: Io): Promise<number> {
  const input = await buildInput(await loadCatalog(o.catalog), o);
  const result = await withEngine(estimate(input), input, o);
  io.out(o.json ? `${JSON.stringify(result, null, 2)}\n` : formatEstimate(result));
  return result.verdict === null || result.verdict.status === 'fits' ? EXIT.ok : EXIT.no;
}
