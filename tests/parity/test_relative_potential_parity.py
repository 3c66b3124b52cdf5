"""iaf_psc_alpha, _exp, _delta, iaf_tum_2000, iaf_psc_exp_htum and the iaf_psc multisynapse
models keep NEST's relative potential y3 (models/iaf_psc.py): with fused multiply-adds off (JAXNEST_FMA=0, as NEST's build) their traces
are NEST's to the bit, SetStatus of E_L and V_m included; going through the absolute V_m
each step was 1 ulp off within three steps (NEST's test_getstatus_39_compatibility)."""
import os

import numpy as np
import pytest

from jaxnest.parity.backends import run_case

CASE = os.path.join(os.path.dirname(__file__), "cases", "relative_potential.py")


@pytest.mark.parametrize("model", ["iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta",
                                   "iaf_tum_2000", "iaf_psc_exp_htum",
                                   "iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"])
def test_bit_identical_to_nest(model, monkeypatch):
    monkeypatch.setenv("JAXNEST_FMA", "0")
    ref = run_case("nest", CASE, model=model)[0]
    got = run_case("jaxnest", CASE, model=model)[0]
    assert ref["V_m"].size > 500 and np.ptp(ref["V_m"]) > 5.0
    for key in ref:
        assert np.array_equal(ref[key], got[key]), (key, np.max(np.abs(ref[key] - got[key])))
