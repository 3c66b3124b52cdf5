"""``jaxnest port``: rewrite a PyNEST script's imports to jaxnest and list what jaxnest lacks.

The static pass reads the script's AST: the names it reaches through the ``nest`` module
(``nest.X``, ``nest.X.Y``, ``from nest import X``), the NEST model names it mentions (any string
literal that is a NEST model), the connection rules it asks for, and the parameters it sets or
reads on nodes whose model is known statically (``x = nest.Create("iaf_psc_alpha")`` then
``x.I_e = ...``, ``x.set(...)``, ``nest.SetStatus(x, {...})``, ``Create(..., params={...})``,
``SetDefaults``/``CopyModel``). Checked against jaxnest itself: its registry, its module and a
node of each model created in a scratch kernel. The dry run then runs the script under jaxnest
and reports the error it stops at, if any.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache

from .classify import NEST_SUBMODULES
from .rewrite import rewrite  # noqa: F401  (port = analyse + rewrite + dry_run)


@dataclass(frozen=True)
class Finding:
    """One thing the script uses that jaxnest does not support."""

    line: int | None
    kind: str        # model / function / module / rule / parameter / runtime
    name: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.kind} {self.name}" + (f" ({self.detail})" if self.detail else "")


# --- what jaxnest has -----------------------------------------------------------------------

@lru_cache(maxsize=1)
def _jaxnest():
    import jaxnest
    return jaxnest


@lru_cache(maxsize=1)
def nest_model_names() -> tuple[frozenset, frozenset]:
    from jaxnest.models.nest_names import NODE_MODELS, SYNAPSE_MODELS
    return NODE_MODELS, SYNAPSE_MODELS


@lru_cache(maxsize=1)
def jaxnest_models() -> frozenset:
    from jaxnest.models.registry import builtin_models
    return frozenset(builtin_models())


@lru_cache(maxsize=1)
def jaxnest_rules() -> frozenset:
    try:
        from jaxnest.connect.rules import RULES
        return frozenset(RULES)
    except ImportError:
        return frozenset()


def _module_has(module, name: str) -> bool:
    if name in getattr(module, "KERNEL_ATTRIBUTES", ()):
        return True
    try:
        getattr(module, name)
        return True
    except AttributeError:
        pass
    modname = getattr(module, "__name__", "")
    try:
        return importlib.util.find_spec(f"{modname}.{name}") is not None
    except (ImportError, ValueError):
        return False


def resolve_chain(chain: list[str]) -> str | None:
    """The first missing link of ``nest.<chain>`` on jaxnest as a dotted name, or None."""
    obj = _jaxnest()
    for i, part in enumerate(chain):
        if not _module_has(obj, part):
            return "nest." + ".".join(chain[:i + 1])
        try:
            obj = getattr(obj, part)
        except AttributeError:
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
            except Exception:  # noqa: BLE001 - importable by spec, broken on import
                return "nest." + ".".join(chain[:i + 1])
        if not hasattr(obj, "__dict__") or callable(obj) and not isinstance(obj, type):
            return None  # a function or value: what follows is its own business
    return None


@lru_cache(maxsize=None)
def model_keys(model: str) -> frozenset | None:
    """Status keys of a ``model`` node in jaxnest (None where that cannot be determined)."""
    nest = _jaxnest()
    keys = set()
    try:
        keys.update(nest.GetDefaults(model).keys())
    except Exception:  # noqa: BLE001
        return None
    try:
        nest.ResetKernel()
        keys.update(nest.Create(model).get().keys())
    except Exception:  # noqa: BLE001 - synapses, or a model that cannot be created alone
        pass
    return frozenset(keys)


# --- the static pass ------------------------------------------------------------------------

def _const_str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _dict_keys(node) -> list[str]:
    if isinstance(node, ast.Dict):
        return [k for k in map(_const_str, node.keys) if k]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return [kw.arg for kw in node.keywords if kw.arg]
    if isinstance(node, (ast.List, ast.Tuple)):  # a list of per-node dicts
        return [k for elt in node.elts for k in _dict_keys(elt)]
    return []


def _attr_chain(node) -> tuple[str | None, list[str]]:
    """``a.b.c`` -> ("a", ["b", "c"])."""
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    return (node.id if isinstance(node, ast.Name) else None), chain[::-1]


class _Analyser(ast.NodeVisitor):
    def __init__(self):
        self.nest_names: set[str] = set()      # names bound to the nest module
        self.var_model: dict[str, str] = {}    # variable -> model of the nodes it holds
        self.copies: dict[str, str] = {}       # CopyModel new name -> base model
        self.findings: list[Finding] = []
        self.uses: list[tuple[int, str, str]] = []  # (line, kind, name) of everything used
        nodes, syns = nest_model_names()
        self.nest_models = nodes | syns

    def add(self, line, kind, name, detail=""):
        self.findings.append(Finding(line, kind, name, detail))

    # imports
    def visit_Import(self, node):
        for a in node.names:
            if a.name == "nest" or a.name.startswith("nest."):
                self.nest_names.add(a.asname or "nest")
                self.uses.append((node.lineno, "module", a.name))
                if a.name != "nest":
                    miss = resolve_chain(a.name.split(".")[1:])
                    if miss:
                        self.add(node.lineno, "module", miss)

    def visit_ImportFrom(self, node):
        if node.level or not node.module or node.module.split(".")[0] != "nest":
            return
        base = node.module.split(".")[1:]
        if base:
            miss = resolve_chain(base)
            if miss:
                self.add(node.lineno, "module", miss)
                return
        for a in node.names:
            if a.name == "*":
                continue
            self.uses.append((node.lineno, "function", ".".join(["nest", *base, a.name])))
            miss = resolve_chain([*base, a.name])
            if miss:
                self.add(node.lineno, _kind_of(miss), miss)
            elif not base:
                self.nest_names.add(a.asname or a.name) if a.name in ("random", "math",
                                                                      "spatial") else None

    # nest.X.Y
    def visit_Attribute(self, node):
        root, chain = _attr_chain(node)
        if root in self.nest_names and chain and not isinstance(getattr(node, "_parent", None),
                                                                ast.Attribute):
            self.uses.append((node.lineno, "function", "nest." + ".".join(chain)))
            miss = resolve_chain(chain)
            if miss:
                self.add(node.lineno, _kind_of(miss), miss)
        if root in self.var_model and len(chain) == 1 and not _nc_method(chain[0]):
            self._check_param(node.lineno, self.var_model[root], chain[0])
        self.generic_visit(node)

    def visit_Subscript(self, node):  # x[0].rate, x[:3].set(...)
        self.generic_visit(node)

    # string literals naming NEST models
    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value in self.nest_models:
            self.uses.append((node.lineno, "model", node.value))
            if node.value not in jaxnest_models():
                self.add(node.lineno, "model", node.value)

    def visit_Assign(self, node):
        self.generic_visit(node)
        model = self._created_model(node.value)
        for tgt in node.targets:
            if isinstance(tgt, ast.Name):
                if model:
                    self.var_model[tgt.id] = model
                else:
                    self.var_model.pop(tgt.id, None)
            elif isinstance(tgt, ast.Attribute):
                base = tgt.value
                while isinstance(base, ast.Subscript):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in self.var_model \
                        and isinstance(tgt.value, ast.Subscript):
                    self._check_param(tgt.lineno, self.var_model[base.id], tgt.attr)

    def _created_model(self, value) -> str | None:
        if isinstance(value, ast.Call):
            root, chain = _attr_chain(value.func)
            if root in self.nest_names and chain == ["Create"] and value.args:
                m = _const_str(value.args[0])
                return self.copies.get(m, m) if m else None
        return None

    def visit_Call(self, node):
        self.generic_visit(node)
        root, chain = _attr_chain(node.func)
        fn = chain[-1] if chain else None
        line = node.lineno
        if root in self.nest_names and len(chain) == 1:
            args = node.args
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if fn == "Create" and args and _const_str(args[0]):
                model = self.copies.get(_const_str(args[0]), _const_str(args[0]))
                params = kw.get("params", args[2] if len(args) > 2 else None)
                for key in _dict_keys(params):
                    self._check_param(line, model, key)
            elif fn in ("SetDefaults", "CopyModel") and args and _const_str(args[0]):
                model = self.copies.get(_const_str(args[0]), _const_str(args[0]))
                if fn == "CopyModel" and len(args) > 1 and _const_str(args[1]):
                    self.copies[_const_str(args[1])] = model
                idx = 1 if fn == "SetDefaults" else 2
                params = kw.get("params", args[idx] if len(args) > idx else None)
                for key in _dict_keys(params):
                    self._check_param(line, model, key)
            elif fn in ("SetStatus", "GetStatus") and args and isinstance(args[0], ast.Name) \
                    and args[0].id in self.var_model:
                model = self.var_model[args[0].id]
                keys = _dict_keys(args[1]) if len(args) > 1 else []
                if len(args) > 1 and _const_str(args[1]):
                    keys = [_const_str(args[1])]
                for key in keys:
                    self._check_param(line, model, key)
            elif fn == "Connect":
                conn = kw.get("conn_spec", args[2] if len(args) > 2 else None)
                rule = _const_str(conn)
                if isinstance(conn, ast.Dict):
                    for k, v in zip(conn.keys, conn.values):
                        if _const_str(k) == "rule":
                            rule = _const_str(v)
                if rule and jaxnest_rules() and rule not in jaxnest_rules():
                    self.add(line, "rule", rule, "connection rule")
        elif fn in ("set", "get") and isinstance(node.func, ast.Attribute):
            base = node.func.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name) and base.id in self.var_model:
                model = self.var_model[base.id]
                keys = [kw.arg for kw in node.keywords if kw.arg and kw.arg != "output"]
                args = node.args
                if fn == "get" and args and _const_str(args[0]) == "events":
                    args = args[:1]  # get("events", "times"): a key of the events dict
                for a in args:
                    keys += _dict_keys(a) + ([_const_str(a)] if _const_str(a) else [])
                for key in keys:
                    self._check_param(line, model, key)

    def _check_param(self, line, model, key):
        if model not in jaxnest_models():
            return  # the model itself is reported
        keys = model_keys(model)
        if keys is None or key in keys:
            return
        if "record_to" in keys and key in _ASCII_BACKEND_KEYS:
            return  # present only while record_to is "ascii", in NEST as in jaxnest
        self.add(line, "parameter", f"{model}.{key}")


def _kind_of(dotted: str) -> str:
    """'module' for a PyNEST submodule (nest.spatial), 'function' for any other name."""
    parts = dotted.split(".")
    return "module" if len(parts) == 2 and parts[1] in NEST_SUBMODULES else "function"


# Recorder properties that the ASCII backend adds.
_ASCII_BACKEND_KEYS = {"filenames", "precision", "file_extension"}

# PyNEST NodeCollection methods and properties (not node parameters).
_NC_METHODS = {"set", "get", "tolist", "index", "global_id", "spatial", "items", "values",
               "keys", "model", "node_uses_wfr"}


def _nc_method(name: str) -> bool:
    return name in _NC_METHODS or name.startswith("_") or \
        hasattr(_jaxnest().NodeCollection, name)


def _link_parents(tree):
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child._parent = parent


def analyse(source: str, filename: str = "<script>") -> list[Finding]:
    """Everything the script uses that jaxnest lacks, found without running it."""
    tree = ast.parse(source, filename)
    _link_parents(tree)
    a = _Analyser()
    # bind import names first so that uses before the import statement in file order are seen
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            a.visit(node)
    a.findings.clear()
    a.uses.clear()
    a.visit(tree)
    seen, out = set(), []
    for f in a.findings:
        if (f.line, f.kind, f.name) not in seen:
            seen.add((f.line, f.kind, f.name))
            out.append(f)
    return sorted(out, key=lambda f: (f.line or 0, f.kind, f.name))


def used_models(source: str) -> list[str]:
    """NEST model names a script mentions, in order of first use."""
    nodes, syns = nest_model_names()
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value in (nodes | syns) and node.value not in names:
            names.append(node.value)
    return names


# --- dry run --------------------------------------------------------------------------------

def dry_run(path: str, timeout: float = 120, args=()) -> tuple[list[Finding], object]:
    """Run the script under jaxnest; the finding it stops at (if any) and the run."""
    from .classify import jaxnest_status, missing_item
    from .runner import run_script
    run = run_script("jaxnest", path, 0, timeout, tuple(args))
    if run.ok:
        return [], run
    err = run.error or {}
    item = missing_item(run)
    if item:
        kind, name = item.split(":", 1)
        return [Finding(err.get("line"), kind, name, "dry run")], run
    status, reason = jaxnest_status(run)
    return [Finding(err.get("line"), "runtime", status, reason)], run
