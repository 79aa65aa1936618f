import { describe, expect, it } from 'vitest';
import { architectureFromConfig } from '../../src/catalog/architecture.js';
import { HfConfigSchema } from '../../src/catalog/schema.js';
import { fullFineTuneStates, loraParams } from '../../src/memory/training.js';
import { readFileSync } from 'node:fs';
import { estimateFor, fixture } from '../helpers.js';

const sum = (terms: { bytes: number }[]) => terms.reduce((s, t) => s + t.bytes, 0);

describe('training memory', () => {
  it('20B with FP16 mixed-precision Adam is 320 GB of model states, not 200 GB', () => {
    const terms = fullFineTuneStates(20e9, 0, 1);
    const byName = Object.fromEntries(terms.map((t) => [t.name, t.bytes / 1e9]));
    expect(byName).toEqual({ weights: 40, gradients: 40, 'master weights': 80, optimizer: 160 });
    // The seed counted weights (40) + optimizer (160) = 200 GB and omitted gradients and master weights.
    expect(sum(terms) / 1e9).toBe(320);
  });

  it('ZeRO stages shard optimizer, then gradients, then weights over the data-parallel GPUs (ZeRO paper, Fig. 1)', () => {
    // Paper's example: 7.5B params, 64 GPUs: baseline 120 GB, P_os 31.4 GB, P_os+g 16.6 GB, P_os+g+p 1.9 GB.
    const gb = (stage: 0 | 1 | 2 | 3) => sum(fullFineTuneStates(7.5e9, stage, 64)) / 1e9;
    expect(gb(0)).toBeCloseTo(120, 1);
    expect(gb(1)).toBeCloseTo(31.4, 1);
    expect(gb(2)).toBeCloseTo(16.6, 1);
    expect(gb(3)).toBeCloseTo(1.875, 2);
  });

  it('LoRA r=64 on all linear layers of Llama-2-7B: 159,907,840 trainable params (PEFT print_trainable_parameters in QLoRA guides)', () => {
    const config = HfConfigSchema.parse(JSON.parse(readFileSync(fixture('configs/llama-2-7b.config.json'), 'utf8')));
    expect(loraParams(architectureFromConfig(config, 'llama-2-7b'), 64)).toBe(159_907_840);
  });

  it('full fine-tune of a 20B parameter count through estimate shows all four state terms', () => {
    const e = estimateFor('20b', { mode: 'full', context: 2048 });
    expect(e.terms.map((t) => t.name)).toEqual(['weights', 'gradients', 'master weights', 'optimizer', 'overhead']);
    expect(e.perGpu.weights).toBe(320e9);
  });

  it('activations: s·b·h·(34 + 5·a·s/h) per layer without recomputation, 2·s·b·h kept with it (Korthikanti et al. 2022, eq. 1)', () => {
    // Llama-3.1-8B: h=4096, a=32, 32 layers; s=4096, b=1.
    const perLayer = 4096 * 4096 * (34 + (5 * 32 * 4096) / 4096);
    const off = estimateFor('llama-3.1-8b', { mode: 'lora', context: 4096, checkpointing: false, eagerAttention: true });
    const on = estimateFor('llama-3.1-8b', { mode: 'lora', context: 4096, checkpointing: true, eagerAttention: true });
    expect(off.perGpu.activations).toBe(32 * perLayer);
    expect(on.perGpu.activations).toBe(32 * 2 * 4096 * 4096 + perLayer);
    // Flash attention drops the 5·a·s² score term.
    const flash = estimateFor('llama-3.1-8b', { mode: 'lora', context: 4096, checkpointing: false });
    expect(flash.perGpu.activations).toBe(32 * 34 * 4096 * 4096);
  });
});
