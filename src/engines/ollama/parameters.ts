/**
 * Modelfile PARAMETER names (api/types.go Options, Runner json tags) for settings other
 * engines and the OpenAI API spell differently: what validate suggests for an unknown
 * PARAMETER by meaning. Sources: OpenAI chat completions (`max_tokens`), llama.cpp's options
 * (common/arg.cpp: --n-predict, --ctx-size, --n-gpu-layers, --threads, --batch-size,
 * --repeat-penalty), vLLM/SGLang (max_model_len, context_length, repetition_penalty).
 */
export const MODELFILE_EQUIVALENTS: Readonly<Record<string, string>> = {
  max_tokens: 'num_predict',
  max_new_tokens: 'num_predict',
  n_predict: 'num_predict',
  max_model_len: 'num_ctx',
  context_length: 'num_ctx',
  ctx_size: 'num_ctx',
  n_ctx: 'num_ctx',
  n_gpu_layers: 'num_gpu',
  gpu_layers: 'num_gpu',
  ngl: 'num_gpu',
  threads: 'num_thread',
  n_threads: 'num_thread',
  batch_size: 'num_batch',
  n_batch: 'num_batch',
  repetition_penalty: 'repeat_penalty',
  stop_sequences: 'stop',
};
