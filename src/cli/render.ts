import { parseWith } from '../catalog/validate.js';
import { renderPlan } from '../render/render.js';
import { shellWord } from '../render/quote.js';
import { checkOutPath, writeRendered } from '../render/write.js';
import { PlanResultSchema, type PlanResult } from '../planner/schema.js';
import { UserError } from '../util/errors.js';
import { MAX_BYTES, readUserText } from '../util/user-file.js';
import { EXIT, type Io } from './main.js';

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
  const { descriptorOf, engineRelease } = await import('../engines/registry.js');
  const { findFlag } = await import('../engines/flags.js');
  const engine = engineRelease(plan.engine, version);
  const descriptor = descriptorOf(plan.engine);
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

/** Renders a plan into `out` and says what was written and how to start it. */
export function writePlanFiles(result: PlanResult, o: OutOptions, io: Io): void {
  const files = renderPlan(result);
  const { dir, written, replaced, recovered } = writeRendered(o.out, files, o.force ?? false);
  const plan = result.plan;
  if (recovered !== 'none') io.err(`Found a write a stopped gpuplan left in ${dir} and ${recovered === 'completed' ? 'finished' : 'undid'} it.\n`);
  io.err(`Wrote ${written.length} files to ${dir}: ${written.join(', ')}${replaced.length > 0 ? ` (replaced ${replaced.join(', ')})` : ''}\n`);
  if (plan) io.err(`Start it: cd ${cdTarget(o.out)} && ${plan.nodes > 1 ? 'see PLAN.md (multi-node)' : 'docker compose up -d'}; PLAN.md says how to check it.\n`);
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
    throw new UserError(`${planFile}: cannot render this plan: ${(error as Error).message.split('\n')[0]}`);
  }
  return EXIT.ok;
}
