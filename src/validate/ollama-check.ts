/** Ollama: Modelfiles against its parser (v0.32.15's, with the release's instructions) and PARAMETER set, and the server's OLLAMA_* environment. */
import { ownEntry } from '../util/own.js';
import type { OllamaSpec } from '../engines/flags.js';
import { displayText, type Modelfile, ModelfileError, parseModelfile } from '../formats/modelfile.js';
import { MODELFILE_EQUIVALENTS } from '../engines/ollama/parameters.js';
import { OLLAMA_RELEASES } from '../engines/ollama/releases.js';
import { closest, editDistance } from '../util/closest.js';
import type { OllamaService } from './compose.js';
import type { Findings } from './finding.js';

const TYPE_CHECK: Record<string, { test: (v: string) => boolean; expected: string }> = {
  int: { test: (v) => /^-?\d+$/.test(v), expected: 'an integer' },
  float: { test: (v) => Number.isFinite(Number(v)) && v.trim() !== '', expected: 'a number' },
  // strconv.ParseBool
  bool: { test: (v) => ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v), expected: 'true or false' },
};

/**
 * A Modelfile's bytes as `ollama create` reads them (formats/modelfile.ts ports Ollama's parser,
 * byte decoding included), against the instructions and PARAMETERs of `spec`'s release.
 */
export function checkModelfile(content: string | Uint8Array, spec: OllamaSpec, findings: Findings): number {
  let modelfile: Modelfile;
  try {
    modelfile = parseModelfile(content, { instructions: spec.instructions });
  } catch (error) {
    if (!(error instanceof ModelfileError)) throw error;
    findings.add('error', error.line, 'modelfile-syntax', `Modelfile: ${error.message.replace(/^line \d+: /, '')}`, null);
    return 0;
  }
  reportDroppedRunes(modelfile, findings);
  const { commands } = modelfile;
  const instructions = new Set(['model', ...spec.instructions]);
  for (const command of commands) {
    if (instructions.has(command.name)) continue;
    const type = spec.parameters[command.name];
    if (type === undefined) {
      if (spec.deprecatedParameters.includes(command.name)) {
        // Set to the value it always defaulted to, the line changes nothing: a note; otherwise the setting is lost.
        const given = command.args.trim().toLowerCase();
        const retired = ownEntry(RETIRED_DEFAULTS, command.name);
        const harmless = retired !== undefined && (given === retired || (given !== '' && Number(given) === Number(retired)));
        findings.add(
          harmless ? 'info' : 'warning',
          command.line,
          'modelfile-parameter',
          `PARAMETER ${command.name} is deprecated in Ollama ${spec.version} and ignored${harmless ? ' (this is its old default, so nothing changes)' : ''}`,
          'remove it',
        );
      } else {
        // By meaning first (max_tokens is num_predict), then by spelling.
        const equivalent = MODELFILE_EQUIVALENTS[command.name.toLowerCase().replaceAll('-', '_')];
        const near = equivalent && spec.parameters[equivalent] !== undefined ? equivalent : closest(command.name, Object.keys(spec.parameters), 1)[0];
        findings.add(
          'error',
          command.line,
          'modelfile-parameter',
          `Ollama ${spec.version} has no PARAMETER ${command.name} (ollama create fails: unknown parameter)`,
          near ? `PARAMETER ${near} …${equivalent === near ? ` (Ollama's name for ${command.name})` : ''}` : null,
        );
      }
      continue;
    }
    const check = ownEntry(TYPE_CHECK, type);
    if (check && !check.test(command.args)) {
      findings.add(
        'error',
        command.line,
        'modelfile-value',
        `PARAMETER ${command.name} ${command.args}: expected ${check.expected}${command.args.includes('#') ? ' (Modelfiles have no inline comments)' : ''}`,
        null,
      );
    }
  }
  return 1;
}

/**
 * Invisible runes Ollama throws away (strconv.IsPrint is false: U+200B, ESC, NUL, U+00A0…), one
 * warning per line. The commands checked above are already what is left without them, which is
 * how a line like `PARAMETER stop "x"` + U+200B, a line break and `FROM other` gains a FROM.
 */
function reportDroppedRunes(modelfile: Modelfile, findings: Findings): void {
  const byLine = new Map<number, Set<string>>();
  for (const { line, codePoint } of modelfile.dropped) {
    const names = byLine.get(line) ?? new Set<string>();
    byLine.set(line, names.add(`U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`));
  }
  for (const [line, runes] of byLine) {
    const names = [...runes].join(', ');
    const instruction = modelfile.commands.filter((c) => c.line <= line).at(-1);
    const reads = instruction ? ` (Ollama reads the instruction as ${instruction.name === 'model' ? 'FROM' : instruction.name} ${displayText(instruction.args)})` : '';
    findings.add('warning', line, 'modelfile-invisible', `Ollama's Modelfile parser silently drops the invisible ${names} on this line${reads}`, 'delete the invisible characters');
  }
}

/**
 * The defaults of retired Modelfile parameters in api/types.go DefaultOptions before they were
 * dropped (ollama/ollama fa9973cd7, "api: remove unused sampling parameters", May 2025, and earlier
 * runner options): setting one to it was already a no-op.
 */
const RETIRED_DEFAULTS: Readonly<Record<string, string>> = {
  mirostat: '0',
  mirostat_tau: '5.0',
  mirostat_eta: '0.1',
  penalize_newline: 'true',
  use_mlock: 'false',
  low_vram: 'false',
  f16_kv: 'true',
};

/** The cache type a wrong value means, by its bits (`fp8`, `q8` → q8_0; `q4`, `int4` → q4_0; `fp16` → f16), else q8_0. */
function kvTypeMeant(value: string, allowed: readonly string[]): string {
  const bits = /(\d+)/.exec(value)?.[1];
  return allowed.find((a) => bits !== undefined && new RegExp(`^[a-z]+${bits}(_|$)`).test(a)) ?? 'q8_0';
}

/**
 * `OLLAMA_*` variables of a container against the release that runs: the one its image tag names
 * (`pinned`), else the newest gpuplan records, which a later release may outgrow (then a name
 * gpuplan does not know is a note, unless it is a near-miss of one it does).
 */
export function checkOllamaEnvironment(service: OllamaService, spec: OllamaSpec, pinned: boolean, findings: Findings): void {
  const names = Object.keys(spec.environment);
  for (const [name, { line }] of Object.entries(service.environment)) {
    if (!name.startsWith('OLLAMA_') || spec.environment[name] !== undefined) continue;
    const near = closest(name, names, 1)[0];
    const typo = near !== undefined && editDistance(name, near) <= 2;
    if (pinned || typo) findings.add('warning', line, 'ollama-env', `Ollama ${spec.version} does not read ${name} (${service.where})`, near ? `did you mean ${near}?` : null);
    else findings.add('info', line, 'ollama-env', `${name} is not among the variables of Ollama ${spec.version}, the newest release gpuplan records (${service.where}); a newer one may read it`, null);
  }
  const kv = service.environment.OLLAMA_KV_CACHE_TYPE;
  if (kv && !kv.value.includes('$')) {
    const allowed = (spec.environment.OLLAMA_KV_CACHE_TYPE ?? '').split('|');
    if (!allowed.includes(kv.value.toLowerCase())) {
      findings.add('error', kv.line, 'ollama-env', `OLLAMA_KV_CACHE_TYPE=${kv.value}: Ollama takes ${allowed.join(', ')}`, `OLLAMA_KV_CACHE_TYPE=${kvTypeMeant(kv.value, allowed)}`);
    } else if (!service.environment.OLLAMA_FLASH_ATTENTION && OLLAMA_RELEASES.find((r) => r.version === spec.version)?.kvCacheTypeNeedsFlashAttention !== false) {
      findings.add(
        'warning',
        kv.line,
        'ollama-env',
        `OLLAMA_KV_CACHE_TYPE is ignored unless flash attention is on (Ollama ${spec.version}: on by default only for some model families)`,
        'OLLAMA_FLASH_ATTENTION=1',
      );
    }
  }
}
