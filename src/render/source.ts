/** Where a plan's weights come from, as each engine's command line names them (pure). */
import { CONTAINER_MODEL_DIR, type WeightsSource } from '../engines/launch.js';
import type { PlanCandidate } from '../planner/schema.js';
import { UserError } from '../util/errors.js';
import { parseHubRef } from '../util/hub-names.js';

function localSource(given: string, file: boolean): WeightsSource {
  // A relative path starting with `-` would reach the engine's command line as an option (`vllm serve --help`).
  const path = given.startsWith('-') ? `./${given}` : given;
  if (!file) return { kind: 'local', path, mountDir: path, containerPath: CONTAINER_MODEL_DIR };
  const slash = path.lastIndexOf('/');
  const mountDir = slash < 0 ? '.' : slash === 0 ? '/' : path.slice(0, slash);
  return { kind: 'local', path, mountDir, containerPath: `${CONTAINER_MODEL_DIR}/${path.slice(slash + 1)}` };
}

const OLLAMA_TAG = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)*(:[\w.-]+)?$/;

/** Parses `artifact.source` (hf:org/repo[/subdir][@revision], ollama:tag, file:/dir), falling back to the model's repo. */
export function weightsSource(c: PlanCandidate): WeightsSource {
  const source = c.artifact?.source ?? (c.model.hfRepo ? `hf:${c.model.hfRepo}` : null);
  if (source === null) throw new UserError(`plan for ${c.model.id} names no weights (no artifact and no Hugging Face repo)`);
  const colon = source.indexOf(':');
  const scheme = source.slice(0, colon);
  const rest = source.slice(colon + 1);
  switch (scheme) {
    case 'hf': {
      // The hub's own naming rule (util/hub-names.ts): anything else would name another repo, or reach the engine as an option.
      const ref = parseHubRef(rest, true);
      if (typeof ref === 'string') throw new UserError(`artifact source ${JSON.stringify(source)} is not hf:<org>/<repo>[@revision] with hub names: ${ref}`);
      // GGUF repos hold one file set per quantization; llama.cpp and Ollama select it by tag.
      return { kind: 'hf', repo: ref.repo, quantTag: c.artifact?.format === 'gguf' ? c.quantization.toUpperCase() : null, revision: ref.revision };
    }
    case 'ollama':
      if (!OLLAMA_TAG.test(rest)) throw new UserError(`artifact source ${JSON.stringify(source)} is not ollama:<name>[:tag] (letters, digits, "._-/:")`);
      return { kind: 'library', tag: rest };
    case 'file':
      // A GGUF artifact is one file; a safetensors checkpoint is a directory.
      return localSource(rest, c.artifact?.format === 'gguf');
    default:
      throw new UserError(`artifact source ${JSON.stringify(source)}: unknown scheme (expected hf:, ollama: or file:)`);
  }
}

/**
 * The name clients send as `model`: the catalog id when it is a plain name, else a
 * slug of it. Ollama requires such a name (letters, digits, `._-`), and a stable name
 * means clients do not change when the plan's quantization does.
 */
export function servedModelName(c: PlanCandidate): string {
  // A model given by the path of its config.json is named after its directory.
  const base =
    c.model.id
      .split('/')
      .filter((part) => part !== '' && part !== 'config.json')
      .at(-1) ?? c.model.id;
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
  return slug || 'model';
}
