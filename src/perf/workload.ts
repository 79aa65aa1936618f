/**
 * A request's length when none is given: vLLM's benchmark defaults for its random dataset
 * (vllm/benchmarks/datasets.py RandomDataset DEFAULT_INPUT_LEN = 1024, DEFAULT_OUTPUT_LEN = 128).
 * A leaf module: the CLI names these in its help without loading the speed model.
 */
export const DEFAULT_INPUT_LEN = 1024;
export const DEFAULT_OUTPUT_LEN = 128;

/**
 * The request lengths speeds are given for: the ones asked for, else the defaults shrunk to fit the
 * context (a default must not turn a short --context into an error); null when the asked ones do not fit.
 */
export function requestLengths(context: number, inputLen: number | undefined, outputLen: number | undefined): { inputLen: number; outputLen: number } | null {
  const output = outputLen ?? Math.max(1, Math.min(DEFAULT_OUTPUT_LEN, Math.floor(context / 2)));
  const input = inputLen ?? Math.max(1, Math.min(DEFAULT_INPUT_LEN, context - output));
  return input + output <= context ? { inputLen: input, outputLen: output } : null;
}
