"""ignore_and_fire against real NEST 3.10 (one NEST subprocess simulates every scenario; the
jaxnest side drives ``update`` with lax.scan, see _nest_driver.py): spike times identical for
phases and rates that do and do not fit the grid, with (ignored) spike and current input.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest.models import ignore_and_fire  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, initial, run_nest, simulate, spike_times,
    train, update_defaults)

NAME = "ignore_and_fire"
MODEL = ignore_and_fire.ignore_and_fire


def _scenarios():
    rng = np.random.default_rng(2)

    def neuron(params, h, T, inputs=True):
        spikes = [[train(rng, 1.0, T - 5.0, 500.0, h), 500.0, 1.0],
                  [train(rng, 1.0, T - 5.0, 500.0, h), -500.0, 1.5]] if inputs else []
        return {"params": params, "spikes": spikes,
                "dc": [[1000.0, 10.0, 200.0, 1.0]] if inputs else []}

    sc = []
    for h, T in ((0.1, 1000.0), (2.0 ** -3, 1000.0), (1.0, 2000.0)):
        sc.append({"model": NAME, "h": h, "T": T, "neurons": [
            neuron({}, h, T),
            neuron({"phase": 0.4, "rate": 5.0}, h, T, inputs=False),
            neuron({"phase": 0.123, "rate": 37.3}, h, T),
            neuron({"phase": 1.0, "rate": 333.0}, h, T, inputs=False),
            neuron({"phase": 0.0001, "rate": 2.0}, h, T),
        ]})
    return sc


_BAD = [{"phase": 0.0}, {"phase": -0.5}, {"phase": 1.0000001}, {"rate": 0.0}, {"rate": -3.0},
        {"phase": 1.0, "rate": 1e-3}, {"phase": 2.0, "rate": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_iaf_fire", scen, [NAME], _BAD)


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    h = scenario["h"]
    _, spikes = simulate(MODEL, scenario)
    for j, nr in enumerate(out["runs"][idx]):
        assert spike_times(spikes[:, j], h).tolist() == np.round(sorted(nr["spikes"]), 9).tolist()
    assert (spikes.sum(axis=0) >= 2).all(), spikes.sum(axis=0)


def test_defaults_errors_receptor(nest_results):
    _, out = nest_results
    check_defaults(MODEL, out, NAME)
    update_defaults(MODEL)
    check_param_errors(MODEL, _BAD, out["errors"][NAME], allow_skip=False)
    check_receptor(MODEL, out, NAME)


def test_countdown_restarts_when_phase_or_rate_change():
    """NEST recomputes the countdown on SetStatus: a changed phase or rate restarts it."""
    params, state = initial(MODEL, [{"params": {"phase": 0.5, "rate": 100.0}}])
    h = 0.1
    jp = {k: jnp.asarray(v) for k, v in params.items()}
    state, spk = MODEL.update(jp, MODEL.propagators(jp, h), state, jnp.zeros((2, 1)),
                              jnp.zeros(1), h)
    assert float(state["phase_steps"][0]) == 49.0 and float(spk[0]) == 0.0
    state, _ = MODEL.update(jp, MODEL.propagators(jp, h), state, jnp.zeros((2, 1)),
                            jnp.zeros(1), h)
    assert float(state["phase_steps"][0]) == 48.0
    jp["phase"] = jnp.asarray([0.1])  # 10 steps from now
    state, _ = MODEL.update(jp, MODEL.propagators(jp, h), state, jnp.zeros((2, 1)),
                            jnp.zeros(1), h)
    assert float(state["phase_steps"][0]) == 9.0
