import { loadCatalog } from '../catalog/catalog.js';
import { countParams } from '../memory/params.js';
import { formatCount, GiB } from '../memory/units.js';
import { UserError } from '../util/errors.js';
import { closest } from '../util/closest.js';
import { EXIT, type Io } from './main.js';
import { engineCatalog } from '../engines/registry.js';

const KINDS = ['models', 'gpus', 'quants', 'engines'] as const;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export async function runCatalog(what: string, options: { json?: boolean; catalog?: string }, io: Io): Promise<number> {
  const kind = KINDS.find((k) => k === what.toLowerCase());
  if (!kind) {
    throw new UserError(`unknown catalog "${what}"; valid: ${KINDS.join(', ')} (closest: ${closest(what, KINDS, 1).join('')})`);
  }
  if (kind === 'engines') {
    // Engines are code (src/engines/), not the YAML catalog: no catalog to load.
    const engines = engineCatalog();
    if (options.json)
      io.out(
        `${JSON.stringify(
          engines.map(({ engine, versions, default: d }) => ({ engine, versions, default: d })),
          null,
          2,
        )}\n`,
      );
    else io.out(table([['engine', 'name', 'default', 'releases'], ...engines.map((e) => [e.engine, e.name, e.default, e.versions.join(', ')])]));
    return EXIT.ok;
  }
  const catalog = await loadCatalog(options.catalog);
  if (kind === 'models') {
    const models = catalog.models.map((m) => {
      const params = countParams(m.architecture);
      return {
        id: m.id,
        name: m.name,
        aliases: m.aliases,
        hfRepo: m.hfRepo,
        params: params.total,
        activeParams: Math.round(params.active),
        maxContext: m.architecture.maxContext,
        attention: m.architecture.attention.kind,
        artifacts: m.artifacts,
      };
    });
    if (options.json) io.out(`${JSON.stringify(models, null, 2)}\n`);
    else
      io.out(
        table([
          ['id', 'params', 'active', 'context', 'attention', 'artifacts'],
          ...models.map((m) => [m.id, formatCount(m.params), formatCount(m.activeParams), String(m.maxContext), m.attention, m.artifacts.map((a) => a.quantization).join(',')]),
        ]),
      );
  } else if (kind === 'gpus') {
    if (options.json) io.out(`${JSON.stringify(catalog.gpus, null, 2)}\n`);
    else
      io.out(
        table([
          ['id', 'name', 'memory', 'GB/s', 'bf16 TFLOPS', 'arch', '$/h'],
          ...catalog.gpus.map((g) => [
            g.id,
            g.name,
            `${(g.memoryBytes / GiB).toFixed(1)} GiB`,
            String(g.memoryBandwidthGBs),
            String(g.bf16Tflops),
            `${g.architecture} ${g.computeCapability}`,
            g.pricePerHour.toFixed(2),
          ]),
        ]),
      );
  } else {
    if (options.json) io.out(`${JSON.stringify(catalog.quantizations, null, 2)}\n`);
    else
      io.out(
        table([
          ['id', 'name', 'format', 'bits/weight', 'engines', 'min CC', 'quality'],
          ...catalog.quantizations.map((q) => [q.id, q.name, q.format, String(q.bitsPerWeight), q.engines.join(','), q.minComputeCapability, String(q.qualityRank)]),
        ]),
      );
  }
  return EXIT.ok;
}
