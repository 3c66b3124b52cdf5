"""iaf_cond_alpha / iaf_cond_exp and the adaptive RKF45 integrator against real NEST 3.10.

The NEST side runs in one subprocess (NEST can be imported only once per process and prints a
banner), which simulates every scenario and writes JSON. The jaxnest side drives the model's
``update`` step by step with a ``lax.scan``, feeding the inputs at the steps NEST delivers them
(verified empirically against NEST):

- a spike_generator spike at time t over a connection of delay d is read by its target in step
  ``round(t/h) - 1 + round(d/h)``;
- a dc_generator (start, stop, delay d) sends in the steps e = round(start/h) - 1 ...
  round(stop/h) - 2 (clipped at 0); the target reads it in step e + round(d/h) and, as NEST's
  ``B_.I_stim_``, uses it in the integration of the *next* step;
- a multimeter sample stamped (s + 1) h (interval = h) shows the state after the update of step
  s; a spike emitted in step s is stamped (s + 1) h.

With the same sequence of floating-point operations as GSL's rkf45 / y_new control, the traces
agree with NEST to ~1e-13 mV (bit for bit with ``XLA_FLAGS=--xla_cpu_max_isa=AVX``, i.e. no FMA
contraction, apart from XLA's pow, which differs from libm's by 1 ulp at times).
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest.models import iaf_cond, odeint  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, initial, run_nest, simulate, spike_times,
    train, update_defaults)

MODELS = iaf_cond.MODELS
TOL_V = 1e-9  # mV; observed ~1e-13
TOL_G_REL = 1e-9  # relative to max(|g|, 1 nS); observed ~1e-14

# --------------------------------------------------------------------------------------------
# scenarios: one NEST kernel per scenario, several neurons (different params/inputs) each
# --------------------------------------------------------------------------------------------


def _scenarios():
    rng = np.random.default_rng(2024)
    sc = []

    def neuron(params, h, T, exc_w, inh_w, rate_e=300.0, rate_i=150.0, delays=(1.0, 1.5), dc=()):
        spikes = [
            [train(rng, 1.0, T - 5.0, rate_e, h), exc_w, delays[0]],
            [train(rng, 1.0, T - 5.0, rate_i, h), inh_w, delays[1]],
            # two spikes in the same step from one generator (summed in the buffer)
            [[20.0, 20.0, 150.0], exc_w, delays[0]],
        ]
        return {"params": params, "spikes": spikes, "dc": [list(d) for d in dc]}

    for model in ("iaf_cond_alpha", "iaf_cond_exp"):
        h, T = 0.1, 300.0
        sc.append({"model": model, "h": h, "T": T, "neurons": [
            # defaults, driven by a dc_generator (I_stim path), strong fast excitation
            neuron({}, h, T, 12.0, -6.0, dc=[(320.0, 0.0, 120.0, 1.0), (280.0, 150.0, 260.0, 2.3)]),
            # I_e above rheobase, t_ref not a multiple of h, starts above threshold
            neuron({"I_e": 300.0, "t_ref": 2.35, "V_m": -50.0}, h, T, 6.0, -20.0),
            # other constants, slow synapses, no refractoriness
            neuron({"C_m": 150.0, "E_L": -65.0, "E_ex": 10.0, "E_in": -80.0, "g_L": 10.0,
                    "V_reset": -68.0, "V_th": -50.0, "t_ref": 0.0, "tau_syn_ex": 1.5,
                    "tau_syn_in": 6.0, "I_e": 170.0, "g_ex": 5.0, "g_in": 2.0}, h, T, 4.0, -3.0,
                   delays=(0.1, 2.0), dc=[(-100.0, 50.0, 90.0, 0.5)]),
        ]})
        # coarse resolution: several adaptive sub-steps per step, carried step > remaining time
        h, T = 1.0, 300.0
        sc.append({"model": model, "h": h, "T": T, "neurons": [
            neuron({"I_e": 280.0, "t_ref": 3.0}, h, T, 15.0, -10.0, delays=(1.0, 3.0),
                   dc=[(150.0, 100.0, 200.0, 1.0)]),
            neuron({"tau_syn_ex": 3.0, "tau_syn_in": 0.7, "I_e": 200.0}, h, T, 3.0, -15.0,
                   delays=(2.0, 1.0)),
        ]})
    return sc


# --------------------------------------------------------------------------------------------
# NEST subprocess
# --------------------------------------------------------------------------------------------

_BAD = [{"C_m": 0.0}, {"C_m": -1.0}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -2.0}, {"t_ref": -0.5},
        {"V_reset": -50.0}, {"g_L": 0.0}, {"C_m": -1.0, "V_reset": -40.0, "tau_syn_ex": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_cond", scen, list(MODELS), _BAD)


def _scenario_ids():
    return [f"{s['model']}-h{s['h']}" for s in _scenarios()]


@pytest.mark.parametrize("idx", range(len(_scenarios())), ids=_scenario_ids())
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    model = MODELS[scenario["model"]]
    h = scenario["h"]
    rec, spikes = simulate(model, scenario)
    worst = {}
    for j, nr in enumerate(out["runs"][idx]):
        mine = spike_times(spikes[:, j], h)
        theirs = np.round(np.array(sorted(nr["spikes"])), 9)
        assert mine.tolist() == theirs.tolist(), (scenario["model"], j)
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        # NEST's multimeter holds samples h .. T - h after Simulate(T) (last one pending)
        assert steps.tolist() == list(range(rec["V_m"].shape[0] - 1))
        for k in model.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref)
            if k.startswith("g_"):
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
    assert worst["V_m"] <= TOL_V, worst
    assert worst["g_ex"] <= TOL_G_REL and worst["g_in"] <= TOL_G_REL, worst
    if "t_ref_remaining" in worst:
        assert worst["t_ref_remaining"] <= 1e-12, worst
    # the scenarios are meant to exercise threshold, reset and refractoriness
    assert (spikes.sum(axis=0) >= 3).all(), spikes.sum(axis=0)
    print(scenario["model"], h, {k: f"{v:.2e}" for k, v in worst.items()},
          "spikes", spikes.sum(axis=0).tolist())


# --------------------------------------------------------------------------------------------
# defaults, error messages and receptors against NEST
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    check_defaults(m, out, name)
    update_defaults(m)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_error_messages_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    check_param_errors(m, _BAD, out["errors"][name], allow_skip=False)
    check_receptor(m, out, name)
    assert m.channel(np.array([2.0, 0.0, -1.0]), np.zeros(3, int)).tolist() == [0, 0, 1]


# --------------------------------------------------------------------------------------------
# NEST-free tests of the integrator and the update
# --------------------------------------------------------------------------------------------


def _decay(y, k):
    return -k * y


def test_integrate_first_step_and_growth():
    # y' = 0: zero error estimate -> the step grows by the maximal factor 5
    y = jnp.ones((2, 3))
    y1, dt = odeint.integrate(lambda y, p: jnp.zeros_like(y), y, None, 0.1, jnp.zeros(3))
    np.testing.assert_array_equal(np.asarray(y1), 1.0)
    np.testing.assert_allclose(np.asarray(dt), 0.5, rtol=1e-15)
    # the carried step (0.5 > h) is cut to h and the proposal is 5 x the cut step again
    y2, dt2 = odeint.integrate(lambda y, p: jnp.zeros_like(y), y1, None, 0.1, dt)
    np.testing.assert_allclose(np.asarray(dt2), 0.5, rtol=1e-15)


def test_integrate_accuracy_and_rejection():
    k = jnp.array([0.1, 10.0, 200.0, 2000.0])
    y0 = jnp.full(4, 10.0)
    y, dt = jax.jit(lambda y, d: odeint.integrate(_decay, y, k, 0.1, d))(y0, jnp.zeros(4))
    exact = 10.0 * np.exp(-np.asarray(k) * 0.1)
    # local error bound 1e-3 per sub-step; stiff neurons need many small, rejected steps
    assert np.all(np.abs(np.asarray(y) - exact) < 5e-3), (np.asarray(y), exact)
    assert np.asarray(dt)[0] == pytest.approx(0.5) and np.all(np.diff(np.asarray(dt)) < 0)


def test_integrate_vectorised_equals_single():
    """Masking finished neurons must not change anyone's result (bit for bit)."""
    k = jnp.array([0.5, 30.0, 400.0])
    y0 = jnp.array([[1.0, -2.0, 3.0], [0.5, 0.5, 0.5]])

    def rhs(y, p):
        return jnp.stack([-p * y[0] + y[1], -y[1]])

    f = jax.jit(lambda y, p, d: odeint.integrate(rhs, y, p, 0.25, d))
    yv, dv = f(y0, k, jnp.zeros(3))
    for i in range(3):
        ys, ds = f(y0[:, i:i + 1], k[i:i + 1], jnp.zeros(1))
        np.testing.assert_array_equal(np.asarray(ys)[:, 0], np.asarray(yv)[:, i])
        np.testing.assert_array_equal(np.asarray(ds)[0], np.asarray(dv)[i])


def test_integrate_step_sequence_matches_gsl():
    """One step of iaf_cond_alpha at rest right after a strong input: GSL (rkf45, y_new 1e-3,
    0) rejects h = 0.1, then takes steps ending at 0.04666586414598466, 0.09333172829196933, 0.1
    and proposes 0.033341358540153396 (values from GSL 1.16 through ctypes)."""
    m = iaf_cond.iaf_cond_alpha
    params = {k: jnp.array([v]) for k, v in m.params.items()}
    p = dict(params, _refractory=jnp.array([False]), _I_stim=jnp.zeros(1))
    y = tuple(jnp.array([v]) for v in (-70.0, 543.656365691809, 0.0, 6.7957045711476125, 0.0))
    _, dt = odeint.integrate(iaf_cond._alpha_rhs, y, p, 0.1, jnp.array([0.5]))
    assert float(dt[0]) == pytest.approx(0.033341358540153396, rel=1e-12)


def test_update_in_fori_loop_and_refractoriness():
    m = iaf_cond.iaf_cond_alpha
    n = 3
    params, state = initial(m, [{"params": {}}] * n)
    params["I_e"] = np.array([0.0, 400.0, 1000.0])
    params = {k: jnp.asarray(v) for k, v in params.items()}

    @jax.jit
    def run(params, state):
        props = m.propagators(params, 0.1)

        def body(i, c):
            st, cnt, minv = c
            st, spk = m.update(params, props, st, jnp.zeros((2, n)), jnp.zeros(n), 0.1)
            minv = jnp.where(st["refr_count"] > 0, jnp.minimum(minv, st["V_m"]), minv)
            return st, cnt + spk, minv

        return lax.fori_loop(0, 1000, body, (state, jnp.zeros(n), jnp.full(n, 1e9)))

    st, cnt, minv = run(params, state)
    assert st["V_m"].dtype == jnp.float64
    assert cnt[0] == 0 and 0 < cnt[1] < cnt[2]
    # clamped to V_reset while refractory
    np.testing.assert_array_equal(np.asarray(minv)[1:], -60.0)
    assert float(st["t_ref_remaining"][2]) == pytest.approx(0.1 * float(st["refr_count"][2]))


def test_spike_input_scaling():
    """alpha: a weight w adds w e / tau to dg (peak g = w at t = tau); exp: adds w to g;
    inhibitory weights enter with their magnitude."""
    h = 0.1
    x = jnp.array([[2.0], [-3.0]])
    for name in MODELS:
        m = MODELS[name]
        params, state = initial(m, [{"params": {}}])
        params = {k: jnp.asarray(v) for k, v in params.items()}
        new, _ = m.update(params, m.propagators(params, h), state, x, jnp.zeros(1), h)
        if name == "iaf_cond_alpha":
            assert float(new["dg_ex"][0]) == 2.0 * np.e / 0.2
            assert float(new["dg_in"][0]) == 3.0 * np.e / 2.0
        else:
            assert float(new["g_ex"][0]) == 2.0 and float(new["g_in"][0]) == 3.0
