"""iaf_chs_2007 against real NEST 3.10 (one NEST subprocess simulates every scenario; the
jaxnest side drives ``update`` with lax.scan at NEST's arrival steps, see _nest_driver.py).

Exact propagators: traces agree to rounding; 1e-9 relative is asserted. Negative weights must
be dropped, as NEST drops them. The ``noise`` list is a vector parameter (not per port): the
noise scenario hands the update a ``(K, n)`` noise array, NaN past each list, as the kernel
does, and compares with NEST given the list (tests/parity/test_api_models.py runs it through
the kernel).
"""
from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest.models import iaf_chs_2007  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, initial, inputs, run_nest, spike_times,
    train, update_defaults)

NAME = "iaf_chs_2007"
MODEL = iaf_chs_2007.iaf_chs_2007
# the scalar parameters only, for the driver (which builds one float per neuron and key)
SCALAR = dataclasses.replace(MODEL, params={k: v for k, v in MODEL.params.items()
                                            if k != "noise"}, vector_params={})
TOL_REL = 1e-9  # relative to max(|V_m|, 1)
_NOISE = [float(v) for v in np.random.default_rng(1).normal(0.0, 1.0, 2500)]


def _scenarios():
    rng = np.random.default_rng(4)

    def neuron(params, h, T, we, wi, rate=300.0, delays=(1.0, 1.5)):
        return {"params": params, "dc": [], "spikes": [
            [train(rng, 1.0, T - 5.0, rate, h), we, delays[0]],
            [train(rng, 1.0, T - 5.0, 150.0, h), wi, delays[1]],
            [[20.0, 20.0, 150.0], we, delays[0]],
        ]}

    return [{"model": NAME, "h": 0.1, "T": 300.0, "neurons": [
        neuron({}, 0.1, 300.0, 0.25, -0.3),
        neuron({"V_epsp": 1.2, "V_reset": 1.5, "tau_epsp": 4.0, "tau_reset": 30.0, "V_m": 0.5},
               0.1, 300.0, 0.2, -1.0, rate=500.0),
    ]}, {"model": NAME, "h": 1.0, "T": 300.0, "neurons": [
        neuron({"tau_epsp": 12.0}, 1.0, 300.0, 0.3, -0.2, delays=(1.0, 3.0)),
    ]}, {"model": NAME, "h": 0.1, "T": 250.0, "neurons": [
        neuron({"V_noise": 0.3, "noise": _NOISE}, 0.1, 250.0, 0.2, -0.2),
        neuron({"V_noise": 0.0, "noise": _NOISE}, 0.1, 250.0, 0.2, -0.2),  # noise off
    ]}]


_BAD = [{"V_epsp": -0.1}, {"V_reset": -1.0}, {"tau_epsp": 0.0}, {"tau_reset": -1.0},
        {"V_noise": -1.0}, {"V_epsp": 0.0, "V_reset": 0.0},
        {"V_epsp": -1.0, "V_reset": -1.0, "tau_epsp": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_chs", scen, [NAME], _BAD)


def _simulate(scenario):
    """The driver's lax.scan, with the scenario's noise lists as one (K, n) array."""
    h = scenario["h"]
    params, state = initial(SCALAR, scenario["neurons"])
    MODEL.check(params)
    noise = [nd["params"].get("noise", []) for nd in scenario["neurons"]]
    if any(noise):
        K = max(len(v) for v in noise)
        params["noise"] = np.array([list(v) + [np.nan] * (K - len(v)) for v in noise]).T
    x, i_stim = inputs(MODEL, scenario)

    @jax.jit
    def scan(params, state, x, i_stim):
        props = MODEL.propagators(params, h)

        def step(st, inp):
            new, spk = MODEL.update(params, props, st, inp[0], inp[1], h)
            return new, (new["V_m"], spk)

        return lax.scan(step, state, (x, i_stim))[1]

    v, spk = scan({k: jnp.asarray(a) for k, a in params.items()}, state, jnp.asarray(x),
                  jnp.asarray(i_stim))
    return np.asarray(v), np.asarray(spk)


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    h = scenario["h"]
    v, spikes = _simulate(scenario)
    worst = 0.0
    for j, nr in enumerate(out["runs"][idx]):
        assert spike_times(spikes[:, j], h).tolist() == np.round(sorted(nr["spikes"]), 9).tolist()
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        ref = np.array(nr["V_m"])
        worst = max(worst, float((np.abs(v[steps, j] - ref) / np.maximum(np.abs(ref), 1.0)).max()))
    assert worst <= TOL_REL, worst
    assert (spikes.sum(axis=0) >= 5).all(), spikes.sum(axis=0)
    print(NAME, h, f"V_m {worst:.1e}", spikes.sum(axis=0).tolist())


def test_defaults_errors_receptor(nest_results):
    _, out = nest_results
    nd = out["defaults"][NAME]
    # 'noise' (a list; the driver keeps scalars): its default is compared with NEST's in
    # tests/parity/test_api_models.py
    assert "noise" not in nd and list(MODEL.params["noise"]) == []
    check_defaults(SCALAR, out, NAME)
    update_defaults(SCALAR)
    check_param_errors(SCALAR, _BAD, out["errors"][NAME], allow_skip=False)
    check_receptor(SCALAR, out, NAME)
