import { LOAD_BALANCER_FILE } from '../planner/candidate.js';
import { join } from 'node:path';
import { parseWith } from '../catalog/validate.js';
import { defaultEngines } from '../engines/registry.js';
import { renderPlan } from '../render/render.js';
import { shellWord } from '../render/quote.js';
import { checkOutPath, writeRendered } from '../render/write.js';
import { type PlanCandidate, PlanResultSchema, type PlanResult } from '../planner/schema.js';
import { UserError } from '../util/errors.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';
import { EXIT, type Io } from './main.js';
import { descriptorOf, engineRelease } from '../engines/registry.js';
import { findFlag } from '../engines/flags.js';
import { loadProblem } from '../engines/model-support.js';

export interface OutOptions {
  out: string;
  force?: boolean;
}

/**
 * The plan re-targeted at another release of its engine: the image changes, and every
 * setting must still be a flag of that release (the memory figures stay those of the plan's).
 */
async function retarget(result: PlanResult, version: string, planFile: string): Promise<PlanResult> {
  const plan = result.plan;
  if (!plan) return result;
  const engine = engineRelease(plan.engine, version);
  const descriptor = descriptorOf(plan.engine);
  // A release that cannot load the model would start nothing (plans before 0.2 do not record what it needs).
  if (plan.model.loads) {
    const problem = loadProblem(engine, plan.model.loads, plan.artifact?.format ?? 'safetensors');
    if (problem) throw new UserError(`${planFile}: ${problem}; plan with a release that loads it`);
  }
  const set = descriptor.flagSet(version);
  if (set && descriptor.commandLine) {
    const missing = Object.keys(plan.settings).filter((name) => !findFlag(set, `--${name}`, descriptor.commandLine?.syntax ?? { underscores: false, prefixes: false }));
    if (missing.length > 0) throw new UserError(`${planFile}: ${engine.name} ${version} has no ${missing.map((m) => `--${m}`).join(', ')}; plan again with --engine-version ${version}`);
  }
  return { ...result, plan: { ...plan, engineVersion: engine.version } };
}

/** The directory as one shell word for `cd` (a name starting with `-` would read as an option). */
export function cdTarget(out: string): string {
  return shellWord(out.startsWith('-') ? `./${out}` : out);
}

/** Every file name a render can write, whatever the engine and node count. */
const RENDERED_NAMES: ReadonlySet<string> = new Set([...defaultEngines().flatMap((e) => [...e.deployFiles(1), ...e.deployFiles(2)]), LOAD_BALANCER_FILE]);

/**
 * The files of the render a directory holds: what its plan.json lists, among the names gpuplan
 * renders (a hand-edited plan.json cannot have another file removed). None when there is no
 * readable plan.json.
 */
function previousRenderFiles(dir: string): string[] {
  try {
    const old = JSON.parse(readUserText(join(dir, 'plan.json'), 'plan', MAX_BYTES.json)) as { plan?: { files?: unknown } | null };
    const files = old.plan?.files;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && RENDERED_NAMES.has(f)) : [];
  } catch {
    return [];
  }
}

/** Renders a plan into `out` and says what was written and how to start it. */
export function writePlanFiles(result: PlanResult, o: OutOptions, io: Io): void {
  const files = renderPlan(result);
  const { dir, written, replaced, removed, recovered } = writeRendered(o.out, files, o.force ?? false, previousRenderFiles);
  const plan = result.plan;
  if (recovered !== 'none') io.err(`Found a write a stopped gpuplan left in ${dir} and ${recovered === 'completed' ? 'finished' : 'undid'} it.\n`);
  const replacedNote = replaced.length > 0 ? ` (replaced ${replaced.join(', ')})` : '';
  const removedNote = removed.length > 0 ? `; removed the previous render's ${removed.join(', ')}` : '';
  io.err(`Wrote ${written.length} files to ${dir}: ${written.join(', ')}${replacedNote}${removedNote}\n`);
  if (plan) io.err(`Start it: cd ${cdTarget(o.out)} && ${startHint(plan)}; PLAN.md says how to check it.\n`);
}

function startHint(plan: PlanCandidate): string {
  if (plan.nodeReplicas > 1) return `docker compose up -d on each of the ${plan.nodeReplicas} nodes, or kubectl apply -f lws.yaml (one endpoint)`;
  return plan.nodes > 1 ? 'see PLAN.md (multi-node)' : 'docker compose up -d';
}

/** `gpuplan render plan.json --out DIR`: re-renders a saved plan. */
export async function runRender(planFile: string, o: OutOptions & { engineVersion?: string }, io: Io): Promise<number> {
  checkOutPath(o.out);
  const text = readUserText(planFile, 'plan', MAX_BYTES.json);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`plan "${planFile}": not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = parseWith(PlanResultSchema, raw, planFile);
  const result = o.engineVersion === undefined ? parsed : await retarget(parsed, o.engineVersion, planFile);
  try {
    writePlanFiles(result, o, io);
  } catch (error) {
    if (error instanceof UserError) throw error;
    // A hand-edited plan the templates cannot render (unknown scheme, file or value): bad input.
    throw new UserError(`${planFile}: cannot render this plan: ${(error as Error).message}`);
  }
  return EXIT.ok;
}
