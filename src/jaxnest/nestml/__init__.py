"""NESTML neuron and synapse models on jaxnest: pynestml's front end and ODE-toolbox
analysis, jaxnest's own generator (codegen.py, synapse_codegen.py), a disk cache of generated
modules and ``nest.Install`` (docs/nestml.md)."""
from __future__ import annotations


def generate_nest_target(*args, **kwargs):
    """pynestml's ``generate_nest_target`` for jaxnest (frontend.py)."""
    from .frontend import generate_nest_target as g
    return g(*args, **kwargs)


def install(module_name: str) -> list[str]:
    """Register the models of a generated module in jaxnest; returns their names."""
    from ..api import _state
    from ..models import registry
    from ..synapses.base import SynapseModel
    from .frontend import load
    models = load(module_name)
    k = _state.kernel()
    for name, impl in models.items():
        registry.EXTENSION_MODELS[name] = impl
        if name in k.models and k.models[name].impl is impl:
            continue
        syn = isinstance(impl, SynapseModel)
        defaults = dict(impl.params)
        if not syn:
            defaults.update(impl.state)
        k.models[name] = registry.Entry(name, impl, defaults)
        if name not in k.model_ids:
            k.model_ids[name] = k._next_id[syn]
            k._next_id[syn] += 1
    return list(models)
