"""The kernel's spike payloads (kernel/payload.py) on their own terms: networks without
payload senders plan and compile none of it; payloads in flight survive plan changes between
Simulate calls; what is not supported says so. (Parity with NEST:
tests/parity/test_payload_parity.py.)"""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest import errors
from jaxnest.api import _state


@pytest.fixture(autouse=True)
def fresh():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def test_ordinary_network_has_no_payload():
    n = nest.Create("iaf_psc_exp", 3, params={"I_e": 1000.0})
    nest.Connect(n, n, syn_spec={"receptor_type": 0, "weight": 5.0})
    nest.Simulate(5.0)
    rt = _state.kernel().runtime
    assert rt.plan.payload is None and rt.plan.static().payload is None
    assert "O" not in rt.pend[1]


def _network(extra_between=False):
    """tum senders into tum receivers (receptor 1, several delays): a run that ends inside
    a slice whose payloads are not delivered yet."""
    pre = nest.Create("iaf_tum_2000", 2, params={"I_e": 600.0})
    post = nest.Create("iaf_tum_2000", params={"I_e": 300.0})
    nest.Connect(pre, post, syn_spec={"receptor_type": 1, "weight": 3000.0, "delay": 1.5})
    nest.Connect(pre[0], post, syn_spec={"receptor_type": 1, "weight": -900.0, "delay": 3.2})
    mm = nest.Create("voltmeter", params={"interval": 0.1})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(mm, post)
    nest.Connect(pre + post, sr)
    # runs ending inside the slice of a spike (10.2, 22.2, 34.1, 46.0) and at the end of
    # one (58.5): its payloads are pending when the plan changes
    for t in (10.2, 12.0, 11.9, 11.9, 12.5, 10.0):
        nest.Simulate(t)
        if extra_between:  # a plan change with payloads pending
            nest.Create("iaf_psc_alpha")
    return {**mm.events, **sr.events}


def test_payloads_in_flight_survive_plan_changes():
    a = _network()
    nest.ResetKernel()
    b = _network(extra_between=True)
    assert a["offsets"].size > 5 and np.all(a["offsets"] > 0)
    for k in ("V_m", "times", "offsets", "senders"):
        np.testing.assert_array_equal(b[k], a[k], err_msg=k)


def test_unsupported_links_raise_not_implemented():
    pre = nest.Create("iaf_tum_2000")
    post = nest.Create("iaf_tum_2000")
    nest.Connect(pre, post, syn_spec={"receptor_type": 1, "synapse_model": "stdp_synapse"})
    with pytest.raises(errors.NotImplemented, match="Plastic"):
        nest.Simulate(1.0)
    nest.ResetKernel()
    bw = nest.Create("iaf_bw_2001")
    nest.Connect(bw, nest.Create("iaf_psc_exp_ps"))
    with pytest.raises(errors.NotImplemented, match="precise"):
        nest.Simulate(1.0)
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"precise_times": True, "spike_times": [1.3]})
    nest.Connect(sg, nest.Create("iaf_tum_2000"), syn_spec={"receptor_type": 1})
    with pytest.raises(errors.NotImplemented, match="offset"):
        nest.Simulate(2.0)
