/**
 * `--model hf:org/name[@revision]`: config.json and model.safetensors.index.json from
 * the Hugging Face hub (@huggingface/hub), cached under $XDG_CACHE_HOME/gpuplan/hub so
 * later runs, and `--offline` runs, need no network.
 */
import { parsePythonJson } from '../util/python-json.js';
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { downloadFile, parseSafetensorsMetadata } from '@huggingface/hub';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { hubSource, parseHubRef as parseRef } from '../util/hub-names.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';
import type { Catalog } from './catalog.js';
import { modelFromConfig } from './config-file.js';
import { catalogModelOfRepo } from './lookup.js';
import { specFromCatalogRepo, type ModelSpec } from './model.js';
import { HfConfigSchema, liftTextConfig } from './schema.js';
import { parseWith } from './validate.js';

export interface HubOptions {
  /** Never touch the network: the cache or nothing. */
  offline: boolean;
  /** HF_TOKEN, for gated and private repos. */
  token: string | undefined;
  cacheDir: string;
  /** Injected by tests (recorded responses). */
  fetch?: typeof fetch;
}

/** `hf:org/name[/path/file.gguf][@rev]` → its parts, checked by the hub's naming rule (util/hub-names.ts); the revision defaults to `main`. */
export function parseHubRef(ref: string): { repo: string; revision: string; path: string | null } {
  const parsed = ref.startsWith('hf:') ? parseRef(ref.slice(3), true) : 'expected ORG/NAME';
  if (typeof parsed === 'string') {
    if (parsed.startsWith('expected')) throw new UserError(`model "${ref}": expected hf:<org>/<name>[@revision] or hf:<org>/<name>/<file>.gguf, e.g. hf:deepseek-ai/DeepSeek-R1`);
    throw new UserError(`model "${ref}": ${parsed}`);
  }
  return { repo: parsed.repo, revision: parsed.revision ?? 'main', path: parsed.path };
}

/**
 * The hub could not say what the repo holds (offline with nothing cached, unreachable, access
 * denied, no config.json): a repo the catalog knows is then read from its catalog entry.
 * `why` says which, for the note that goes with the plan. A 404 is not this: the catalog
 * cannot vouch for a name or revision the hub says does not exist.
 */
class HubUnanswered extends UserError {
  constructor(
    message: string,
    readonly why: string,
  ) {
    super(message);
  }
}

export const HUB_URL = 'https://huggingface.co';

/**
 * A GGUF in a hub repo: only its header is fetched (ranged requests, every part of a
 * split file), and what gpuplan needs of it is cached as JSON.
 */
async function modelFromHubGguf(catalog: Catalog, repo: string, revision: string, path: string, o: HubOptions): Promise<ModelSpec> {
  const where = `hf:${repo}/${path}`;
  const cached = join(o.cacheDir, 'hub', repo, revision, `${path}.header.json`);
  const { readGgufHeader, ggufReadError, modelFromGgufHeader } = await import('./gguf-file.js');
  let header: Awaited<ReturnType<typeof readGgufHeader>>;
  const remembered = readCacheEntry(cached, GgufHeaderCacheSchema, o);
  if (remembered) {
    header = remembered;
  } else if (o.offline) {
    throw new HubUnanswered(`${where}@${revision}: its header is not in the cache (${dirname(cached)}) and --offline forbids the network; run once online`, OFFLINE_WHY);
  } else {
    const base = o.fetch ?? fetch;
    // The GGUF reader does not look at status codes: a 404 page would read as a bad file.
    const checked: typeof fetch = async (input, init) => {
      const response = await base(input, init);
      if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { statusCode: response.status });
      return response;
    };
    try {
      header = await readGgufHeader(`${HUB_URL}/${repo}/resolve/${encodeURIComponent(revision)}/${path}`, { fetch: checked, ...(o.token ? { headers: { Authorization: `Bearer ${o.token}` } } : {}) });
    } catch (error) {
      throw (error as ApiError).statusCode !== undefined || error instanceof TypeError || (error as Error).name === 'TimeoutError' ? hubError(repo, revision, error, o) : ggufReadError(where, error);
    }
    writeCacheFile(cached, JSON.stringify(header));
  }
  // llama.cpp and Ollama fetch it by repo and quantization tag; a pinned revision stays in the source, for them to refuse.
  return modelFromGgufHeader(catalog, header, where, hubSource(repo, pinned(revision), path), path.split('/').pop() ?? path);
}

/** 100 TB: 50× the largest open checkpoint of 2026 (about 2 TB in BF16). */
const MAX_CHECKPOINT_BYTES = 1e14;

/** A hub request that has not answered in this long has failed: gpuplan never waits forever. */
export const HUB_TIMEOUT_MS = 60_000;

function withTimeout(base: typeof fetch): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(HUB_TIMEOUT_MS);
    return base(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/** $XDG_CACHE_HOME/gpuplan, else ~/.cache/gpuplan (the XDG default). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gpuplan');
}

export function hubOptionsFromEnv(offline: boolean, env: NodeJS.ProcessEnv = process.env): HubOptions {
  return { offline, token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined, cacheDir: defaultCacheDir(env) };
}

interface ApiError {
  statusCode?: number;
  message: string;
}

/**
 * A cached answer, checked against the shape gpuplan writes: undefined when it is not
 * there, or when it is damaged and the network can replace it; offline, a damaged
 * entry is an error that names it (a cache is input like any file).
 */
function readCacheEntry<T extends z.ZodType>(path: string, schema: T, o: HubOptions): z.infer<T> | undefined {
  if (!existsSync(path)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readUserText(path, 'cache entry', MAX_BYTES.json));
  } catch {
    data = undefined;
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  if (o.offline) throw new UserError(`cache entry "${path}" is damaged; delete it and run once online`);
  return undefined;
}

/** Written whole or not at all (a temporary file, then rename): a cache entry is never half a file. */
function writeCacheFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.part`, text);
  renameSync(`${path}.part`, path);
}

const OFFLINE_WHY = "--offline, and the hub's answer is not in the cache";

/** `main` is the default branch: pinning it adds nothing to a deploy file. */
function pinned(revision: string): string | null {
  return revision === 'main' ? null : revision;
}

/** A failed hub request as a one-line UserError that says what to do. */
function hubError(repo: string, revision: string, error: unknown, o: HubOptions): UserError {
  const status = (error as ApiError).statusCode;
  if (status === 401 || status === 403) {
    return new HubUnanswered(
      `hf:${repo}: access denied (${status}): the repo is gated or private; accept its terms on huggingface.co and set HF_TOKEN to a token with access${o.token ? ' (the HF_TOKEN set has none)' : ''}`,
      `the hub denied access (${status}: gated or private), so deploying it needs HF_TOKEN with access`,
    );
  }
  if (status === 404) return new UserError(`hf:${repo}@${revision}: no such model, file or revision on the hub (404); check the name`);
  const reason = (error as Error).message.split('\n')[0];
  return new HubUnanswered(
    `hf:${repo}: the hub could not be reached (${reason}); check the network, or use --offline with a cached model or --model path/to/config.json`,
    `the hub could not be reached (${reason})`,
  );
}

/** One file of a repo: from the cache, or downloaded and cached. Null when the repo has no such file. */
async function hubFile(repo: string, revision: string, path: string, o: HubOptions): Promise<string | null> {
  const cached = join(o.cacheDir, 'hub', repo, revision, path);
  const missing = `${cached}.missing`;
  if (existsSync(cached)) return readUserText(cached, 'cache entry', MAX_BYTES.json);
  if (existsSync(missing)) return null;
  if (o.offline) {
    throw new HubUnanswered(
      `hf:${repo}@${revision}: ${path} is not in the cache (${dirname(cached)}) and --offline forbids the network; run once online, or pass --model path/to/config.json`,
      OFFLINE_WHY,
    );
  }
  let blob: Blob | null;
  try {
    blob = await downloadFile({ repo, path, revision, fetch: o.fetch, xet: false, ...(o.token ? { accessToken: o.token } : {}) });
  } catch (error) {
    throw hubError(repo, revision, error, o);
  }
  if (blob === null) {
    writeCacheFile(missing, '');
    return null;
  }
  // A hub (or a mirror) answering with gigabytes for a config must not fill memory.
  if (blob.size > MAX_BYTES.json) throw new UserError(`hf:${repo}@${revision}: ${path} is ${blob.size} bytes, more than the ${MAX_BYTES.json} gpuplan reads`);
  const text = await blob.text();
  writeCacheFile(cached, text);
  return text;
}

function parseJson(text: string, what: string): unknown {
  try {
    return parsePythonJson(text);
  } catch (error) {
    throw new UserError(`${what}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

/** What the safetensors headers say: parameters per stored dtype, and the bytes of every tensor. */
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const SafetensorsSummarySchema = z.strictObject({ parameters: z.record(z.string().max(32), count), bytes: count.max(MAX_CHECKPOINT_BYTES) });
export type SafetensorsSummary = z.infer<typeof SafetensorsSummarySchema>;

/** A cached GGUF header: metadata (tokenizer arrays already reduced to their length) and the tensor table. */
const GgufHeaderCacheSchema = z.strictObject({
  metadata: z.record(z.string().max(256), z.unknown()),
  tensors: z.array(z.strictObject({ name: z.string().max(256), shape: z.array(count).max(8), type: z.number().int().nonnegative().max(1024) })).max(1_000_000),
});

/**
 * Reads the safetensors headers (ranged requests, every shard) and sums them; cached as
 * JSON. Null when the repo has no safetensors or the headers cannot be read: the config
 * and index still describe the model.
 */
async function safetensorsSummary(repo: string, revision: string, o: HubOptions): Promise<SafetensorsSummary | null> {
  const cached = join(o.cacheDir, 'hub', repo, revision, 'safetensors.summary.json');
  const remembered = readCacheEntry(cached, SafetensorsSummarySchema.nullable(), o);
  if (remembered !== undefined) return remembered;
  if (o.offline) return null;
  const remember = (summary: SafetensorsSummary | null) => {
    writeCacheFile(cached, JSON.stringify(summary));
    return summary;
  };
  let parsed: Awaited<ReturnType<typeof parseSafetensorsMetadata>>;
  try {
    parsed = await parseSafetensorsMetadata({ repo, revision, computeParametersCount: true, fetch: o.fetch, ...(o.token ? { accessToken: o.token } : {}) });
  } catch {
    // Not a safetensors repo, or headers the reader rejects: remembered, so the next run asks nothing.
    return remember(null);
  }
  const headers = parsed.sharded ? Object.values(parsed.headers) : [parsed.header];
  let bytes = 0;
  for (const header of headers) {
    for (const [name, tensor] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const [start, end] = (tensor as { data_offsets: [number, number] }).data_offsets;
      bytes += end - start;
    }
  }
  // An index without a weight_map lists no shards: nothing learned.
  return remember(bytes > 0 ? { parameters: parsed.parameterCount as Record<string, number>, bytes } : null);
}

/**
 * A ModelSpec for `hf:org/name[/file.gguf][@rev]`: read from the hub (or its cache) when it
 * answers, else, for a repo the catalog knows, from the catalog entry, with a note saying so
 * (docs/ARCHITECTURE.md, "Models"). The hub comes first: `hf:` asks for the repo as published,
 * and a hub read keeps the catalog's artifacts whenever the config matches the entry.
 */
export async function modelFromHub(catalog: Catalog, ref: string, given: HubOptions): Promise<ModelSpec> {
  const o = { ...given, fetch: withTimeout(given.fetch ?? fetch) };
  const { repo, revision, path } = parseHubRef(ref);
  if (path !== null && !/\.gguf$/i.test(path)) throw new UserError(`model "${ref}": a file in a repo must be a .gguf; for a transformers model give the repo alone (hf:${repo})`);
  try {
    return path !== null ? await modelFromHubGguf(catalog, repo, revision, path, o) : await modelFromHubConfig(catalog, repo, revision, o);
  } catch (error) {
    if (!(error instanceof HubUnanswered)) throw error;
    const known = catalogModelOfRepo(catalog, repo);
    const spec = known ? specFromCatalogRepo(known.model, { repo: known.repo, path, revision: pinned(revision) }, error.why) : null;
    if (!spec) throw error;
    return spec;
  }
}

/** A transformers repo from the hub: the architecture from config.json, the checkpoint size from the index's total_size. */
async function modelFromHubConfig(catalog: Catalog, repo: string, revision: string, o: HubOptions): Promise<ModelSpec> {
  const configText = await hubFile(repo, revision, 'config.json', o);
  if (configText === null) {
    throw new HubUnanswered(
      `hf:${repo}: the repo has no config.json, so it is not a transformers model; for a GGUF repo pass the file (hf:${repo}/<file>.gguf)`,
      'the repo has no config.json (a GGUF repo)',
    );
  }
  const config = parseWith(HfConfigSchema, liftTextConfig(parseJson(configText, `hf:${repo} config.json`)), `hf:${repo} config.json`);
  const indexText = await hubFile(repo, revision, 'model.safetensors.index.json', o);
  const index = indexText === null ? null : (parseJson(indexText, `hf:${repo} model.safetensors.index.json`) as { metadata?: { total_size?: unknown } });
  const declared = index?.metadata?.total_size;
  // A size from the network: a negative, fractional or absurd one would plan weights that do not exist.
  if (declared !== undefined && !(Number.isSafeInteger(declared) && (declared as number) > 0 && (declared as number) <= MAX_CHECKPOINT_BYTES)) {
    throw new UserError(`hf:${repo}@${revision} model.safetensors.index.json: metadata.total_size must be a whole number of bytes from 1 to ${MAX_CHECKPOINT_BYTES}, got ${JSON.stringify(declared)}`);
  }
  const totalSize = typeof declared === 'number' ? declared : null;
  // The headers give the stored dtype of every tensor and, for single-file repos (no index), the size.
  const summary = await safetensorsSummary(repo, revision, o);
  const bytes = totalSize ?? summary?.bytes ?? null;
  const sizeSource =
    totalSize !== null ? `hf:${repo}@${revision} model.safetensors.index.json metadata.total_size` : summary ? `hf:${repo}@${revision} safetensors headers (sum of tensor data)` : null;
  const spec = modelFromConfig(catalog, config, { where: `hf:${repo}`, hfRepo: repo, revision: pinned(revision), localDir: null, checkpointBytes: bytes, checkpointSizeSource: sizeSource });
  if (!summary) return spec;
  const stored = Object.entries(summary.parameters)
    .map(([dtype, n]) => `${dtype} ${n}`)
    .join(', ');
  return { ...spec, publishedParams: spec.publishedParams ?? Object.values(summary.parameters).reduce((a, b) => a + b, 0), origin: `${spec.origin}; safetensors headers: ${stored}` };
}
