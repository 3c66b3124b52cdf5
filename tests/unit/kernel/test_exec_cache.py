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
import jax
import jaxnest as nest
compiles = []
jax.monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: compiles.append(name)
    if name == "/jax/core/compile/backend_compile_duration" else None)
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
print(json.dumps({"traces": engine.TRACES[0], "compiles": len(compiles),
                  "V_m": mm.events["V_m"].tolist(), "spikes": sr.events["times"].tolist(),
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


def _same(a: dict, b: dict) -> bool:
    """Equal results (how many compilations each process needed aside)."""
    return dict(a, compiles=0) == dict(b, compiles=0)


def test_second_process_loads_without_tracing(tmp_path):
    cache = tmp_path / "c"
    first = _run(str(cache))
    chunks = list((cache / "chunks").iterdir())
    second = _run(str(cache))
    off = _run("")
    assert first["traces"] >= 1 and len(chunks) >= 1 and len(first["spikes"]) > 0
    assert second["traces"] == 0
    assert second["compiles"] == 0  # the host-to-device split (runtime._unstack) loads too
    assert second == dict(first, traces=0, compiles=0) and _same(off, first)


def test_jaxs_cache_neither_blocks_nor_feeds_it(tmp_path):
    """An entry in JAX's persistent cache is not what gets stored: an executable JAX read back
    re-serializes without its kernels and fails when loaded and run ('Function ... not
    found'). jaxnest's own JAX cache is bypassed for chunks (an old entry there does not keep
    the chunk from being stored); a hit in a cache the user configured stores nothing."""
    ours, users = tmp_path / "ours", tmp_path / "users"
    without = ("from jaxnest import jaxenv\nfrom jaxnest.kernel import exec_cache\n"
               "jaxenv._MIN_COMPILE_SECS = 0.0\nexec_cache.key_of = lambda *a: None\n")
    first = _run(str(ours), without)  # leaves a JAX entry of the chunk, no chunk entry
    assert any(f.name.startswith("jit_chunk") for f in ours.iterdir())
    assert not (ours / "chunks").exists()
    stored = _run(str(ours))
    loaded = _run(str(ours))
    assert len(list((ours / "chunks").iterdir())) >= 1 and loaded["traces"] == 0
    assert _same(stored, first) and _same(loaded, dict(first, traces=0))
    user = (f"import jax\njax.config.update('jax_compilation_cache_dir', {str(users)!r})\n"
            "jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)\n")
    _run("", user)  # the user's cache gets the chunk
    mine = tmp_path / "mine"
    for _ in range(2):  # hits there: nothing stored here, results right
        again = _run(str(mine), user)
        assert not (mine / "chunks").exists() or not any((mine / "chunks").iterdir())
        assert _same(again, first)


@pytest.mark.slow  # ~15 s: three subprocesses
def test_entry_that_does_not_run_is_discarded(tmp_path):
    """An entry that loads but fails to run (here: the re-serialized JAX-cache executable
    stored by a process whose hit guard is off) is removed and the chunk compiled again."""
    users, mine = tmp_path / "users", tmp_path / "mine"
    user = (f"import jax\njax.config.update('jax_compilation_cache_dir', {str(users)!r})\n"
            "jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)\n")
    first = _run("", user)
    unguarded = user + ("from jaxnest.kernel import exec_cache\n"
                        "exec_cache._on_event = lambda *a, **k: None\n")
    _run(str(mine), unguarded)  # stores the broken entry
    assert len(list((mine / "chunks").iterdir())) >= 1
    again = _run(str(mine), user)
    assert _same(again, first)


def test_executable_with_a_sort_is_stored(tmp_path, monkeypatch):
    """An executable holding a sort (precise-spike chunks sort their events) is stored before
    it first runs: once run, XLA:CPU cannot serialize it ('`LessThan` is not serializable'),
    and every process compiled such chunks anew."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    monkeypatch.setattr(exec_cache, "_file", lambda key: str(tmp_path / f"{key}.pkl"))
    x = np.array([3.0, 1.0, 2.0])
    out = exec_cache.ChunkFn(jax.jit(lambda v: jnp.sort(v) * 2.0), "sorting")(x)
    stored = list(tmp_path.iterdir())
    assert len(stored) == 1
    again = exec_cache.ChunkFn(jax.jit(lambda v: v), "sorting")  # runs the stored one
    np.testing.assert_array_equal(again(x), out)
    np.testing.assert_array_equal(out, [2.0, 4.0, 6.0])


def test_each_argument_signature_has_its_entry(tmp_path, monkeypatch):
    """One Static, arguments of two shapes (a parameter a group shares is a scalar, one its
    neurons differ in a vector): two executables, each stored and loaded by a later process
    (the second used to be compiled anew by every process)."""
    import jax
    import numpy as np
    monkeypatch.setattr(exec_cache, "_file", lambda key: str(tmp_path / f"{key}.pkl"))
    vec, scalar = np.array([1.0, 2.0]), np.float64(3.0)
    f = exec_cache.ChunkFn(jax.jit(lambda v: v * 2.0), "shapes")
    assert f(vec).tolist() == [2.0, 4.0] and float(f(scalar)) == 6.0
    assert f(vec).tolist() == [2.0, 4.0]
    assert len(list(tmp_path.iterdir())) == 2
    g = exec_cache.ChunkFn(jax.jit(lambda v: v), "shapes")  # runs the stored ones
    assert float(g(scalar)) == 6.0 and g(vec).tolist() == [2.0, 4.0]


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
