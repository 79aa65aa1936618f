/** A launch's arguments against the engine's real argument parser (catalogs/engine-flags/). */
import { equivalentOption } from '../engines/equivalents.js';
import { type Flag, findFlag, flagIndex, type FlagSet } from '../engines/flags.js';
import { descriptorOf } from '../engines/registry.js';
import type { CliSyntax } from '../engines/types.js';
import { closest, editDistance } from '../util/closest.js';
import type { Findings } from './finding.js';
import type { ServerLaunch, Token } from './launch.js';

/** Options as given, by canonical name, with the token that carried the value. */
/** Options by every name the parser accepts: the value, its token, and the option as the file spells it. */
export type ParsedFlags = Map<string, { value: string | null; token: Token; spelling: string }>;

/** A value that is only known at run time (`$VAR`): not checked. */
const dynamic = (value: string) => value.includes('$');

/**
 * vLLM's human_readable_int (vllm/engine/arg_utils.py): `25.6k` (decimal k, m, g, t) or
 * `32K` (binary K, M, G, T, whole numbers only), else a plain integer.
 */
const VLLM_INT = /^(-?\d+|\d+(\.\d+)?[kmgt]|\d+[KMGT])$/;

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function checkValue(syntax: CliSyntax, name: string, flag: Pick<Flag, 'type' | 'choices' | 'openChoices'>, token: Token, findings: Findings, certain = true): void {
  const { type, choices } = flag;
  const value = token.text;
  if (dynamic(value)) return;
  if (choices && !choices.includes(value) && flag.openChoices) {
    // argparse takes any string here; the engine looks the name up in a registry plugins can extend.
    const near = closest(value, choices, 1)[0];
    const typo = near !== undefined && editDistance(value, near) <= 2;
    findings.add(
      typo ? 'warning' : 'info',
      token.line,
      'invalid-choice',
      `${name} ${value}: not one of the values the release documents (${choices.join(', ')}); it takes other names a plugin registers${typo ? `, so a misspelling fails only when the engine looks it up` : ''}`,
      near ? `${name} ${near}` : null,
    );
    return;
  }
  if (choices && !choices.includes(value)) {
    const near = closest(value, choices, 1)[0];
    // Registries of choices grow with releases (tool parsers, quantizations, backends): for a release gpuplan only
    // assumes, a value such a list lacks may be new. Short enums (on/off/auto) do not grow that way.
    const registry = choices.length >= 8;
    const sure = certain || !registry || choices.some((c) => editDistance(value, c) <= 2);
    findings.add(
      sure ? 'error' : 'info',
      token.line,
      'invalid-choice',
      `${name} ${value}: not one of ${choices.join(', ')}${sure ? '' : ' (in the release gpuplan assumed; a newer one may take it)'}`,
      near ? `${name} ${near}` : null,
    );
    return;
  }
  if (type === 'json' && /^[[{]/.test(value.trim())) {
    // vLLM reads these with json.loads / pydantic validate_json: Python-style quotes or True/None stop the parser.
    if (!parsesAsJson(value)) {
      const fixed = value
        .replace(/'/g, '"')
        .replace(/\bTrue\b/g, 'true')
        .replace(/\bFalse\b/g, 'false')
        .replace(/\bNone\b/g, 'null');
      findings.add('error', token.line, 'invalid-value', `${name} ${value}: not valid JSON, and the server stops parsing its arguments`, parsesAsJson(fixed) ? `${name} '${fixed}'` : null);
      return;
    }
  }
  if (type === 'int' && !(syntax.humanReadableInts ? VLLM_INT : /^-?\d+$/).test(value)) {
    // Newer releases take a few words for numbers (llama.cpp `-ngl all`/`auto`, vLLM `--max-model-len auto`): for a release
    // gpuplan only assumes, those are warnings; any other word or a malformed number is wrong in every release.
    const keyword = ['auto', 'all', 'max'].includes(value.toLowerCase()) && !certain;
    findings.add(keyword ? 'info' : 'error', token.line, 'invalid-value', `${name} ${value}: expected an integer${keyword ? ' (in the release gpuplan assumed; a newer one may take this word)' : ''}`);
  } else if (type === 'float' && !Number.isFinite(Number(value))) {
    findings.add('error', token.line, 'invalid-value', `${name} ${value}: expected a number`);
  }
}

/** Words in one launch: real ones have a few dozen; a generated wall of options is refused before the option-by-option search. */
const MAX_LAUNCH_WORDS = 2000;

/** Unknown options explained per file. */
const MAX_UNKNOWN_OPTIONS = 50;

/**
 * An option the release does not take, in order of what explains it best: another recorded
 * release of the engine has it (a warning naming that release: the file may run it), another
 * engine's name for a setting this one has (the fix by meaning), else the nearest spelling.
 */
function unknownOption(launch: ServerLaunch, set: FlagSet, syntax: CliSyntax, spelling: string, token: Token, exact: boolean, findings: Findings): void {
  // Past this many, a file is not a launch anyone wrote by hand; explaining each (nearest spellings) would stall CI.
  const reported = findings.count('unknown-flag');
  if (reported > MAX_UNKNOWN_OPTIONS) return;
  if (reported === MAX_UNKNOWN_OPTIONS) {
    findings.add('error', token.line, 'unknown-flag', `more than ${MAX_UNKNOWN_OPTIONS} unknown options: the rest are not checked`);
    return;
  }
  const descriptor = descriptorOf(launch.engine);
  const elsewhere = descriptor.versions
    .filter((v) => v !== launch.version && descriptor.flagSet(v)?.version !== set.version)
    .find((v) => {
      const other = descriptor.flagSet(v);
      return other !== null && findFlag(other, spelling, syntax) !== null;
    });
  // Another recorded release has it: from a complete set, the file may run that release; from a partial one, it is probably still there.
  if (elsewhere && !exact) return;
  if (elsewhere) {
    findings.add(
      'warning',
      token.line,
      'other-release-flag',
      `${spelling} is an option of ${descriptor.name} ${elsewhere}, not of ${launch.version}, the release this launch runs`,
      `run ${descriptor.name} ${elsewhere} (pin its image tag, or validate with --engine-version ${launch.engine}=${elsewhere}), or drop ${spelling}`,
    );
    return;
  }
  const known = [...flagIndex(set).keys()];
  // A release gpuplan assumes (no tag names it), or whose records are partial, may have options gpuplan lacks:
  // only a near miss of a known option (a typo) or another engine's option is surely wrong there.
  // Short options are all near each other; a long one within 1–2 edits of a known one is a typo.
  const reach = spelling.startsWith('--') ? (spelling.length >= 12 ? 2 : 1) : 0;
  // A known option with its last word lengthened (`--max-model-length` for `--max-model-len`) is a typo too.
  const lengthened = (name: string) => name.startsWith('--') && name.length >= 8 && spelling.startsWith(name) && /^[a-z]/.test(spelling.slice(name.length));
  const typo = reach > 0 && known.some((name) => (Math.abs(spelling.length - name.length) <= reach && editDistance(spelling, name) <= reach) || lengthened(name));
  const equivalent = equivalentOption(launch.engine, spelling);
  const certain = (exact && launch.pinned) || typo || equivalent !== null;
  const message = certain
    ? `${descriptor.name} ${exact ? set.version : launch.version} has no option ${spelling}`
    : !exact
      ? `${spelling} is not among the options gpuplan recorded for ${descriptor.name} ${launch.version} (read from ${set.version}, not complete)`
      : `${descriptor.name} ${set.version} has no option ${spelling} (the launch names no release; a newer one may have it)`;
  if (equivalent) {
    const fix = equivalent.flag
      ? `${equivalent.flag} (${spelling} is ${equivalent.from.engine}'s option for ${equivalent.setting})`
      : `${descriptor.name} has no option for ${equivalent.setting} (${spelling} is ${equivalent.from.engine}'s); drop it`;
    findings.add('error', token.line, 'unknown-flag', message, fix);
    return;
  }
  const near = closest(spelling, known, 1)[0];
  // Not surely wrong: a note (--verbose), not an alarm: the release that runs may well have it.
  findings.add(certain ? 'error' : 'info', token.line, 'unknown-flag', message, near ? `did you mean ${near}?` : null);
}

/**
 * A prefix argparse completes to one option (`--tool-parser` → `--tool-parser-plugin`) while its value
 * belongs to another (`hermes` is a `--tool-call-parser`): the server starts, but not as meant.
 */
function misreadPrefix(set: FlagSet, syntax: CliSyntax, spelling: string, name: string, value: Token, findings: Findings): void {
  const written = syntax.underscores && spelling.startsWith('--') ? `--${spelling.slice(2).replaceAll('_', '-')}` : spelling;
  const flag = set.flags[name];
  if (!syntax.prefixes || !flag || written === name || flag.aliases.includes(written) || dynamic(value.text)) return;
  // Only a free-form string option taking a word that is another option's choice (numbers are everyone's values).
  if ((flag.type !== 'str' && flag.type !== null) || flag.choices || /^[\d.]+$/.test(value.text)) return;
  const owner = Object.entries(set.flags).find(([other, flag]) => other !== name && !flag.openChoices && flag.choices?.includes(value.text) && flag.choices.length > 2);
  if (!owner) return;
  findings.add('warning', value.line, 'prefix-option', `${spelling} is read as ${name} (argparse completes unique prefixes), but ${value.text} is a value of ${owner[0]}`, `${owner[0]} ${value.text}`);
}

/** `exact`: the set is the release's complete argument set; when it is not, a flag it lacks is a warning, not an error. */
export function parseFlags(launch: ServerLaunch, set: FlagSet, syntax: CliSyntax, findings: Findings, exact = true): ParsedFlags {
  const parsed: ParsedFlags = new Map();
  const args = launch.args;
  if (args.length > MAX_LAUNCH_WORDS) {
    findings.add('error', launch.line, 'too-large', `a launch of ${args.length} words (more than ${MAX_LAUNCH_WORDS}) is not one anyone runs: its options are not checked`);
    return parsed;
  }
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as Token;
    if (!token.text.startsWith('-') || /^-\d/.test(token.text)) {
      // What shell-quote leaves of `${ARR[@]+"${ARR[@]}"}` and other expansions it cannot read.
      if (/^[{}()]+$/.test(token.text)) continue;
      if (token.text.trim() === '') {
        findings.add(
          'error',
          token.line,
          'unexpected-argument',
          'a backslash followed by a space passes " " as an argument: a line continuation needs the \\ last on the line',
          'remove the space after \\',
        );
        continue;
      }
      if (!dynamic(token.text)) {
        const hint = !launch.acceptsPositionalModel && findFlag(set, '--model', syntax)?.name === '--model' ? ' (this entrypoint takes the model as --model)' : '';
        findings.add('error', token.line, 'unexpected-argument', `unexpected argument "${token.text}"${hint}`, hint ? `--model ${token.text}` : null);
      }
      continue;
    }
    let spelling = token.text;
    let inline: string | null = null;
    // vLLM: `-O3` is `-O 3` (the compilation level), `--hf-overrides.key v` sets one key of a JSON option.
    const level = syntax.attachedOptimizationLevel ? /^-O(\d)$/.exec(spelling) : null;
    if (level) {
      // Up to 0.11 `-O` aliases --compilation-config; later releases rewrite `-O3` to --optimization-level 3.
      spelling = set.flags['--optimization-level'] ? '--optimization-level' : '-O';
      inline = level[1] as string;
    }
    const dotted = syntax.dottedJsonKeys && spelling.startsWith('--') ? /^(--[\w-]+)\.[\w.-]+/.exec(spelling.split('=')[0] ?? '') : null;
    if (dotted && findFlag(set, dotted[1] as string, syntax)?.flag.type === 'json') {
      if (!spelling.includes('=')) i++;
      continue;
    }
    const eq = spelling.indexOf('=');
    if (eq > 0) {
      if (!syntax.equalsValue) {
        findings.add(
          'error',
          token.line,
          'invalid-syntax',
          `llama-server does not accept ${spelling}: options take their value as the next word`,
          `${spelling.slice(0, eq)} ${spelling.slice(eq + 1)}`,
        );
      }
      inline = spelling.slice(eq + 1);
      spelling = spelling.slice(0, eq);
    }
    const found = findFlag(set, spelling, syntax);
    if (!found) {
      unknownOption(launch, set, syntax, spelling, token, exact, findings);
      // Skip what is probably its value.
      if (inline === null && args[i + 1] && !args[i + 1]?.text.startsWith('-')) i++;
      continue;
    }
    let value: string | null = null;
    let valueToken = token;
    if (found.flag.takesValue) {
      if (inline !== null) {
        value = inline;
        valueToken = { text: inline, line: token.line };
      } else if (args[i + 1] !== undefined && !/^--?[A-Za-z]/.test(args[i + 1]?.text ?? '')) {
        valueToken = args[++i] as Token;
        value = valueToken.text;
      } else {
        // The next word is another option (a bare `-fa` written as a switch): argparse stops with "expected one
        // argument", llama-server takes the option as the value and rejects it. The next option stays an option.
        const choices = found.flag.choices ?? [];
        const enable = ['on', 'true', 'enabled', '1'].find((c) => choices.includes(c));
        const next = args[i + 1]?.text;
        findings.add(
          'error',
          token.line,
          'missing-value',
          `${spelling} needs a value${choices.length ? ` (${choices.join(', ')})` : ''}${next ? `; ${next} after it is the next option` : ''}`,
          enable ? `${spelling} ${enable}` : null,
        );
        continue;
      }
      checkValue(syntax, found.name, found.flag, valueToken, findings, exact && launch.pinned);
      misreadPrefix(set, syntax, spelling, found.name, valueToken, findings);
      // nargs='+' options (vLLM --served-model-name a b, --middleware …) take every word up to the next option.
      if (found.flag.type === 'list' && inline === null) while (args[i + 1] && !args[i + 1]?.text.startsWith('-')) i++;
    }
    // Under every spelling the parser accepts, so a check may ask by any of them (releases rename flags and keep aliases).
    for (const name of [found.name, ...found.flag.aliases]) parsed.set(name, { value, token: valueToken, spelling });
  }
  return parsed;
}
