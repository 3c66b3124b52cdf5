"""cm_default (NEST 3.10's compartmental model) against real NEST in the same test run.

The scenarios of ``_cm_cases.py`` run once under NEST and once under jaxnest (one subprocess
each, through the parity harness's ``run_case``): passive trees of 1, 2, 3 and 6 compartments
with a dc current into the root or the last compartment; Na/K channels driven to spike at two
resolutions; every receptor type (default and custom parameters, AMPA_NMDA, several receptors
on one compartment) driven by spike generators; neurons with different trees in one network;
the status lists (``compartments``, ``receptors``, ``recordables``) after ``compartments``,
``+=`` and ``add_*``; and NEST's error classes for bad input.
"""
from __future__ import annotations

import json
import os
import pathlib

import numpy as np
import pytest

pytest.importorskip("nest")
from jaxnest.parity.backends import run_case  # noqa: E402

CASES = str(pathlib.Path(__file__).parent / "_cm_cases.py")
REL = 1e-9


@pytest.fixture(scope="module")
def both():
    src = str(pathlib.Path(__file__).resolve().parents[3] / "src")
    os.environ["PYTHONPATH"] = src + os.pathsep + os.environ.get("PYTHONPATH", "")
    return run_case("nest", CASES)[0], run_case("jaxnest", CASES)[0]


def _traces(out, prefix):
    return {k: v for k, v in out.items() if k.startswith(prefix) and "/" in k
            and v.dtype.kind == "f" and not k.endswith(("/spikes", "/times"))}


def _assert_close(nest_out, jax_out, prefix):
    keys = _traces(nest_out, prefix)
    assert keys, f"no traces for {prefix}"
    worst = 0.0
    for k, ref in keys.items():
        got = jax_out[k]
        assert got.shape == ref.shape, k
        scale = np.maximum(np.abs(ref), 1e-6)  # gates and conductances start at 0
        rel = float(np.max(np.abs(got - ref) / scale)) if ref.size else 0.0
        assert rel <= REL, f"{k}: relative deviation {rel:.3g}"
        worst = max(worst, rel)
    return worst


@pytest.mark.parametrize("prefix", ["passive_one_0", "passive_two_0", "passive_two_1",
                                    "passive_three_0", "passive_three_2",
                                    "passive_branched_0", "passive_branched_5"])
def test_passive_trees(both, prefix):
    nest_out, jax_out = both
    _assert_close(nest_out, jax_out, prefix + "/")
    assert nest_out[prefix + "/v_comp0"].std() > 0.1  # the current moved the soma


@pytest.mark.parametrize("prefix", ["active_0.1", "active_0.025"])
def test_na_k_channels_spike(both, prefix):
    nest_out, jax_out = both
    _assert_close(nest_out, jax_out, prefix + "/")
    assert nest_out[prefix + "/spikes"].size > 2
    np.testing.assert_array_equal(jax_out[prefix + "/spikes"], nest_out[prefix + "/spikes"])


def test_all_receptor_types(both):
    nest_out, jax_out = both
    _assert_close(nest_out, jax_out, "receptors/")
    for name in ("g_d_AMPA_0", "g_d_GABA_1", "g_d_NMDA_2", "g_d_AN_NMDA_3", "g_d_AN_AMPA_3",
                 "g_d_AMPA_4", "g_d_NMDA_5"):
        assert nest_out["receptors/" + name].max() > 0.1, name
    assert list(jax_out["receptors/recordables"]) == list(nest_out["receptors/recordables"])
    np.testing.assert_array_equal(jax_out["receptors/spikes"], nest_out["receptors/spikes"])


def test_neurons_with_different_trees(both):
    nest_out, jax_out = both
    _assert_close(nest_out, jax_out, "mixed_")
    for tag in ("a", "b"):
        assert json.loads(str(jax_out[f"mixed_{tag}/status"])) == \
            json.loads(str(nest_out[f"mixed_{tag}/status"]))
    np.testing.assert_array_equal(jax_out["mixed/times"], nest_out["mixed/times"])
    np.testing.assert_array_equal(jax_out["mixed/senders"], nest_out["mixed/senders"])


def test_status_lists(both):
    nest_out, jax_out = both
    for key in ("defaults", "status"):
        assert json.loads(str(jax_out[key])) == json.loads(str(nest_out[key])), key
    assert list(jax_out["status_recordables"]) == list(nest_out["status_recordables"])


def test_errors_as_nest(both):
    nest_out, jax_out = both
    keys = sorted(k for k in nest_out if k.startswith("error/"))
    assert len(keys) > 15
    got = {k: str(jax_out[k]) for k in keys}
    want = {k: str(nest_out[k]) for k in keys}
    assert got == want
