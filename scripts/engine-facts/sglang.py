#!/usr/bin/env python3
"""Derive gpuplan's SGLang flag set (catalogs/engine-flags/sglang-<version>.json) from an
SGLang source tree at a release tag. Reads the Python source with `ast` only: SGLang is
never imported, so no torch, no GPU and no SGLang dependencies are needed (Python >= 3.10).

    python3 scripts/engine-facts/sglang.py --src DIR --version 0.5.3 --commit SHA [--out FILE]

--src DIR        a checkout of the tag (or the files below laid out at their repo paths)
--version V      the release, e.g. 0.5.3
--commit SHA     the 40-hex commit of the tag
--with-defaults  also record `default` where it is a literal (not in FlagSchema yet)

What is read, and how (SGLang declares its options in two ways over its history; both
are read, in the order argparse would register them):

1. `parser.add_argument(...)` calls in ServerArgs.add_cli_args        srt/server_args.py
   (every release up to about 0.5.9, and the hand-written deprecated/dynamic entries after)
   - names: the positional option strings; the first is the flag, the rest are aliases
     (sorted); `dest`-only positionals are ignored
   - takesValue: false for store_true/store_false/store_const/append_const/count and
     for nargs=0, true otherwise (custom Action classes included)
   - type: the `type=` callable's name (int/float/str; SGLang helpers are mapped:
     nullable_str -> str, human_readable_int -> int, json_list_type -> str); "bool" for
     store_true/store_false; "str" for a plain store without type; null for a custom
     Action without type
   - choices: literal lists, module-level constants (also from imported SGLang modules),
     `list(X.keys())`, `X + [..]`, `sorted(..)`, Enum/dict class attributes; rendered as
     strings, in source order
2. Annotated fields `name: A[T, "help" | Arg(...)] = default`                  (later)
   on ServerArgs and on the namespace classes it composes (srt/arg_groups/fields/*.py),
   turned into flags as srt/arg_groups/arg_utils.py does: `--` + name with `_` -> `-`,
   bool -> store_true (no `--no-` form), Optional[T] -> T, List[T] -> T (nargs),
   Literal[...] -> choices, Arg(aliases=, choices=, type_parser=, action=, nargs=,
   no_cli=True -> skipped).

Files read: python/sglang/srt/server_args.py, srt/arg_groups/**/*.py when present, and
any SGLang module a choices expression imports from (e.g. function_call_parser.py,
reasoning_parser.py, utils/common.py). A flag whose choices cannot be resolved is an
error (exit 1): a refactor upstream must be looked at, not silently produce a thinner set.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

SERVER_ARGS = "python/sglang/srt/server_args.py"
NO_VALUE_ACTIONS = {"store_true", "store_false", "store_const", "append_const", "count", "help", "version"}
BOOL_ACTIONS = {"store_true", "store_false"}
TYPE_NAMES = {
    "int": "int", "float": "float", "str": "str", "bool": "bool",
    "nullable_str": "str", "human_readable_int": "int", "json_list_type": "str",
}


class Unresolved(Exception):
    pass


class Module:
    """Module-level constants of one SGLang source file, evaluated lazily from its AST."""

    def __init__(self, src: Path, rel: str, loader: "Loader"):
        self.rel = rel
        self.loader = loader
        self.tree = ast.parse((src / rel).read_text(encoding="utf-8"), filename=rel)
        self.assigns: dict[str, ast.AST] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.imports: dict[str, tuple[str, str]] = {}
        self.extends: dict[str, list[ast.AST]] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        self.assigns[t.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                self.assigns[node.target.id] = node.value
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    self.imports[a.asname or a.name] = (node.module, a.name)
            elif isinstance(node, ast.If):
                # e.g. `if envs.X: CHOICES.add("y")` -- optional extras, not recorded
                pass
        self.cache: dict[str, object] = {}

    def name(self, ident: str):
        if ident in self.cache:
            return self.cache[ident]
        if ident in self.assigns:
            val = self.eval(self.assigns[ident])
        elif ident in self.classes:
            val = ClassRef(self, self.classes[ident])
        elif ident in self.imports:
            mod, attr = self.imports[ident]
            other = self.loader.module_for(mod)
            if other is None:
                raise Unresolved(f"{ident} (from {mod}, not in the source tree)")
            val = other.name(attr)
        else:
            raise Unresolved(f"{ident} in {self.rel}")
        self.cache[ident] = val
        return val

    def eval(self, node: ast.AST):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            out = []
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    out.extend(self.eval(e.value))
                else:
                    out.append(self.eval(e))
            return out
        if isinstance(node, ast.Set):
            return [self.eval(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {self.eval(k): None for k in node.keys if k is not None}
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.eval(node.value)
            if isinstance(base, ClassRef):
                return base.attr(node.attr)
            raise Unresolved(ast.unparse(node))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return list(self.eval(node.left)) + list(self.eval(node.right))
        if isinstance(node, ast.Call):
            fn = node.func
            fname = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
            if fname in ("list", "tuple", "set", "frozenset") and len(node.args) == 1:
                return list(self.eval(node.args[0]))
            if fname == "sorted" and len(node.args) == 1:
                return sorted(self.eval(node.args[0]))
            if fname == "keys" and isinstance(fn, ast.Attribute):
                return list(self.eval(fn.value))
            if fname == "get_args" and len(node.args) == 1:  # typing.get_args(Literal[...])
                return literal_values(node.args[0], self)
        if isinstance(node, ast.ListComp) and len(node.generators) == 1:
            gen = node.generators[0]
            if isinstance(gen.target, ast.Name) and isinstance(node.elt, ast.Attribute) \
                    and isinstance(node.elt.value, ast.Name) and node.elt.value.id == gen.target.id \
                    and node.elt.attr == "value":
                base = self.eval(gen.iter)
                if isinstance(base, ClassRef):
                    return base.enum_values()
        raise Unresolved(ast.unparse(node))


class ClassRef:
    """A class seen as a namespace of constants: dict-valued attributes and Enum members."""

    def __init__(self, module: Module, node: ast.ClassDef):
        self.module, self.node = module, node

    def _body_assigns(self):
        for st in self.node.body:
            if isinstance(st, ast.Assign):
                for t in st.targets:
                    if isinstance(t, ast.Name):
                        yield t.id, st.value
            elif isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.value:
                yield st.target.id, st.value

    def attr(self, name: str):
        for n, v in self._body_assigns():
            if n == name:
                return self.module.eval(v)
        raise Unresolved(f"{self.node.name}.{name} in {self.module.rel}")

    def enum_values(self):
        return [self.module.eval(v) for _, v in self._body_assigns()]

    def __iter__(self):  # iterating an Enum class yields its members' names here
        return iter([n for n, _ in self._body_assigns()])


class Loader:
    def __init__(self, src: Path):
        self.src = src
        self.modules: dict[str, Module] = {}
        self.read: list[str] = []

    def module_for(self, dotted: str) -> Module | None:
        if not dotted.startswith("sglang"):
            return None
        base = "python/" + dotted.replace(".", "/")
        for rel in (base + ".py", base + "/__init__.py"):
            if (self.src / rel).is_file():
                return self.load(rel)
        return None

    def load(self, rel: str) -> Module:
        if rel not in self.modules:
            self.modules[rel] = Module(self.src, rel, self)
            self.read.append(rel)
        return self.modules[rel]


def literal_values(node: ast.AST, mod: Module):
    """Values of a Literal[...] subscript (possibly wrapped in Optional[...])."""
    if isinstance(node, ast.Subscript):
        head = ast.unparse(node.value).split(".")[-1]
        inner = node.slice
        if head == "Literal":
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return [mod.eval(e) for e in elts]
        if head in ("Optional", "Union", "Annotated"):
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            for e in elts:
                vals = literal_values(e, mod)
                if vals is not None:
                    return vals
    return None


def kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def callable_name(node: ast.AST | None):
    if node is None:
        return None
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node)


def literal(node: ast.AST | None):
    try:
        return ast.literal_eval(node) if node is not None else None
    except Exception:
        return _NOLIT


_NOLIT = object()


def choices_of(node, mod: Module, flag: str):
    if node is None:
        return None
    try:
        vals = mod.eval(node)
    except Unresolved as e:
        raise SystemExit(f"sglang.py: cannot resolve choices of {flag}: {e}")
    return [str(v) for v in vals]


def flag_from_add_argument(call: ast.Call, mod: Module, with_defaults: bool):
    names = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    names = [n for n in names if n.startswith("-")]
    if not names:
        return None
    action = callable_name(kw(call, "action"))
    nargs = literal(kw(call, "nargs"))
    type_name = callable_name(kw(call, "type"))
    if action in NO_VALUE_ACTIONS or nargs == 0:
        takes = False
    else:
        takes = True
    if type_name is not None:
        typ = TYPE_NAMES.get(type_name, type_name)
    elif action in BOOL_ACTIONS:
        typ = "bool"
    elif action in (None, "store", "append", "extend"):
        typ = "str"
    else:
        typ = None
    flag = {"aliases": sorted(names[1:]), "takesValue": takes, "type": typ}
    ch = choices_of(kw(call, "choices"), mod, names[0])
    if ch is not None:
        flag["choices"] = ch
    if action == "BooleanOptionalAction" or (isinstance(kw(call, "action"), ast.Attribute)
                                             and kw(call, "action").attr == "BooleanOptionalAction"):
        flag["negatable"] = True
    if with_defaults:
        d = literal(kw(call, "default"))
        if d is not _NOLIT and d is not None:
            flag["default"] = d
    return names[0], flag


def unwrap_type(node: ast.AST):
    """Optional[X] / Union[X, None] / List[X] -> (X, is_list)."""
    is_list = False
    while isinstance(node, ast.Subscript):
        head = ast.unparse(node.value).split(".")[-1]
        inner = node.slice
        elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        if head in ("Optional",):
            node = elts[0]
        elif head == "Union":
            rest = [e for e in elts if not (isinstance(e, ast.Constant) and e.value is None)
                    and ast.unparse(e) != "None"]
            node = rest[0]
        elif head in ("List", "list", "Tuple", "tuple", "Set", "set"):
            is_list = True
            node = elts[0]
        else:
            break
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # X | None
        node = node.left if ast.unparse(node.right) == "None" else node.right
        return unwrap_type(node)[0], is_list
    return node, is_list


def flag_from_field(name: str, ann: ast.Subscript, default, mod: Module, with_defaults: bool):
    elts = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
    typ_node, meta = elts[0], elts[1:]
    arg = next((m for m in meta if isinstance(m, ast.Call) and callable_name(m.func) == "Arg"), None)
    if arg is not None and literal(kw(arg, "no_cli")) is True:
        return None
    flag_name = "--" + name.replace("_", "-")
    aliases = []
    if arg is not None and kw(arg, "aliases") is not None:
        aliases = [str(a) for a in mod.eval(kw(arg, "aliases"))]
    action = callable_name(kw(arg, "action")) if arg is not None else None
    nargs = literal(kw(arg, "nargs")) if arg is not None else None
    base, _ = unwrap_type(typ_node)
    base_name = ast.unparse(base).split(".")[-1]
    lit = literal_values(typ_node, mod)
    tp = callable_name(kw(arg, "type_parser")) if arg is not None else None
    if action is None and base_name == "bool":
        action = "store_true"
    takes = not (action in NO_VALUE_ACTIONS or nargs == 0)
    if tp is not None:
        typ = TYPE_NAMES.get(tp, tp)
    elif action in BOOL_ACTIONS:
        typ = "bool"
    elif lit is not None:
        typ = "str"
    elif action in (None, "store", "append", "extend"):
        typ = TYPE_NAMES.get(base_name, "str")
    else:
        typ = None
    flag = {"aliases": sorted(aliases), "takesValue": takes, "type": typ}
    ch_node = kw(arg, "choices") if arg is not None else None
    if ch_node is not None:
        flag["choices"] = choices_of(ch_node, mod, flag_name)
    elif lit is not None:
        flag["choices"] = [str(v) for v in lit if v is not None]
    if with_defaults and default is not None:
        d = literal(default)
        if d is not _NOLIT and d is not None:
            flag["default"] = d
    return flag_name, flag


def is_annotated_A(ann) -> bool:
    return isinstance(ann, ast.Subscript) and ast.unparse(ann.value).split(".")[-1] in ("A", "Annotated")


def class_fields(cls: ast.ClassDef, mod: Module, loader: Loader, with_defaults: bool, seen: set):
    """Flags from a class's annotated fields, its namespace bases first (argparse order)."""
    out = []
    for b in cls.bases:
        bname = callable_name(b)
        ref = None
        try:
            ref = mod.name(bname)
        except Unresolved:
            pass
        if isinstance(ref, ClassRef) and ref.node.name not in seen:
            seen.add(ref.node.name)
            out += class_fields(ref.node, ref.module, loader, with_defaults, seen)
    for st in cls.body:
        if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and is_annotated_A(st.annotation):
            f = flag_from_field(st.target.id, st.annotation, st.value, mod, with_defaults)
            if f:
                out.append(f)
    return out


def find_method(cls: ast.ClassDef, name: str):
    return next((f for f in cls.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == name), None)


def extract(src: Path, with_defaults: bool):
    loader = Loader(src)
    mod = loader.load(SERVER_ARGS)
    cls = mod.classes.get("ServerArgs")
    if cls is None:
        raise SystemExit("sglang.py: no class ServerArgs in " + SERVER_ARGS)
    add_cli = find_method(cls, "add_cli_args")
    if add_cli is None:
        raise SystemExit("sglang.py: no ServerArgs.add_cli_args in " + SERVER_ARGS)
    flags: dict[str, dict] = {}

    def put(name, flag):
        if name in flags:
            raise SystemExit(f"sglang.py: {name} declared twice")
        flags[name] = flag

    # Walk add_cli_args in source order: a call that generates flags from the dataclass
    # fields stands for all the annotated fields at that point.
    calls = sorted((n for n in ast.walk(add_cli) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    fields_done = False
    for call in calls:
        fname = callable_name(call.func)
        if fname == "add_argument":
            f = flag_from_add_argument(call, mod, with_defaults)
            if f:
                put(*f)
        elif fname and fname.startswith("add_cli_args_from_dataclass") and not fields_done:
            fields_done = True
            for f in class_fields(cls, mod, loader, with_defaults, {cls.name}):
                put(*f)
    if not fields_done and any(is_annotated_A(st.annotation) for st in cls.body if isinstance(st, ast.AnnAssign)):
        raise SystemExit("sglang.py: ServerArgs has annotated fields but add_cli_args never generates them")
    if not flags:
        raise SystemExit("sglang.py: no flags found")
    return flags, loader.read


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--src", required=True, type=Path)
    p.add_argument("--version", required=True)
    p.add_argument("--commit", required=True)
    p.add_argument("--out", type=Path)
    p.add_argument("--with-defaults", action="store_true")
    a = p.parse_args(argv)
    if len(a.commit) != 40 or any(c not in "0123456789abcdef" for c in a.commit):
        raise SystemExit("sglang.py: --commit must be 40 lowercase hex digits")
    flags, read = extract(a.src, a.with_defaults)
    sources = [SERVER_ARGS + " (ServerArgs.add_cli_args" + (" and annotated fields)" if any(
        r.startswith("python/sglang/srt/arg_groups/") for r in read) else ")")]
    sources += [r for r in read if r != SERVER_ARGS]
    out = {
        "engine": "sglang",
        "version": a.version,
        "command": "python3 -m sglang.launch_server [options]",
        "commit": a.commit,
        "sources": sources,
        "derivedBy": "scripts/engine-facts/sglang.py: ServerArgs.add_cli_args in "
                     "python/sglang/srt/server_args.py at the release tag, read with ast "
                     "(add_argument calls and annotated dataclass fields), option by option; "
                     "argparse also accepts unambiguous prefixes",
        "flags": flags,
    }
    text = json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    if a.out:
        a.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
