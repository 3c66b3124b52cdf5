"""Chunk executables kept on disk (kernel/exec_cache.py): a later process runs them without
tracing and gets bit-identical results; what cannot be keyed exactly is not kept; an executable
that JAX's own persistent cache supplied is never stored (it would not run when loaded)."""
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from jaxnest.kernel import exec_cache

SRC = str(pathlib.Path(__file__).resolve().parents[3] / "src")

SCRIPT = """
import json
import jaxnest as nest
from jaxnest.kernel import engine
nest.set_verbosity("M_ERROR")
n = nest.Create("iaf_psc_alpha", 3, params={"I_e": [370.0, 390.0, 410.0]})
p = nest.Create("parrot_neuron", 2)
sg = nest.Create("spike_generator", params={"spike_times": [2.0, 5.0, 9.0, 20.0]})
mm = nest.Create("multimeter", params={"record_from": ["V_m"]})
sr = nest.Create("spike_recorder")
nest.Connect(sg, p)
nest.Connect(p, n, syn_spec={"synapse_model": "stdp_synapse", "weight": 40.0})
nest.Connect(mm, n)
nest.Connect(n, sr)
nest.Simulate(30.0)
nest.Simulate(20.0)
print(json.dumps({"traces": engine.TRACES[0], "V_m": mm.events["V_m"].tolist(),
                  "spikes": sr.events["times"].tolist(),
                  "w": nest.GetConnections(p, n).get("weight")}))
"""


def _run(cache: str, prelude: str = "") -> dict:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               JAXNEST_CACHE_DIR=cache)
    p = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(SCRIPT)],
                       capture_output=True,
                       text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_second_process_loads_without_tracing(tmp_path):
    cache = tmp_path / "c"
    first = _run(str(cache))
    chunks = list((cache / "chunks").iterdir())
    second = _run(str(cache))
    off = _run("")
    assert first["traces"] >= 1 and len(chunks) >= 1 and len(first["spikes"]) > 0
    assert second["traces"] == 0
    assert second == dict(first, traces=0) and off == first


def test_executable_from_jaxs_own_cache_is_not_stored(tmp_path):
    """With JAX's entry present but no chunk entry (as a run without this cache leaves it), JAX
    supplies the executable: this cache keeps none (re-serialized, it fails to run: the
    second run below would raise) and results stay right."""
    cache = tmp_path / "c"
    without = ("from jaxnest import jaxenv\nfrom jaxnest.kernel import exec_cache\n"
               "jaxenv._MIN_COMPILE_SECS = 0.0\nexec_cache.key_of = lambda *a: None\n")
    first = _run(str(cache), without)
    assert any(f.name.startswith("jit_chunk") for f in cache.iterdir())
    assert not (cache / "chunks").exists()
    for _ in range(2):
        again = _run(str(cache))
        assert not (cache / "chunks").exists() or not any((cache / "chunks").iterdir())
        assert again["V_m"] == first["V_m"] and again["spikes"] == first["spikes"]


@dataclasses.dataclass(frozen=True)
class _Foreign:
    x: int


def test_keys():
    """Equal statics give equal keys, any field change another; objects of packages outside
    jaxnest, JAX and numpy, or their functions, give no key (compiled as before)."""
    from jaxnest.kernel.plan import GroupStatic

    class Plain:  # not a dataclass, not jaxnest's: its state cannot be listed exactly
        pass

    g = GroupStatic("x", 0, 3, 2, 1, None)
    assert exec_cache.canonical((g, 4)) == exec_cache.canonical((GroupStatic("x", 0, 3, 2, 1,
                                                                              None), 4))
    assert exec_cache.canonical((g, 4)) != exec_cache.canonical((g, 5))
    assert exec_cache.canonical(0.1) != exec_cache.canonical(0.1 + 1e-17 * 2**4)
    with pytest.raises(exec_cache._Unstable):
        exec_cache.canonical((g, Plain()))
    if os.environ.get("JAXNEST_CACHE_DIR", None) != "":
        assert exec_cache.key_of(g, 4) is not None
        assert exec_cache.key_of(g, Plain()) is None
    assert "_Foreign" in exec_cache.canonical(_Foreign(1))  # a test module's dataclass: by file
