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

GENERATOR_VERSION = "6"
"""Bumped whenever the generated source changes (part of the cache key)."""

_MODULES: dict[str, str] = {}
"""module_name -> generated Python file, for this process."""


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


def _analyse(files, module_name, suffix, codegen_opts, logging_level):
    """pynestml's front end and the NEST target's analysis: [(neuron AST, namespace)]."""
    from pynestml.cocos.co_cos_manager import CoCosManager
    from pynestml.codegeneration.code_generator_utils import CodeGeneratorUtils
    from pynestml.codegeneration.nest_code_generator import NESTCodeGenerator
    from pynestml.frontend import pynestml_frontend as fe
    from pynestml.frontend.frontend_configuration import FrontendConfiguration
    from pynestml.utils.logger import Logger, LoggingLevel

    from .errors import unsupported

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
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
        models, metadata = fe.transform_models(transformers, models)
        neurons, synapses = CodeGeneratorUtils.get_model_types_from_names(
            models, synapse_models=gen.get_option("synapse_models"))
        if synapses:
            unsupported(f"NESTML synapse models ({synapses[0].get_name()})")
        gen.run_nest_target_specific_cocos(neurons, [])
        gen.analyse_transform_neurons(neurons, metadata)
        out = [(n, gen._get_neuron_model_namespace(n, metadata)) for n in neurons]
        adaptive = "y" if gen.get_option("gsl_adaptive_step_size_controller") == \
            "with_respect_to_solution" else "yp"
        return out, adaptive
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
        models, adaptive = _analyse(files, module_name, suffix, codegen_opts, logging_level)
        src = codegen.module_source(models, [os.path.basename(f) for f in files], digest,
                                    adaptive)
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
