/**
 * The plan as data: what `plan --json` prints and `plan.json` stores, and what
 * `gpuplan render plan.json` reads back. Field names are a contract
 * (docs/ARCHITECTURE.md, "JSON contracts").
 */
import { z } from 'zod';
import { EngineIdSchema } from '../catalog/schema.js';
import { KV_DTYPES } from '../engines/ids.js';
import { VerdictSchema } from '../engines/verdict.js';

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

export const PlanCandidateSchema = z.strictObject({
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
  }),
  gpu: z.strictObject({ id: z.string(), name: z.string(), vendor: z.enum(['nvidia', 'amd']), memoryBytes: bytes, pricePerHour: z.number() }),
  gpuCount: z.number().int().positive(),
  nodes: z.number().int().positive(),
  gpusPerNode: z.number().int().positive(),
  tensorParallel: z.number().int().positive(),
  pipelineParallel: z.number().int().positive(),
  replicas: z.number().int().positive(),
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
    kvCacheTokens: bytes,
    maxConcurrency: z.number(),
    hostRamBytes: bytes,
    hostWeightBytes: bytes,
    diskBytes: bytes,
    gpuLayers: z.number().int().nullable(),
    terms: z.array(TermSchema),
  }),
  costPerHour: z.number(),
  perf: z.strictObject({
    decodeTokensPerSecond: z.number(),
    aggregateTokensPerSecond: z.number(),
    prefillSecondsPer1kTokens: z.number(),
    costPerMillionTokens: z.number(),
    bound: z.enum(['memory', 'compute', 'host-memory']),
    formula: z.string(),
  }),
  settings: z.record(z.string(), SettingValueSchema),
  logLines: z.array(z.string()),
  notes: z.array(z.string()),
  files: z.array(z.string()),
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
});
export type Rejected = z.infer<typeof RejectedSchema>;

export const SuggestionSchema = z.strictObject({
  kind: z.enum(['lower-quantization', 'more-gpus', 'cpu-offload', 'distill', 'shorter-context']),
  message: z.string(),
  /** A command line that gets this plan. */
  command: z.string(),
  costPerHour: z.number().nullable(),
  decodeTokensPerSecond: z.number().nullable(),
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
});
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

export const PlanResultSchema = z.strictObject({
  gpuplanVersion: z.string(),
  request: PlanRequestSchema,
  plan: PlanCandidateSchema.nullable(),
  alternatives: z.array(PlanCandidateSchema),
  rejected: z.array(RejectedSchema),
  suggestions: z.array(SuggestionSchema),
  /** How many engine × layout configurations the search evaluated (each fitted once). */
  searched: z.number().int().nonnegative(),
});
export type PlanResult = z.infer<typeof PlanResultSchema>;
