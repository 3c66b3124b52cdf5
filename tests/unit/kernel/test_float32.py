"""The float32 opt-in (kernel attribute ``float_precision``): state, weights and ring buffers
really are float32, and results stay within the documented tolerance of the float64 run."""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.api import _state

V_TOL = 1e-3  # mV over 300 ms (measured: ~3e-5 mV); docs/performance.md "float32"


def _run(precision: str):
    nest.ResetKernel()
    nest.set(float_precision=precision)
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 300.0})
    dc = nest.Create("dc_generator", params={"amplitude": 100.0, "start": 50.0})
    sg = nest.Create("spike_generator", params={"spike_times": [10.0, 20.5, 30.1, 200.0]})
    pg = nest.Create("poisson_generator", params={"rate": 2000.0})
    vm = nest.Create("voltmeter", params={"interval": 0.1})
    sr = nest.Create("spike_recorder")
    nest.Connect(dc, n)
    nest.Connect(sg, n, syn_spec={"weight": 500.0, "delay": 1.0})
    nest.Connect(pg, n, syn_spec={"weight": 30.0})
    nest.Connect(n[0], n[1], syn_spec={"weight": -200.0, "delay": 1.5})
    nest.Connect(vm, n)
    nest.Connect(n, sr)
    nest.Simulate(300.0)
    return vm.events, sr.events


def test_float32_state_weights_and_buffers():
    vm, _ = _run("float32")
    assert nest.GetKernelStatus("float_precision") == "float32"
    assert vm["V_m"].dtype == np.float32
    rt = _state.kernel().runtime
    assert rt.buf.dtype == np.float32
    assert rt.plan.spike["w"].dtype == np.float32
    assert rt.plan.poisson["w"].dtype == np.float32
    store = _state.kernel().network.neurons["iaf_psc_alpha"]
    assert store.state["V_m"].dtype == np.float32


def test_float32_within_tolerance_of_float64():
    vm64, sr64 = _run("float64")
    vm32, sr32 = _run("float32")
    assert vm64["V_m"].dtype == np.float64
    assert np.abs(vm32["V_m"] - vm64["V_m"]).max() < V_TOL
    assert sr32["times"].size == sr64["times"].size > 0
    # a spike may move by at most one step when V_m grazes the threshold
    assert np.abs(sr32["times"] - sr64["times"]).max() <= 0.1 + 1e-9


def test_float_precision_checked():
    nest.ResetKernel()
    with pytest.raises(nest.NESTErrors.BadProperty):
        nest.set(float_precision="float16")
    nest.Create("iaf_psc_alpha")
    nest.Simulate(1.0)
    with pytest.raises(nest.NESTErrors.KernelException):
        nest.set(float_precision="float32")
    nest.ResetKernel()
    assert nest.GetKernelStatus("float_precision") == "float64"
