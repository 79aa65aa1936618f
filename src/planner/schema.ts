/**
 * The plan as data: what `plan --json` prints and `plan.json` stores, and what
 * `gpuplan render plan.json` reads back. Field names are a contract
 * (docs/ARCHITECTURE.md, "JSON contracts").
 */
import { z } from 'zod';
import { EngineIdSchema } from '../catalog/schema.js';
import { KV_DTYPES } from '../engines/ids.js';
import { VerdictSchema } from '../engines/verdict-schema.js';

const bytes = z.number().int().nonnegative();
const SettingValueSchema = z.union([z.string(), z.number(), z.boolean()]);

export const PerGpuMemorySchema = z.strictObject({
  weights: bytes,
  kvCache: bytes,
  activations: bytes,
  overhead: bytes,
  total: bytes,
  capacity: bytes,
});

export const TermSchema = z.strictObject({ name: z.string(), bytes: z.number(), formula: z.string() });

/** Speed at the planned load (perf/model.ts): one server's batch, its latencies, and the whole deployment's throughput. */
const PerfShapeSchema = z.strictObject({
  /** Requests in flight per server at the planned load (1: one user). */
  batch: z.number().int().positive(),
  ttftSeconds: z.number().nonnegative(),
  tpotSeconds: z.number().positive(),
  perSequenceTokensPerSecond: z.number().positive(),
  /** Output tokens/s of the whole deployment at the planned load. */
  outputTokensPerSecond: z.number().nonnegative(),
  /** $ per million output tokens at the planned load. */
  costPerMillionTokens: z.number().nonnegative(),
  bound: z.enum(['memory', 'compute', 'overhead', 'host-memory']),
  formula: z.string(),
});

/** Plans written before 0.3 carried a roofline's decode rates; they are read as one request at a time. */
const LegacyPerfSchema = z.strictObject({
  decodeTokensPerSecond: z.number(),
  aggregateTokensPerSecond: z.number(),
  prefillSecondsPer1kTokens: z.number(),
  costPerMillionTokens: z.number(),
  bound: z.enum(['memory', 'compute', 'host-memory']),
  formula: z.string(),
});

const PerfSchema = z.union([
  PerfShapeSchema,
  LegacyPerfSchema.transform(
    (old): z.infer<typeof PerfShapeSchema> => ({
      batch: 1,
      ttftSeconds: old.prefillSecondsPer1kTokens,
      tpotSeconds: 1 / Math.max(old.decodeTokensPerSecond, 1e-9),
      perSequenceTokensPerSecond: old.decodeTokensPerSecond,
      outputTokensPerSecond: old.aggregateTokensPerSecond,
      costPerMillionTokens: old.costPerMillionTokens,
      bound: old.bound,
      formula: old.formula,
    }),
  ),
]);

export const LoadSchema = z.strictObject({
  target: z.enum(['one-user', 'rate', 'users']),
  inputLen: z.number().int().positive(),
  outputLen: z.number().int().positive(),
  /** Requests/s the deployment completes at the planned load. */
  requestsPerSecond: z.number().nonnegative(),
  users: z.number().int().positive().nullable(),
  tpotLimitMs: z.number().positive().nullable(),
  ttftLimitMs: z.number().positive().nullable(),
  /** Requests/s it completes at most within the limits (the largest batch each server sustains). */
  capacityRequestsPerSecond: z.number().nonnegative(),
  /** Why this layout (data parallel, copies, expert parallel) over the others tried on the same GPUs. */
  why: z.array(z.string()),
});
export type PlanLoad = z.infer<typeof LoadSchema>;

export const PlanCandidateSchema = z
  .strictObject({
    engine: EngineIdSchema,
    engineName: z.string(),
    engineVersion: z.string(),
    model: z.strictObject({
      id: z.string(),
      name: z.string(),
      hfRepo: z.string().nullable(),
      params: z.number().int(),
      activeParams: z.number().int(),
      maxContext: z.number().int(),
      /**
       * What an engine release must be able to load (engines/model-support.ts): the config's model_type and
       * architectures[0], the GGUF architecture, and whether the model was read generically. Added in 0.2.
       */
      loads: z.strictObject({ modelType: z.string(), hfArchitecture: z.string().nullable(), ggufArchitecture: z.string().nullable(), generic: z.boolean() }).optional(),
    }),
    gpu: z.strictObject({ id: z.string(), name: z.string(), vendor: z.enum(['nvidia', 'amd']), memoryBytes: bytes, pricePerHour: z.number() }),
    gpuCount: z.number().int().positive(),
    nodes: z.number().int().positive(),
    gpusPerNode: z.number().int().positive(),
    tensorParallel: z.number().int().positive(),
    pipelineParallel: z.number().int().positive(),
    /**
     * Independent servers, each of gpuCount / replicas GPUs: the engine's own data parallel for vLLM and
     * SGLang (one process, one endpoint), else servers behind a load balancer in the compose file.
     */
    replicas: z.number().int().positive(),
    /**
     * Data-parallel ranks of one server that share a MoE model's experts (vLLM --data-parallel-size,
     * SGLang --dp-size with --enable-dp-attention), each TP × PP GPUs; 1 without. Added in 0.3.
     */
    dataParallel: z.number().int().positive().default(1),
    /** The experts run expert-parallel (vLLM --enable-expert-parallel, SGLang --ep-size). Added in 0.3. */
    expertParallel: z.boolean().default(false),
    /**
     * Nodes that each run the same one-node deployment (replicas / nodeReplicas servers each, `settings` are one
     * node's), one endpoint over them through Kubernetes (lws.yaml replicas); 1 when one deployment spans all nodes.
     */
    nodeReplicas: z.number().int().positive().default(1),
    quantization: z.string(),
    quantizationName: z.string(),
    bits: z.number(),
    qualityRank: z.number(),
    /** How the weights reach that quantization: a published artifact, or the engine quantizing a 16-bit checkpoint at load. */
    weightsOrigin: z.enum(['artifact', 'online']),
    artifact: z.strictObject({ source: z.string(), format: z.string(), bytes: bytes.nullable() }).nullable(),
    context: z.number().int().positive(),
    concurrency: z.number().int().positive(),
    kvCacheDtype: z.string(),
    memory: z.strictObject({
      perGpu: PerGpuMemorySchema,
      headroomBytes: z.number().int(),
      kvBytesPerToken: bytes,
      /** Fixed state per sequence of a hybrid's linear layers, whole model, in the engine's dtypes (0 without them; plans written before 0.2 lack it). */
      stateBytesPerSequence: bytes.default(0),
      kvCacheTokens: bytes,
      maxConcurrency: z.number(),
      hostRamBytes: bytes,
      hostWeightBytes: bytes,
      diskBytes: bytes,
      gpuLayers: z.number().int().nullable(),
      terms: z.array(TermSchema),
    }),
    costPerHour: z.number(),
    perf: PerfSchema,
    /** The load the plan was sized for and what the deployment carries at its latency limits. Added in 0.3. */
    load: LoadSchema.optional(),
    settings: z.record(z.string(), SettingValueSchema),
    logLines: z.array(z.string()),
    notes: z.array(z.string()),
    files: z.array(z.string()),
  })
  // A hand-edited plan must still describe a deployment: node replicas are every node, each with the same copies.
  .refine((c) => c.nodeReplicas === 1 || (c.nodeReplicas === c.nodes && c.replicas % c.nodeReplicas === 0), {
    message: "nodeReplicas must be 1, or the plan's nodes with the same number of replicas on each",
    path: ['nodeReplicas'],
  });
export type PlanCandidate = z.infer<typeof PlanCandidateSchema>;

/** A configuration the search tried that does not serve the request, as a record; labels are derived from it (describe.ts). */
export const RejectedSchema = z.strictObject({
  gpu: z.string(),
  gpuCount: z.number().int().positive(),
  nodes: z.number().int().positive(),
  quantization: z.string(),
  /** Null when no engine was tried (the weights alone exceed the GPUs). */
  engine: EngineIdSchema.nullable(),
  engineVersion: z.string().nullable(),
  /** The layout tried, or null when the engine could not run any. */
  tensorParallel: z.number().int().positive().nullable(),
  pipelineParallel: z.number().int().positive().nullable(),
  costPerHour: z.number(),
  qualityRank: z.number(),
  verdict: VerdictSchema,
  /**
   * Memory per GPU it lacked at these settings (the engine's `shortfallBytes`; for weights larger than
   * all the GPUs, the excess over each GPU's share); null when memory is not what stops it. Absent in
   * plans written before gpuplan 0.2.
   */
  shortfallBytes: bytes.nullable().optional(),
});
export type Rejected = z.infer<typeof RejectedSchema>;

/**
 * The kinds of suggestion, in the order they are offered (docs/ARCHITECTURE.md, "Planner"): the engine's
 * knobs on the same GPUs, then more of the same GPU, larger GPUs of the same class and vendor, other
 * hardware, then other weights, another engine, CPU offload, a distilled model.
 */
export const SUGGESTION_KINDS = [
  'memory-fraction',
  'kv-dtype',
  'shorter-context',
  'fewer-requests',
  'engine-knobs',
  'more-gpus',
  'larger-gpus',
  'other-hardware',
  'other-quantization',
  'lower-quantization',
  'other-engine',
  'cpu-offload',
  'distill',
] as const;

export const SuggestionSchema = z.strictObject({
  kind: z.enum(SUGGESTION_KINDS),
  message: z.string(),
  /** A command line that gets this plan. */
  command: z.string(),
  costPerHour: z.number().nullable(),
  decodeTokensPerSecond: z.number().nullable(),
  /** What it costs in quality, speed, money or safety margin, in words. Absent in plans written before gpuplan 0.2. */
  tradeoff: z.string().optional(),
});
export type Suggestion = z.infer<typeof SuggestionSchema>;

export const PlanRequestSchema = z.strictObject({
  model: z.string(),
  budget: z.string(),
  context: z.number().int().positive(),
  concurrency: z.number().int().positive(),
  engine: z.union([z.literal('auto'), EngineIdSchema]),
  /** The engine release asked for with --engine-version; null: each engine's default. */
  engineVersion: z.string().nullable(),
  quantizations: z.array(z.string()).nullable(),
  minBits: z.number().nonnegative(),
  gpuMemoryUtilization: z.number().nullable(),
  kvCacheDtype: z.enum(KV_DTYPES as [string, ...string[]]),
  cpuOffload: z.boolean(),
  /** `--hf-repo` as given (`org/name[@revision]`), absent without it; the plan's `artifact.source` is that repo. */
  hfRepo: z.string().optional(),
  /** The --prices file the costs came from, and --offline: suggested commands repeat them. Absent before gpuplan 0.2. */
  pricesFile: z.string().optional(),
  /** Prompt and output tokens per request the speeds are for (--input-len, --output-len). Added in 0.3. */
  inputLen: z.number().int().positive().optional(),
  outputLen: z.number().int().positive().optional(),
  /** The load target: --rate requests/s or --users; null (absent before 0.3): one user. */
  rate: z.number().positive().nullable().optional(),
  users: z.number().int().positive().nullable().optional(),
  /** Latency limits (--tpot-ms, --ttft-ms). */
  tpotMs: z.number().positive().nullable().optional(),
  ttftMs: z.number().positive().nullable().optional(),
  offline: z.boolean().optional(),
});
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

/** One way the model's weights can be had, and which engines run it on the budget's GPUs (nothing-fits explanations). */
export const WeightsOptionSchema = z.strictObject({
  quantization: z.string(),
  bits: z.number(),
  origin: z.enum(['artifact', 'online']),
  source: z.string(),
  format: z.string(),
  /** The weights' size as gpuplan lays them out (the artifact's own size where published). */
  bytes,
  /** Engines (at the releases searched) that load these weights and run their kernels on at least one GPU of the budget. */
  engines: z.array(EngineIdSchema),
  /** The option that kept them out of the search, or null when they were searched. */
  excludedBy: z.enum(['--quant', '--min-bits']).nullable(),
});
export type WeightsOption = z.infer<typeof WeightsOptionSchema>;

/** Why nothing fits: one line per finding, every way to have the weights, and the configuration that came closest. */
export const NothingFitsSchema = z.strictObject({
  reasons: z.array(z.string()).min(1),
  weights: z.array(WeightsOptionSchema),
  /** The searched configuration that lacked the least memory per GPU, or null when memory was never the obstacle. */
  nearestMiss: RejectedSchema.nullable(),
});
export type NothingFits = z.infer<typeof NothingFitsSchema>;

export const PlanResultSchema = z.strictObject({
  gpuplanVersion: z.string(),
  request: PlanRequestSchema,
  plan: PlanCandidateSchema.nullable(),
  alternatives: z.array(PlanCandidateSchema),
  rejected: z.array(RejectedSchema),
  suggestions: z.array(SuggestionSchema),
  /**
   * Configurations the search considered (hardware × weights × engine × layout), counting those ruled out
   * before an engine's memory model ran (weights larger than all the GPUs, an engine that cannot run them).
   */
  searched: z.number().int().nonnegative(),
  /** Of those, how many an engine's memory model evaluated. Absent in plans written before gpuplan 0.2. */
  modelled: z.number().int().nonnegative().optional(),
  /** When nothing fits: why. Absent in plans written before gpuplan 0.2. */
  whyNothingFits: NothingFitsSchema.nullable().optional(),
});
export type PlanResult = z.infer<typeof PlanResultSchema>;
