"""Small networks add into their buffers element by element instead of by XLA's scatter
(kernel/blocks.py: their slice loop then compiles into one function): the same sums in the
same order, so the same runs to the bit."""
import glob
import os
import subprocess
import sys

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import jaxnest as nest
from jaxnest import jaxenv
from jaxnest.api import _state
from jaxnest.kernel import blocks
from jaxnest.kernel import plan as plan_mod
from jaxnest.kernel import precise_host
from test_precise import _network


def test_serial_add_equals_scatter_add():
    """Repeated indices add in lane order; indices past the end are dropped."""
    rng = np.random.default_rng(1)
    buf = rng.normal(size=50)
    idx = rng.integers(0, 60, size=400)
    val = rng.normal(size=400) * 10.0 ** rng.integers(-8, 8, size=400)
    with jaxenv.scope():
        want = jnp.asarray(buf).at[idx].add(val, mode="drop")
        got = blocks.serial_add(jnp.asarray(buf), jnp.asarray(idx), jnp.asarray(val))
        assert int(jnp.sum(jnp.asarray(idx) >= 50)) > 0
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_serial_window_add_equals_windowed_scatter_add():
    rng = np.random.default_rng(2)
    buf = rng.normal(size=40)
    starts = np.array([3, 3, 30, 0, 17], np.int32)
    rows = rng.normal(size=(5, 7))
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(),
                                        scatter_dims_to_operand_dims=(0,))
    with jaxenv.scope():
        want = lax.scatter_add(jnp.asarray(buf), jnp.asarray(starts)[:, None],
                               jnp.asarray(rows), dnums)
        got = blocks.serial_window_add(jnp.asarray(buf), jnp.asarray(starts),
                                       jnp.asarray(rows))
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def _run(dense: bool):
    """Every buffer a small network's slice adds into: spike edges with negative weights
    and several spikes per slice and row (spike generator, parrots), binary targets (decoded
    spikes), current-generator edges, Poisson edges to a contiguous block with one delay
    (``dense``) or also to scattered targets with several."""
    nest.ResetKernel()
    nest.rng_seed = 7
    n = nest.Create("iaf_psc_exp", 12, params={"I_e": 200.0, "t_ref": 0.5})
    n.V_m = list(-70.0 + np.linspace(0.0, 12.0, 12))
    sg = nest.Create("spike_generator", params={
        "spike_times": np.round(np.arange(1.0, 30.0, 0.3), 1),
        "spike_weights": np.where(np.arange(97) % 3 == 0, -40.0, 35.0)})
    par = nest.Create("parrot_neuron", 2)
    nest.Connect(sg, par)
    nest.Connect(sg, n[:4], syn_spec={"delay": 1.2})
    nest.Connect(par, n, syn_spec={"weight": 25.0, "delay": 2.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 3},
                 {"weight": -30.0, "delay": nest.random.uniform(0.5, 3.0)})
    pg = nest.Create("poisson_generator", 2, params={"rate": [6000.0, 9000.0]})
    nest.Connect(pg[0], n, syn_spec={"weight": 15.0, "delay": 1.0})
    if not dense:
        nest.Connect(pg[1], n[::3], syn_spec={"weight": 12.0,
                                               "delay": nest.random.uniform(0.5, 3.0)})
    dc = nest.Create("ac_generator", params={"amplitude": 80.0, "frequency": 40.0})
    nest.Connect(dc, n[5:9])
    gz = nest.Create("ginzburg_neuron", 3, params={"theta": 0.2, "tau_m": 2.0})
    nest.Connect(gz, gz, syn_spec={"weight": -0.3})
    sr = nest.Create("spike_recorder")
    nest.Connect(n + par + gz, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex", "I_syn_in"]})
    nest.Connect(mm, n)
    nest.Simulate(25.3)
    nest.Simulate(14.0)
    ev, sm = sr.events, mm.events
    plan = _state.kernel().runtime.plan
    assert plan.poisson["dense"] == dense
    return (plan.static(), ev["senders"], ev["times"],
            sm["V_m"], sm["I_syn_ex"], sm["I_syn_in"])


@pytest.mark.parametrize("dense", [True, False])
def test_small_network_runs_as_with_scatters(monkeypatch, dense):
    serial = _run(dense)
    monkeypatch.setattr(plan_mod, "SERIAL_ROWS", 0)
    scattered = _run(dense)
    assert serial[0].serial and not scattered[0].serial
    assert serial[1].size > 200 and np.abs(serial[4]).max() > 0 and np.abs(serial[5]).max() > 0
    for a, b in zip(serial[1:], scattered[1:]):
        np.testing.assert_array_equal(a, b)


def _plastic_run():
    """Plastic sets in a small network: an archive-reading rule (stdp_synapse: the archive's
    entries written element by element, its deliveries scattered), one without
    (tsodyks2_synapse, recorded by a weight_recorder: all element by element), parrots
    repeating generators' trains (several spikes per slice, multiplicities) into two driven
    neurons."""
    nest.ResetKernel()
    rng = np.random.default_rng(3)
    trains = [np.unique(np.round(rng.uniform(1.0, 150.0, 20), 1)) for _ in range(2)]
    sg = nest.Create("spike_generator", 2, params=[
        {"spike_times": t, "spike_multiplicities": 1 + (np.arange(t.size) % 4 == 0)}
        for t in trains])
    par = nest.Create("parrot_neuron", 2)
    nest.Connect(sg, par, "one_to_one")
    post = nest.Create("iaf_psc_alpha", 2, params={"I_e": [400.0, 450.0]})
    wr = nest.Create("weight_recorder")
    nest.CopyModel("tsodyks2_synapse", "tsodyks2_rec", {"weight_recorder": wr})
    nest.Connect(par, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 20.0,
                                      "delay": 1.0})
    nest.Connect(par, post, syn_spec={"synapse_model": "tsodyks2_rec", "weight": 30.0,
                                      "delay": 0.7})
    nest.Simulate(157.3)
    conns = nest.GetConnections(par, post)
    return (_state.kernel().runtime.plan.static(), np.asarray(conns.weight, float),
            wr.events["times"], wr.events["senders"], wr.events["targets"],
            wr.events["weights"])


def test_small_plastic_network_runs_as_with_scatters(monkeypatch):
    """The same weights and weight_recorder events (to rounding: compiled whole, XLA fuses
    a few multiply-adds differently)."""
    serial = _plastic_run()
    monkeypatch.setattr(plan_mod, "SERIAL_ROWS", 0)
    scattered = _plastic_run()
    assert serial[0].serial and not scattered[0].serial
    assert serial[2].size > 15 and np.ptp(serial[1]) > 1.0 and np.ptp(serial[5]) > 1.0
    for a, b in zip(serial[2:5], scattered[2:5]):
        np.testing.assert_array_equal(a, b)
    for a, b in ((serial[1], scattered[1]), (serial[5], scattered[5])):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


def test_small_precise_network_runs_as_with_scatters(monkeypatch):
    """The precise phase's spike list, event ring and recording written element by element
    (kernel/precise.py) hold what XLA's scatters and sort write, from one ring event per step
    and neuron (overflows and reruns): test_precise.py's network of precise events."""
    monkeypatch.setattr(precise_host, "CAPS", dict(precise_host.CAPS, K=1))
    runs = []
    for rows in (plan_mod.SERIAL_ROWS, 0):
        monkeypatch.setattr(plan_mod, "SERIAL_ROWS", rows)
        nest.ResetKernel()
        runs.append(_network())
        assert _state.kernel().runtime.plan.static().serial == bool(rows)
        assert _state.kernel().runtime.pcaps["K"] > 1
    serial, scattered = runs
    assert serial["senders"].size > 300 and np.any(serial["offsets"] > 0)
    for k in serial:
        np.testing.assert_array_equal(serial[k], scattered[k], err_msg=k)


PRECISE_SCRIPT = """
import jaxnest as nest
sg = nest.Create("spike_generator", params={"precise_times": True, "spike_times": [3.35]})
pn = nest.Create("parrot_neuron_ps")
n = nest.Create("iaf_psc_alpha_ps", params={"I_e": 600.0})
sr = nest.Create("spike_recorder")
nest.Connect(sg, pn)
nest.Connect(pn, n, syn_spec={"weight": 20.0})
nest.Connect(pn + n, sr)
nest.Simulate(20.0)
assert sr.n_events >= 2
"""


def test_small_precise_network_compiles_without_scatter_or_sort(tmp_path):
    """A small network with precise models compiles its chunk with no scatter and no sort,
    so XLA:CPU makes the slice loop one function: a precise spike_generator into a
    parrot_neuron_ps ran 15.9 us per step with them (NEST 0.06), 0.26 without (NEST's
    regressions/test_issue_327: 3.6 million steps)."""
    env = dict(os.environ, JAXNEST_CACHE_DIR="",
               XLA_FLAGS=f"--xla_dump_to={tmp_path} --xla_dump_hlo_as_text")
    subprocess.run([sys.executable, "-c", PRECISE_SCRIPT], check=True, env=env, timeout=300)
    files = glob.glob(str(tmp_path / "*jit_chunk*after_optimizations.txt"))
    assert files, "no chunk function was compiled"
    for f in files:
        hlo = open(f).read()
        assert " scatter(" not in hlo and " sort(" not in hlo, f
