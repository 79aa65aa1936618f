#!/usr/bin/env python3
"""Derive the `vllm serve` flag set from a vLLM source tree, without importing vLLM.

Usage:
    python3 scripts/engine-facts/vllm.py --src DIR --version 0.11.0 \
        --commit b8b302cde434df8c9289a2b465406b47ebab1c2d > catalogs/engine-flags/vllm-0.11.0.json

DIR is a checkout of a vLLM tag, or only the files the parser is built from laid out at
their repository paths (vllm/engine/arg_utils.py, vllm/entrypoints/openai/cli_args.py,
vllm/entrypoints/cli/serve.py, the vllm/config/*.py dataclasses, and the modules their
type aliases and the tool/reasoning parser registries come from). Missing modules are
reported on stderr; the flags that depend on them fall back to a plain type.

How it works: Python 3.11 stdlib only (`ast`). The script reads the serve subcommand's
`subparser_init`, follows `make_arg_parser`, `FrontendArgs.add_cli_args`,
`AsyncEngineArgs.add_cli_args` and `EngineArgs.add_cli_args` statement by statement with a
small evaluator, and re-implements `get_kwargs` (the config dataclass field -> argparse
kwargs mapping in vllm/engine/arg_utils.py) on the annotations it reads:

  * bool in the hint            -> BooleanOptionalAction (type bool, negatable)
  * Literal[...]                -> choices, sorted; with str also in the hint argparse gets a
                                   metavar list instead, recorded as choices with
                                   openChoices: true (any string is accepted)
  * list/tuple/set[...]         -> nargs "+" (type "list")
  * int / float                 -> int / float
  * dict, dataclass, dict|str   -> JSON (type "json")
  * str or any other class      -> str
  * None in the hint            -> the value "None" is appended to the choices
  * a name that is `Any` at run time but a Literal under TYPE_CHECKING (vLLM does this for
    QuantizationMethods and LoadFormats) -> the Literal's values in source order, as
    documentation of the accepted values, without "None"

Output schema: the one of catalogs/engine-flags/*.json (engine, version, command, commit,
sources, derivedBy, flags{name: {aliases, takesValue, type, choices?, openChoices?,
negatable?, default?}}). `default` is written only when the source gives a literal.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------------------
# Abstract values
# --------------------------------------------------------------------------------------


class Unknown:
    """A value the evaluator could not compute."""

    def __init__(self, why: str = ""):
        self.why = why

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Unknown({self.why})"


UNKNOWN = Unknown()


@dataclass
class TypeFn:
    """What an argparse `type=` callable parses to: int, float, str, bool or json."""

    kind: str


@dataclass
class Action:
    """An argparse `action=` value: a string action, BooleanOptionalAction or a class."""

    kind: str  # "store_true", "store_false", "append", "boolean_optional", "custom", ...


@dataclass
class LiteralAlias:
    values: list
    module: str


@dataclass
class ParserRef:
    """The serve parser or one of its argument groups."""

    name: str = "serve"


@dataclass
class Registry:
    names: list


@dataclass
class ClassRef:
    module: str
    node: ast.ClassDef


@dataclass
class FuncRef:
    module: str
    node: ast.FunctionDef
    owner: ClassRef | None = None


@dataclass
class Flag:
    names: list
    kwargs: dict


@dataclass
class Module:
    name: str
    path: str
    tree: ast.Module
    runtime: dict = field(default_factory=dict)  # name -> binding
    typecheck: dict = field(default_factory=dict)  # name -> binding (TYPE_CHECKING only)
    order: list = field(default_factory=list)  # imported submodules, in order


# A binding is ("import", module, name) | ("module", module) | ("expr", ast.expr)
#            | ("class", ast.ClassDef) | ("func", ast.FunctionDef)


def warn(msg: str) -> None:
    print(f"vllm.py: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------------------
# Source tree
# --------------------------------------------------------------------------------------


class Tree:
    def __init__(self, root: str):
        self.root = root
        self.modules: dict[str, Module | None] = {}
        self.used: list[str] = []
        self.missing: set[str] = set()

    def path_of(self, modname: str) -> str | None:
        base = os.path.join(self.root, *modname.split("."))
        for cand in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(cand):
                return cand
        return None

    def load(self, modname: str) -> Module | None:
        if modname in self.modules:
            return self.modules[modname]
        path = self.path_of(modname)
        if path is None:
            if modname.startswith("vllm") and modname not in self.missing:
                self.missing.add(modname)
            self.modules[modname] = None
            return None
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), filename=path)
        mod = Module(modname, path, tree)
        self.modules[modname] = mod
        self.used.append(os.path.relpath(path, self.root).replace(os.sep, "/"))
        self._bind(mod, tree.body, typecheck=False)
        return mod

    def _abs(self, mod: Module, level: int, name: str | None) -> str:
        if level == 0:
            return name or ""
        parts = mod.name.split(".")
        is_pkg = mod.path.endswith("__init__.py")
        base = parts if is_pkg else parts[:-1]
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    def _bind(self, mod: Module, body: list, typecheck: bool) -> None:
        table = mod.typecheck if typecheck else mod.runtime
        for node in body:
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                self._bind(mod, node.body, typecheck=True)
                self._bind(mod, node.orelse, typecheck=False)
                continue
            if isinstance(node, (ast.If, ast.Try)):
                # Version or availability guards: bind both branches, first one wins.
                sub = list(node.body)
                for h in getattr(node, "handlers", []):
                    sub += h.body
                sub += list(node.orelse)
                snapshot = dict(table)
                self._bind(mod, sub, typecheck)
                for k, v in snapshot.items():
                    table[k] = v
                continue
            if isinstance(node, ast.ImportFrom):
                src = self._abs(mod, node.level, node.module)
                for alias in node.names:
                    local = alias.asname or alias.name
                    table[local] = ("import", src, alias.name)
                    if not typecheck and node.level > 0:
                        mod.order.append((src, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        table[alias.asname] = ("module", alias.name)
                    else:
                        table[alias.name.split(".")[0]] = ("module", alias.name.split(".")[0])
            elif isinstance(node, ast.ClassDef):
                table[node.name] = ("class", node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                table[node.name] = ("func", node)
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        table[t.id] = ("expr", node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                # `X: TypeAlias = Literal[...]` and annotated constants alike
                if node.value is not None:
                    table[node.target.id] = ("expr", node.value)
            elif hasattr(ast, "TypeAlias") and isinstance(node, getattr(ast, "TypeAlias")):
                table[node.name.id] = ("expr", node.value)

    def lookup(self, modname: str, name: str, typecheck: bool = False, depth: int = 0):
        """Follow imports to the defining module. Returns (module, binding) or None."""
        if depth > 20:
            return None
        mod = self.load(modname)
        if mod is None:
            return None
        b = None
        if typecheck and name in mod.typecheck:
            b = mod.typecheck[name]
        elif name in mod.runtime:
            b = mod.runtime[name]
        elif name in mod.typecheck:
            b = mod.typecheck[name]
        if b is None:
            # `from pkg import submodule`
            if self.path_of(f"{modname}.{name}"):
                return (mod, ("module", f"{modname}.{name}"))
            return None
        if b[0] == "import":
            src, orig = b[1], b[2]
            if self.path_of(f"{src}.{orig}") and not self._defines(src, orig):
                return (mod, ("module", f"{src}.{orig}"))
            found = self.lookup(src, orig, typecheck, depth + 1)
            if found is None:
                if src.startswith("vllm"):
                    self.missing.add(f"{src}:{orig}")
                return (mod, b)
            return found
        return (mod, b)

    def _defines(self, modname: str, name: str) -> bool:
        mod = self.load(modname)
        return bool(mod) and (name in mod.runtime or name in mod.typecheck)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


DATACLASS_DECORATORS = {"dataclass", "config", "pydantic_dataclass"}


def is_dataclass_node(node: ast.ClassDef) -> bool:
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if _name_of(target) in DATACLASS_DECORATORS:
            return True
    return False


# --------------------------------------------------------------------------------------
# Type hints (mirror of get_type_hints / _compute_kwargs in vllm/engine/arg_utils.py)
# --------------------------------------------------------------------------------------

# A hint is a tuple:
#   ("none",) ("bool",) ("int",) ("float",) ("str",) ("dict",) ("any",)
#   ("literal", values, typecheck_only)   ("list"|"tuple"|"set", [elem hints], ellipsis)
#   ("dataclass", name) ("other", name)

BUILTIN_SCALARS = {"bool", "int", "float", "str", "bytes"}


class Hints:
    def __init__(self, tree: Tree):
        self.tree = tree

    def flatten(self, modname: str, node: ast.expr | None, depth: int = 0) -> list:
        if node is None or depth > 25:
            return [("any",)]
        if isinstance(node, ast.Constant):
            if node.value is None:
                return [("none",)]
            if isinstance(node.value, str):  # forward reference
                try:
                    return self.flatten(modname, ast.parse(node.value, mode="eval").body, depth + 1)
                except SyntaxError:
                    return [("other", node.value)]
            return [("other", repr(node.value))]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.flatten(modname, node.left, depth + 1) + self.flatten(
                modname, node.right, depth + 1
            )
        if isinstance(node, ast.Subscript):
            head = _name_of(node.value)
            args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if head in ("Optional",):
                return self.flatten(modname, args[0], depth + 1) + [("none",)]
            if head in ("Union",):
                out = []
                for a in args:
                    out += self.flatten(modname, a, depth + 1)
                return out
            if head in ("Annotated", "SkipValidation", "InitVar", "ClassVar", "Final", "Required", "NotRequired"):
                return self.flatten(modname, args[0], depth + 1)
            if head == "Literal":
                return [("literal", self.literal_values(modname, args, depth), False)]
            # get_origin() must be list/tuple/set/dict itself: typing.Sequence, Mapping,
            # frozenset & co. are "not builtin" to vLLM and end up as str.
            if head in ("list", "List"):
                return [("list", self.flatten(modname, args[0], depth + 1), False)]
            if head in ("set", "Set"):
                return [("set", self.flatten(modname, args[0], depth + 1), False)]
            if head in ("tuple", "Tuple"):
                ell = any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in args)
                elems = [a for a in args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
                first = self.flatten(modname, elems[0], depth + 1) if elems else [("any",)]
                return [("tuple", first, ell or len(elems))]
            if head in ("dict", "Dict"):
                return [("dict",)]
            if head in ("type", "Type"):
                return [("other", "type")]
            if head in ("Callable",):
                return [("other", "Callable")]
            return self.flatten(modname, node.value, depth + 1)
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = _name_of(node)
            if isinstance(node, ast.Attribute):
                owner = _name_of(node.value)
                if owner in ("torch",):
                    return [("other", f"torch.{name}")]
                if owner in ("typing", "typing_extensions", "t"):
                    return self._typing_name(name)
            if name in ("None", "NoneType"):
                return [("none",)]
            if name in BUILTIN_SCALARS:
                return [(name if name != "bytes" else "str",)]
            if name in ("dict", "Dict"):
                return [("dict",)]
            if name in ("list", "List"):
                return [("list", [("any",)], False)]
            if name in ("tuple", "Tuple"):
                return [("tuple", [("any",)], True)]
            if name in ("set", "Set"):
                return [("set", [("any",)], False)]
            if name in ("Any", "object"):
                return [("any",)]
            if isinstance(node, ast.Name):
                return self._resolve_name(modname, name, depth)
            return [("other", name)]
        return [("other", ast.dump(node)[:40])]

    def _typing_name(self, name: str) -> list:
        if name == "Any":
            return [("any",)]
        return [("other", name)]

    def _resolve_name(self, modname: str, name: str, depth: int) -> list:
        found = self.tree.lookup(modname, name)
        if found is None or found[1][0] == "import":
            if name.endswith("Config"):
                # An unresolved vLLM config class: every one of them is a dataclass.
                warn(f"{name}: class not found under --src; assumed to be a config dataclass")
                return [("dataclass", name)]
            return [("other", name)]
        mod, b = found
        if b[0] == "class":
            if is_dataclass_node(b[1]):
                return [("dataclass", name)]
            if _is_enum(b[1]):
                return [("other", name)]
            return [("other", name)]
        if b[0] == "expr":
            expr = b[1]
            hints = self.flatten(mod.name, expr, depth + 1)
            if hints == [("any",)] or (isinstance(expr, ast.Name) and expr.id == "Any"):
                # `Any` at run time: is there a Literal under TYPE_CHECKING?
                tc = self.tree.lookup(mod.name, name, typecheck=True)
                if tc is not None and tc[1][0] == "expr" and tc[1][1] is not expr:
                    tch = self.flatten(tc[0].name, tc[1][1], depth + 1)
                    lits = [h for h in tch if h[0] == "literal"]
                    if lits:
                        return [("literal", lits[0][1], True)]
                    return [("any",)]
            return hints
        if b[0] == "import":
            return [("other", name)]
        return [("other", name)]

    def literal_values(self, modname: str, args: list, depth: int) -> list:
        out = []
        for a in args:
            if isinstance(a, ast.Constant):
                out.append(a.value)
            elif isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub) and isinstance(a.operand, ast.Constant):
                out.append(-a.operand.value)
            else:
                sub = self.flatten(modname, a, depth + 1)
                for h in sub:
                    if h[0] == "literal":
                        out += h[1]
        return out


def _is_enum(node: ast.ClassDef) -> bool:
    return any(_name_of(b) in ("Enum", "StrEnum", "IntEnum") for b in node.bases)


def has(hints: list, kind: str) -> bool:
    return any(h[0] == kind for h in hints)


def get(hints: list, kind: str):
    return next((h for h in hints if h[0] == kind), None)


def literal_kwargs(hints: list) -> dict:
    lit = get(hints, "literal")
    values = lit[1]
    if lit[2]:  # TYPE_CHECKING-only Literal: argparse sees str; keep the source order
        return {"type": TypeFn("str"), "doc_choices": [str(v) for v in values]}
    kind = _scalar_kind(values[0]) if values else "str"
    key = "metavar" if has(hints, "str") else "choices"
    try:
        ordered = sorted(values)
    except TypeError:
        ordered = list(values)
    return {"type": TypeFn(kind), key: [str(v) for v in ordered]}


def _scalar_kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "str"


def collection_kwargs(hints: list, kind: str) -> dict:
    h = get(hints, kind)
    elem = h[1]
    out: dict = {"nargs": "+" if kind != "tuple" or h[2] is True else h[2]}
    if has(elem, "literal") and not (len(elem) > 1 and has(elem, "str")):
        out.update(literal_kwargs(elem))
    elif has(elem, "int") and not has(elem, "str"):
        out["type"] = TypeFn("int")
    elif has(elem, "float") and not has(elem, "str"):
        out["type"] = TypeFn("float")
    elif has(elem, "bool") and not has(elem, "str"):
        out["type"] = TypeFn("bool")
    else:
        out["type"] = TypeFn("str")
    return out


class KwargsBuilder:
    """Re-implementation of `get_kwargs(cls)` for a config dataclass read from source."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.hints = Hints(tree)
        self.cache: dict = {}

    def fields(self, cref: ClassRef) -> list:
        """Dataclass fields in definition order, base classes first."""
        out: list = []
        for base in cref.node.bases:
            bname = _name_of(base)
            if bname and isinstance(base, ast.Name):
                found = self.tree.lookup(cref.module, bname)
                if found and found[1][0] == "class" and is_dataclass_node(found[1][1]):
                    out += self.fields(ClassRef(found[0].name, found[1][1]))
        for node in cref.node.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                ann = node.annotation
                head = _name_of(ann.value) if isinstance(ann, ast.Subscript) else _name_of(ann)
                if head == "ClassVar":
                    continue
                if node.value is not None and _is_field_call(node.value, init_false=True):
                    continue
                out = [f for f in out if f[0] != node.target.id]
                out.append((node.target.id, ann, node.value, cref.module))
        return out

    def compute(self, cref: ClassRef) -> dict:
        key = (cref.module, cref.node.name)
        if key in self.cache:
            return json_copy(self.cache[key])
        kwargs: dict = {}
        for name, ann, value, modname in self.fields(cref):
            hints = self.hints.flatten(modname, ann)
            kw: dict = {"default": literal_default(value)}
            if has(hints, "dataclass"):
                kw["type"] = TypeFn("json")
            elif has(hints, "bool"):
                kw["action"] = Action("boolean_optional")
            elif has(hints, "literal"):
                kw.update(literal_kwargs(hints))
            elif has(hints, "tuple"):
                kw.update(collection_kwargs(hints, "tuple"))
            elif has(hints, "list"):
                kw.update(collection_kwargs(hints, "list"))
            elif has(hints, "set"):
                kw.update(collection_kwargs(hints, "set"))
            elif has(hints, "int"):
                kw["type"] = TypeFn("int")
            elif has(hints, "float"):
                kw["type"] = TypeFn("float")
            elif has(hints, "dict"):
                kw["type"] = TypeFn("json")
            else:
                kw["type"] = TypeFn("str")
            if has(hints, "none") and not has(hints, "bool"):
                if kw.get("choices") is not None:
                    kw["choices"] = kw["choices"] + ["None"]
            kwargs[name] = kw
        self.cache[key] = kwargs
        return json_copy(kwargs)


def _is_field_call(node: ast.expr, init_false: bool = False) -> bool:
    if isinstance(node, ast.Call) and _name_of(node.func) in ("field", "Field"):
        if init_false:
            return any(
                k.arg == "init" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            )
        return True
    return False


def literal_default(node: ast.expr | None):
    """The field default if the source gives a JSON-able literal, else UNKNOWN."""
    if node is None:
        return UNKNOWN
    if isinstance(node, ast.Call) and _name_of(node.func) in ("field", "Field"):
        for k in node.keywords:
            if k.arg == "default":
                return literal_default(k.value)
        if node.args and _name_of(node.func) == "Field":
            return literal_default(node.args[0])
        return UNKNOWN
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return UNKNOWN
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    return UNKNOWN


def json_copy(obj):
    if isinstance(obj, dict):
        return {k: json_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_copy(v) for v in obj]
    return obj


# --------------------------------------------------------------------------------------
# Parser registries (tool call parsers, reasoning parsers)
# --------------------------------------------------------------------------------------


def registry_names(tree: Tree, modname: str, manager: str) -> list:
    """Names registered on `manager` when package `modname` is imported."""
    names: list = []
    seen: set = set()

    def scan(mname: str, depth: int) -> None:
        if mname in seen or depth > 4:
            return
        seen.add(mname)
        mod = tree.load(mname)
        if mod is None:
            return
        for node in mod.tree.body:
            # lazy registration tables: {"name": ("module", "Class"), ...}
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
                getattr(node, "value", None), ast.Dict
            ):
                d = node.value
                if d.keys and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in d.keys) and all(
                    isinstance(v, (ast.Tuple, ast.List)) for v in d.values
                ):
                    for k in d.keys:
                        if k.value not in names:
                            names.append(k.value)
            if isinstance(node, ast.ClassDef):
                for dec in reversed(node.decorator_list):
                    for n in _register_names(dec, manager):
                        if n not in names:
                            names.append(n)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                for n in _register_names(node.value, manager, call=True):
                    if n not in names:
                        names.append(n)
        if mod.path.endswith("__init__.py"):
            for src, name in mod.order:
                sub = f"{src}.{name}" if tree.path_of(f"{src}.{name}") else src
                if sub.startswith(mname):
                    scan(sub, depth + 1)

    scan(modname, 0)
    return names


def _register_names(node: ast.expr, manager: str, call: bool = False) -> list:
    if not isinstance(node, ast.Call):
        return []
    f = node.func
    if not (isinstance(f, ast.Attribute) and f.attr in ("register_module", "register_lazy_module")):
        return []
    if _name_of(f.value) != manager:
        return []
    arg = node.args[0] if node.args else None
    for k in node.keywords:
        if k.arg == "name":
            arg = k.value
    if arg is None:
        return []
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, (ast.List, ast.Tuple)):
        return [e.value for e in arg.elts if isinstance(e, ast.Constant)]
    return []


# --------------------------------------------------------------------------------------
# The evaluator for add_cli_args & co.
# --------------------------------------------------------------------------------------

JSON_FUNCS = {"loads", "union_dict_and_str", "parse_dataclass", "parse_type"}


class Interpreter:
    def __init__(self, tree: Tree, argv: list):
        self.tree = tree
        self.argv = argv
        self.kb = KwargsBuilder(tree)
        self.flags: list[Flag] = []
        self.depth = 0

    # ---- names -----------------------------------------------------------------
    def resolve(self, modname: str, name: str):
        found = self.tree.lookup(modname, name)
        if found is None:
            return UNKNOWN
        mod, b = found
        if b[0] == "class":
            return ClassRef(mod.name, b[1])
        if b[0] == "func":
            return FuncRef(mod.name, b[1])
        if b[0] == "expr":
            return ("expr", mod.name, b[1])
        if b[0] == "module":
            return ("module", b[1])
        return UNKNOWN

    def method(self, cref: ClassRef, name: str) -> FuncRef | None:
        for node in cref.node.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return FuncRef(cref.module, node, cref)
        for base in cref.node.bases:
            if isinstance(base, ast.Name):
                b = self.resolve(cref.module, base.id)
                if isinstance(b, ClassRef):
                    m = self.method(b, name)
                    if m:
                        return m
        return None

    def class_attr_default(self, cref: ClassRef, attr: str):
        for node in cref.node.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == attr:
                v = literal_default(node.value)
                if v is UNKNOWN and node.value is not None:
                    # e.g. `model: str = ModelConfig.model`
                    return self.eval(node.value, {}, cref.module)
                return v
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in node.targets):
                return literal_default(node.value)
        for base in cref.node.bases:
            if isinstance(base, ast.Name):
                b = self.resolve(cref.module, base.id)
                if isinstance(b, ClassRef):
                    v = self.class_attr_default(b, attr)
                    if v is not UNKNOWN:
                        return v
        return UNKNOWN

    # ---- calls -------------------------------------------------------------------
    def call_function(self, fref: FuncRef, args: list, kwargs: dict):
        if self.depth > 12:
            return UNKNOWN
        params = fref.node.args
        env: dict = {}
        positional = [a.arg for a in params.posonlyargs + params.args]
        if fref.owner is not None and positional and positional[0] in ("self", "cls"):
            positional = positional[1:]
        defaults = params.defaults
        for i, name in enumerate(positional):
            di = i - (len(positional) - len(defaults))
            if i < len(args):
                env[name] = args[i]
            elif name in kwargs:
                env[name] = kwargs[name]
            elif di >= 0:
                env[name] = self.eval(defaults[di], {}, fref.module)
            else:
                env[name] = UNKNOWN
        for a, d in zip(params.kwonlyargs, params.kw_defaults):
            env[a.arg] = kwargs.get(a.arg, self.eval(d, {}, fref.module) if d is not None else UNKNOWN)
        self.depth += 1
        try:
            return self.run(fref.node.body, env, fref.module)
        finally:
            self.depth -= 1

    # ---- statements --------------------------------------------------------------
    class Return(Exception):
        def __init__(self, value):
            self.value = value

    def run(self, body: list, env: dict, modname: str):
        try:
            self.exec_block(body, env, modname)
        except Interpreter.Return as r:
            return r.value
        return None

    def exec_block(self, body: list, env: dict, modname: str):
        for stmt in body:
            self.exec(stmt, env, modname)

    def exec(self, stmt: ast.stmt, env: dict, modname: str):
        if isinstance(stmt, ast.Return):
            raise Interpreter.Return(self.eval(stmt.value, env, modname) if stmt.value else None)
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):
                return  # docstring
            self.eval(stmt.value, env, modname)
            return
        if isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value, env, modname)
            for t in stmt.targets:
                self.assign(t, value, env, modname)
            return
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.eval(stmt.value, env, modname), env, modname)
            return
        if isinstance(stmt, ast.AugAssign):
            cur = self.eval(_load(stmt.target), env, modname)
            val = self.eval(stmt.value, env, modname)
            res = self.binop(stmt.op, cur, val)
            self.assign(stmt.target, res, env, modname)
            return
        if isinstance(stmt, ast.Delete):
            for t in stmt.targets:
                if isinstance(t, ast.Subscript):
                    container = self.eval(t.value, env, modname)
                    key = self.eval(t.slice, env, modname)
                    if isinstance(container, dict):
                        container.pop(key, None)
            return
        if isinstance(stmt, ast.If):
            cond = self.truth(self.eval(stmt.test, env, modname))
            if cond is None:
                warn(f"{modname}:{stmt.lineno}: condition not evaluated, taking the if-branch")
                cond = True
            self.exec_block(stmt.body if cond else stmt.orelse, env, modname)
            return
        if isinstance(stmt, ast.For):
            it = self.eval(stmt.iter, env, modname)
            if isinstance(it, dict):
                it = list(it.keys())
            if not isinstance(it, (list, tuple)):
                warn(f"{modname}:{stmt.lineno}: loop over an unknown iterable skipped")
                return
            for item in list(it):
                self.assign(stmt.target, item, env, modname)
                self.exec_block(stmt.body, env, modname)
            return
        if isinstance(stmt, (ast.With,)):
            self.exec_block(stmt.body, env, modname)
            return
        if isinstance(stmt, ast.Try):
            self.exec_block(stmt.body, env, modname)
            self.exec_block(stmt.orelse, env, modname)
            self.exec_block(stmt.finalbody, env, modname)
            return
        if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom, ast.Assert, ast.FunctionDef, ast.ClassDef)):
            if isinstance(stmt, ast.ImportFrom):
                src = self.tree._abs(self.tree.load(modname), stmt.level, stmt.module)
                for alias in stmt.names:
                    found = self.tree.lookup(src, alias.name)
                    if found:
                        mod, b = found
                        env[alias.asname or alias.name] = (
                            ClassRef(mod.name, b[1]) if b[0] == "class" else
                            FuncRef(mod.name, b[1]) if b[0] == "func" else
                            ("expr", mod.name, b[1]) if b[0] == "expr" else
                            ("module", b[1]) if b[0] == "module" else UNKNOWN
                        )
            return
        warn(f"{modname}:{getattr(stmt, 'lineno', '?')}: statement {type(stmt).__name__} ignored")

    def assign(self, target: ast.expr, value, env: dict, modname: str):
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (list, tuple)) and len(value) == len(target.elts):
                for t, v in zip(target.elts, value):
                    self.assign(t, v, env, modname)
            else:
                for t in target.elts:
                    self.assign(t, UNKNOWN, env, modname)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value, env, modname)
            key = self.eval(target.slice, env, modname)
            if isinstance(container, dict) and not isinstance(key, Unknown):
                container[key] = value
        elif isinstance(target, ast.Attribute):
            pass

    # ---- expressions -------------------------------------------------------------
    def truth(self, v):
        if isinstance(v, Unknown):
            return None
        if isinstance(v, (ParserRef, ClassRef, FuncRef)):
            return True
        try:
            return bool(v)
        except Exception:  # pragma: no cover
            return None

    def binop(self, op, a, b):
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return UNKNOWN
        try:
            if isinstance(op, ast.Add):
                if isinstance(a, list) and isinstance(b, (list, tuple)):
                    return a + list(b)
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if isinstance(op, ast.Mod) and isinstance(a, str):
                return a % b
        except Exception:
            return UNKNOWN
        return UNKNOWN

    def eval(self, node: ast.expr | None, env: dict, modname: str):
        if node is None:
            return None
        m = getattr(self, "eval_" + type(node).__name__, None)
        if m is None:
            return UNKNOWN
        return m(node, env, modname)

    def eval_Constant(self, node, env, modname):
        return node.value

    def eval_List(self, node, env, modname):
        out = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                v = self.eval(e.value, env, modname)
                out += list(v) if isinstance(v, (list, tuple)) else []
            else:
                out.append(self.eval(e, env, modname))
        return out

    eval_Tuple = eval_List

    def eval_Set(self, node, env, modname):
        return self.eval_List(node, env, modname)

    def eval_Dict(self, node, env, modname):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                sub = self.eval(v, env, modname)
                if isinstance(sub, dict):
                    out.update(sub)
                continue
            out[self.eval(k, env, modname)] = self.eval(v, env, modname)
        return out

    def eval_JoinedStr(self, node, env, modname):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue):
                x = self.eval(v.value, env, modname)
                if isinstance(x, Unknown):
                    return UNKNOWN
                parts.append(str(x))
        return "".join(parts)

    def eval_UnaryOp(self, node, env, modname):
        v = self.eval(node.operand, env, modname)
        if isinstance(node.op, ast.Not):
            t = self.truth(v)
            return UNKNOWN if t is None else (not t)
        if isinstance(node.op, ast.USub) and isinstance(v, (int, float)):
            return -v
        return UNKNOWN

    def eval_BoolOp(self, node, env, modname):
        vals = [self.truth(self.eval(v, env, modname)) for v in node.values]
        if isinstance(node.op, ast.And):
            if any(v is False for v in vals):
                return False
            return UNKNOWN if any(v is None for v in vals) else True
        if any(v is True for v in vals):
            return True
        return UNKNOWN if any(v is None for v in vals) else False

    def eval_Compare(self, node, env, modname):
        left = self.eval(node.left, env, modname)
        for op, comp in zip(node.ops, node.comparators):
            right = self.eval(comp, env, modname)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return UNKNOWN
            try:
                if isinstance(op, ast.In):
                    ok = left in right
                elif isinstance(op, ast.NotIn):
                    ok = left not in right
                elif isinstance(op, ast.Eq):
                    ok = left == right
                elif isinstance(op, ast.NotEq):
                    ok = left != right
                elif isinstance(op, ast.Is):
                    ok = left is right
                elif isinstance(op, ast.IsNot):
                    ok = left is not right
                elif isinstance(op, ast.Lt):
                    ok = left < right
                elif isinstance(op, ast.GtE):
                    ok = left >= right
                elif isinstance(op, ast.Gt):
                    ok = left > right
                elif isinstance(op, ast.LtE):
                    ok = left <= right
                else:
                    return UNKNOWN
            except Exception:
                return UNKNOWN
            if not ok:
                return False
            left = right
        return True

    def eval_IfExp(self, node, env, modname):
        t = self.truth(self.eval(node.test, env, modname))
        if t is None:
            return UNKNOWN
        return self.eval(node.body if t else node.orelse, env, modname)

    def eval_BinOp(self, node, env, modname):
        return self.binop(node.op, self.eval(node.left, env, modname), self.eval(node.right, env, modname))

    def eval_Subscript(self, node, env, modname):
        base = self.eval(node.value, env, modname)
        if isinstance(node.slice, ast.Slice):
            if isinstance(base, (list, tuple, str)):
                lo = self.eval(node.slice.lower, env, modname) if node.slice.lower else None
                hi = self.eval(node.slice.upper, env, modname) if node.slice.upper else None
                if isinstance(lo, Unknown) or isinstance(hi, Unknown):
                    return UNKNOWN
                return base[lo:hi]
            return UNKNOWN
        key = self.eval(node.slice, env, modname)
        if isinstance(base, dict):
            return base.get(key, UNKNOWN) if not isinstance(key, Unknown) else UNKNOWN
        if isinstance(base, (list, tuple)) and isinstance(key, int):
            try:
                return base[key]
            except IndexError:
                return UNKNOWN
        return UNKNOWN

    def eval_ListComp(self, node, env, modname):
        if len(node.generators) != 1:
            return UNKNOWN
        gen = node.generators[0]
        it = self.eval(gen.iter, env, modname)
        if not isinstance(it, (list, tuple)):
            return UNKNOWN
        out = []
        local = dict(env)
        for item in it:
            self.assign(gen.target, item, local, modname)
            if all(self.truth(self.eval(c, local, modname)) for c in gen.ifs):
                out.append(self.eval(node.elt, local, modname))
        return out

    eval_GeneratorExp = eval_ListComp

    def eval_Name(self, node, env, modname):
        if node.id in env:
            return env[node.id]
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id in ("int", "float", "str", "bool"):
            return TypeFn(node.id)
        if node.id in ("human_readable_int", "human_readable_int_or_auto"):
            return TypeFn("int")
        if node.id in ("nullable_str",):
            return TypeFn("str")
        if node.id in JSON_FUNCS:
            return TypeFn("json")
        r = self.resolve(modname, node.id)
        if isinstance(r, tuple) and r[0] == "expr":
            expr = r[2]
            if isinstance(expr, ast.Subscript) and _name_of(expr.value) == "Literal":
                return LiteralAlias(Hints(self.tree).literal_values(r[1], _slice_elts(expr), 0), r[1])
            if isinstance(expr, (ast.Constant, ast.List, ast.Tuple, ast.Dict)):
                return self.eval(expr, {}, r[1])
            return UNKNOWN
        return r

    def eval_Attribute(self, node, env, modname):
        base_node = node.value
        if isinstance(base_node, ast.Name) and base_node.id == "sys" and node.attr == "argv":
            return list(self.argv)
        if node.attr == "BooleanOptionalAction":
            return Action("boolean_optional")
        if isinstance(base_node, ast.Name) and base_node.id == "json" and node.attr == "loads":
            return TypeFn("json")
        if node.attr in ("tool_parsers", "reasoning_parsers", "list_registered"):
            # the parser registries: names registered when the manager's package is imported
            manager = _name_of(base_node)
            r = self.resolve(modname, manager) if manager else UNKNOWN
            pkg = self._package_importing(modname, manager) if manager else None
            if pkg is None and isinstance(r, ClassRef):
                pkg = r.module
            if pkg is None:
                return UNKNOWN
            names = registry_names(self.tree, pkg, manager)
            if node.attr == "list_registered":
                # `Manager.list_registered()`: sorted(eager | lazy)
                return ("registry-call", Registry(sorted(set(names))))
            return Registry(names)
        base = self.eval(base_node, env, modname)
        if isinstance(base, ParserRef):
            return ("parser-method", base, node.attr)
        if isinstance(base, ClassRef):
            m = self.method(base, node.attr)
            if m is not None:
                return m
            return self.class_attr_default(base, node.attr)
        if isinstance(base, dict) and node.attr in ("items", "keys", "values", "get", "update", "pop"):
            return ("dict-method", base, node.attr)
        if isinstance(base, (list, str)) and node.attr in ("join", "append", "extend", "copy", "split", "replace", "lower"):
            return ("seq-method", base, node.attr)
        if isinstance(base, Registry) and node.attr in ("keys",):
            return ("registry-keys", base)
        if isinstance(base, tuple) and base and base[0] == "module":
            r = self.resolve(base[1], node.attr)
            return r
        return UNKNOWN

    def _package_importing(self, modname: str, name: str) -> str | None:
        mod = self.tree.load(modname)
        if mod is None:
            return None
        b = mod.runtime.get(name) or mod.typecheck.get(name)
        if b and b[0] == "import":
            return b[1]
        return None

    def eval_Call(self, node, env, modname):
        func = node.func
        fname = _name_of(func)
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                v = self.eval(a.value, env, modname)
                args += list(v) if isinstance(v, (list, tuple)) else [UNKNOWN]
            else:
                args.append(self.eval(a, env, modname))
        kwargs: dict = {}
        for k in node.keywords:
            v = self.eval(k.value, env, modname)
            if k.arg is None:
                if isinstance(v, dict):
                    kwargs.update(v)
                else:
                    kwargs["__unknown_splat__"] = True
            else:
                kwargs[k.arg] = v

        # builtins and helpers
        if isinstance(func, ast.Name):
            if fname == "get_kwargs" or fname == "_compute_kwargs":
                c = args[0] if args else UNKNOWN
                if isinstance(c, ClassRef):
                    return self.kb.compute(c)
                warn(f"{modname}:{node.lineno}: get_kwargs of an unresolved class")
                return {}
            if fname in ("list", "tuple", "sorted"):
                v = args[0] if args else []
                if isinstance(v, Registry):
                    v = v.names
                if isinstance(v, tuple) and v and v[0] == "registry-keys":
                    v = v[1].names
                if isinstance(v, dict):
                    v = list(v.keys())
                if isinstance(v, (list, tuple)):
                    return sorted(v) if fname == "sorted" else list(v)
                return UNKNOWN
            if fname == "get_args":
                v = args[0] if args else UNKNOWN
                if isinstance(v, LiteralAlias):
                    return list(v.values)
                return UNKNOWN
            if fname == "permutations":
                v = args[0] if args else UNKNOWN
                r = kwargs.get("r", args[1] if len(args) > 1 else None)
                if isinstance(v, (list, tuple)):
                    return [list(p) for p in itertools.permutations(v, r)]
                return UNKNOWN
            if fname == "optional_type":
                return args[0] if args else UNKNOWN
            if fname == "parse_type":
                return TypeFn("json") if args and isinstance(args[0], TypeFn) and args[0].kind == "json" else (args[0] if args else UNKNOWN)
            if fname in ("str",):
                return str(args[0]) if args and not isinstance(args[0], Unknown) else UNKNOWN
            if fname == "len":
                return len(args[0]) if args and isinstance(args[0], (list, tuple, dict, str)) else UNKNOWN
            if fname in ("isinstance", "hasattr", "getattr", "print", "load_general_plugins"):
                return UNKNOWN
        target = self.eval(func, env, modname)
        if isinstance(target, tuple) and target and target[0] == "parser-method":
            return self.parser_method(target[1], target[2], args, kwargs, node, modname)
        if isinstance(target, tuple) and target and target[0] == "dict-method":
            d, meth = target[1], target[2]
            if meth == "items":
                return [[k, v] for k, v in d.items()]
            if meth == "keys":
                return list(d.keys())
            if meth == "values":
                return list(d.values())
            if meth == "get":
                return d.get(args[0], args[1] if len(args) > 1 else None)
            if meth == "update":
                if args and isinstance(args[0], dict):
                    d.update(args[0])
                d.update({k: v for k, v in kwargs.items() if k != "__unknown_splat__"})
                return None
            if meth == "pop":
                return d.pop(args[0], args[1] if len(args) > 1 else None)
        if isinstance(target, tuple) and target and target[0] == "seq-method":
            seq, meth = target[1], target[2]
            if meth == "join" and isinstance(seq, str):
                items = args[0] if args else []
                if isinstance(items, Registry):
                    items = items.names
                if isinstance(items, (list, tuple)) and all(isinstance(i, str) for i in items):
                    return seq.join(items)
                return UNKNOWN
            if meth == "append" and isinstance(seq, list):
                seq.append(args[0] if args else UNKNOWN)
                return None
            if meth == "extend" and isinstance(seq, list):
                if args and isinstance(args[0], (list, tuple)):
                    seq.extend(args[0])
                return None
            if meth == "copy":
                return list(seq)
            if isinstance(seq, str) and all(isinstance(a, str) for a in args):
                try:
                    return getattr(seq, meth)(*args)
                except Exception:
                    return UNKNOWN
            return UNKNOWN
        if isinstance(target, tuple) and target and target[0] in ("registry-keys", "registry-call"):
            return target[1].names
        if isinstance(target, FuncRef):
            name = target.node.name
            if name in ("get_kwargs", "_compute_kwargs") and args and isinstance(args[0], ClassRef):
                return self.kb.compute(args[0])
            if self._touches_parser(args, kwargs) or name in ("add_cli_args", "make_arg_parser"):
                return self.call_function(target, args, kwargs)
            return UNKNOWN
        if isinstance(target, ClassRef):
            # a constructor call, e.g. FlexibleArgumentParser(...)
            return UNKNOWN
        return UNKNOWN

    @staticmethod
    def _touches_parser(args, kwargs) -> bool:
        return any(isinstance(a, ParserRef) for a in list(args) + list(kwargs.values()))

    # ---- the parser --------------------------------------------------------------
    def parser_method(self, parser: ParserRef, meth: str, args, kwargs, node, modname):
        if meth in ("add_argument_group", "add_mutually_exclusive_group", "add_parser"):
            return parser
        if meth == "add_argument":
            names = [a for a in args if isinstance(a, str)]
            if not names or any(isinstance(a, Unknown) for a in args):
                warn(f"{modname}:{node.lineno}: add_argument with unevaluated names skipped")
                return None
            if kwargs.pop("__unknown_splat__", False):
                warn(f"{modname}:{node.lineno}: {names[0]}: **kwargs not evaluated")
            self.flags.append(Flag(names, kwargs))
            return None
        if meth == "set_defaults":
            return None
        return None


def _slice_elts(sub: ast.Subscript) -> list:
    return sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]


def _load(target: ast.expr) -> ast.expr:
    return ast.parse(ast.unparse(target), mode="eval").body


# --------------------------------------------------------------------------------------
# Flag records
# --------------------------------------------------------------------------------------


def record(flag: Flag) -> tuple[str, dict]:
    kw = flag.kwargs
    longs = [n for n in flag.names if n.startswith("--")]
    key = longs[0] if longs else flag.names[0]
    aliases = [n for n in flag.names if n != key]
    action = kw.get("action")
    nargs = kw.get("nargs")
    typ = kw.get("type")
    entry: dict = {"aliases": aliases}
    negatable = False
    if isinstance(action, Action) and action.kind == "boolean_optional":
        entry["takesValue"], entry["type"], negatable = False, "bool", True
    elif action in ("store_true", "store_false", "store_const", "count", "help", "version"):
        entry["takesValue"], entry["type"] = False, "bool" if action != "count" else "int"
    elif action in ("append", "extend") or nargs in ("+", "*") or (isinstance(nargs, int) and nargs > 1):
        entry["takesValue"], entry["type"] = True, "list"
    else:
        entry["takesValue"] = True
        # argparse's default type is str; classes and unevaluated callables count as str too
        entry["type"] = typ.kind if isinstance(typ, TypeFn) else "str"
    choices = kw.get("choices")
    if isinstance(choices, Registry):
        choices = choices.names
    if not isinstance(choices, (list, tuple)) or not choices:
        choices = None
        metavar = kw.get("metavar")
        if isinstance(metavar, (list, tuple)) and metavar:
            choices = list(metavar)
            # Literal | str: argparse shows the values but takes any string (a registry open to plugins)
            entry["openChoices"] = True
        elif isinstance(metavar, str):
            mm = re.match(r"^\{([^{}]*)\}", metavar)
            if mm and mm.group(1):
                choices = mm.group(1).split(",")
        if choices is None and kw.get("doc_choices"):
            choices = kw["doc_choices"]
    if choices and entry["type"] != "bool":
        entry["choices"] = [c if isinstance(c, str) else ("None" if c is None else str(c)) for c in choices]
    if negatable:
        entry["negatable"] = True
    default = kw.get("default", UNKNOWN)
    if "default" in kw and isinstance(default, (str, bool, int, float)):
        entry["default"] = default
    elif action == "store_true" and "default" not in kw:
        entry["default"] = False  # argparse's implicit default for store_true
    return key, entry


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------

SERVE_MODULE = "vllm.entrypoints.cli.serve"


def find_serve_init(tree: Tree) -> FuncRef:
    mod = tree.load(SERVE_MODULE)
    if mod is None:
        raise SystemExit(f"vllm.py: {SERVE_MODULE} not found under --src")
    for node in mod.tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "subparser_init":
                    return FuncRef(mod.name, item, ClassRef(mod.name, node))
    raise SystemExit("vllm.py: ServeSubcommand.subparser_init not found")


HELP_FLAG = ("--help", {"aliases": ["-h"], "takesValue": False, "type": "bool"})
"""argparse's own -h/--help (subparsers.add_parser keeps add_help=True). vLLM's
FlexibleArgumentParser rewrites `--help=<group>` to `--help` before parsing."""


def build(src: str) -> tuple[dict, list]:
    tree = Tree(src)
    interp = Interpreter(tree, argv=["vllm", "serve"])
    init = find_serve_init(tree)
    interp.call_function(init, [ParserRef("subparsers")], {})
    flags: dict = {}
    if not any("--help" in f.names for f in interp.flags):
        flags[HELP_FLAG[0]] = dict(HELP_FLAG[1])
    for f in interp.flags:
        if not any(n.startswith("-") for n in f.names):
            continue  # positional (model_tag)
        key, entry = record(f)
        if key in flags:
            warn(f"{key}: registered twice; keeping the first")
            continue
        flags[key] = entry
    if tree.missing:
        warn("modules not found under --src (types from them fall back to str): " + ", ".join(sorted(tree.missing)))
    return flags, tree.used


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", required=True, help="vLLM source tree (checkout or files at repo paths)")
    ap.add_argument("--version", required=True, help="release, e.g. 0.11.0")
    ap.add_argument("--commit", required=True, help="40-hex commit of the release tag")
    ap.add_argument("--no-defaults", action="store_true", help="omit the per-flag `default`")
    args = ap.parse_args(argv)
    if not re.fullmatch(r"[0-9a-f]{40}", args.commit):
        ap.error("--commit must be 40 lowercase hex digits")
    flags, used = build(args.src)
    if args.no_defaults:
        for e in flags.values():
            e.pop("default", None)
    order = ["aliases", "takesValue", "type", "choices", "openChoices", "negatable", "default"]
    flags = {k: {o: v[o] for o in order if o in v} for k, v in flags.items()}
    doc = {
        "engine": "vllm",
        "version": args.version,
        "command": "vllm serve <model> [options]",
        "commit": args.commit,
        "sources": used,
        "derivedBy": (
            "scripts/engine-facts/vllm.py: the argparse parser built by vllm/entrypoints/cli/serve.py "
            "at this commit (EngineArgs.add_cli_args, AsyncEngineArgs, FrontendArgs in "
            "vllm/entrypoints/openai/cli_args.py), read with ast from the source, option by option; "
            "underscore spellings and unambiguous prefixes are also accepted"
        ),
        "flags": flags,
    }
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
