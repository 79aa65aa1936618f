/**
 * The schemas of the engine facts gpuplan ships: the command-line options of each release
 * (catalogs/engine-flags/, read by flags.ts) and the architectures it loads
 * (catalogs/engine-models/, read by model-support.ts). The build (scripts/build-catalog.mjs) and
 * test/engines/engine-facts.test.ts check every file against them, so a CLI run reads the files
 * without building these schemas (zod's import and schema construction cost plan's start-up).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BUNDLED_CATALOG_DIR } from '../catalog/catalog.js';
import { EngineIdSchema } from '../catalog/schema.js';

export const FlagSchema = z.strictObject({
  aliases: z.array(z.string()),
  takesValue: z.boolean(),
  type: z.string().nullable(),
  choices: z.array(z.string()).optional(),
  /** The choices are the documented values of an open registry (vLLM `Literal[…] | str` → argparse metavar): any string is taken. */
  openChoices: z.boolean().optional(),
  /** The default, where the source gives a literal. */
  default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  /** Has a `--no-` form (argparse BooleanOptionalAction). */
  negatable: z.boolean().optional(),
});

export const FlagSetSchema = z.strictObject({
  engine: EngineIdSchema,
  version: z.string(),
  command: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  sources: z.array(z.string()),
  derivedBy: z.string(),
  flags: z.record(z.string(), FlagSchema),
});

/** Ollama has no command-line flags to speak of: its settings are Modelfile PARAMETERs and server environment. */
export const OllamaSpecSchema = z.strictObject({
  engine: z.literal('ollama'),
  version: z.string(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  sources: z.array(z.string()),
  derivedBy: z.string(),
  instructions: z.array(z.string()),
  parameters: z.record(z.string(), z.string()),
  deprecatedParameters: z.array(z.string()),
  environment: z.record(z.string(), z.string()),
});

export const ModelSupportSchema = z.looseObject({
  engine: z.string(),
  version: z.string(),
  /** Hugging Face config.json `architectures` class names the release loads (vLLM, SGLang) or converts (llama.cpp, Ollama). */
  architectures: z.array(z.string()),
  /** GGUF general.architecture names the release's runtime loads (llama.cpp, Ollama). */
  ggufArchitectures: z.array(z.string()).optional(),
  /** False when the release's own commit could not be read and an earlier one was (`readAt`). */
  exact: z.boolean(),
  readAt: z.looseObject({ commit: z.string(), ref: z.string().optional() }).optional(),
});

/**
 * Every engine-facts file (catalogs/engine-flags/, catalogs/engine-models/) checked against its schema, and its
 * name against what it says it is (`<engine>-<version>.json`): one line per problem, empty when all are sound.
 */
export function engineFactsProblems(dir: string = BUNDLED_CATALOG_DIR): string[] {
  const problems: string[] = [];
  for (const [folder, schemaOf] of [
    ['engine-flags', (file: string) => (file.startsWith('ollama-') ? OllamaSpecSchema : FlagSetSchema)],
    ['engine-models', () => ModelSupportSchema],
  ] as const) {
    for (const file of readdirSync(join(dir, folder))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const where = `catalogs/${folder}/${file}`;
      const parsed = schemaOf(file).safeParse(JSON.parse(readFileSync(join(dir, folder, file), 'utf8')));
      if (!parsed.success) {
        problems.push(`${where}: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
        continue;
      }
      const named = `${parsed.data.engine}-${parsed.data.version}.json`;
      if (named !== file) problems.push(`${where}: says it is ${named}`);
    }
  }
  return problems;
}
