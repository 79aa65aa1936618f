import { InvalidArgumentError } from 'commander';
import { parseHubRef } from '../util/hub-names.js';

/**
 * Commander argument parsers. Commander turns their errors into
 * `option '--context <tokens>' argument 'abc' is invalid. must be …` and exit 2.
 */

/** A whole number in [min, max]: every count has a ceiling, since some drive loops. */
export function wholeNumber(min = 1, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be a whole number ≥ ${min}.` : `must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

export function choice<T extends string>(values: readonly T[]): (value: string) => T {
  return (value: string) => {
    const match = values.find((v) => v.toLowerCase() === value.toLowerCase());
    if (match === undefined) throw new InvalidArgumentError(`valid choices: ${values.join(', ')}.`);
    return match;
  };
}

/** `--batch`: a whole number in [1, max], or `max` (what the engine sustains). */
export function batchSize(max: number): (value: string) => number | 'max' {
  const whole = wholeNumber(1, max);
  return (value: string) => {
    if (value.trim().toLowerCase() === 'max') return 'max';
    try {
      return whole(value);
    } catch {
      throw new InvalidArgumentError(`must be max or a whole number from 1 to ${max}.`);
    }
  };
}

/** A positive decimal number up to `max` (rates, milliseconds). */
export function positiveNumber(max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\s*\d*\.?\d+\s*$/.test(value) || !(n > 0) || n > max) throw new InvalidArgumentError(`must be a number greater than 0 and at most ${max}.`);
    return n;
  };
}

/** A decimal number in (min, max]. */
export function fraction(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\s*\d*\.?\d+\s*$/.test(value) || !(n > min) || n > max) {
      throw new InvalidArgumentError(`must be a number greater than ${min} and at most ${max}.`);
    }
    return n;
  };
}

/**
 * Any text option: an empty or blank value (`--quant ''`, often an unset shell
 * variable) is refused rather than read as "not given".
 */
export function nonEmpty(): (value: string) => string {
  return (value: string) => {
    if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
    return value;
  };
}

/** A repeatable text option (`--engine-version vllm=0.11.0 sglang=0.5.4`), each value non-empty. */
export function nonEmptyList(): (value: string, previous: string[] | undefined) => string[] {
  const one = nonEmpty();
  return (value, previous) => [...(previous ?? []), one(value)];
}

/** A hub repo the weights come from (`--hf-repo ORG/NAME[@REVISION]`), by the hub's own naming rule (util/hub-names.ts). */
export interface HubRepoOption {
  repo: string;
  /** Null: the default branch (`@main` says the same). */
  revision: string | null;
}

export function hubRepo(): (value: string) => HubRepoOption {
  return (value: string) => {
    const ref = parseHubRef(value, false);
    const example = 'e.g. meta-llama/Llama-3.1-8B-Instruct or Qwen/Qwen3-8B@main';
    if (typeof ref === 'string') throw new InvalidArgumentError(ref.startsWith('expected') ? `${ref}, ${example}.` : `${ref}; expected ORG/NAME[@REVISION], ${example}.`);
    return { repo: ref.repo, revision: ref.revision === 'main' ? null : ref.revision };
  };
}
