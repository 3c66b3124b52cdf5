"""The kernel's precise-spike phase (kernel/precise.py) on its own terms: networks without
precise models compile none of it; capacities that overflow are grown and the chunk rerun
with the same result; events in flight survive plan changes between Simulate calls. (Parity
with NEST: tests/parity/test_precise_parity.py.)"""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.api import _state
from jaxnest.kernel import precise_host


@pytest.fixture(autouse=True)
def fresh():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def _network(extra_between=False):
    """Many precise events per step into two precise neurons (a burst of a precise
    spike_generator through two parrots and multapses), precise neuron to neuron."""
    nest.resolution = 0.1
    rng = np.random.default_rng(3)
    t = np.sort(np.concatenate([rng.uniform(1.0, 30.0, 300), np.full(20, 12.34567)]))
    sg = nest.Create("spike_generator", params={"precise_times": True, "spike_times": t})
    p = nest.Create("parrot_neuron_ps", 2)
    n = nest.Create("iaf_psc_exp_ps", 2, params={"I_e": 200.0})
    nest.Connect(sg, p, syn_spec={"delay": 0.5})
    for _ in range(3):
        nest.Connect(p, n, syn_spec={"weight": 15.0, "delay": 1.3})
    nest.Connect(n[0], n[1], syn_spec={"weight": -40.0, "delay": 0.7})
    mm = nest.Create("voltmeter", params={"interval": 0.1})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(mm, n)
    nest.Connect(n + p, sr)
    nest.Simulate(12.3)  # ends inside a slice: its spike list continues in the next run
    if extra_between:  # a plan change with events in the ring and a pending spike list
        nest.Create("iaf_psc_alpha_ps")
    nest.Simulate(27.7)
    return {k: np.asarray(v) for k, v in {**mm.events, **sr.events}.items()
            if k in ("V_m", "times", "offsets", "senders")}


def test_ordinary_network_has_no_precise_phase():
    n = nest.Create("iaf_psc_alpha", 3, params={"I_e": 1000.0})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0]})
    nest.Connect(sg, n)
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(n, sr)
    nest.Simulate(20.0)
    rt = _state.kernel().runtime
    assert rt.plan.precise is None and rt.plan.static().precise is None
    assert not nest.GetKernelStatus("off_grid_spiking")
    assert np.all(sr.events["offsets"] == 0.0) and sr.n_events > 0


def test_overflow_grows_and_reruns_exactly(monkeypatch):
    """Starting from capacities far too small (spike list, pairs, ring events, device
    events), every overflowing chunk is rerun: the results equal a run with ample ones."""
    monkeypatch.setattr(precise_host, "CAPS", {"Q": 1024, "P": 8192, "K": 64, "E": 4096})
    ample = _network()
    nest.ResetKernel()
    monkeypatch.setattr(precise_host, "CAPS", {"Q": 8, "P": 8, "K": 1, "E": 8})
    small = _network()
    caps = _state.kernel().runtime.pcaps
    assert caps["Q"] > 8 and caps["P"] > 8 and caps["K"] > 1 and caps["E"] > 8
    for k in ample:
        np.testing.assert_array_equal(small[k], ample[k], err_msg=k)
    assert np.any(ample["offsets"] > 0)


def test_events_in_flight_survive_plan_changes():
    """A node created between runs (a new plan: ring columns and spike-list rows move) does
    not change what the others do."""
    a = _network()
    nest.ResetKernel()
    b = _network(extra_between=True)
    for k in a:
        np.testing.assert_array_equal(b[k], a[k], err_msg=k)
