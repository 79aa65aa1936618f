#!/usr/bin/env node
// Lists the model architectures an engine release can load, from the engine's source
// tree at that release (catalogs/engine-models/<engine>-<version>.json). Reads Python,
// C++ and Go source as text: the engine is never imported or built (Node >= 20, no deps).
//
//   node scripts/engine-facts/model-types.mjs --engine vllm --git DIR --ref v0.16.0 --version 0.16.0
//   node scripts/engine-facts/model-types.mjs --engine sglang --src CHECKOUT --version 0.5.3 --commit SHA
//   node scripts/engine-facts/model-types.mjs --engine ollama --git DIR --ref v0.32.15 --llamacpp-git DIR2
//
// --git DIR   a git directory (bare or not); files are read with `git show REF:path`.
// --ref REF   what is read: a tag, branch or commit in DIR (default: --commit).
// --src DIR   a checkout instead of --git/--ref (--commit is then required).
// --version   the release's version (default: --ref without a leading "v").
// --commit    the release's own commit. When REF resolves to another commit (the release's
//             commit is not readable), the record says so: `readAt` names what was read
//             and `exact` is false; --read-note says why that commit was chosen.
// --llamacpp-git DIR, --llamacpp-ref REF (default master; also where --engine llamacpp
//             looks up a --ref bNNNN that is not tagged in --git)
//             Ollama ≥ 0.30 fetches llama.cpp at build time (LLAMA_CPP_VERSION, a bNNNN
//             build); its GGUF architectures are read from this llama.cpp git directory.
//             A bNNNN tag missing from it is found by build number: llama.cpp numbers a
//             build by `git rev-list --count` of its master commit.
// --out FILE  write the JSON there instead of stdout.
//
// What is listed, and from where ("architectures" are Hugging Face config.json
// `architectures` class names, which is what vLLM and SGLang match a model on):
//   vllm      architectures: the keys of every dict spread into _VLLM_MODELS (text
//             generation, multimodal, pooling, speculative, Transformers-backend ...), with
//             the dict each comes from in `registries`; `previouslySupported` lists
//             _PREVIOUSLY_SUPPORTED_MODELS. An entry whose module file is absent from the
//             tree is reported in `missingModules` (and kept out of `architectures`).
//             vllm/model_executor/models/registry.py
//   sglang    architectures: the __name__ of every class in the EntryClass of a module
//             directly under python/sglang/srt/models/ (ModelRegistry imports those with
//             pkgutil.iter_modules, packages skipped). Aliases (`A = B`, `import B as A`)
//             resolve to B, as __name__ does. A module failing to import at run time
//             (a missing optional dependency) is skipped by SGLang; that is not visible here.
//   llamacpp  architectures: the names given to @ModelBase.register(...) (Model.register
//             in older trees) in convert_hf_to_gguf.py and conversion/**/*.py: the HF
//             architectures that can be converted to GGUF.
//             ggufArchitectures: LLM_ARCH_NAMES in src/llama-arch.cpp (the GGUF
//             general.architecture strings the runtime loads; "clip" and "(unknown)",
//             which are not text models, left out).
//   ollama    ggufArchitectures: what `ollama run` loads from a GGUF: the arch names its
//             own engine registers (model.Register in model/models/*, `ownEngine`) and the
//             llama.cpp it runs: vendored under llama/llama.cpp (before 0.30), or fetched at
//             LLAMA_CPP_VERSION and patched by llama/compat (0.30 on), whose patches can add
//             archs (`llamaCpp`). architectures: the HF architectures `ollama create`
//             converts from safetensors (the switch on Architectures[0] in convert/convert.go,
//             `convert`), and those the MLX runner registers (base.Register in x/models/*,
//             `mlx`), when present.
//
// Anything not found is an error (exit 1): a refactor upstream must be looked at, not
// silently produce a thinner list.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

class ExtractError extends Error {}
const fail = (message) => {
  throw new ExtractError(message);
};

const sorted = (xs) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

// ---------------------------------------------------------------- source access

/** A tree to read: a git directory at a commit, or a checkout. */
function gitTree(gitDir, ref) {
  const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  let commit;
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).trim();
  } catch {
    fail(`${ref} is not a commit in ${gitDir}`);
  }
  const date = git('log', '-1', '--format=%cI', commit).trim();
  return {
    commit,
    date,
    read(path) {
      try {
        return git('show', `${commit}:${path}`);
      } catch {
        return null;
      }
    },
    /** Entries directly under dir: {name, dir: boolean}. */
    list(dir) {
      let out;
      try {
        out = git('ls-tree', `${commit}:${dir}`);
      } catch {
        return null;
      }
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [meta, name] = line.split('\t');
          return { name, dir: meta.split(' ')[1] === 'tree' };
        });
    },
  };
}

function checkoutTree(root, commit) {
  return {
    commit,
    date: null,
    read(path) {
      const p = join(root, path);
      return existsSync(p) && statSync(p).isFile() ? readFileSync(p, 'utf8') : null;
    },
    list(dir) {
      const p = join(root, dir);
      if (!existsSync(p) || !statSync(p).isDirectory()) return null;
      return readdirSync(p, { withFileTypes: true }).map((e) => ({ name: e.name, dir: e.isDirectory() }));
    },
  };
}

/** Every file path under dir (recursively) whose name ends with ext. */
function walk(tree, dir, ext) {
  const entries = tree.list(dir);
  if (!entries) return [];
  const out = [];
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.dir) out.push(...walk(tree, path, ext));
    else if (e.name.endsWith(ext)) out.push(path);
  }
  return out.sort();
}

function mustRead(tree, path) {
  const text = tree.read(path);
  if (text == null) fail(`${path} is not in the tree at ${tree.commit}`);
  return text;
}

// ---------------------------------------------------------------- Python lexing

/**
 * Python source as tokens, enough to read literal dicts and lists: strings (any prefix,
 * triple-quoted or not) as {t:'str', v}, names, punctuation; comments dropped.
 */
function pyTokens(src, from = 0, to = src.length) {
  const toks = [];
  let i = from;
  while (i < to) {
    const c = src[i];
    if (c === '#') {
      while (i < to && src[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(c) || c === '\\') {
      i++;
      continue;
    }
    const str = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
    if (str && (str[1] === '' || /[A-Za-z_0-9]/.test(src[i - 1] ?? ' ') === false)) {
      const q = str[2];
      let j = i + str[0].length;
      let v = '';
      while (j < to && src.slice(j, j + q.length) !== q) {
        if (src[j] === '\\' && !/[rR]/.test(str[1])) {
          v += src[j + 1];
          j += 2;
        } else v += src[j++];
      }
      toks.push({ t: 'str', v, at: i });
      i = j + q.length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z_0-9]*/.exec(src.slice(i, i + 200));
    if (name) {
      toks.push({ t: 'name', v: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const num = /^[0-9][0-9_.a-zA-Z]*/.exec(src.slice(i, i + 50));
    if (num) {
      toks.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const op = src.slice(i, i + 2) === '**' ? '**' : c;
    toks.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  return toks;
}

/** Index just past the bracket closing the one at open, in tokens. */
function closing(toks, open) {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    if (toks[k].t !== 'op') continue;
    if ('([{'.includes(toks[k].v)) depth++;
    else if (')]}'.includes(toks[k].v) && --depth === 0) return k + 1;
  }
  fail('unbalanced brackets');
}

/**
 * A module-level `NAME = { ... }` (annotated or not): its top-level string keys, each with
 * the first string of its value, and the names spread into it with **NAME.
 */
function pyDict(src, name) {
  const m = new RegExp(`^${name}\\s*(?::[^=\\n]+)?=\\s*\\{`, 'm').exec(src);
  if (!m) return null;
  const toks = pyTokens(src, m.index + m[0].length - 1);
  const end = closing(toks, 0);
  const keys = new Map();
  const spreads = [];
  const filtered = [];
  let depth = 0;
  for (let k = 0; k < end; k++) {
    const tk = toks[k];
    if (tk.t === 'op' && '([{'.includes(tk.v)) depth++;
    else if (tk.t === 'op' && ')]}'.includes(tk.v)) depth--;
    else if (depth === 1 && tk.t === 'str' && toks[k + 1]?.v === ':') {
      // The value's strings: ("module", "Class") or a bare string.
      const values = [];
      let d = 0;
      for (let j = k + 2; j < end; j++) {
        const x = toks[j];
        if (x.t === 'op' && '([{'.includes(x.v)) d++;
        else if (x.t === 'op' && ')]}'.includes(x.v)) {
          if (--d < 0) break;
        } else if (d === 0 && x.t === 'op' && x.v === ',') break;
        else if (x.t === 'str') values.push(x.v);
      }
      keys.set(tk.v, values);
    } else if (depth === 1 && tk.t === 'op' && tk.v === '**') {
      if (toks[k + 1]?.t === 'name') spreads.push(toks[k + 1].v);
      else if (toks[k + 1]?.v === '{') {
        // **{k: (mod, arch) for k, (mod, arch) in OTHER.items() if arch == "X"}: OTHER's entries whose class is X.
        const text = src.slice(toks[k + 1].at, toks[closing(toks, k + 1) - 1].at);
        const c = /for\s+\w+\s*,\s*\(\s*\w+\s*,\s*(\w+)\s*\)\s+in\s+(\w+)\.items\(\)\s+if\s+(\w+)\s*==\s*"([^"]+)"/.exec(text);
        if (!c || c[1] !== c[3]) fail(`${name}: a spread comprehension not of the form "for k, (mod, arch) in D.items() if arch == X"`);
        filtered.push({ from: c[2], cls: c[4] });
      } else fail(`${name}: a spread that is neither a name nor a comprehension`);
    }
  }
  return { keys, spreads, filtered };
}

// ---------------------------------------------------------------- vLLM

const VLLM_REGISTRY = 'vllm/model_executor/models/registry.py';

function vllmModels(tree) {
  const src = mustRead(tree, VLLM_REGISTRY);
  const all = pyDict(src, '_VLLM_MODELS');
  if (!all) fail(`_VLLM_MODELS not found in ${VLLM_REGISTRY}`);
  if (all.keys.size) fail('_VLLM_MODELS has keys of its own; expected only **spreads');
  const registries = {};
  const modules = new Map();
  const dicts = new Map(all.spreads.map((n) => [n, pyDict(src, n)]));
  for (const [dictName, d] of dicts) {
    if (!d) fail(`${dictName} (spread into _VLLM_MODELS) not found`);
    if (d.spreads.length) fail(`${dictName} spreads ${d.spreads.join(', ')}; not handled`);
    if (!d.keys.size) fail(`${dictName} has no entries`);
    const entries = new Map(d.keys);
    for (const f of d.filtered) {
      const from = dicts.get(f.from);
      if (!from) fail(`${dictName} takes entries of ${f.from}, which is not spread into _VLLM_MODELS`);
      for (const [arch, v] of from.keys) if (v[1] === f.cls && !entries.has(arch)) entries.set(arch, v);
    }
    registries[dictName] = sorted(entries.keys());
    for (const [arch, v] of entries) if (!modules.has(arch)) modules.set(arch, v[0]);
  }
  // A module named without a dot is vllm/model_executor/models/<mod>; a dotted one is a path from the repository root.
  const missing = {};
  const present = new Map();
  const exists = (path) => {
    if (!present.has(path)) present.set(path, tree.read(`${path}.py`) != null || tree.list(path) != null);
    return present.get(path);
  };
  for (const [arch, mod] of modules) {
    if (mod == null) fail(`${arch}: no module string`);
    const path = mod.includes('.') ? mod.replaceAll('.', '/') : `vllm/model_executor/models/${mod}`;
    if (!exists(path)) missing[arch] = mod;
  }
  const previous = pyDict(src, '_PREVIOUSLY_SUPPORTED_MODELS');
  return {
    sources: [VLLM_REGISTRY],
    architectures: sorted([...modules.keys()].filter((a) => !(a in missing))),
    registries,
    ...(Object.keys(missing).length ? { missingModules: missing } : {}),
    ...(previous ? { previouslySupported: Object.fromEntries([...previous.keys].map(([k, v]) => [k, v[0]]).sort()) } : {}),
  };
}

// ---------------------------------------------------------------- SGLang

const SGLANG_MODELS = 'python/sglang/srt/models';

/** The __name__ of the object bound to `name` at module level in src, following aliases. */
function pyClassName(src, name, seen = new Set()) {
  if (seen.has(name)) return name;
  seen.add(name);
  if (new RegExp(`^class\\s+${name}\\b`, 'm').test(src)) return name;
  const alias = new RegExp(`^${name}\\s*(?::[^=\\n]+)?=\\s*([A-Za-z_][A-Za-z_0-9]*)\\s*$`, 'm').exec(src);
  if (alias) return pyClassName(src, alias[1], seen);
  const imported = new RegExp(`\\b([A-Za-z_][A-Za-z_0-9]*)\\s+as\\s+${name}\\b`).exec(src);
  if (imported) return imported[1];
  return name;
}

function sglangModels(tree) {
  const entries = tree.list(SGLANG_MODELS);
  if (!entries) fail(`${SGLANG_MODELS} is not in the tree`);
  const registry = mustRead(tree, `${SGLANG_MODELS}/registry.py`);
  if (!/pkgutil\.iter_modules/.test(registry) || !/EntryClass/.test(registry)) fail(`${SGLANG_MODELS}/registry.py no longer reads EntryClass of iter_modules`);
  const byModule = {};
  const owner = {};
  for (const e of entries) {
    if (e.dir || !e.name.endsWith('.py') || e.name === '__init__.py') continue;
    const path = `${SGLANG_MODELS}/${e.name}`;
    const src = mustRead(tree, path);
    const all = [...src.matchAll(/^EntryClass\s*=/gm)];
    if (!all.length) continue;
    if (all.length > 1) fail(`${path}: EntryClass assigned ${all.length} times`);
    const toks = pyTokens(src, all[0].index + all[0][0].length);
    let names;
    if (toks[0].t === 'op' && '[('.includes(toks[0].v)) {
      const end = closing(toks, 0);
      names = toks.slice(1, end - 1).filter((x) => x.t !== 'op' || x.v !== ',');
      if (names.some((x) => x.t !== 'name')) fail(`${path}: EntryClass is not a list of names`);
      names = names.map((x) => x.v);
    } else if (toks[0].t === 'name') names = [toks[0].v];
    else fail(`${path}: EntryClass is not a name or a list of names`);
    const mod = e.name.slice(0, -3);
    byModule[mod] = names.map((n) => pyClassName(src, n));
    for (const arch of byModule[mod]) {
      if (owner[arch]) fail(`${arch} is the EntryClass of both ${owner[arch]} and ${mod} (SGLang refuses duplicates)`);
      owner[arch] = mod;
    }
  }
  if (!Object.keys(byModule).length) fail(`no EntryClass under ${SGLANG_MODELS}`);
  return {
    sources: [`${SGLANG_MODELS}/registry.py`, `${SGLANG_MODELS}/*.py`],
    architectures: sorted(Object.keys(owner)),
    modules: Object.fromEntries(Object.entries(byModule).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

// ---------------------------------------------------------------- llama.cpp

const LLAMA_ARCH = 'src/llama-arch.cpp';
const CONVERT = 'convert_hf_to_gguf.py';

/** `{ LLM_ARCH_X, "name" }` pairs of LLM_ARCH_NAMES (or of added lines of a patch). */
function llmArchNames(text, where) {
  const start = text.indexOf('LLM_ARCH_NAMES');
  if (start < 0) fail(`LLM_ARCH_NAMES not found in ${where}`);
  const end = text.indexOf('};', start);
  const pairs = [...text.slice(start, end).matchAll(/\{\s*(LLM_ARCH_[A-Z0-9_]+)\s*,\s*"([^"]+)"\s*\}/g)];
  if (pairs.length < 10) fail(`LLM_ARCH_NAMES in ${where} has ${pairs.length} entries`);
  return ggufNames(pairs);
}

const ggufNames = (pairs) => pairs.filter(([, id]) => id !== 'LLM_ARCH_UNKNOWN' && id !== 'LLM_ARCH_CLIP').map(([, , name]) => name);

function llamacppConvertible(tree) {
  const files = [CONVERT, ...walk(tree, 'conversion', '.py')];
  const names = [];
  const used = [];
  for (const path of files) {
    const src = path === CONVERT ? mustRead(tree, path) : tree.read(path);
    const calls = [...src.matchAll(/@(?:ModelBase|Model|TextModel|MmprojModel)\.register\(([^)]*)\)/g)];
    if (!calls.length) continue;
    used.push(path);
    for (const c of calls) {
      const args = pyTokens(c[1]).filter((x) => x.t !== 'op' || x.v !== ',');
      if (args.some((x) => x.t !== 'str')) fail(`${path}: register(${c[1].trim()}) takes something other than strings`);
      names.push(...args.map((x) => x.v));
    }
  }
  if (!names.length) fail(`no ModelBase.register(...) in ${files.join(', ')}`);
  return { names: sorted(names), sources: used.length > 3 ? [CONVERT, 'conversion/**/*.py'] : used };
}

function llamacppModels(tree) {
  const convert = llamacppConvertible(tree);
  return {
    sources: [...convert.sources, LLAMA_ARCH],
    architectures: convert.names,
    ggufArchitectures: sorted(llmArchNames(mustRead(tree, LLAMA_ARCH), LLAMA_ARCH)),
  };
}

// ---------------------------------------------------------------- Ollama

/** The llama.cpp commit of build bNNNN: its tag, or the master commit with that many commits. */
function llamacppBuild(gitDir, ref, build) {
  const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  try {
    return { commit: git('rev-parse', '--verify', '--quiet', `${build}^{commit}`), how: `tag ${build}` };
  } catch {
    /* not tagged here */
  }
  // The first-parent chain of master, oldest first; a merge commit in its history makes
  // positions and counts differ, so step until `rev-list --count` is the build number.
  const n = Number(build.slice(1));
  const chain = git('rev-list', '--first-parent', '--reverse', ref).split('\n');
  let at = Math.min(n - 1, chain.length - 1);
  for (let step = 0; step < 50 && at >= 0 && at < chain.length; step++) {
    const count = Number(git('rev-list', '--count', chain[at]));
    if (count === n) return { commit: chain[at], how: `build number: the commit of llama.cpp ${ref} with ${n} commits in its history (no ${build} tag in the mirror)` };
    at += n - count;
  }
  fail(`build ${build} not found on ${ref} of ${gitDir}`);
}

function ollamaModels(tree, opts) {
  const sources = [];
  const ownEngine = [];
  for (const path of walk(tree, 'model/models', '.go')) {
    if (path.endsWith('_test.go')) continue;
    const calls = [...mustRead(tree, path).matchAll(/\bmodel\.Register\(\s*"([^"]+)"/g)];
    if (calls.length) ownEngine.push(...calls.map((c) => c[1]));
  }
  if (ownEngine.length) sources.push('model/models/**/*.go');

  let llamaCpp;
  let llamaCppSource;
  const vendored = tree.read(`llama/llama.cpp/${LLAMA_ARCH}`);
  const pinned = tree.read('LLAMA_CPP_VERSION');
  if (vendored != null) {
    llamaCpp = llmArchNames(vendored, `llama/llama.cpp/${LLAMA_ARCH}`);
    sources.push(`llama/llama.cpp/${LLAMA_ARCH}`);
    const sync = tree.read('Makefile.sync');
    const head = sync && /^FETCH_HEAD=([0-9a-f]{40})/m.exec(sync);
    llamaCppSource = { vendored: 'llama/llama.cpp', ...(head ? { upstreamCommit: head[1] } : {}) };
  } else if (pinned != null) {
    const build = pinned.trim();
    if (!/^b\d+$/.test(build)) fail(`LLAMA_CPP_VERSION is ${build}, not a bNNNN build`);
    if (!opts.llamacppGit) fail(`this Ollama fetches llama.cpp ${build} at build time: give --llamacpp-git DIR`);
    const at = llamacppBuild(opts.llamacppGit, opts.llamacppRef, build);
    const lc = gitTree(opts.llamacppGit, at.commit);
    llamaCpp = llmArchNames(mustRead(lc, LLAMA_ARCH), `llama.cpp ${build}:${LLAMA_ARCH}`);
    sources.push('LLAMA_CPP_VERSION', `llama.cpp@${build}:${LLAMA_ARCH}`);
    // Architectures llama/compat adds to llama.cpp: added `{ LLM_ARCH_X, "name" }` lines of its patches.
    const added = [];
    for (const path of walk(tree, 'llama/compat', '.patch')) {
      const pairs = [...mustRead(tree, path).matchAll(/^\+.*\{\s*(LLM_ARCH_[A-Z0-9_]+)\s*,\s*"([^"]+)"\s*\}/gm)];
      if (pairs.length) {
        added.push(...ggufNames(pairs));
        sources.push(path);
      }
    }
    llamaCppSource = { build, commit: at.commit, how: at.how, ...(added.length ? { addedByCompatPatches: sorted(added) } : {}) };
    llamaCpp.push(...added);
  } else fail('neither llama/llama.cpp nor LLAMA_CPP_VERSION: where does this Ollama get llama.cpp?');

  const convertSrc = mustRead(tree, 'convert/convert.go');
  const sw = /switch\s+p\.Architectures\[0\]\s*\{/.exec(convertSrc);
  if (!sw) fail('convert/convert.go: no switch on p.Architectures[0]');
  const body = convertSrc.slice(sw.index, convertSrc.indexOf('default:', sw.index));
  const convert = [...body.matchAll(/^\s*case\s+([^:]+):/gm)].flatMap((c) => [...c[1].matchAll(/"([^"]+)"/g)].map((s) => s[1]));
  if (!convert.length) fail('convert/convert.go: no architectures in the switch');
  sources.push('convert/convert.go');

  const mlx = [];
  for (const path of walk(tree, 'x/models', '.go')) {
    if (path.endsWith('_test.go')) continue;
    const calls = [...mustRead(tree, path).matchAll(/\bbase\.Register\(\s*"([^"]+)"/g)];
    mlx.push(...calls.map((c) => c[1]));
  }
  if (mlx.length) sources.push('x/models/**/*.go');

  return {
    sources,
    architectures: sorted([...convert, ...mlx]),
    // model.New looks up arch + "_embed" for a GGUF with a pooling type: the same general.architecture.
    ggufArchitectures: sorted([...ownEngine.map((n) => n.replace(/_embed$/, '')), ...llamaCpp]),
    ollama: {
      convert: sorted(convert),
      ...(mlx.length ? { mlx: sorted(mlx) } : {}),
      ownEngine: sorted(ownEngine),
      llamaCpp: sorted(llamaCpp),
      llamaCppSource,
    },
  };
}

// ---------------------------------------------------------------- main

const ENGINES = { vllm: vllmModels, sglang: sglangModels, llamacpp: llamacppModels, ollama: ollamaModels };

function main() {
  const { values: o } = parseArgs({
    options: {
      engine: { type: 'string' },
      git: { type: 'string' },
      ref: { type: 'string' },
      src: { type: 'string' },
      version: { type: 'string' },
      commit: { type: 'string' },
      'read-note': { type: 'string' },
      'llamacpp-git': { type: 'string' },
      'llamacpp-ref': { type: 'string', default: 'master' },
      out: { type: 'string' },
    },
  });
  if (!ENGINES[o.engine]) fail(`--engine must be one of ${Object.keys(ENGINES).join(', ')}`);
  if (o.commit && !/^[0-9a-f]{40}$/.test(o.commit)) fail('--commit must be 40 lower-case hex digits');
  let tree;
  let buildNote;
  if (o.src) {
    if (!o.commit || !o.version) fail('--src needs --commit and --version');
    tree = checkoutTree(o.src, o.commit);
  } else if (o.git) {
    if (!o.ref && !o.commit) fail('--git needs --ref or --commit');
    let ref = o.ref ?? o.commit;
    if (o.engine === 'llamacpp' && /^b\d+$/.test(ref)) {
      // A build number: its tag, or the master commit it numbers.
      const at = llamacppBuild(o.git, o['llamacpp-ref'], ref);
      if (at.how !== `tag ${ref}`) buildNote = at.how;
      ref = at.commit;
    }
    tree = gitTree(o.git, ref);
  } else fail('give --git DIR [--ref REF] or --src DIR');
  const version = o.version ?? o.ref.replace(/^v/, '');
  const exact = !o.commit || o.commit === tree.commit;
  const found = ENGINES[o.engine](tree, { llamacppGit: o['llamacpp-git'], llamacppRef: o['llamacpp-ref'] });
  const { sources, ...lists } = found;
  const record = {
    engine: o.engine,
    version,
    commit: o.commit ?? tree.commit,
    ...(exact ? {} : { readAt: { commit: tree.commit, date: tree.date, ref: o.ref, ...(o['read-note'] ? { why: o['read-note'] } : {}) } }),
    exact,
    derivedBy: 'scripts/engine-facts/model-types.mjs',
    ...(buildNote ? { readBy: buildNote } : {}),
    sources,
    ...lists,
  };
  const json = `${JSON.stringify(record, null, 1)}\n`;
  if (o.out) writeFileSync(o.out, json);
  else process.stdout.write(json);
}

try {
  main();
} catch (e) {
  if (!(e instanceof ExtractError)) throw e;
  process.stderr.write(`model-types: ${e.message}\n`);
  process.exit(1);
}
