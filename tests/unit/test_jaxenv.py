"""jaxnest beside other JAX code in one process (jaxnest/jaxenv.py): double precision only
inside jaxnest's calls, no XLA backend before the first simulation, and a persistent
compilation cache that holds jaxnest's functions only. Each check runs in a fresh
interpreter: JAX's settings are process-wide, and other tests enable x64 globally."""
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np

SRC = str(pathlib.Path(__file__).resolve().parents[2] / "src")

NETWORK = """
import jaxnest as nest
nest.set_verbosity("M_ERROR")
def network(t=50.0):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 4, params={"I_e": [360.0, 380.0, 400.0, 420.0]})
    pg = nest.Create("poisson_generator", params={"rate": 20000.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, n, syn_spec={"weight": 3.3})
    nest.Connect(n, n, "all_to_all", {"synapse_model": "stdp_synapse", "weight": 12.0})
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(t)
    return n, mm, sr
"""


def _run(body: str, env: dict | None = None) -> dict:
    """Run ``body`` in a fresh interpreter (NETWORK defined, nothing imported yet); it prints
    one JSON line last."""
    code = textwrap.dedent(body)
    e = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    e.pop("JAX_ENABLE_X64", None)
    e.update(env or {})
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_double_precision_is_scoped_to_jaxnest():
    """After import and a simulation (with STDP, Poisson input, recorders, host reads) the
    user's JAX is still float32, and no jaxnest computation (a compile thread included) asked
    JAX for a float64 it could not have."""
    out = _run("""
        import json, warnings
        import jax, jax.numpy as jnp
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            exec(NETWORK)
            n, mm, sr = network()
            vm = mm.events["V_m"]
            n.set(I_e=500.0)
            nest.GetConnections(n, n).get("weight")
            nest.Simulate(10.0)
        bad = [str(x.message)[:120] for x in w if "requested dtype" in str(x.message)
               or "scatter inputs" in str(x.message)]
        print(json.dumps({"dtype": str(jnp.arange(3.0).dtype), "x64": jax.config.jax_enable_x64,
                          "vm_dtype": str(vm.dtype), "bad": bad, "spikes": int(sr.n_events)}))
    """.replace("exec(NETWORK)", f"exec({NETWORK!r})"))
    assert out["dtype"] == "float32" and out["x64"] is False
    assert out["vm_dtype"] == "float64" and out["spikes"] > 0
    assert out["bad"] == []


def test_results_do_not_depend_on_the_users_x64_setting():
    """The same script with the user's JAX in float32 and in float64 (JAX_ENABLE_X64=1) gives
    bit-identical traces: jaxnest computes in float64 either way."""
    body = f"""
        import json
        exec({NETWORK!r})
        n, mm, sr = network()
        print(json.dumps({{"V_m": mm.events["V_m"].tolist(),
                          "spikes": sr.events["times"].tolist()}}))
    """
    a = _run(body)
    b = _run(body, {"JAX_ENABLE_X64": "1"})
    vm = np.array(a["V_m"])
    assert len(a["spikes"]) > 0 and vm.size > 1000
    assert np.any(vm.astype(np.float32).astype(np.float64) != vm)  # not float32 values
    assert a == b


def test_small_loops_compile_whole_with_the_same_results():
    """Importing jaxnest lifts XLA:CPU's small-loop limit (jaxenv._cpu_flags) unless
    the user set backend options or JAXNEST_SMALL_LOOP_BYTES=0; traces and spikes are
    bit-identical with and without it."""
    body = f"""
        import json, os
        exec({NETWORK!r})
        flags = os.environ.get("XLA_FLAGS", "")
        n, mm, sr = network()
        print(json.dumps({{"flags": flags, "V_m": mm.events["V_m"].tolist(),
                          "spikes": sr.events["times"].tolist()}}))
    """
    on = _run(body, {"XLA_FLAGS": ""})
    off = _run(body, {"XLA_FLAGS": "", "JAXNEST_SMALL_LOOP_BYTES": "0"})
    assert f"xla_cpu_small_while_loop_byte_threshold={10 ** 12}" in on["flags"]
    assert off["flags"] == ""
    assert len(on["spikes"]) > 0 and on["V_m"] == off["V_m"] and on["spikes"] == off["spikes"]
    mine = "--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=2048"
    out = _run("import json, os, jaxnest; print(json.dumps(os.environ['XLA_FLAGS']))",
               {"XLA_FLAGS": mine})
    assert out == mine


def test_fma_off_rounds_each_operation():
    """JAXNEST_FMA=0 turns XLA:CPU's fused multiply-adds off (as NEST's build has none): a
    jitted a * b + c then rounds twice, as numpy does; the setting reaches XLA_FLAGS only
    when asked for."""
    body = """
        import json, os
        import numpy as np
        import jax
        import jaxnest
        jax.config.update("jax_enable_x64", True)
        a, b, c = np.random.default_rng(0).normal(size=(3, 10000))
        out = np.asarray(jax.jit(lambda a, b, c: a * b + c)(a, b, c))
        print(json.dumps({"flags": os.environ.get("XLA_FLAGS", ""),
                          "differ": int(np.sum(out != a * b + c))}))
    """
    off = _run(body, {"XLA_FLAGS": "", "JAXNEST_FMA": "0"})
    assert "--xla_cpu_max_isa=AVX" in off["flags"] and off["differ"] == 0
    assert "xla_cpu_max_isa" not in _run(body, {"XLA_FLAGS": ""})["flags"]


def test_backend_starts_on_first_use(tmp_path):
    """Importing jaxnest and building a network start no XLA backend, so JAX settings made
    afterwards (device count, platform) still apply; a second process with two devices runs
    the executables the first stored (kernel/exec_cache.py) on the device they were built for."""
    body = f"""
        import json
        import jax
        from jax._src import xla_bridge
        import jaxnest as nest
        n = nest.Create("iaf_psc_alpha", 2)
        nest.Connect(n, n)
        n.set(V_m=-60.0)
        before = xla_bridge.backends_are_initialized()
        jax.config.update("jax_num_cpu_devices", 2)
        jax.config.update("jax_platforms", "cpu")
        nest.Simulate(5.0)
        print(json.dumps({{"before": before, "devices": len(jax.devices()),
                          "V_m": n.V_m[0]}}))
    """
    env = {"JAXNEST_CACHE_DIR": str(tmp_path)}
    out = _run(body, env)
    assert out["before"] is False
    assert out["devices"] == 2 and out["V_m"] != -60.0
    assert any((tmp_path / "chunks").iterdir())
    assert _run(body, env) == out


def test_persistent_cache_holds_jaxnest_functions_only(tmp_path):
    """The user's jitted functions (compiled before, between and after jaxnest's calls) stay
    out of jaxnest's cache; jaxnest's own compilations land there and a second process reads
    them back (its chunk function without tracing it); JAX's own cache setting is left
    unset."""
    cache = tmp_path / "cache"
    body = f"""
        import json, logging, os
        import jax, jax.numpy as jnp
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        hits = []
        class H(logging.Handler):
            def emit(self, r):
                if "cache hit" in r.getMessage():
                    hits.append(r.getMessage())
        logging.getLogger("jax._src.compiler").addHandler(H())
        logging.getLogger("jax._src.compiler").setLevel(logging.DEBUG)
        def files():
            return sorted(os.listdir({str(cache)!r})) if os.path.isdir({str(cache)!r}) else []
        jax.jit(lambda x: jnp.sin(x) * 3)(jnp.ones(7)).block_until_ready()
        import jaxnest as nest
        from jaxnest import jaxenv
        jaxenv._MIN_COMPILE_SECS = 0.0
        nest.Create("iaf_psc_alpha", 2, params={{"I_e": 400.0}})
        nest.Simulate(5.0)
        after_nest = files()
        jax.jit(lambda x: jnp.cos(x) + 2)(jnp.ones(5)).block_until_ready()
        from jaxnest.kernel import engine
        print(json.dumps({{"after_nest": after_nest, "after_user": files(),
                          "hits": len(hits), "traces": engine.TRACES[0],
                          "jax_dir": jax.config.jax_compilation_cache_dir}}))
    """
    first = _run(body, {"JAXNEST_CACHE_DIR": str(cache)})
    assert first["jax_dir"] is None
    assert len(first["after_nest"]) > 0
    assert first["after_user"] == first["after_nest"]
    assert "chunks" in first["after_nest"] and first["traces"] == 1
    second = _run(body, {"JAXNEST_CACHE_DIR": str(cache)})
    # the chunk function comes back from kernel/exec_cache.py's entries: no trace
    assert second["traces"] == 0 and second["after_user"] == first["after_nest"]
    off = _run(body, {"JAXNEST_CACHE_DIR": ""})
    assert off["hits"] == 0 and off["traces"] == 1 and off["after_user"] == first["after_nest"]


def test_import_skips_the_rocm_scan_only_where_none_is_installed(tmp_path):
    """jaxnest imports JAX without its read of every distribution's metadata (a search for a
    ROCm plugin) where no jax_rocm* package is on sys.path, and restores
    importlib.metadata.distributions afterwards; with such a package present, JAX scans."""
    body = """
        import importlib.metadata as md, json, sys
        original = md.distributions
        calls = []
        def counting(*args, **kwargs):
            calls.append(1)
            return original(*args, **kwargs)
        md.distributions = counting
        import jaxnest
        from jaxnest import jaxenv
        print(json.dumps({"scans": len(calls), "restored": md.distributions is counting,
                          "rocm": jaxenv._rocm_installed(),
                          "found": len(list(md.distributions())) > 0}))
    """
    out = _run(body)
    assert out == {"scans": 0, "restored": True, "rocm": False, "found": True}
    (tmp_path / "jax_rocm7_plugin").mkdir()
    out = _run(body, {"PYTHONPATH": SRC + os.pathsep + str(tmp_path)})
    assert out["scans"] == 1 and out["rocm"] and out["restored"]
