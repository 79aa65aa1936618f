import { describe, expect, it } from 'vitest';
import { countParams } from '../../src/memory/params.js';
import { catalog, model } from '../helpers.js';

describe('parameter count from the architecture', () => {
  // Each catalog entry names its source in paramsSource (model card or Hugging Face page).
  it.each(catalog.models.map((m) => [m.id, m] as const))('%s matches its published count within 0.5%%', (_, entry) => {
    const params = countParams(entry.architecture);
    expect(Math.abs(params.total / entry.publishedParams - 1)).toBeLessThan(0.005);
  });

  it('DeepSeek-R1: 671B main model, MTP module counted separately (model card: 685B = 671B + 14B MTP)', () => {
    const p = countParams(model('deepseek-r1-671b').architecture!);
    // Exact sum of the config.json shapes (modeling_deepseek.py module by module).
    expect(p.total).toBe(671_026_419_200);
    expect(Math.abs(p.total / 671e9 - 1)).toBeLessThan(0.005);
    // Hugging Face lists the checkpoint at 685B parameters.
    expect(Math.abs((p.total + p.mtp) / 685e9 - 1)).toBeLessThan(0.005);
    expect(p.mtp).toBeGreaterThan(13e9);
  });

  it('active parameters per token match the model cards (R1 37B, V2 21B, V2-Lite 2.4B, Mixtral 12.9B) within 3%', () => {
    for (const id of ['deepseek-r1-671b', 'deepseek-v2-236b', 'deepseek-v2-lite', 'mixtral-8x7b']) {
      const entry = catalog.models.find((m) => m.id === id)!;
      const p = countParams(entry.architecture);
      expect(Math.abs(p.active / entry.publishedActiveParams! - 1), id).toBeLessThan(0.03);
    }
  });

  it('MoE experts are all resident: total ≫ active for DeepSeek-R1', () => {
    const p = countParams(model('deepseek-r1').architecture!);
    expect(p.groups.routedExperts).toBeGreaterThan(0.95 * 58 * 256 * 3 * 7168 * 2048);
    expect(p.total / p.active).toBeGreaterThan(17);
  });

  it('dense models have active = total minus the embedding lookup', () => {
    const p = countParams(model('llama-3.1-8b').architecture!);
    expect(p.total - p.active).toBe(128256 * 4096);
  });
});
