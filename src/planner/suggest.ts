/**
 * What would make an infeasible request fit (docs/ARCHITECTURE.md, "Planner"), in this order:
 *
 *   1. the engine's knobs on the same GPUs: a larger memory fraction (up to the engine's ceiling),
 *      an 8-bit KV cache, a shorter context, fewer requests at once, or the first two together;
 *   2. more of the same GPU;
 *   3. larger GPUs of the same class (datacenter, workstation, consumer) and vendor;
 *   4. other hardware, only when it is cheaper than 2–3 or they found nothing;
 *   5. other published weights (when --quant chose), fewer bits, another engine (when --engine
 *      chose), CPU offload, a distilled model.
 *
 * Each is a real search with the suggested options, so its command is known to fit, and each says
 * what it costs in quality, speed, money or safety margin. Pure.
 */
import { quote } from 'shell-quote';
import type { Gpu } from '../catalog/schema.js';
import type { KvDtype } from '../engines/types.js';
import { formatGiB } from '../memory/units.js';
import { DEFAULT_INPUT_LEN, DEFAULT_OUTPUT_LEN } from '../perf/workload.js';
import { hardwareShape, money } from './describe.js';
import { distinctGpus } from './hardware.js';
import { distillSpecs, hardwareOf, runScenario, scenarioEngines, wholeCatalogHardware, type PlanInput, type Scenario } from './scenario.js';
import type { PlanCandidate, PlanRequest, Suggestion } from './schema.js';

/** `gpuplan plan …` for the request with some options changed. */
export function planCommand(request: PlanRequest, changes: Partial<PlanRequest>): string {
  const r = { ...request, ...changes };
  const args = ['gpuplan', 'plan', '--model', r.model, '--budget', r.budget];
  if (r.context !== 32768) args.push('--context', String(r.context));
  if (r.concurrency !== 1) args.push('--concurrency', String(r.concurrency));
  if (r.engine !== 'auto') args.push('--engine', r.engine);
  if (r.engine !== 'auto' && r.engineVersion !== null) args.push('--engine-version', r.engineVersion);
  if (r.quantizations) args.push('--quant', r.quantizations.join(','));
  if (r.minBits !== 4) args.push('--min-bits', String(r.minBits));
  if (r.gpuMemoryUtilization !== null) args.push('--gpu-mem-util', String(r.gpuMemoryUtilization));
  if (r.kvCacheDtype !== 'auto') args.push('--kv-dtype', r.kvCacheDtype);
  if (r.cpuOffload) args.push('--cpu-offload');
  if (r.pricesFile !== undefined) args.push('--prices', r.pricesFile);
  if (r.offline) args.push('--offline');
  // The load target goes with every suggestion: without it the command would plan for one user.
  if (r.inputLen != null && r.inputLen !== DEFAULT_INPUT_LEN) args.push('--input-len', String(r.inputLen));
  if (r.outputLen != null && r.outputLen !== DEFAULT_OUTPUT_LEN) args.push('--output-len', String(r.outputLen));
  if (r.rate != null) args.push('--rate', String(r.rate));
  if (r.users != null) args.push('--users', String(r.users));
  if (r.tpotMs != null) args.push('--tpot-ms', String(r.tpotMs));
  if (r.ttftMs != null) args.push('--ttft-ms', String(r.ttftMs));
  // The weights repo goes with the config.json it was given for, not with another model.
  if (r.hfRepo !== undefined && changes.model === undefined) args.push('--hf-repo', r.hfRepo);
  return quote(args);
}

function summary(c: PlanCandidate): string {
  const where = c.nodes > 1 ? `${c.nodes} nodes × ${c.gpusPerNode}` : `${c.gpuCount}`;
  return `${where} × ${c.gpu.name}, ${c.quantizationName} on ${c.engineName}, ${money(c.costPerHour)}/h, ~${c.perf.perSequenceTokensPerSecond} tokens/s per request`;
}

function budgetFor(c: PlanCandidate): string {
  return hardwareShape(c.gpu.id, c.gpuCount, c.nodes);
}

function suggestion(kind: Suggestion['kind'], message: string, tradeoff: string, command: string, c: PlanCandidate): Suggestion {
  return { kind, message, command, costPerHour: c.costPerHour, decodeTokensPerSecond: c.perf.perSequenceTokensPerSecond, tradeoff };
}

function first(input: PlanInput, s: Scenario): PlanCandidate | undefined {
  return runScenario(input, s).feasible[0];
}

/** A GPU counts as larger with at least this much more memory. */
const LARGER_BY = 1.1;

/** Contexts suggested are multiples of this many tokens. */
const CONTEXT_STEP = 1024;

/** 8-bit KV cache dtypes, by engine spelling: vLLM `fp8`, SGLang `fp8_e4m3`, llama.cpp and Ollama `q8_0`. */
const EIGHT_BIT_KV: readonly KvDtype[] = ['fp8', 'fp8_e4m3', 'q8_0'];

/** Fractions tried for the memory knob, in steps of 0.01 from 0.90: the smallest that fits is suggested. */
function fractionSteps(ceiling: number, current: number | null): number[] {
  const steps: number[] = [];
  for (let f = 90; f <= Math.round(ceiling * 100); f++) if (current === null || f / 100 > current) steps.push(f / 100);
  return steps;
}

function engineKnobs(input: PlanInput, s: Scenario): Suggestion[] {
  const { request } = input;
  const out: Suggestion[] = [];
  const engines = scenarioEngines(input, s);
  const ceiling = Math.max(0, ...engines.map((e) => e.memoryFractionCeiling?.fraction ?? 0));
  const kvDtypes = s.kvDtype === 'auto' ? EIGHT_BIT_KV.filter((d) => engines.some((e) => e.kvDtypes.includes(d))) : [];

  let fraction: { value: number; fit: PlanCandidate } | null = null;
  for (const value of ceiling > 0 ? fractionSteps(ceiling, s.memoryFraction) : []) {
    const fit = first(input, { ...s, memoryFraction: value });
    if (fit) {
      fraction = { value, fit };
      break;
    }
  }
  if (fraction) {
    const { value, fit } = fraction;
    const outside = (fit.gpu.memoryBytes * (1 - value)) / 2 ** 30;
    out.push(
      suggestion(
        'memory-fraction',
        `Give the engine ${Math.round(value * 100)}% of each GPU (--gpu-mem-util ${value}): ${summary(fit)}.`,
        `about ${outside.toFixed(1)} GiB per GPU stay outside the engine; another process on the GPU, or a spike beyond what gpuplan models, can run it out of memory (gpuplan goes no higher than ${ceiling}).`,
        planCommand(request, { gpuMemoryUtilization: value }),
        fit,
      ),
    );
  }

  let kv: { dtype: KvDtype; fit: PlanCandidate } | null = null;
  for (const dtype of kvDtypes) {
    const fit = first(input, { ...s, kvDtype: dtype });
    if (fit) {
      kv = { dtype, fit };
      break;
    }
  }
  if (kv) {
    out.push(
      suggestion(
        'kv-dtype',
        `An 8-bit KV cache (--kv-dtype ${kv.dtype}): ${summary(kv.fit)}.`,
        'half the KV memory per token; 8-bit keys and values cost a little accuracy, most on long contexts.',
        planCommand(request, { kvCacheDtype: kv.dtype }),
        kv.fit,
      ),
    );
  }

  for (const divisor of [2, 4, 8, 16, 32]) {
    const halved = Math.floor(s.context / divisor);
    if (halved < 1024) break;
    const found = first(input, { ...s, context: halved });
    if (found) {
      // The longest context that fits, in steps of 1,024 tokens, between this one and the one twice as long.
      let context = halved;
      let fit = found;
      let high = Math.min(s.context, halved * 2) - 1;
      let low = halved + 1;
      while (high - low >= CONTEXT_STEP) {
        const mid = Math.floor((low + high) / 2 / CONTEXT_STEP) * CONTEXT_STEP;
        const at = mid > context ? first(input, { ...s, context: mid }) : undefined;
        if (at) {
          context = mid;
          fit = at;
          low = mid + 1;
        } else high = mid - 1;
      }
      out.push(
        suggestion(
          'shorter-context',
          `A ${context}-token context (--context ${context}): ${summary(fit)}.`,
          `requests longer than ${context} tokens (prompt and answer together) are refused.`,
          planCommand(request, { context }),
          fit,
        ),
      );
      break;
    }
  }

  for (let concurrency = Math.floor(s.concurrency / 2); concurrency >= 1; concurrency = Math.floor(concurrency / 2)) {
    const fit = first(input, { ...s, concurrency });
    if (fit) {
      out.push(
        suggestion(
          'fewer-requests',
          `${concurrency} request(s) at once instead of ${s.concurrency} (--concurrency ${concurrency}): ${summary(fit)}.`,
          `fewer users served in parallel; the rest wait in the queue.`,
          planCommand(request, { concurrency }),
          fit,
        ),
      );
      break;
    }
  }

  // Neither knob alone: both at once.
  const dtype = kvDtypes[0];
  if (!fraction && !kv && ceiling > 0 && dtype && (s.memoryFraction ?? 0) < ceiling) {
    const fit = first(input, { ...s, memoryFraction: ceiling, kvDtype: dtype });
    if (fit) {
      out.push(
        suggestion(
          'engine-knobs',
          `Both an 8-bit KV cache and ${Math.round(ceiling * 100)}% of each GPU (--kv-dtype ${dtype} --gpu-mem-util ${ceiling}): ${summary(fit)}.`,
          'a little accuracy for the 8-bit KV cache, and less margin against memory spikes.',
          planCommand(request, { gpuMemoryUtilization: ceiling, kvCacheDtype: dtype }),
          fit,
        ),
      );
    }
  }
  return out;
}

function classOf(gpu: Gpu): string {
  return `${gpu.vendor === 'amd' ? 'AMD' : 'NVIDIA'} ${gpu.segment}`;
}

/** More of the same GPU, then larger GPUs of its class and vendor, then anything else if cheaper. */
function hardwareSuggestions(input: PlanInput, s: Scenario, budgetIsPrice: boolean): Suggestion[] {
  const { request, catalog, price } = input;
  const out: Suggestion[] = [];
  const mine = distinctGpus(s.hardware);
  const tried = new Set<string>();
  const withHardware = (gpus: readonly Gpu[]) => {
    for (const g of gpus) tried.add(g.id);
    return gpus.length > 0 ? first(input, { ...s, hardware: hardwareOf(gpus, price) }) : undefined;
  };
  const current = s.hardware.length > 0 ? Math.max(...s.hardware.map((h) => h.costPerHour)) : 0;
  const extra = (c: PlanCandidate) => {
    if (current <= 0) return `${money(c.costPerHour)}/h`;
    const delta = c.costPerHour - current;
    const against = Math.abs(delta) < 0.005 ? 'the same as' : `${money(Math.abs(delta))}/h ${delta > 0 ? 'more' : 'less'} than`;
    return `${money(c.costPerHour)}/h, ${against} the largest shape the budget allows (${money(current)}/h)`;
  };

  if (!budgetIsPrice) {
    const more = withHardware(mine);
    if (more) out.push(suggestion('more-gpus', `More of the same GPU: ${summary(more)}.`, `${extra(more)}.`, planCommand(request, { budget: budgetFor(more) }), more));
    const largest = Math.max(0, ...mine.map((g) => g.memoryBytes));
    const classes = new Set(mine.map(classOf));
    // Larger by a margin that matters: the RTX 3090 (24,576 MiB) is not a larger RTX 4090 (24,564 MiB).
    const larger = catalog.gpus.filter((g) => !tried.has(g.id) && g.memoryBytes >= largest * LARGER_BY && classes.has(classOf(g)));
    const bigger = withHardware(larger);
    const biggerGpu = catalog.gpus.find((g) => g.id === bigger?.gpu.id);
    if (bigger && biggerGpu) {
      out.push(suggestion('larger-gpus', `Larger ${classOf(biggerGpu)} GPUs: ${summary(bigger)}.`, `${extra(bigger)}.`, planCommand(request, { budget: budgetFor(bigger) }), bigger));
    }
  }
  const sameClass = out.map((o) => o.costPerHour ?? Number.POSITIVE_INFINITY);
  const others = catalog.gpus.filter((g) => !tried.has(g.id));
  const other = others.length > 0 ? first(input, { ...s, hardware: budgetIsPrice ? wholeCatalogHardware(catalog, price) : hardwareOf(others, price) }) : undefined;
  if (other && (sameClass.length === 0 || other.costPerHour < Math.min(...sameClass))) {
    const otherGpu = catalog.gpus.find((g) => g.id === other.gpu.id);
    const leaves = !budgetIsPrice && otherGpu && !mine.some((g) => classOf(g) === classOf(otherGpu)) ? ` (${classOf(otherGpu)}: another class of hardware than the budget's)` : '';
    out.push(
      suggestion(
        'other-hardware',
        `${budgetIsPrice ? 'A larger budget' : 'Other hardware'}${leaves}: ${summary(other)}.`,
        budgetIsPrice ? `${money(other.costPerHour)}/h against the ${request.budget} budget.` : `${extra(other)}.`,
        planCommand(request, { budget: budgetFor(other) }),
        other,
      ),
    );
  }
  return out;
}

function qualityWords(c: PlanCandidate, floor: number): string {
  return `quality rank ${c.qualityRank}/100 (16-bit = 100) at ${c.bits} bits${c.bits < floor ? `, below the ${floor}-bit floor asked for` : ''}.`;
}

export function suggest(input: PlanInput, scenario: Scenario, budgetIsPrice: boolean): Suggestion[] {
  const { request, catalog } = input;
  const out: Suggestion[] = [...engineKnobs(input, scenario), ...hardwareSuggestions(input, scenario, budgetIsPrice)];

  if (scenario.quantizations) {
    const other = first(input, { ...scenario, quantizations: null });
    if (other) {
      out.push(
        suggestion('other-quantization', `Other published weights: ${summary(other)}.`, qualityWords(other, scenario.minBits), planCommand(request, { quantizations: [other.quantization] }), other),
      );
    }
  }

  const lower = first(input, { ...scenario, minBits: 0 });
  if (lower && lower.bits < scenario.minBits) {
    out.push(
      suggestion(
        'lower-quantization',
        `A ${lower.bits}-bit quantization fits the budget: ${summary(lower)}.`,
        qualityWords(lower, scenario.minBits),
        planCommand(request, { minBits: lower.bits }),
        lower,
      ),
    );
  }

  if (scenario.engine !== 'auto') {
    const other = first(input, { ...scenario, engine: 'auto' });
    if (other && other.engine !== scenario.engine) {
      out.push(
        suggestion(
          'other-engine',
          `Another engine: ${summary(other)}.`,
          `${other.engineName} ${other.engineVersion} instead of the engine asked for.`,
          planCommand(request, { engine: 'auto', engineVersion: null }),
          other,
        ),
      );
    }
  }

  if (!scenario.cpuOffload) {
    const offload = first(input, { ...scenario, cpuOffload: true, minBits: Math.min(scenario.minBits, lower?.bits ?? scenario.minBits) });
    if (offload && offload.memory.hostWeightBytes > 0) {
      out.push(
        suggestion(
          'cpu-offload',
          `Keep the layers that do not fit in host RAM: ${summary(offload)}, with ${offload.memory.gpuLayers} layers on GPU and ${formatGiB(offload.memory.hostRamBytes)} of host RAM.`,
          'decode is bound by host RAM bandwidth: expect a fraction of GPU speed.',
          planCommand(request, { cpuOffload: true, minBits: Math.min(request.minBits, offload.bits) }),
          offload,
        ),
      );
    }
  }

  for (const distill of distillSpecs(catalog, scenario.model)) {
    // The search caps the context at the model's maximum; the command must ask for what was searched.
    const context = Math.min(scenario.context, distill.architecture.maxContext);
    const fit = first(input, { ...scenario, model: distill, context });
    if (fit) {
      const capped = context < scenario.context ? ` Its context is at most ${context} tokens.` : '';
      out.push(
        suggestion(
          'distill',
          `${distill.name}, distilled from ${scenario.model.name}, fits the budget: ${summary(fit)}.`,
          `a smaller model: weaker answers than the original on hard tasks.${capped}`,
          planCommand(request, { model: distill.id, context }),
          fit,
        ),
      );
      break;
    }
  }
  return out;
}
