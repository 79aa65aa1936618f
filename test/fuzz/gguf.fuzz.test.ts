/**
 * GGUF headers (issue 15): the tiny Llama of test/fixtures/gguf/write-gguf.ts with hostile
 * metadata (block_count, expert_count, head_count, context_length, vocab huge or zero,
 * architecture `constructor`, `__proto__` or unknown, values of the wrong GGUF type, arrays),
 * hostile tensor tables, and files cut at random offsets or with bytes flipped
 * → `estimate --model x.gguf`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it, vi } from 'vitest';
import { tinyTensors } from '../fixtures/gguf/write-gguf.js';
import { hostileString, PROTO_KEYS } from './arbitraries.js';
import { budget, caseDir, checkOutcome, guardRepo, runInProcess, runs, runSpawned, assertReaches } from './harness.js';

vi.mock('../../src/catalog/catalog.js', () => import('./memo-catalog.js').then((m) => m.memoizedCatalog()));
guardRepo();

/** GGUF value types (ggml/docs/gguf.md). */
const T = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;
type Scalar = { type: Exclude<(typeof T)[keyof typeof T], 9>; value: number | bigint | string | boolean };
type Value = Scalar | { type: 9; of: Scalar['type']; items: Scalar['value'][] };

function scalarBytes(type: Scalar['type'], value: Scalar['value']): Buffer {
  const b = Buffer.alloc(8);
  const finite = Number.isFinite(Number(value)) ? Math.trunc(Number(value)) : 0;
  const n = typeof value === 'bigint' ? value : BigInt(finite);
  switch (type) {
    case T.U8:
      return Buffer.from([Number(BigInt.asUintN(8, n))]);
    case T.I8:
      b.writeInt8(Number(BigInt.asIntN(8, n)));
      return b.subarray(0, 1);
    case T.U16:
      b.writeUInt16LE(Number(BigInt.asUintN(16, n)));
      return b.subarray(0, 2);
    case T.I16:
      b.writeInt16LE(Number(BigInt.asIntN(16, n)));
      return b.subarray(0, 2);
    case T.U32:
      b.writeUInt32LE(Number(BigInt.asUintN(32, n)));
      return b.subarray(0, 4);
    case T.I32:
      b.writeInt32LE(Number(BigInt.asIntN(32, n)));
      return b.subarray(0, 4);
    case T.F32:
      b.writeFloatLE(Number(value));
      return b.subarray(0, 4);
    case T.BOOL:
      return Buffer.from([value ? 1 : 0]);
    case T.STRING: {
      const s = Buffer.from(String(value), 'utf8');
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(s.length));
      return Buffer.concat([len, s]);
    }
    case T.U64:
      b.writeBigUInt64LE(BigInt.asUintN(64, n));
      return b;
    case T.I64:
      b.writeBigInt64LE(BigInt.asIntN(64, n));
      return b;
    case T.F64:
      b.writeDoubleLE(Number(value));
      return b;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n)));
  return b;
}

type Tensor = { name: string; shape: (number | bigint)[]; type: number; offset: number | bigint };

/** A GGUF v3 file from metadata and a tensor table (data zero-filled up to `dataBytes`). */
function ggufBytes(metadata: [string, Value][], tensors: Tensor[], dataBytes: number): Buffer {
  const chunks: Buffer[] = [Buffer.from('GGUF'), u32(3), u64(tensors.length), u64(metadata.length)];
  for (const [key, value] of metadata) {
    chunks.push(scalarBytes(T.STRING, key), u32(value.type));
    if (value.type === T.ARRAY) {
      chunks.push(u32(value.of), u64(value.items.length), ...value.items.map((v) => scalarBytes(value.of, v)));
    } else chunks.push(scalarBytes(value.type, value.value));
  }
  for (const t of tensors) chunks.push(scalarBytes(T.STRING, t.name), u32(t.shape.length), ...t.shape.map(u64), u32(t.type), u64(t.offset));
  const header = Buffer.concat(chunks);
  const aligned = Math.ceil(header.length / 32) * 32;
  return Buffer.concat([header, Buffer.alloc(aligned - header.length), Buffer.alloc(dataBytes)]);
}

const realTensors = (): { tensors: Tensor[]; bytes: number } => {
  let offset = 0;
  const tensors = tinyTensors().map(([name, shape, type, bytes]) => {
    const t = { name, shape, type, offset };
    offset += bytes;
    return t;
  });
  return { tensors, bytes: offset };
};

const ARCHS = ['llama', 'qwen2', 'qwen3', 'qwen2moe', 'qwen3moe', 'deepseek2', 'gemma3', 'gpt-oss', 'mistral', ...PROTO_KEYS, 'unknownarch', ''] as const;
const FIELDS = [
  'block_count',
  'context_length',
  'embedding_length',
  'feed_forward_length',
  'attention.head_count',
  'attention.head_count_kv',
  'attention.key_length',
  'attention.value_length',
  'attention.sliding_window',
  'vocab_size',
  'expert_count',
  'expert_used_count',
  'expert_feed_forward_length',
  'expert_shared_count',
  'leading_dense_block_count',
  'attention.kv_lora_rank',
  'attention.q_lora_rank',
  'attention.key_length_mla',
  'rope.dimension_count',
] as const;

const hostileCount = fc.oneof(
  fc.constantFrom<Scalar['value']>(0, 1, 2, 4, 256, 4096, 2 ** 31, 2 ** 32 - 1, 1e9, 1e12, 2n ** 63n, 2n ** 64n - 1n, -1),
  fc.integer({ min: 0, max: 100_000 }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);
const scalarType = fc.constantFrom(T.U8, T.I8, T.U16, T.I16, T.U32, T.I32, T.F32, T.BOOL, T.U64, T.I64, T.F64);
const hostileValue: fc.Arbitrary<Value> = fc.oneof(
  fc.record({ type: fc.constantFrom(T.U32, T.U64, T.I32, T.I64), value: hostileCount }),
  fc.record({ type: fc.constantFrom(T.F32, T.F64), value: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5, 1e300, 3.4e38) }),
  fc.record({ type: scalarType, value: hostileCount }),
  fc.record({ type: fc.constant(T.STRING), value: hostileString }),
  fc.record({ type: fc.constant(T.ARRAY), of: fc.constantFrom(T.U32, T.I32, T.U64), items: fc.array(hostileCount, { maxLength: 8 }) }),
  fc.record({ type: fc.constant(T.ARRAY), of: fc.constant(T.STRING), items: fc.array(hostileString, { maxLength: 4 }) }),
) as fc.Arbitrary<Value>;

const hostileTensor: fc.Arbitrary<Tensor> = fc.record({
  name: fc.oneof(fc.constantFrom('output.weight', 'token_embd.weight', 'blk.0.ffn_gate_exps.weight', 'blk.99999.attn_q.weight', '__proto__'), hostileString),
  shape: fc.array(fc.oneof(fc.constantFrom<number | bigint>(0, 1, 256, 2 ** 32, 2n ** 63n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 6 }),
  type: fc.oneof(fc.constantFrom(0, 1, 2, 12, 14, 30, 39, 255, 2 ** 31), fc.nat()),
  offset: fc.oneof(fc.constantFrom<number | bigint>(0, 32, 2n ** 63n), fc.nat()),
});

/** `arb` once in `n` cases, else null (fc.option's freq is the other way round: null once in freq). */
const sometimes = <T>(arb: fc.Arbitrary<T>, n: number) => fc.oneof({ arbitrary: fc.constant(null), weight: n - 1 }, { arbitrary: arb, weight: 1 });

const ggufCase = fc
  .record({
    // Mostly one hostile thing at a time, so some files still read (exit 0) and each part is reached.
    arch: fc.oneof({ arbitrary: fc.constant('llama'), weight: 4 }, fc.constantFrom(...ARCHS), hostileString),
    archValue: sometimes(hostileValue, 10),
    fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(hostileValue, { freq: 4 })), { maxLength: 3 }),
    extra: fc.array(fc.tuple(fc.oneof(fc.constantFrom('general.file_type', 'general.name', 'tokenizer.ggml.tokens', 'general.alignment'), hostileString), hostileValue), { maxLength: 2 }),
    tensorEdits: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, fc.array(fc.tuple(fc.nat(), fc.option(hostileTensor, { freq: 3 })), { maxLength: 2 })),
    cut: sometimes(fc.double({ min: 0, max: 1, noNaN: true }), 5),
    flips: fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })),
  })
  .map(({ arch, archValue, fields, extra, tensorEdits, cut, flips }) => {
    const metadata = new Map<string, Value>([
      ['general.architecture', archValue ?? { type: T.STRING, value: arch }],
      ['general.name', { type: T.STRING, value: 'fuzz' }],
      ['general.file_type', { type: T.U32, value: 15 }],
      [`${arch}.block_count`, { type: T.U32, value: 2 }],
      [`${arch}.context_length`, { type: T.U32, value: 4096 }],
      [`${arch}.embedding_length`, { type: T.U32, value: 256 }],
      [`${arch}.feed_forward_length`, { type: T.U32, value: 512 }],
      [`${arch}.attention.head_count`, { type: T.U32, value: 4 }],
      [`${arch}.attention.head_count_kv`, { type: T.U32, value: 2 }],
      [`${arch}.vocab_size`, { type: T.U32, value: 256 }],
    ]);
    for (const [field, value] of fields) {
      if (value === null) metadata.delete(`${arch}.${field}`);
      else metadata.set(`${arch}.${field}`, value);
    }
    for (const [key, value] of extra) metadata.set(key, value);
    const { tensors, bytes } = realTensors();
    for (const [index, tensor] of tensorEdits) {
      if (tensor === null) tensors.splice(index % tensors.length, 1);
      else tensors[index % (tensors.length + 1)] = tensor;
    }
    let file = ggufBytes([...metadata], tensors, bytes);
    for (const [at, byte] of flips) file[Math.floor(at * (file.length - 1))] = byte;
    if (cut !== null) file = file.subarray(0, Math.floor(cut * file.length));
    return file;
  });

function show(file: Buffer): string {
  return `${file.length} bytes, header ${JSON.stringify(file.subarray(0, 1200).toString('latin1'))}`;
}

describe('fuzz: GGUF headers', () => {
  it(
    'estimate of a hostile GGUF exits 0/1/2 with one error line',
    async () => {
      await assertReaches(ggufCase, runs(200), [0, 2], async (file) => {
        const path = join(caseDir('gguf'), 'x.gguf');
        writeFileSync(path, file);
        const outcome = await runInProcess(['estimate', '--model', path, '--json']);
        checkOutcome(outcome, show(file));
        return [outcome.code];
      });
    },
    budget(60_000),
  );

  it(
    'the shipped bundle under the heap and time guard',
    () => {
      fc.assert(
        fc.property(ggufCase, (file) => {
          const path = join(caseDir('gguf'), 'x.gguf');
          writeFileSync(path, file);
          checkOutcome(runSpawned(['estimate', '--model', path]), show(file));
        }),
        { numRuns: runs(4) },
      );
    },
    budget(30_000),
  );
});
