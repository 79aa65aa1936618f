/**
 * The hardening primitives (issue 15), each against an independent oracle: the yaml
 * library's own (quadratic) duplicate-key check, the kernel's idea of a FIFO or a device,
 * JSON's own escapes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { GGUF_METADATA_BUDGET, GgufMetadataTooLarge, ggufMetadataCost } from '../../src/catalog/gguf-budget.js';
import { resolveModel } from '../../src/catalog/model.js';
import { firstDuplicateKey, MAX_YAML_DEPTH, parseUntrustedYaml } from '../../src/formats/yaml-keys.js';
import { editDistance } from '../../src/util/closest.js';
import { oneLine, terminalSafe, UserError } from '../../src/util/errors.js';
import { ownEntry } from '../../src/util/own.js';
import { readUserText } from '../../src/util/user-file.js';
import { catalog, fixture } from '../helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gpuplan-hard-'));

describe('readUserText: regular files only, bounded', () => {
  it('a FIFO is refused at once instead of blocking forever', () => {
    const fifo = join(tmp(), 'config.json');
    execFileSync('mkfifo', [fifo]);
    expect(() => readUserText(fifo, 'model config', 1024)).toThrow(/model config ".*config.json": a pipe \(FIFO\), not a regular file/);
  });

  it('devices and directories are refused; /dev/zero never fills memory', () => {
    expect(() => readUserText('/dev/zero', 'prices file', 1024)).toThrow(/a device, not a regular file/);
    expect(() => readUserText(tmp(), 'plan', 1024)).toThrow(/a directory, not a regular file/);
  });

  it('past the cap the file is refused by its size; at the cap it is read whole', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'big.json'), 'x'.repeat(1025));
    writeFileSync(join(dir, 'ok.json'), 'x'.repeat(1024));
    expect(() => readUserText(join(dir, 'big.json'), 'plan', 1024)).toThrow(/1025 bytes, more than the 1024 a plan may have/);
    expect(readUserText(join(dir, 'ok.json'), 'plan', 1024)).toHaveLength(1024);
  });

  it('a missing file, an empty path and a dangling link are one-line user errors', () => {
    const dir = tmp();
    symlinkSync(join(dir, 'nowhere'), join(dir, 'link.json'));
    expect(() => readUserText(join(dir, 'link.json'), 'plan', 1024)).toThrow(/cannot read it: no such file \(ENOENT\)/);
    expect(() => readUserText('', 'plan', 1024)).toThrow(/plan: the path is empty/);
  });
});

describe('duplicate YAML keys in linear time, agreeing with the yaml library', () => {
  const key = fc.constantFrom('a', 'b', 'c', '1', '"1"', 'true', '<<');
  const mapping = fc.array(fc.tuple(key, fc.constantFrom('1', 'x', '[1, 2]', '{a: 1, a: 2}', '{a: 1, b: 2}')), { maxLength: 5 });
  it('finds a repeated key exactly when the library (uniqueKeys: true) reports DUPLICATE_KEY', () => {
    fc.assert(
      fc.property(mapping, (pairs) => {
        // Merge keys `<<` need an alias value to mean anything; the library refuses them as duplicates only as plain keys.
        const text = pairs
          .filter(([k]) => k !== '<<')
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n');
        const library = parseDocument(text, { uniqueKeys: true }).errors.some((e) => e.code === 'DUPLICATE_KEY');
        expect(firstDuplicateKey(parseDocument(text, { uniqueKeys: false })) !== null).toBe(library);
      }),
      { numRuns: 300 },
    );
  });

  it('names the key, and 180,000 distinct keys are fine', () => {
    expect(() => parseUntrustedYaml('h100: 1\na100: 2\nh100: 3\n', 'prices file "p.yaml"')).toThrow('prices file "p.yaml": not valid YAML: `h100` appears twice in one mapping');
    const many = Array.from({ length: 180_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    expect(firstDuplicateKey(parseDocument(many, { uniqueKeys: false }))).toBeNull();
  });

  it('nesting deeper than the walk allows is refused, not recursed into', () => {
    const deep = `${'['.repeat(MAX_YAML_DEPTH + 2)}${']'.repeat(MAX_YAML_DEPTH + 2)}`;
    expect(() => firstDuplicateKey(parseDocument(deep, { uniqueKeys: false }))).toThrow(UserError);
  });
});

describe('sizes read from files are bounded', () => {
  it('a config claiming 10^12 layers (or experts, or a vocabulary of 10^10) is refused naming the field', async () => {
    const dir = tmp();
    const real = JSON.parse(readUserText(fixture('configs/llama-3.1-70b.config.json'), 'config', 1 << 20));
    for (const [field, value] of [
      ['num_hidden_layers', 1e12],
      ['vocab_size', 1e10],
      ['num_attention_heads', 1e8],
      ['max_position_embeddings', 1e15],
    ] as const) {
      const path = join(dir, `${field}.json`);
      writeFileSync(path, JSON.stringify({ ...real, [field]: value }));
      await expect(resolveModel(catalog, path)).rejects.toThrow(new RegExp(`field ${field}: must be at most`));
    }
  });

  it('torch_dtype "__proto__" and model_type "constructor" are unknown names, not Object members', async () => {
    const dir = tmp();
    const real = JSON.parse(readUserText(fixture('configs/llama-3.1-70b.config.json'), 'config', 1 << 20));
    writeFileSync(join(dir, 'proto.json'), JSON.stringify({ ...real, torch_dtype: '__proto__' }));
    writeFileSync(join(dir, 'ctor.json'), JSON.stringify({ ...real, model_type: 'constructor' }));
    expect((await resolveModel(catalog, join(dir, 'proto.json'))).nativeQuantization).toBe('bf16');
    // An unknown model_type is read as a generic decoder, and says so; "constructor" matches no family's rules.
    const generic = await resolveModel(catalog, join(dir, 'ctor.json'));
    expect(generic.architecture?.assumptions.join(' ')).toMatch(/model_type "constructor" is not one gpuplan knows/);
    expect(ownEntry({ a: 1 }, 'constructor')).toBeUndefined();
    expect(ownEntry({ a: 1 }, '__proto__')).toBeUndefined();
  });
});

describe('what reaches the terminal', () => {
  it('control characters become JSON escapes, so escaped JSON still parses to the same strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const json = terminalSafe(JSON.stringify({ s }));
        expect(JSON.parse(json)).toEqual({ s });
        expect(json).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      }),
      { numRuns: 500 },
    );
  });

  it('an error is one line of bounded length that keeps its end (the reason)', () => {
    const line = oneLine(`model "${'9'.repeat(5000)}b"\nsecond line: the reason`);
    expect(line).not.toMatch(/\n/);
    expect(line.length).toBeLessThanOrEqual(1000);
    expect(line.endsWith('second line: the reason')).toBe(true);
  });

  it('edit distance of a megabyte-long token against a short name costs nothing and stays a lower bound', () => {
    const long = 'x'.repeat(1_000_000);
    expect(editDistance(long, '--port')).toBeGreaterThanOrEqual(1_000_000 - 6);
    expect(editDistance('--prot', '--port')).toBe(2);
  });
});

describe('GGUF metadata is measured before it is parsed', () => {
  /** A GGUF v3 header with the given arrays: [element type id, values] (strings as JS strings). */
  function header(arrays: [number, number | string, number][]): Buffer {
    const parts: Buffer[] = [];
    const u32 = (n: number) => parts.push(Buffer.from(new Uint32Array([n]).buffer));
    const u64 = (n: number) => parts.push(Buffer.from(new BigUint64Array([BigInt(n)]).buffer));
    const str = (s: string) => {
      u64(Buffer.byteLength(s));
      parts.push(Buffer.from(s));
    };
    parts.push(Buffer.from('GGUF'));
    u32(3);
    u64(0);
    u64(arrays.length);
    for (const [i, [type, sample, count]] of arrays.entries()) {
      str(`key.${i}`);
      u32(9);
      u32(type);
      u64(count);
      if (type === 8) for (let j = 0; j < count; j++) str(sample as string);
      else parts.push(Buffer.alloc(count * (type === 10 ? 8 : 4)));
    }
    return Buffer.concat(parts);
  }
  const reader = (b: Buffer) => async (offset: number, length: number) => b.subarray(offset, offset + length);

  it('three arrays of a million u64 (24 MB on disk, over 300 MB as BigInts) are refused', async () => {
    const bomb = header([
      [10, 0, 1_000_000],
      [10, 0, 1_000_000],
      [10, 0, 1_000_000],
    ]);
    await expect(ggufMetadataCost(reader(bomb))).rejects.toThrow(GgufMetadataTooLarge);
  });

  it("Llama 3's tokenizer (128,256 tokens and types, 280,147 merges: the published counts) fits in half the budget", async () => {
    const llama3 = header([
      [8, 'Ġtoken', 128_256],
      [5, 0, 128_256],
      [8, 'Ġa Ġbc', 280_147],
    ]);
    const cost = await ggufMetadataCost(reader(llama3));
    expect(cost).toBeGreaterThan(30 * 2 ** 20);
    expect(cost).toBeLessThan(GGUF_METADATA_BUDGET / 2);
  });
});
