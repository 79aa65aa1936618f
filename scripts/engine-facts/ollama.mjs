#!/usr/bin/env node
// Derives gpuplan's Ollama spec (catalogs/engine-flags/ollama-<version>.json) from an
// Ollama source tree at a release tag. Reads Go source as text: no Go toolchain, no
// dependencies (Node >= 20).
//
//   node scripts/engine-facts/ollama.mjs --src DIR --version 0.12.6 --commit SHA
//   node scripts/engine-facts/ollama.mjs --git path/to/ollama/.git --tag v0.12.6
//
// --src: a checkout of the tag (--version and --commit are then required).
// --git: a git directory (bare or not); files are read with `git show TAG:path`;
//        --version defaults to the tag without its leading "v", --commit to the tag's commit.
// --out FILE writes the JSON there instead of stdout.
//
// What is derived, and from where:
//   instructions          the case list of isValidCommand            parser/parser.go
//   parameters            json tags of api.Options (with its embedded api.Runner), in
//                         reflect.VisibleFields order, keeping the field kinds that
//                         api.FormatParams converts (its switch on reflect.Kind)  api/types.go
//   deprecatedParameters  var deprecatedParameters                   parser/parser.go
//   environment           every OLLAMA_* name in envconfig.AsMap, plus any other OLLAMA_*
//                         getter declared in envconfig (e.g. OLLAMA_AUTH); each typed from
//                         its getter: Bool/BoolWithDefault → bool, Uint/Uint64 → uint,
//                         String → string, and for hand-written getters their return type
//                         (*url.URL → host, []string → list, time.Duration → duration,
//                         slog.Level → bool, string built with filepath → path)  envconfig/config.go
//   OLLAMA_KV_CACHE_TYPE  the values GGML.SupportsKVCacheType accepts, "f16" first  fs/ggml/ggml.go
//
// Any of these not found is an error (exit 1): a refactor upstream must be looked at,
// not silently produce a thinner spec.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { parseArgs } from 'node:util';

const PARSER = 'parser/parser.go';
const TYPES = 'api/types.go';
const ENVCONFIG = 'envconfig/config.go';
const GGML = 'fs/ggml/ggml.go';

// Key order of `environment`: the order gpuplan's specs have used since 0.12.6 (server
// address and scheduling first, then memory, then paths and the rest), so that specs of
// different releases diff cleanly. Names a release lacks are skipped; names not listed
// here follow, in the order envconfig/config.go declares them.
const ENV_ORDER = [
  'OLLAMA_HOST',
  'OLLAMA_CONTEXT_LENGTH',
  'OLLAMA_NUM_PARALLEL',
  'OLLAMA_MAX_LOADED_MODELS',
  'OLLAMA_MAX_QUEUE',
  'OLLAMA_KEEP_ALIVE',
  'OLLAMA_LOAD_TIMEOUT',
  'OLLAMA_FLASH_ATTENTION',
  'OLLAMA_KV_CACHE_TYPE',
  'OLLAMA_GPU_OVERHEAD',
  'OLLAMA_SCHED_SPREAD',
  'OLLAMA_MODELS',
  'OLLAMA_ORIGINS',
  'OLLAMA_DEBUG',
  'OLLAMA_LLM_LIBRARY',
  'OLLAMA_NOPRUNE',
  'OLLAMA_NOHISTORY',
  'OLLAMA_MULTIUSER_CACHE',
  'OLLAMA_NEW_ENGINE',
  'OLLAMA_AUTH',
  'OLLAMA_INTEL_GPU',
  'OLLAMA_REMOTES',
];

class ExtractError extends Error {}
const fail = (message) => {
  throw new ExtractError(message);
};

// ---------------------------------------------------------------- source access

function sourceReader({ src, git, tag }) {
  if (src) return (path) => readFileSync(join(src, path), 'utf8');
  return (path) => execFileSync('git', ['--git-dir', git, 'show', `${tag}:${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Non-test .go files of the tree that contain `needle`. */
function goFilesContaining({ src, git, tag }, needle) {
  if (git) {
    try {
      const out = execFileSync('git', ['--git-dir', git, 'grep', '-l', '-F', needle, tag, '--', '*.go', ':!*_test.go'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(tag.length + 1));
    } catch (error) {
      if (error.status === 1) return []; // git grep: no match
      throw error;
    }
  }
  return readdirSync(src, { recursive: true })
    .filter((path) => path.endsWith('.go') && !path.endsWith('_test.go') && !/(^|[\\/])(\.git|vendor|node_modules)[\\/]/.test(path))
    .filter((path) => readFileSync(join(src, path), 'utf8').includes(needle))
    .map((path) => path.split(sep).join('/'));
}

// ---------------------------------------------------------------- Go text helpers

/** Strips // and /* *\/ comments, leaving string and rune literals intact. */
function stripComments(text) {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c !== '`' && text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The text between the brace at `open` and its match (exclusive). `text` has no comments. */
function braceBody(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c !== '`' && text[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  fail('unbalanced braces');
}

/** Body of `func name(` (a plain function or a method), or null. */
function funcBody(text, name) {
  const m = new RegExp(`^func (?:\\([^)]*\\) )?${name}\\(`, 'm').exec(text);
  if (!m) return null;
  // The body's brace is the first `{` at paren depth 0 after the signature starts.
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === '{' && depth === 0) return { signature: text.slice(m.index, i), body: braceBody(text, i) };
  }
  return null;
}

function structBody(text, name) {
  const m = new RegExp(`^type ${name} struct \\{`, 'm').exec(text);
  return m ? braceBody(text, m.index + m[0].length - 1) : null;
}

const quoted = (text) => [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);

// ---------------------------------------------------------------- parser/parser.go

function extractInstructions(parser) {
  const fn = funcBody(parser, 'isValidCommand') ?? fail(`${PARSER}: no func isValidCommand`);
  // The case whose branch returns true.
  const m = /case\s+([^:]+):\s*return true/.exec(fn.body) ?? fail(`${PARSER}: isValidCommand has no case that returns true`);
  const names = quoted(m[1]);
  if (names.length === 0) fail(`${PARSER}: isValidCommand's case lists no strings`);
  return names;
}

function extractDeprecated(parser) {
  const m = /^var deprecatedParameters = \[\]string\{/m.exec(parser) ?? fail(`${PARSER}: no var deprecatedParameters`);
  return quoted(braceBody(parser, m.index + m[0].length - 1));
}

// ---------------------------------------------------------------- api/types.go

/** reflect.Kind of a Go type expression, as FormatParams sees it. */
function kindOf(type) {
  if (type.startsWith('*')) return { kind: 'Pointer', elem: kindOf(type.slice(1)).kind };
  if (type.startsWith('[]')) return { kind: 'Slice', elem: kindOf(type.slice(2)).kind };
  const basic = {
    int: 'Int',
    int8: 'Int8',
    int16: 'Int16',
    int32: 'Int32',
    int64: 'Int64',
    uint: 'Uint',
    uint8: 'Uint8',
    uint16: 'Uint16',
    uint32: 'Uint32',
    uint64: 'Uint64',
    float32: 'Float32',
    float64: 'Float64',
    bool: 'Bool',
    string: 'String',
  };
  return { kind: basic[type] ?? `Named(${type})` };
}

/** Fields of a struct in reflect.VisibleFields order: an embedded struct's fields follow it. */
function visibleFields(types, name, seen = new Set()) {
  if (seen.has(name)) fail(`${TYPES}: ${name} embeds itself`);
  seen.add(name);
  const body = structBody(types, name) ?? fail(`${TYPES}: no type ${name} struct`);
  const fields = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const tag = /`([^`]*)`\s*$/.exec(line)?.[1] ?? '';
    const decl = line.replace(/`[^`]*`\s*$/, '').trim();
    const parts = decl.split(/\s+/);
    if (parts.length === 1) {
      // Embedded field: VisibleFields lists it, then its promoted fields.
      const embedded = parts[0].replace(/^\*/, '');
      fields.push({ name: embedded, type: parts[0], tag });
      fields.push(...visibleFields(types, embedded, seen));
      continue;
    }
    const [names, type] = [
      decl
        .slice(0, decl.lastIndexOf(parts.at(-1)))
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      parts.at(-1),
    ];
    for (const fieldName of names) fields.push({ name: fieldName, type, tag });
  }
  return fields;
}

/** The reflect kinds FormatParams converts, and for pointers the element kinds. */
function formatParamsKinds(types) {
  const fn = funcBody(types, 'FormatParams') ?? fail(`${TYPES}: no func FormatParams`);
  const at = fn.body.indexOf('case reflect.Pointer:');
  const top = at < 0 ? fn.body : fn.body.slice(0, at);
  const kinds = new Set([...top.matchAll(/case reflect\.(\w+)/g)].map((m) => m[1]));
  const pointerElems = new Set();
  if (at >= 0) {
    kinds.add('Pointer');
    const pointer = fn.body.slice(at + 'case reflect.Pointer:'.length);
    if (/Elem\(\)\.Kind\(\)/.test(pointer)) {
      // switch field.Type().Elem().Kind() { case reflect.Bool: … case reflect.Int: … default: … }
      for (const m of pointer.split(/\bdefault:/)[0].matchAll(/case reflect\.(\w+)/g)) pointerElems.add(m[1]);
    } else {
      // var b bool; if field.Type() == reflect.TypeOf(&b) — pointer to one basic type
      const v = /var (\w+) (\w+)\s+if field\.Type\(\) == reflect\.TypeOf\(&\1\)/.exec(pointer);
      if (!v) fail(`${TYPES}: FormatParams' reflect.Pointer case has an unknown shape`);
      pointerElems.add(kindOf(v[2]).kind);
    }
  }
  return { kinds, pointerElems };
}

const PARAM_TYPE = { Int: 'int', Float32: 'float', Float64: 'float', Bool: 'bool', String: 'string' };

function extractParameters(types) {
  const { kinds, pointerElems } = formatParamsKinds(types);
  const params = new Map();
  for (const field of visibleFields(types, 'Options')) {
    const jsonTag = (/(?:^|\s)json:"([^"]*)"/.exec(field.tag)?.[1] ?? '').split(',')[0];
    if (!jsonTag || jsonTag === '-') continue; // FormatParams only maps fields with a json name
    const { kind, elem } = kindOf(field.type);
    let type = null;
    if (kind === 'Slice' && kinds.has('Slice') && elem === 'String') type = 'string[]';
    else if (kind === 'Pointer' && kinds.has('Pointer') && pointerElems.has(elem)) type = PARAM_TYPE[elem];
    else if (kinds.has(kind)) type = PARAM_TYPE[kind];
    if (!type) {
      process.stderr.write(`ollama.mjs: note: ${jsonTag} (${field.type}) is not a kind FormatParams converts; left out\n`);
      continue;
    }
    params.set(jsonTag, type);
  }
  if (params.size === 0) fail(`${TYPES}: api.Options has no parameters`);
  return Object.fromEntries(params);
}

// ---------------------------------------------------------------- envconfig/config.go

const CONSTRUCTOR_TYPE = { Bool: 'bool', BoolWithDefault: 'bool', Uint: 'uint', Uint64: 'uint', String: 'string' };

function returnTypeOf(signature) {
  // func Name() T {   |   func Name() (name T) {
  const m = /\)\s*(?:\(\s*\w+\s+([^)]+)\)|(.+?))\s*$/.exec(signature.trim());
  return (m?.[1] ?? m?.[2] ?? '').trim();
}

function extractEnvironment(config, ggml) {
  // Getters built by a getterKind: Name = Bool("OLLAMA_X") / Uint("OLLAMA_X", 4096) …
  const byVar = new Map(); // getter name → { key, type }
  const byKey = new Map(); // env name → type
  const declared = []; // env names in declaration order
  for (const m of config.matchAll(/^\s*(?:var\s+)?(\w+)\s*=\s*(\w+)\("([A-Z0-9_]+)"/gm)) {
    const [, getter, getterKind, key] = m;
    const type = CONSTRUCTOR_TYPE[getterKind] ?? fail(`${ENVCONFIG}: ${getter} = ${getterKind}(…): unknown getter getterKind`);
    byVar.set(getter, { key, type });
    if (!byKey.has(key)) {
      byKey.set(key, type);
      declared.push(key);
    }
  }
  // Hand-written getters: func Name() T { … Var("OLLAMA_X") … }
  const byFunc = new Map(); // func name → type
  for (const m of config.matchAll(/^func (\w+)\(\)/gm)) {
    const fn = funcBody(config, m[1]);
    const ret = returnTypeOf(fn.signature);
    const reads = [...fn.body.matchAll(/\bVar\("([A-Z0-9_]+)"\)/g)].map((r) => r[1]);
    const calls = [...fn.body.matchAll(/\b(\w+)\(\)/g)].map((r) => r[1]).filter((c) => byVar.has(c));
    let type;
    if (ret === '*url.URL') type = 'host';
    else if (ret === '[]string') type = 'list';
    else if (ret === 'time.Duration') type = 'duration';
    else if (ret === 'slog.Level')
      type = 'bool'; // OLLAMA_DEBUG: ParseBool, or an integer level
    else if (ret === 'string' && /\bfilepath\./.test(fn.body)) type = 'path';
    else if (ret === 'bool' && reads.length === 0 && calls.length > 0)
      type = byVar.get(calls[0]).type; // e.g. NoCloud() → NoCloudEnv()
    else type = { string: 'string', bool: 'bool', uint: 'uint', uint64: 'uint' }[ret] ?? null;
    if (!type) continue;
    byFunc.set(m[1], type);
    for (const key of reads) {
      if (!byKey.has(key)) {
        byKey.set(key, type);
        declared.push(key);
      }
    }
  }

  // envconfig.AsMap: "OLLAMA_X": {"OLLAMA_X", Getter(…), "…"} and ret["OLLAMA_X"] = EnvVar{"OLLAMA_X", Getter(…), …}
  const asMap = funcBody(config, 'AsMap') ?? fail(`${ENVCONFIG}: no func AsMap`);
  const listed = [];
  for (const m of asMap.body.matchAll(/"([A-Za-z0-9_]+)"\s*(?::\s*(?:EnvVar)?|\]\s*=\s*EnvVar)\s*\{\s*"\1"\s*,\s*([^,]+?)\s*,/g)) {
    const [, key, expr] = m;
    if (!key.startsWith('OLLAMA_')) continue;
    let type = byKey.get(key); // the getter the server reads beats AsMap's display expression
    if (!type) {
      const call = /^(\w+)\(/.exec(expr)?.[1];
      const inline = /^(\w+)\("[A-Z0-9_]+"\)\(\)$/.exec(expr)?.[1];
      type = (inline && CONSTRUCTOR_TYPE[inline]) ?? byVar.get(call)?.type ?? byFunc.get(call);
    }
    if (!type) fail(`${ENVCONFIG}: AsMap entry ${key} (${expr}): cannot tell its type`);
    listed.push([key, type]);
  }
  if (listed.length === 0) fail(`${ENVCONFIG}: AsMap lists no OLLAMA_* variables`);

  const environment = new Map(listed);
  const extra = declared.filter((key) => key.startsWith('OLLAMA_') && !environment.has(key));
  for (const key of extra) environment.set(key, byKey.get(key));

  if (environment.has('OLLAMA_KV_CACHE_TYPE')) environment.set('OLLAMA_KV_CACHE_TYPE', kvCacheTypes(ggml).join('|'));

  const order = [...ENV_ORDER.filter((k) => environment.has(k)), ...declared.filter((k) => environment.has(k) && !ENV_ORDER.includes(k)), ...listed.map(([k]) => k)];
  const ordered = {};
  for (const key of order) if (!(key in ordered)) ordered[key] = environment.get(key);
  return { environment: ordered, extra };
}

/** The cache types GGML.SupportsKVCacheType accepts: its early-return literals, then its list. */
function kvCacheTypes(ggml) {
  const fn = funcBody(ggml, 'SupportsKVCacheType') ?? fail(`${GGML}: no func SupportsKVCacheType`);
  const values = [];
  for (const m of fn.body.matchAll(/cacheType == "([^"]+)"/g)) values.push(m[1]);
  const list = /\[\]string\{([^}]*)\}/.exec(fn.body);
  if (list) values.push(...quoted(list[1]));
  if (values.length === 0) fail(`${GGML}: SupportsKVCacheType names no cache types`);
  return [...new Set(values)];
}

// ---------------------------------------------------------------- main

function main() {
  const { values: args } = parseArgs({
    options: {
      src: { type: 'string' },
      git: { type: 'string' },
      tag: { type: 'string' },
      version: { type: 'string' },
      commit: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (args.help) {
    process.stdout.write('usage: ollama.mjs (--src DIR --version V --commit SHA | --git GITDIR --tag vX [--version V] [--commit SHA]) [--out FILE]\n');
    return;
  }
  if (!!args.src === !!args.git) fail('give exactly one of --src DIR or --git GITDIR');
  if (args.git && !args.tag) fail('--git needs --tag');
  const tag = args.tag ?? (args.version ? `v${args.version}` : null);
  const version = args.version ?? tag?.replace(/^v/, '') ?? fail('--src needs --version');
  let commit = args.commit;
  if (!commit && args.git) commit = execFileSync('git', ['--git-dir', args.git, 'rev-parse', `${tag}^{commit}`], { encoding: 'utf8' }).trim();
  if (!commit) fail('--src needs --commit');
  if (!/^[0-9a-f]{40}$/.test(commit)) fail(`--commit: ${commit} is not a 40-hex commit`);

  const read = sourceReader({ src: args.src, git: args.git, tag });
  const parser = stripComments(read(PARSER));
  const types = stripComments(read(TYPES));
  const config = stripComments(read(ENVCONFIG));
  const ggml = stripComments(read(GGML));

  const { environment, extra } = extractEnvironment(config, ggml);
  // Is the list still enforced? From v0.30.0 Ollama hands OLLAMA_KV_CACHE_TYPE to
  // llama-server (--cache-type-k/-v) and nothing calls SupportsKVCacheType any more.
  const kvCallers = goFilesContaining({ src: args.src, git: args.git, tag }, 'SupportsKVCacheType(').filter((path) => path !== GGML);
  if (kvCallers.length === 0) process.stderr.write(`ollama.mjs: note: nothing outside ${GGML} calls SupportsKVCacheType at ${tag}; its list is what Ollama documents, not what it enforces\n`);
  const kvSource = kvCallers.length
    ? `OLLAMA_KV_CACHE_TYPE values from GGML.SupportsKVCacheType (${GGML}, called from ${kvCallers.join(', ')})`
    : `OLLAMA_KV_CACHE_TYPE values from GGML.SupportsKVCacheType (${GGML}), the documented set; at this tag nothing calls it and the value goes unchecked to llama-server --cache-type-k/--cache-type-v`;
  const spec = {
    engine: 'ollama',
    version,
    commit,
    sources: [PARSER, TYPES, ENVCONFIG, GGML],
    derivedBy:
      `Modelfile instructions from isValidCommand (${PARSER}); PARAMETER names and types from the JSON tags of api.Options and api.Runner, which api.FormatParams accepts; ` +
      `server environment from envconfig.AsMap${extra.length ? ` plus the other envconfig getters (${extra.join(', ')})` : ''}, ` +
      `${kvSource}; at tag ${tag}; by scripts/engine-facts/ollama.mjs`,
    instructions: extractInstructions(parser),
    parameters: extractParameters(types),
    deprecatedParameters: extractDeprecated(parser),
    environment,
  };
  const json = `${JSON.stringify(spec, null, 1)}\n`;
  if (args.out) writeFileSync(args.out, json);
  else process.stdout.write(json);
}

try {
  main();
} catch (error) {
  process.stderr.write(`ollama.mjs: ${error instanceof ExtractError ? error.message : error.stack}\n`);
  process.exit(1);
}
