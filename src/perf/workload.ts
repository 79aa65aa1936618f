/**
 * A request's length when none is given: vLLM's benchmark defaults for its random dataset
 * (vllm/benchmarks/datasets.py RandomDataset DEFAULT_INPUT_LEN = 1024, DEFAULT_OUTPUT_LEN = 128).
 * A leaf module: the CLI names these in its help without loading the speed model.
 */
export const DEFAULT_INPUT_LEN = 1024;
export const DEFAULT_OUTPUT_LEN = 128;
