"""jaxnest's unit table (jaxnest/units.py) against NEST's own documentation: the parameter
tables in NEST 3.10's model headers give a unit per parameter; for every parameter of a
jaxnest model that NEST documents with a unit, jaxnest converts quantities to that unit."""
import importlib.util
import pathlib
import re

import pytest

import jaxnest as nest
from jaxnest import units
from jaxnest.models.registry import builtin_models

# How NEST's headers write units -> jaxnest's unit text ("real"/"integer" are types: skipped).
DOC_UNITS = {"mV": "mV", "pA": "pA", "nA": "nA", "nS": "nS", "pF": "pF", "ms": "ms",
             "Hz": "Hz", "1/s": "Hz", "spikes/s": "Hz", "s^-1": "Hz", "pA/ms": "pA/ms",
             "nS/ms": "nS/ms", "1/ms": "1/ms", "ms^-1": "1/ms", "1/mV": "1/mV",
             "mV^-1": "1/mV", "mV^2": "mV^2", "1/mV^2": "1/mV^2"}
# Where NEST's header table contradicts NEST itself; jaxnest follows the equations.
DOC_ERRORS = {
    ("ht_neuron", "g_KL"): "the same header: 'Conductances are unitless in this model'",
    ("ht_neuron", "g_NaL"): "the same header: 'Conductances are unitless in this model'",
    ("iaf_psc_delta_ps", "V_th"): "a threshold potential: its header's table says ms, its "
                                  "defaults and equations are in mV",
}


def _headers() -> pathlib.Path:
    """NEST's installed headers, found without importing NEST into this process."""
    spec = importlib.util.find_spec("nest")
    if spec is None or spec.origin is None:
        pytest.skip("NEST's headers come with NEST")
    return pathlib.Path(spec.origin).parent / "include" / "nest"


def _doc_units(text: str) -> dict[str, str]:
    """name -> unit from rst table rows ``name  unit  text`` or ``name  default unit  text``."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        for pat in (r"^\s*``(\w+)``\s+\S+\s+(\S+)", r"^\s*``(\w+)``\s+(\S+)\s",
                    r"^\s*([A-Za-z_]\w*)\s+(\S+)\s+\S"):
            m = re.match(pat, line)
            if m and m.group(2) in DOC_UNITS:
                out.setdefault(m.group(1), DOC_UNITS[m.group(2)])
                break
    return out


def test_unit_table_agrees_with_nests_model_docs():
    headers = _headers()
    checked, wrong = 0, []
    for model in sorted(builtin_models()):
        header = headers / f"{model}.h"
        if not header.exists():
            continue
        defaults = nest.GetDefaults(model)
        for name, doc in _doc_units(header.read_text(errors="replace")).items():
            if name not in defaults or units.unit_of(name, model) == units.WEIGHT:
                continue
            checked += 1
            ours = units.unit_of(name, model)
            if ours != doc and (model, name) not in DOC_ERRORS:
                wrong.append(f"{model}.{name}: NEST documents {doc}, jaxnest has {ours}")
    assert checked > 400, checked
    assert not wrong, "\n".join(wrong)


def test_every_neuron_model_has_a_weight_unit():
    """A weight quantity needs the target's input unit; models without one are listed."""
    none = {m for m, impl in builtin_models().items()
            if getattr(impl, "element_type", "") == "neuron" and units.input_unit(m) is None}
    assert none <= {"ht_neuron", "iaf_chs_2007", "ignore_and_fire", "parrot_neuron",
                    "parrot_neuron_ps", "cm_default"}, none
