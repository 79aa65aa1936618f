#!/usr/bin/env node
/**
 * Extract the command-line options that `llama-server` accepts from a llama.cpp
 * source tree, as a flag set in the schema of catalogs/engine-flags/*.json.
 *
 *   node scripts/engine-facts/llamacpp.mjs --src DIR --version bNNNN --commit SHA > catalogs/engine-flags/llamacpp-bNNNN.json
 *
 * DIR is a llama.cpp checkout (common/arg.cpp, and common/*.cpp for the parser functions
 * some handlers call). No build is needed:
 * the `add_opt(common_arg(...))` calls in common_params_parser_init are read as text.
 *
 * What llama.cpp does at run time, and how this mirrors it:
 * - add_opt keeps an option when it is in the example (LLAMA_EXAMPLE_SERVER) or in
 *   LLAMA_EXAMPLE_COMMON, and not in its excludes; an option without .set_examples is
 *   COMMON. Options marked .set_preset_only() are not command-line options.
 * - Options inside `if (...) { ... }` blocks of the parser function are kept when the
 *   condition holds for the server: `ex == LLAMA_EXAMPLE_SERVER` is true, any other
 *   example false; `llama_supports_rpc()` is false (the b6550 record was dumped from a
 *   build without RPC; --rpc only exists in GGML_RPC builds). Other conditions are
 *   kept and reported on stderr.
 * - Names: the first `--` spelling is the canonical name, every other spelling an
 *   alias (sorted). Negated spellings (the second brace list of the bool constructor,
 *   e.g. {"--mmap"}, {"--no-mmap"}) become their own flag, as llama.cpp matches them
 *   as separate argv words; environment variables (.set_env) are not flags.
 * - takesValue/type from the handler's parameters: (params) → bool, no value;
 *   (params, bool) → bool, no value; (params, int) → int; (params, const std::string &)
 *   → float when the body calls std::stof/std::stod, else str; two strings → "str str".
 * - choices: a value hint `{a,b}` or `[a|b]`; a string handler comparing the value
 *   against literals with a final `throw` (help lines `- name:` give the order when
 *   they list the same names); an int handler accepting only listed numbers
 *   (`value != 0 && value != -1`); kv_cache_type_from_str → the kv_cache_types table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function usage(msg) {
  if (msg) process.stderr.write(`error: ${msg}\n`);
  process.stderr.write('usage: llamacpp.mjs --src DIR --version bNNNN --commit SHA\n');
  process.exit(2);
}

function parseArgv(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') usage();
    const m = /^--(src|version|commit)$/.exec(a);
    if (!m) usage(`unknown argument ${a}`);
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    out[m[1]] = argv[++i];
  }
  if (!out.src || !out.version || !out.commit) usage('--src, --version and --commit are required');
  if (!/^b\d+$/.test(out.version)) usage('--version must look like bNNNN');
  if (!/^[0-9a-f]{40}$/.test(out.commit)) usage('--commit must be 40 lower-case hex digits');
  return out;
}

/* ---------- C++ lexing: enough to skip strings, chars and comments ---------- */

/** Index just past the literal or comment starting at i, or -1 when none starts there. */
function skipNonCode(src, i) {
  const c = src[i];
  const n = src[i + 1];
  if (c === '/' && n === '/') {
    const e = src.indexOf('\n', i);
    return e < 0 ? src.length : e;
  }
  if (c === '/' && n === '*') {
    const e = src.indexOf('*/', i + 2);
    return e < 0 ? src.length : e + 2;
  }
  if (c === 'R' && n === '"' && !/[A-Za-z0-9_]/.test(src[i - 1] ?? '')) {
    const open = src.indexOf('(', i + 2);
    const delim = src.slice(i + 2, open);
    const e = src.indexOf(`)${delim}"`, open);
    return e + delim.length + 2;
  }
  if (c === '"' || (c === "'" && !/[0-9A-Fa-f]/.test(src[i - 1] ?? ''))) {
    let j = i + 1;
    while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  return -1;
}

/** Index of the bracket closing the one at `open`. */
function matching(src, open) {
  const pairs = { '(': ')', '{': '}', '[': ']' };
  const stack = [pairs[src[open]]];
  let i = open + 1;
  while (i < src.length) {
    const skip = skipNonCode(src, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    const ch = src[i];
    if (pairs[ch]) stack.push(pairs[ch]);
    else if (ch === ')' || ch === '}' || ch === ']') {
      if (stack.pop() !== ch) throw new Error(`unbalanced ${ch} at offset ${i}`);
      if (stack.length === 0) return i;
    }
    i++;
  }
  throw new Error(`no match for ${src[open]} at offset ${open}`);
}

/** Split at top-level commas. */
function splitArgs(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const skip = skipNonCode(text, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    const ch = text[i];
    if ('({['.includes(ch)) depth++;
    else if (')}]'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  const last = text.slice(start).trim();
  if (last) parts.push(last);
  return parts;
}

/** The value of a C string literal's body (simple escapes; others kept as written). */
function unescapeC(body) {
  const simple = { n: '\n', t: '\t', r: '\r', 0: '\0', '\\': '\\', '"': '"', "'": "'", '?': '?' };
  return body.replace(/\\(.)/g, (all, ch) => simple[ch] ?? all);
}

/** The string literals of an expression, concatenated (C++ adjacent-literal rule). */
function literals(expr) {
  const out = [];
  let i = 0;
  while (i < expr.length) {
    if (expr[i] === '"') {
      const e = skipNonCode(expr, i);
      out.push(unescapeC(expr.slice(i + 1, e - 1)));
      i = e;
      continue;
    }
    const skip = skipNonCode(expr, i);
    i = skip >= 0 ? skip : i + 1;
  }
  return out;
}

const isStringLiteral = (expr) => /^"(?:[^"\\]|\\.)*"$/.test(expr.trim());
const isBraceList = (expr) => expr.startsWith('{') && expr.endsWith('}');

/* ---------- the parser function ---------- */

function parserBody(src) {
  // the definition, not a declaration: its parameter list is followed by a body
  const re = /common_params_context\s+common_params_parser_init\s*\(/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const after = matching(src, m.index + m[0].length - 1) + 1;
    const open = after + (/^\s*/.exec(src.slice(after))?.[0].length ?? 0);
    if (src[open] === '{') return { start: open + 1, end: matching(src, open) };
  }
  throw new Error('common_params_parser_init definition not found');
}

const unknownConditions = new Set();

/** Does an `if` condition in the parser hold for llama-server? */
function conditionHolds(cond) {
  const c = cond.replace(/\s+/g, ' ').trim();
  const ors = splitTop(c, '||');
  if (ors.length > 1) return ors.some(conditionHolds);
  const ands = splitTop(c, '&&');
  if (ands.length > 1) return ands.every(conditionHolds);
  if (c.startsWith('(') && matching(c, 0) === c.length - 1) return conditionHolds(c.slice(1, -1));
  if (c.startsWith('!')) return !conditionHolds(c.slice(1));
  const m = /^ex\s*(==|!=)\s*(LLAMA_EXAMPLE_\w+)$/.exec(c) ?? /^(LLAMA_EXAMPLE_\w+)\s*(==|!=)\s*ex$/.exec(c);
  if (m) {
    const [op, example] = m[1].startsWith('LLAMA') ? [m[2], m[1]] : [m[1], m[2]];
    return (example === 'LLAMA_EXAMPLE_SERVER') === (op === '==');
  }
  if (/^llama_supports_rpc\(\)$/.test(c)) return false;
  // the documentation generator (llama-gen-docs) sets it; llama-server never does
  if (/^params\.is_gen_docs$/.test(c)) return false;
  unknownConditions.add(c);
  return true;
}

function splitTop(text, op) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(op, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/**
 * Walk the parser body; yield [callText, chainText] for each add_opt(common_arg(...)...)
 * whose enclosing if/else blocks hold for the server.
 */
function* optionCalls(src, start, end) {
  const active = [true]; // one entry per open brace
  let pendingCond = null; // condition of an if whose block opens next
  let lastIfCond = null; // for a following else
  let i = start;
  while (i < end) {
    const skip = skipNonCode(src, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    const rest = src.slice(i, i + 16);
    if (/^add_opt\s*\(/.test(rest) && !/[A-Za-z0-9_]/.test(src[i - 1])) {
      const open = src.indexOf('(', i);
      const close = matching(src, open);
      if (active.every(Boolean)) yield src.slice(open + 1, close);
      i = close + 1;
      continue;
    }
    if (/^auto\s+add_opt\b/.test(rest)) {
      // the add_opt helper itself (its `if` is the example filter, applied in inServer)
      const open = src.indexOf('{', i);
      i = src.indexOf(';', matching(src, open)) + 1;
      continue;
    }
    let m = /^if\s*\(/.exec(rest);
    if (m && !/[A-Za-z0-9_]/.test(src[i - 1])) {
      const open = src.indexOf('(', i);
      const close = matching(src, open);
      pendingCond = src.slice(open + 1, close);
      i = close + 1;
      continue;
    }
    m = /^else\b/.exec(rest);
    if (m) {
      pendingCond = lastIfCond === null ? null : `!(${lastIfCond})`;
      i += 4;
      continue;
    }
    const ch = src[i];
    if (ch === '{') {
      active.push(pendingCond === null ? true : conditionHolds(pendingCond));
      lastIfCond = pendingCond;
      pendingCond = null;
    } else if (ch === '}') {
      active.pop();
    } else if (ch === ';') {
      pendingCond = null;
    }
    i++;
  }
}

/* ---------- one option ---------- */

function kvCacheTypes(src) {
  const m = /kv_cache_types\s*=\s*\{([^}]*)\}/.exec(src);
  if (!m) return null;
  return [...m[1].matchAll(/GGML_TYPE_(\w+)/g)].map((x) => x[1].toLowerCase());
}

function hintChoices(hint) {
  if (!hint) return null;
  let m = /^\{([^{}]+)\}$/.exec(hint);
  if (m?.[1].includes(',')) return m[1].split(',').map((s) => s.trim());
  m = /^\[([^[\]]+)\]$/.exec(hint);
  if (m?.[1].includes('|')) return m[1].split('|').map((s) => s.trim());
  return null;
}

function parseOption(call, src, sources) {
  // call: `common_arg(...)` followed by `.set_xxx(...)` chain
  const m = /^\s*common_arg\s*\(/.exec(call);
  if (!m) return null;
  const open = call.indexOf('(');
  const close = matching(call, open);
  const args = splitArgs(call.slice(open + 1, close));
  const chain = call.slice(close + 1);

  const names = literals(args[0]);
  let k = 1;
  let negNames = [];
  if (isBraceList(args[1] ?? '')) {
    negNames = literals(args[1]);
    k = 2;
  }
  const lambda = args[args.length - 1];
  const middle = args.slice(k, -1);
  const lm = /^\[[^\]]*\]\s*\(([^)]*)\)\s*(?:->\s*\w+\s*)?\{/.exec(lambda);
  if (!lm) throw new Error(`option ${names.join(', ')}: handler is not a lambda`);
  const body = lambda.slice(lm[0].length - 1);
  const params = splitArgs(lm[1])
    .slice(1)
    .map((p) => p.replace(/\s+/g, ' ').trim());

  const hint = middle.length >= 2 && isStringLiteral(middle[0]) ? literals(middle[0])[0] : null;
  const help = literals(middle[middle.length - 1] ?? '').join('');

  let takesValue;
  let type;
  if (params.length === 0) {
    takesValue = false;
    type = 'bool';
  } else if (params.length === 2) {
    takesValue = true;
    type = 'str str';
  } else if (/^bool\b/.test(params[0])) {
    takesValue = false;
    type = 'bool';
  } else if (/^(int|int32_t)\b/.test(params[0])) {
    takesValue = true;
    type = 'int';
  } else if (/std::string/.test(params[0])) {
    takesValue = true;
    // float only when the argument itself is converted (not a part of it, as in --logit-bias or --tensor-split)
    const param = /(\w+)\s*$/.exec(params[0])?.[1] ?? 'value';
    const converts = (fns) => new RegExp(`std::sto(${fns})\\s*\\(\\s*${param}\\s*\\)`).test(body);
    // int when the whole argument goes through std::stoi/stoul/… and no word is accepted beside numbers
    // (-ngl takes `auto` and `all` too); a range hint in angle brackets (`<0|1>`, `<0...100>`: --cpu-strict,
    // --poll) stays str, as the b6550 record, dumped from a build, has them.
    const wordsAccepted = new RegExp(`\\b${param}\\s*==\\s*"`).test(body);
    const rangeHint = hint !== null && /^<.*>$/.test(hint);
    type = converts('f|d|ld') ? 'float' : converts('i|l|ll|ul|ull') && !wordsAccepted && !rangeHint ? 'int' : 'str';
  } else throw new Error(`option ${names.join(', ')}: unknown handler parameters (${params.join(', ')})`);

  let choices = null;
  if (takesValue) {
    choices = hintChoices(hint);
    if (!choices && /kv_cache_type_from_str\s*\(/.test(body)) choices = kvCacheTypes(src);
    if (!choices && type === 'str') choices = stringChoices(body, help);
    if (!choices && type === 'str') choices = helperChoices(body, sources);
    if (!choices && type === 'int') choices = intChoices(body);
  }

  const examples = chainList(chain, 'set_examples', src);
  const excludes = chainList(chain, 'set_excludes', src) ?? [];
  const presetOnly = /\.set_preset_only\s*\(/.test(chain);
  return { names, negNames, hint, takesValue, type, choices, examples, excludes, presetOnly };
}

function chainList(chain, method, src) {
  const m = new RegExp(`\\.${method}\\s*\\(`).exec(chain);
  if (!m) return null;
  const open = m.index + m[0].length - 1;
  let inner = chain.slice(open + 1, matching(chain, open)).trim();
  // a named list, e.g. .set_examples(mmproj_examples) with
  // `static std::initializer_list<enum llama_example> mmproj_examples = {...};`
  if (/^\w+$/.test(inner)) {
    const def = new RegExp(`initializer_list\\s*<\\s*(?:enum\\s+)?llama_example\\s*>\\s+${inner}\\s*=\\s*\\{([^}]*)\\}`).exec(src);
    if (!def) throw new Error(`${method}(${inner}): list not found`);
    inner = def[1];
  }
  return [...inner.matchAll(/LLAMA_EXAMPLE_\w+/g)].map((x) => x[0]);
}

/** `value == "x"` comparisons ending in a throw: the accepted words. */
function stringChoices(body, help) {
  if (!/throw\b/.test(body)) return null;
  const compared = [...body.matchAll(/\b\w+\s*==\s*("(?:[^"\\]|\\.)*")/g)].map((x) => unescapeC(x[1].slice(1, -1))).filter((s) => s !== '');
  if (compared.length < 2) return null;
  const unique = [...new Set(compared)];
  const listed = [...help.matchAll(/(?:^|\n)- ([\w.-]+)(?: \([^)]*\))?:/g)].map((x) => x[1]);
  if (listed.length === unique.length && unique.every((c) => listed.includes(c))) return listed;
  return unique;
}

/**
 * A string handler that passes the whole value to a parser function of common/ (e.g.
 * common_reasoning_format_from_name in common/chat.cpp): that function's `name == "x"`
 * comparisons ending in a throw are the accepted words, in its order.
 */
function helperChoices(body, sources) {
  for (const call of body.matchAll(/\b(\w+)\s*\(\s*value\s*\)/g)) {
    const fn = call[1];
    if (fn.startsWith('sto') || fn === 'string') continue;
    const def = new RegExp(`\\b${fn}\\s*\\(\\s*const\\s+std::string\\s*&\\s*(\\w+)\\s*\\)\\s*\\{`);
    for (const text of sources) {
      const m = def.exec(text);
      if (!m) continue;
      const open = m.index + m[0].length - 1;
      const fnBody = text.slice(open, matching(text, open) + 1);
      if (!/throw\b/.test(fnBody)) return null;
      const words = [...fnBody.matchAll(new RegExp(`\\b${m[1]}\\s*==\\s*("(?:[^"\\\\]|\\\\.)*")`, 'g'))].map((x) => unescapeC(x[1].slice(1, -1)));
      const unique = [...new Set(words)];
      return unique.length >= 2 ? unique : null;
    }
  }
  return null;
}

/** An int handler that throws unless the value is one of a few numbers. */
function intChoices(body) {
  const m = /if\s*\(([^)]*)\)\s*\{?\s*throw/.exec(body);
  if (!m) return null;
  const nums = [...m[1].matchAll(/\w+\s*!=\s*(-?\d+)/g)].map((x) => Number(x[1]));
  if (nums.length < 2 || !/^[\w\s!=&-]+$/.test(m[1])) return null;
  return [...new Set(nums)].sort((a, b) => a - b).map(String);
}

/* ---------- flag set ---------- */

function canonical(spellings) {
  const long = spellings.find((s) => s.startsWith('--'));
  const name = long ?? spellings[0];
  return { name, aliases: spellings.filter((s) => s !== name).sort() };
}

function inServer(opt) {
  if (opt.presetOnly) return false;
  const examples = opt.examples ?? ['LLAMA_EXAMPLE_COMMON'];
  const inEx = examples.includes('LLAMA_EXAMPLE_SERVER') || examples.includes('LLAMA_EXAMPLE_COMMON');
  return inEx && !opt.excludes.includes('LLAMA_EXAMPLE_SERVER');
}

function flagSet(src, sources, { version, commit }) {
  const { start, end } = parserBody(src);
  const flags = {};
  const add = (spellings, entry) => {
    const { name, aliases } = canonical(spellings);
    if (flags[name]) process.stderr.write(`warning: ${name} defined twice; keeping the first\n`);
    else flags[name] = { aliases, ...entry };
  };
  for (const call of optionCalls(src, start, end)) {
    const opt = parseOption(call, src, sources);
    if (!opt || !inServer(opt)) continue;
    const entry = { takesValue: opt.takesValue, type: opt.type };
    if (opt.choices) entry.choices = opt.choices;
    add(opt.names, entry);
    if (opt.negNames.length) add(opt.negNames, { takesValue: false, type: 'bool' });
  }
  for (const c of unknownConditions) process.stderr.write(`warning: kept options under unevaluated condition: ${c}\n`);
  return {
    engine: 'llamacpp',
    version,
    command: 'llama-server [options]',
    commit,
    sources: ['common/arg.cpp (common_params_parser_init)', 'common/arg.h (struct common_arg)'],
    derivedBy:
      `scripts/engine-facts/llamacpp.mjs: the add_opt(common_arg(...)) calls of common_params_parser_init in common/arg.cpp at tag ${version}, ` +
      'kept when their examples include LLAMA_EXAMPLE_SERVER or LLAMA_EXAMPLE_COMMON and do not exclude the server (build without RPC); ' +
      'only the space-separated `--opt value` form is accepted',
    flags,
  };
}

const opts = parseArgv(process.argv.slice(2));
const src = readFileSync(join(opts.src, 'common', 'arg.cpp'), 'utf8');
// the other sources of common/, for the parser functions some handlers call
const common = readdirSync(join(opts.src, 'common'))
  .filter((f) => f.endsWith('.cpp') && f !== 'arg.cpp')
  .sort()
  .map((f) => readFileSync(join(opts.src, 'common', f), 'utf8'));
process.stdout.write(`${JSON.stringify(flagSet(src, common, opts), null, 1)}\n`);
