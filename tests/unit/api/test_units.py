"""brainunit quantities at the API: a script written with quantities (in other units than
NEST's) gives NEST's results for the same script in plain numbers; wrong dimensions are
BadProperty naming the expected unit; ``units=True`` reads values back as quantities."""
import pathlib

import numpy as np
import pytest

import jaxnest as nest
from jaxnest import errors

u = pytest.importorskip("brainunit")

CASE = pathlib.Path(__file__).with_name("_units_case.py")
_ns: dict = {}
exec(compile(CASE.read_text(), str(CASE), "exec"), _ns)  # noqa: S102 - our own case file


@pytest.fixture(scope="module")
def nest_ref():
    pytest.importorskip("nest")
    from jaxnest.parity.backends import run_case
    return run_case("nest", str(CASE), "run", units=False)[0]


def _compare(ref, got, rtol):
    assert set(ref) == set(got)
    for k in ref:
        a, b = np.asarray(ref[k], dtype=float), np.asarray(got[k], dtype=float)
        assert a.shape == b.shape, k
        np.testing.assert_allclose(b, a, rtol=rtol, atol=0, equal_nan=True, err_msg=k)


def test_quantities_give_nests_results(nest_ref):
    """Traces, spikes, statuses and connections of the quantity script equal NEST's for the
    plain script (V_m to parity precision), and equal jaxnest's plain script exactly."""
    got = _ns["run"](nest, units=True)
    assert len(got["spike_times"]) > 10 and len(got["V_m"]) > 1000
    _compare(nest_ref, got, rtol=1e-12)
    _compare(_ns["run"](nest, units=False), got, rtol=0)


def test_random_parameters_with_quantities():
    """nest.random parameters built from quantities (also after arithmetic) draw exactly the
    values of the plain script, converted to NEST's units."""
    got = _ns["random"](nest, units=True)
    ref = _ns["random"](nest, units=False)
    assert 8.0 <= got["tau_m"].min() and got["tau_m"].max() <= 12.0
    assert 200.0 <= got["I_e"].min() and got["I_e"].max() <= 400.0
    assert -52.0 <= got["V_th"].min() and got["V_th"].max() <= -48.0
    assert 1.0 <= got["delays"].min() and got["delays"].max() <= 3.0
    _compare(ref, got, rtol=0)


def _raises(fn, *words):
    with pytest.raises(errors.BadProperty) as e:
        fn()
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_wrong_dimension_is_bad_property_naming_the_unit():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha")
    c = nest.Create("iaf_cond_exp")
    sg = nest.Create("spike_generator")
    _raises(lambda: nest.Create("iaf_psc_alpha", params={"V_m": 3.0 * u.ms}), "V_m", "mV")
    _raises(lambda: n.set(I_e=2.0 * u.nS), "I_e", "pA")
    _raises(lambda: nest.SetStatus(n, {"tau_m": 1.0 * u.mV}), "tau_m", "ms")
    _raises(lambda: nest.SetStatus(n, "C_m", 1.0 * u.mV), "C_m", "pF")
    _raises(lambda: nest.SetDefaults("iaf_psc_alpha", {"t_ref": 2.0 * u.pA}), "t_ref", "ms")
    _raises(lambda: nest.CopyModel("iaf_psc_alpha", "x", {"E_L": 1.0 * u.ms}), "E_L", "mV")
    _raises(lambda: nest.Connect(sg, n, syn_spec={"weight": 1.0 * u.nS}), "weight", "pA")
    _raises(lambda: nest.Connect(sg, c, syn_spec={"weight": 1.0 * u.pA}), "weight", "nS")
    _raises(lambda: nest.Connect(sg, n, syn_spec={"delay": 1.0 * u.mV}), "delay", "ms")
    _raises(lambda: nest.Connect(sg, n, syn_spec={"weight": 1.0 * u.ms}), "weight")
    _raises(lambda: nest.Simulate(10.0 * u.mV), "Simulate", "ms")
    _raises(lambda: nest.SetKernelStatus({"resolution": 0.1 * u.mV}), "resolution", "ms")
    _raises(lambda: n.set(V_m=nest.random.uniform(1.0 * u.pA, 2.0 * u.pA)), "V_m", "mV",
            "random parameter")
    for bad in (lambda: nest.random.uniform(1.0 * u.mV, 2.0 * u.ms),
                lambda: nest.random.uniform(1.0 * u.mV, 2.0 * u.mV) + 1.0 * u.ms,
                lambda: nest.random.uniform(1.0 * u.mV, 2.0 * u.mV) * u.mV,
                lambda: nest.random.lognormal(mean=1.0 * u.mV)):
        with pytest.raises(errors.BadParameter):
            bad()
    nest.Connect(sg, n)  # nothing was connected by the failed calls
    assert nest.num_connections == 1 and n.I_e == 0.0


def test_read_back_as_quantities():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": 0.4 * u.nA})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Connect(n[0], n[1], syn_spec={"weight": 0.1 * u.nA, "delay": 2.0 * u.ms})
    nest.Simulate(100.0 * u.ms)
    i_e = nest.GetStatus(n, "I_e", units=True)
    assert u.math.allclose(i_e, [400.0, 400.0] * u.pA) and i_e.unit == u.pA
    one = n[0].get(["V_m", "tau_m", "C_m"], units=True)
    assert one["V_m"].unit == u.mV and one["V_m"].mantissa == n[0].V_m
    assert one["tau_m"] == 10.0 * u.ms and one["C_m"] == 250.0 * u.pF
    assert nest.GetDefaults("iaf_cond_exp", "g_L", units=True) == 16.6667 * u.nS
    assert nest.GetKernelStatus("resolution", units=True) == 0.1 * u.ms
    assert nest.GetKernelStatus("biological_time", units=True) == 100.0 * u.ms
    conn = nest.GetConnections(n[0], n[1]).get(["weight", "delay"], units=True)
    assert conn["weight"] == 100.0 * u.pA and conn["delay"] == 2.0 * u.ms
    times = sr.get("events", units=True)["times"]
    assert times.unit == u.ms and np.array_equal(times.mantissa, sr.events["times"])
    assert not isinstance(n.get("V_m")[0], u.Quantity)  # plain unless asked
