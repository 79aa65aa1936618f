/**
 * The same setting under each engine's name, from the descriptors' `commandLine.settings`:
 * what validate suggests for an option another engine has (`--mem-fraction-static` in a vLLM
 * launch is SGLang's name for `--gpu-memory-utilization`), by meaning rather than spelling.
 */
import { findFlag } from './flags.js';
import type { EngineId } from './ids.js';
import { DESCRIPTORS, descriptorOf } from './registry.js';
import type { SettingFlags } from './types.js';

/** What a setting is, for messages. */
const SETTING_NAMES: Readonly<Record<keyof SettingFlags, string>> = {
  tp: 'the tensor-parallel degree',
  pp: 'the pipeline-parallel degree',
  dp: 'the data-parallel replicas',
  dpLocal: 'the data-parallel ranks on this machine',
  dpInsideTp: 'data-parallel attention inside the tensor-parallel group',
  nodes: 'the machines one launch spans',
  context: 'the context length',
  slots: 'the parallel slots',
  memoryFraction: 'the share of GPU memory the engine takes',
  quantization: 'the quantization',
  dtype: 'the weights dtype',
  model: 'the model',
  kvDtype: 'the KV cache dtype',
  port: 'the port',
  host: 'the address the server binds',
  gpuLayers: 'the layers offloaded to the GPU',
  executorBackend: 'the distributed executor',
  maxSequences: 'the requests run at once',
  batchedTokens: 'the tokens scheduled per step',
  ubatch: 'the tokens of one physical batch',
};

export interface Equivalent {
  /** The other engine whose option this is, and its canonical name there. */
  from: { engine: string; flag: string };
  /** What the setting is. */
  setting: string;
  /** This engine's option for it, or null when it has none. */
  flag: string | null;
}

/** `spelling` read as another engine's option for a setting, and this engine's option for the same setting. */
export function equivalentOption(engine: EngineId, spelling: string): Equivalent | null {
  const target = descriptorOf(engine).commandLine;
  if (!target) return null;
  for (const other of DESCRIPTORS) {
    if (other.id === engine || !other.commandLine) continue;
    const set = other.flagSet(other.defaultVersion);
    const found = set ? findFlag(set, spelling, other.commandLine.syntax) : null;
    if (!found) continue;
    for (const [key, value] of Object.entries(other.commandLine.settings) as [keyof SettingFlags, string | readonly string[] | null][]) {
      const names = value === null ? [] : typeof value === 'string' ? [value] : value;
      if (!names.some((name) => name === found.name || found.flag.aliases.includes(name))) continue;
      const mine = target.settings[key];
      return { from: { engine: other.name, flag: found.name }, setting: SETTING_NAMES[key], flag: mine === null ? null : typeof mine === 'string' ? mine : (mine[0] ?? null) };
    }
  }
  return null;
}
