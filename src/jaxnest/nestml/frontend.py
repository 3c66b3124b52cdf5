"""NESTML's ``generate_nest_target`` / ``generate_target(..., "NEST")`` for jaxnest, and
``Install``.

Generation runs pynestml's own front end (parser, context conditions, transformers, the NEST
target's ODE-toolbox analysis) and then jaxnest's generator (codegen.py), which writes one
Python module per NESTML module. Generation is slow (sympy), so modules are cached on disk,
keyed by the hash of the NESTML sources, options and generator: the same sources are analysed
once per machine. ``Install(module_name)`` imports the module and registers its models: one
generated in this process, or ``<module_name>_jaxnest.py`` in a directory on
``$JAXNEST_NESTML_PATH`` (the ``install_path`` of a generation in another process).
"""
from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile

from .. import errors

GENERATOR_VERSION = "19"
"""Bumped whenever the generated source changes (part of the cache key)."""

_MODULES: dict[str, str] = {}
"""module_name -> generated Python file, for this process."""


def shipped(*parts: str) -> str | None:
    """A file pip installed with pynestml (its model library ``models/...``, its tutorials
    ``doc/tutorials/...``): ``<prefix>/<parts>``, the prefix of this interpreter or of the
    one pynestml was installed into (a venv that sees the system's packages); None if
    absent."""
    import pynestml
    for prefix in (os.path.dirname(os.path.dirname(sys.executable)),
                   os.path.join(os.path.dirname(pynestml.__file__), *[".."] * 4)):
        p = os.path.join(prefix, *parts)
        if os.path.exists(p):
            return os.path.abspath(p)
    return None


def cache_dir() -> str:
    d = os.environ.get("JAXNEST_NESTML_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "jaxnest", "nestml")
    os.makedirs(d, exist_ok=True)
    return d


def _files(input_path) -> list[str]:
    paths = [input_path] if isinstance(input_path, (str, os.PathLike)) else list(input_path)
    out = []
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            out += glob.glob(os.path.join(p, "**", "*.nestml"), recursive=True)
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise errors.BadProperty(f"NESTML input path '{p}' does not exist.")
    if not out:
        raise errors.BadProperty(f"No NESTML files found in {input_path!r}.")
    return sorted(set(os.path.abspath(f) for f in out))


def _digest(files, suffix, codegen_opts) -> str:
    import pynestml
    h = hashlib.sha256()
    h.update(f"{GENERATOR_VERSION}|{pynestml.__version__}|{suffix}|{codegen_opts!r}".encode())
    for f in files:
        with open(f, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:24]


def _pairs(codegen_opts, suffix) -> list:
    """NESTML's ``neuron_synapse_pairs`` (NESTML 9's form; NESTML 8's ``{'neuron', 'synapse',
    'post_ports'}`` is read too) as (neuron, synapse, post ports, vt ports, paired neuron's
    name, paired synapse's name), with NESTML's co-generated names: the neuron
    ``N__with_S1_and_S2``, each synapse ``S__with_N`` (one synapse in the entry) or
    ``S__with_<paired neuron>`` (several)."""
    out = []
    for pair in (codegen_opts or {}).get("neuron_synapse_pairs") or []:
        syns = pair.get("synapses")
        if syns is None and "synapse" in pair:  # NESTML 8's form: one synapse per entry
            syns = {pair["synapse"]: {k: pair[k] for k in ("post_ports", "vt_ports")
                                      if k in pair}}
        if not isinstance(syns, dict) or "neuron" not in pair:
            raise errors.BadProperty("neuron_synapse_pairs entries are {'neuron': name, "
                                     "'synapses': {name: {'post_ports': [...]}}} (NESTML 9)")
        nrn = pair["neuron"]
        paired = f"{nrn}{suffix}__with_" + "_and_".join(f"{x}{suffix}" for x in syns)
        for syn, spec in syns.items():
            spec = spec or {}
            name = f"{syn}{suffix}__with_" + (f"{nrn}{suffix}" if len(syns) == 1 else paired)
            out.append((nrn, syn, list(spec.get("post_ports") or []),  # None: none (as
                        list(spec.get("vt_ports") or []), paired, name))  # generate_code_for)
    return out


def _check_synapse_ports(models, pairs, suffix, synapse_models):
    """Before the (slow) analysis: a synapse needs one presynaptic spike port; its other
    spike ports must be named in neuron_synapse_pairs (NESTML's NEST target asserts this)."""
    from pynestml.codegeneration.code_generator_utils import CodeGeneratorUtils

    from .errors import model_context, unsupported
    _, synapses = CodeGeneratorUtils.get_model_types_from_names(
        models, synapse_models=synapse_models)
    for s in synapses:
        named = set()
        for p in pairs:
            if p[1] + suffix == s.get_name():
                named |= {x for x in p[2] + p[3] if isinstance(x, str)}
        ports = [p.get_symbol_name() for p in s.get_input_ports()
                 if p.is_spike_input_port() and p.get_symbol_name() not in named]
        with model_context(s.get_name()):
            if any(len(p[3]) > 1 for p in pairs if p[1] + suffix == s.get_name()):
                unsupported("more than one volume-transmitter port (vt_ports)")
            if len(ports) != 1:
                unsupported(f"a synapse with spike ports {ports} of which only one is "
                            "presynaptic: name the postsynaptic ports in "
                            "codegen_opts['neuron_synapse_pairs'], as NESTML's NEST target "
                            "requires")


def _continuous_ports(synapse, neuron, post, vt, buffering) -> dict:
    """The continuous postsynaptic ports named in ``post`` (NESTML's ``[port, variable]``
    pairs) as port -> (the paired neuron's state variable, ``buffering``), checked."""
    from .errors import unsupported
    pairs = [x for x in post if not isinstance(x, str)]
    if not pairs:
        return {}
    cont = {p.get_symbol_name() for p in synapse.get_input_ports()
            if not p.is_spike_input_port()}
    state = {v.get_name() for b in neuron.get_state_blocks() for d in b.get_declarations()
             for v in d.get_variables()} if neuron is not None else set()
    out = {}
    for x in pairs:
        if len(x) != 2 or not all(isinstance(y, str) for y in x):
            raise errors.BadProperty(f"post_ports entry {x!r}: a continuous port is given as "
                                     "[synapse port, neuron state variable]")
        port, var = x
        if port not in cont:
            raise errors.BadProperty(f"post_ports entry {x!r}: '{port}' is not a continuous "
                                     f"input port of {synapse.get_name()}")
        if var not in state:
            raise errors.BadProperty(f"post_ports entry {x!r}: '{var}' is not a state "
                                     "variable of the paired neuron")
        out[port] = (var, buffering)
    if vt:
        unsupported("continuous postsynaptic ports together with a volume-transmitter port")
    if not any(isinstance(x, str) for x in post):
        unsupported("continuous postsynaptic ports without a postsynaptic spike port")
    return out


def _copied_parameters(synapse, used, moved) -> list:
    """The synapse parameters NESTML's co-generation copies into the paired neuron (as
    ``<p>__for_<synapse>``), as its SynapsePostNeuronTransformer finds them: those among the
    variables the postsynaptic ports affect and those in the declarations and equations of
    the state variables it moves."""
    from pynestml.utils.ast_utils import ASTUtils
    declared = {v.name for b in synapse.get_parameters_blocks() for d in b.get_declarations()
                for v in d.get_variables()}
    names = set(map(str, used))
    for var in moved:
        for block in synapse.get_state_blocks():
            for decl in ASTUtils.get_declarations_from_block(var, block):
                if decl.has_expression():
                    names.update(map(str, ASTUtils.collect_variable_names_in_expression(
                        decl.get_expression())))
        for block in synapse.get_equations_blocks():
            names.update(map(str, ASTUtils.collects_vars_used_in_equation(var, block)))
    return sorted(names & declared)


def _synapse_namespace(gen, synapse, metadata) -> dict:
    """What NESTML's NEST target knows of a synapse after ODE-toolbox (its analytic and
    numeric state variables and their update expressions as ASTs)."""
    from pynestml.utils.model_parser import ModelParser
    from pynestml.utils.ode_toolbox_utils import ODEToolboxUtils
    from pynestml.visitors.ast_symbol_table_visitor import ASTSymbolTableVisitor
    md = metadata[synapse.get_name()]
    ns = {"spike_updates": md.get("spike_updates", {})}

    def parse(solver):
        out = {}
        for sym, expr_str in solver["update_expressions"].items():
            expr = ModelParser.parse_expression(
                ODEToolboxUtils._rewrite_piecewise_into_ternary(expr_str))
            expr.update_scope(synapse.get_equations_blocks()[0].get_scope())
            expr.accept(ASTSymbolTableVisitor())
            out[sym] = expr
        return out

    a, n = md.get("analytic_solver"), md.get("numeric_solver")
    ns["uses_analytic_solver"] = a is not None
    ns["uses_numeric_solver"] = n is not None
    if a is not None:
        ns["analytic_state_variables"] = list(a["state_variables"])
        ns["update_expressions"] = parse(a)
    if n is not None:
        ns["numeric_state_variables"] = list(n["state_variables"])
        ns["numeric_update_expressions"] = parse(n)
    return ns


def _analyse(files, module_name, suffix, codegen_opts, logging_level):
    """pynestml's front end and the NEST target's analysis: ([(neuron AST, namespace,
    jaxnest name)], [(synapse AST, namespace, jaxnest name, options)], adaptive)."""
    from pynestml.cocos.co_cos_manager import CoCosManager
    from pynestml.codegeneration.code_generator_utils import CodeGeneratorUtils
    from pynestml.codegeneration.nest_code_generator import NESTCodeGenerator
    from pynestml.frontend import pynestml_frontend as fe
    from pynestml.frontend.frontend_configuration import FrontendConfiguration
    from pynestml.utils.ast_utils import ASTUtils
    from pynestml.utils.logger import Logger, LoggingLevel

    from .errors import model_context, unsupported

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    pairs = _pairs(codegen_opts, suffix)
    strict = dict((codegen_opts or {}).get("strictly_synaptic_vars") or {})
    # models are analysed unpaired; pairs are jaxnest's (synapse_runtime.py), under NESTML's
    # co-generated names
    codegen_opts = {k: v for k, v in (codegen_opts or {}).items()
                    if k not in ("neuron_synapse_pairs", "strictly_synaptic_vars")}
    work = tempfile.mkdtemp(prefix="jaxnest_nestml_")
    try:
        fe.configure_front_end(files, "NEST", os.path.join(work, "target"),
                               logging_level=logging_level, module_name=module_name,
                               suffix=suffix, codegen_opts=codegen_opts)
        opts = dict(FrontendConfiguration.get_codegen_opts() or {})
        transformers, _ = fe.transformers_from_target_name("NEST", options=opts)
        gen_opts = {k: v for k, v in opts.items() if k in NESTCodeGenerator._default_options}
        gen_opts.setdefault("nest_version", "v3.10")  # no detection: it would import nest
        gen = NESTCodeGenerator(gen_opts)
        models = fe.get_parsed_models()
        bad = []
        for m in models:
            if not Logger.has_errors(m):
                CoCosManager.check_cocos(m)
            if Logger.has_errors(m):
                bad.append(m.get_name())
        if bad or not models:
            msgs = [str(m[5]) if isinstance(m, tuple) and len(m) > 5 else str(m)
                    for m in Logger.get_messages(level=LoggingLevel.ERROR)][:5]
            raise errors.BadProperty("NESTML model(s) with errors: " + ", ".join(bad)
                                     + (": " + "; ".join(msgs) if msgs else ""))
        _check_synapse_ports(models, pairs, suffix, gen.get_option("synapse_models"))
        models, metadata = fe.transform_models(transformers, models)
        neurons, synapses = CodeGeneratorUtils.get_model_types_from_names(
            models, synapse_models=gen.get_option("synapse_models"))
        by_name = {m.get_name(): m for m in neurons + synapses}
        for nrn, syn, *_ in pairs:
            for x in (nrn, syn):
                if x + suffix not in by_name:
                    raise errors.BadProperty(f"Model used in neuron_synapse_pairs ('{x}') "
                                             "not found.")
        buffering = codegen_opts.get("continuous_state_buffering_method",
                                     "continuous_time_buffer")
        if buffering not in ("continuous_time_buffer", "post_spike_based"):
            raise errors.BadProperty("continuous_state_buffering_method is "
                                     "'continuous_time_buffer' or 'post_spike_based', not "
                                     f"{buffering!r}")
        when = "spike" if buffering == "post_spike_based" else "delayed"
        syn_plan, snapshots = [], {}
        for s in synapses:
            base = s.get_name()[:len(s.get_name()) - len(suffix)] if suffix else s.get_name()
            mine = [p for p in pairs if p[1] == base]
            wvar = (codegen_opts.get("weight_variable") or {}).get(base, "w")
            dvar = (codegen_opts.get("delay_variable") or {}).get(base)
            with model_context(s.get_name()):
                if not ASTUtils.get_variable_by_name(s, wvar):
                    unsupported(f"a synapse without its weight variable '{wvar}' "
                                "(codegen option weight_variable)")
                for nrn, _, post, vt, paired, name in mine or [(None, base, [], [], None,
                                                                s.get_name())]:
                    cont = _continuous_ports(s, by_name.get(nrn + suffix) if nrn else None,
                                             post, vt, buffering)
                    post = [x for x in post if isinstance(x, str)]
                    if cont and when == "spike":  # the neuron notes them at emit_spike()
                        snapshots.setdefault(paired, set()).update(v for v, _ in cont.values())
                    keep = {wvar} | ({dvar} if dvar else set()) | set(strict.get(base, []))
                    used, moved = ASTUtils.collect_variables_affected_by_ports(s, post, keep) \
                        if post else ([], [])
                    copied = {p: f"{p}__for_{s.get_name()}"
                              for p in _copied_parameters(s, used, moved)} if paired else {}
                    syn_plan.append((s, name, post, vt, wvar, dvar, sorted(moved), copied,
                                     paired, cont))
        gen.run_nest_target_specific_cocos(neurons, [])
        gen.analyse_transform_neurons(neurons, metadata)
        gen.analyse_transform_synapses(synapses, metadata)
        out = [(n, gen._get_neuron_model_namespace(n, metadata), n.get_name(), {})
               for n in neurons]
        for nrn, *_, paired, _ in pairs:  # the paired neuron: the neuron under NESTML's name
            n = by_name[nrn + suffix]
            out.append((n, out[neurons.index(n)][1], paired,
                        {"snapshot": sorted(snapshots.get(paired, ()))}))
        out = list({x[2]: x for x in out}.values())
        syn_out = [(s, _synapse_namespace(gen, s, metadata), name,
                    dict(post_ports=post, vt_ports=vt, weight_var=wvar, delay_var=dvar,
                         post_vars=moved, post_params=copied, paired_neuron=paired,
                         cont_ports={p: (v, when) for p, (v, _) in cont.items()}))
                   for s, name, post, vt, wvar, dvar, moved, copied, paired, cont in syn_plan]
        adaptive = "y" if gen.get_option("gsl_adaptive_step_size_controller") == \
            "with_respect_to_solution" else "yp"
        return out, syn_out, adaptive
    finally:
        shutil.rmtree(work, ignore_errors=True)


def generate(input_path, target_path=None, module_name=None, suffix="", codegen_opts=None,
             logging_level="ERROR", install_path=None) -> str:
    """Generate (or take from the cache) the jaxnest module for these NESTML files and make
    it known to ``Install(module_name)`` in this process; returns the generated file's path.
    A copy ``<module_name>_jaxnest.py`` goes to ``target_path`` and ``install_path``
    (another process installs it from a directory on ``$JAXNEST_NESTML_PATH``)."""
    from . import codegen
    files = _files(input_path)
    module_name = module_name or "nestmlmodule"
    digest = _digest(files, suffix, codegen_opts)
    path = os.path.join(cache_dir(), f"{digest}.py")
    if not os.path.exists(path):
        models, synapses, adaptive = _analyse(files, module_name, suffix, codegen_opts,
                                              logging_level)
        src = codegen.module_source(models, [os.path.basename(f) for f in files], digest,
                                    adaptive, synapses)
        fd, tmp = tempfile.mkstemp(dir=cache_dir(), suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(src)
        os.replace(tmp, path)
    for d in {target_path, install_path} - {None, ""}:
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(path, os.path.join(d, f"{module_name}_jaxnest.py"))
    _MODULES[module_name] = path
    return path


def load(module_name: str) -> dict:
    """The models of a generated module (``MODELS``), for ``Install``."""
    path = _MODULES.get(module_name)
    if path is None:  # generated by another process: install_path on JAXNEST_NESTML_PATH
        for d in os.environ.get("JAXNEST_NESTML_PATH", "").split(os.pathsep):
            p = os.path.join(d, f"{module_name}_jaxnest.py")
            if d and os.path.exists(p):
                path = p
                break
    if path is None or not os.path.exists(path):
        raise errors.DynamicModuleManagementError(
            f"Install('{module_name}'): no such module. jaxnest installs modules generated "
            "from NESTML (generate_nest_target(..., module_name=...)); compiled NEST C++ "
            "extension modules cannot be loaded.")
    spec = importlib.util.spec_from_file_location(f"jaxnest_nestml_{module_name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return dict(mod.MODELS)


# --- pynestml's frontend functions, as jaxnest replaces them (hook.py) ------------------------

def generate_target(input_path, target_platform, target_path=None, install_path=None,
                    logging_level="ERROR", module_name=None, store_log=False, suffix="",
                    dev=False, codegen_opts=None, _original=None):
    """pynestml's ``generate_target``: the NEST target generates for jaxnest; other targets
    run pynestml's own code."""
    if str(target_platform).upper() != "NEST":
        return _original(input_path, target_platform, target_path=target_path,
                         install_path=install_path, logging_level=logging_level,
                         module_name=module_name, store_log=store_log, suffix=suffix, dev=dev,
                         codegen_opts=codegen_opts)
    generate(input_path, target_path=target_path, module_name=module_name, suffix=suffix,
             codegen_opts=codegen_opts, logging_level=logging_level, install_path=install_path)
    return False  # pynestml's "errors occurred" flag


def generate_nest_target(input_path, target_path=None, install_path=None, logging_level="ERROR",
                         module_name=None, store_log=False, suffix="", dev=False,
                         codegen_opts=None):
    """pynestml's ``generate_nest_target``, generating a jaxnest module."""
    generate(input_path, target_path=target_path, module_name=module_name, suffix=suffix,
             codegen_opts=codegen_opts, logging_level=logging_level, install_path=install_path)
