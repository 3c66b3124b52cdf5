"""NEST's ``t_spike``: the kernel keeps each neuron's last spike time (the stamp, less the
offset of an off-grid spike); NEST's numbers from the same test run (_t_spike_case.py)."""
import pathlib

import numpy as np
import pytest

from jaxnest.parity.backends import run_case

CASE = str(pathlib.Path(__file__).with_name("_t_spike_case.py"))


def test_t_spike_equals_nest():
    pytest.importorskip("nest")
    ref = run_case("nest", CASE)[0]
    got = run_case("jaxnest", CASE)[0]
    assert set(ref) == set(got)
    assert np.all(ref["before"] == -1.0) and np.all(ref["after2"][:3] > 12.1)  # spiked again
    assert ref["after2"][-1] != ref["after1"][-1] and ref["after2"][-1] % 0.1 > 1e-6
    assert ref["down"] > ref["after2"][3]
    for k in ref:
        if k == "pop_keys":
            assert got[k].tolist() == ref[k].tolist()
        else:  # the precise model integrates to ~1e-14 ms of NEST's spike time
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-12, err_msg=k)
