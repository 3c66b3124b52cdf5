"""iaf_chxk_2008 against NEST through the whole API: the defaults (keys, values, recordables)
as NEST's; Create raises NotImplemented naming the missing kernel feature (off-grid spikes:
NEST records this model's spikes between grid points, as the NEST run shows). The model's
update, offsets included, is checked against NEST in tests/unit/models/test_iaf_chxk_2008.py."""
import pathlib

import numpy as np
import pytest

from _model_compare import compare
from jaxnest.parity.backends import BackendError, run_case

CASE = str(pathlib.Path(__file__).parent / "cases" / "iaf_chxk_2008.py")


def test_iaf_chxk_2008_defaults(both):
    ref, got = both("iaf_chxk_2008.py", "defaults")
    compare(ref, got)


def test_iaf_chxk_2008_create_not_implemented(both):
    pytest.importorskip("nest")
    ref, _ = run_case("nest", CASE)
    t = np.asarray(ref["sr_times"])
    assert t.size >= 3 and np.any(np.abs(t / 0.1 - np.rint(t / 0.1)) > 1e-6)  # off the grid
    with pytest.raises(BackendError, match="NotImplemented.*off-grid"):
        run_case("jaxnest", CASE)
