/**
 * JSON as Python's json.dump writes it: transformers saves configs with `Infinity`, `-Infinity`
 * and `NaN` where a float is unbounded (Nemotron-H's "time_step_limit": [0.0, Infinity]), which
 * JSON.parse refuses. Those bare tokens, outside strings, become null: gpuplan reads none of
 * those fields. Strings are matched first, so a string holding the word is left alone.
 */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g;

export function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (match) => (match.startsWith('"') ? match : 'null')));
}
