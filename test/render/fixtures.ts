import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PlanResultSchema, type PlanCandidate, type PlanResult } from '../../src/planner/schema.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

/** The plan.json of every committed example (one per engine and layout), parsed. */
export const examplePlans: [string, PlanResult][] = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => [d.name, PlanResultSchema.parse(JSON.parse(readFileSync(`${EXAMPLES_DIR}${d.name}/plan.json`, 'utf8')))]);

export function examplePlan(engine: string, multiNode = false): PlanResult {
  const found = examplePlans.find(([, r]) => r.plan?.engine === engine && r.plan.nodes > 1 === multiNode);
  if (!found) throw new Error(`no example for ${engine}${multiNode ? ' multi-node' : ''}`);
  return found[1];
}

/** Every string a user could smuggle through a model name or path. */
export const HOSTILE = `evil "model" it's $(touch PWNED) \`touch PWNED\` \${HOME} $HF_TOKEN; rm -rf ~ #\nsecond line`;

/** A plan whose model id, name and weights path carry hostile text. */
export function hostilePlan(base: PlanResult, patch: (plan: PlanCandidate) => Partial<PlanCandidate>): PlanResult {
  const plan = base.plan as PlanCandidate;
  return {
    ...base,
    request: { ...base.request, model: HOSTILE },
    plan: { ...plan, model: { ...plan.model, id: HOSTILE, name: HOSTILE }, ...patch(plan) },
  };
}
