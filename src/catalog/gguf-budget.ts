/**
 * What a GGUF's metadata would cost in memory once parsed, measured before the parser
 * runs. @huggingface/gguf caps each array (10^6 elements) and key count (10^5) but not
 * their sum, and turns every 64-bit value into a BigInt: six arrays of a million u64 (a
 * 48 MB header) took 671 MB. This walks the key/value section (GGUF spec,
 * ggml/docs/gguf.md: type ids, v1's 32-bit lengths) without building anything, and
 * refuses a header whose values would take more than the budget.
 */

export class GgufMetadataTooLarge extends Error {}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Estimated bytes per parsed value, measured with Node 20 on the parser's output
 * (6 × 10^6 u64 → 671 MB, 6 × 10^6 u32 → 287 MB, 3 × 10^6 empty strings → 242 MB), rounded up.
 */
const COST = { small: 48, wide: 112, string: 80 } as const;

/**
 * The largest real tokenizers cost under 50 MB by this measure: Gemma 3, 262,144 token
 * strings (about 6 bytes) with f32 scores and i32 types, 48 MB; Llama 3, 128,256 tokens,
 * their types and 280,147 merges, 43 MB; Qwen3, 151,936 tokens and 151,387 merges, 34 MB.
 * About twice that is allowed.
 */
export const GGUF_METADATA_BUDGET = 100 * 1024 * 1024;

const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;
const CHUNK = 1 << 20;
/** @huggingface/gguf 0.4.6's own limits (MAX_KV_COUNT, MAX_STRING_LENGTH, MAX_METADATA_ARRAY_LENGTH). */
const PARSER_CAPS = { keys: 1e5, string: 1e7, array: 1e6 } as const;
const PARSER_REFUSES = Symbol('the parser refuses this header itself');

class Cursor {
  private chunkStart = -1;
  private chunk: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly readAt: ReadAt,
    public offset: number,
  ) {}

  private async bytes(n: number): Promise<Uint8Array> {
    if (this.chunkStart < 0 || this.offset < this.chunkStart || this.offset + n > this.chunkStart + this.chunk.length) {
      this.chunkStart = this.offset;
      this.chunk = await this.readAt(this.offset, Math.max(CHUNK, n));
      if (this.chunk.length < n) throw new Error('truncated GGUF header');
    }
    const at = this.offset - this.chunkStart;
    this.offset += n;
    return this.chunk.subarray(at, at + n);
  }

  async u32(): Promise<number> {
    const b = await this.bytes(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  async u64(): Promise<number> {
    const b = await this.bytes(8);
    return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  }

  skip(n: number): void {
    this.offset += n;
  }
}

/** The estimated parsed size of the metadata; throws (a plain Error, the caller words it) past the budget. */
export async function ggufMetadataCost(readAt: ReadAt, budget = GGUF_METADATA_BUDGET): Promise<number> {
  const c = new Cursor(readAt, 0);
  if ((await c.u32()) !== 0x46554747) return 0; // not a GGUF: the parser says so
  const version = await c.u32();
  const length = () => (version === 1 ? c.u32() : c.u64());
  await length(); // tensor count
  const keys = await length();
  // Past the parser's own caps it refuses the file with its own message; nothing to measure.
  if (keys > PARSER_CAPS.keys) return 0;
  let cost = 0;
  const charge = (n: number) => {
    cost += n;
    if (cost > budget) throw new GgufMetadataTooLarge(`metadata that would take more than ${Math.round(budget / 2 ** 20)} MB in memory once read (arrays of millions of values)`);
  };
  const value = async (type: number, depth: number): Promise<void> => {
    if (type === STRING) {
      const n = await length();
      if (n > PARSER_CAPS.string) throw PARSER_REFUSES;
      charge(COST.string + n);
      c.skip(n);
    } else if (type === ARRAY) {
      if (depth > 4) throw new Error('arrays nested too deep');
      const elementType = await c.u32();
      const count = await length();
      if (count > PARSER_CAPS.array) throw PARSER_REFUSES;
      const size = SCALAR_BYTES[elementType];
      if (size !== undefined) {
        charge(count * (size === 8 ? COST.wide : COST.small));
        c.skip(count * size);
      } else for (let i = 0; i < count; i++) await value(elementType, depth + 1);
    } else {
      const size = SCALAR_BYTES[type];
      if (size === undefined) throw new Error(`unknown metadata type ${type}`);
      charge(size === 8 ? COST.wide : COST.small);
      c.skip(size);
    }
  };
  try {
    for (let i = 0; i < keys; i++) {
      const keyLength = await length();
      if (keyLength > PARSER_CAPS.string) return cost;
      c.skip(keyLength);
      await value(await c.u32(), 0);
    }
  } catch (error) {
    if (error !== PARSER_REFUSES) throw error;
  }
  return cost;
}
