"""Compile once per network structure: value changes and ResetKernel + rebuild reuse code."""
import numpy as np

import jaxnest as nest
from jaxnest.kernel import engine


def _build(rate=8000.0, weight=20.0):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 20, params={"I_e": 300.0})
    pg = nest.Create("poisson_generator", params={"rate": rate})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0, 30.0]})
    sr = nest.Create("spike_recorder")
    vm = nest.Create("voltmeter")
    nest.Connect(pg, n, syn_spec={"weight": weight})
    nest.Connect(sg, n[:5])
    nest.Connect(n, n, {"rule": "one_to_one"}, {"weight": weight, "delay": 1.5})
    nest.Connect(n, sr)
    nest.Connect(vm, n)
    return n, pg, sr, vm


def test_value_changes_and_lengths_do_not_retrace():
    n, pg, sr, vm = _build()
    nest.Simulate(50.0)
    traces = engine.TRACES[0]
    n.I_e = 500.0
    pg.rate = 12000.0
    nest.GetConnections(n, n).weight = 10.0
    nest.Simulate(17.3)
    nest.Simulate(200.0)
    assert engine.TRACES[0] == traces
    assert sr.n_events > 0 and vm.n_events > 0


def test_reset_and_rebuild_same_shape_reuses_compilation():
    _build()
    nest.Simulate(20.0)
    traces = engine.TRACES[0]
    _build(rate=5000.0, weight=15.0)
    nest.Simulate(20.0)
    assert engine.TRACES[0] == traces


def test_value_change_takes_effect():
    n, pg, sr, vm = _build(rate=0.0)
    nest.Simulate(20.0)
    v_before = np.array(n.V_m)
    pg.rate = 50000.0
    nest.Simulate(20.0)
    assert sr.n_events > 0
    assert not np.allclose(np.array(n.V_m), v_before)
