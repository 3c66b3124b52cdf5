"""Recording backends against NEST in the same run: ascii files byte for byte (header, columns,
number format, file names), memory events (keys, dtypes, steps and offsets), screen lines."""
import numpy as np
import pytest

from jaxnest.parity.backends import max_abs_diff
from jaxnest.parity.tolerances import CATEGORIES

B = CATEGORIES["B"].atol
RECORDERS = ["spike_recorder", "voltmeter", "multimeter"]


def _same_lines(ref: list, got: list, lead: int, atol: float) -> None:
    """Lines identical, except recorded values (fields after the ``lead`` time columns):
    those must have the same format (digits after the point) and agree within ``atol``
    (more digits than the trace category guarantees)."""
    assert len(ref) == len(got)
    for i, (a, b) in enumerate(zip(ref, got)):
        if a == b:
            continue
        fa, fb = a.split("\t"), b.split("\t")
        assert len(fa) == len(fb) and fa[:lead] == fb[:lead], (i, a, b)
        for x, y in zip(fa[lead:], fb[lead:]):
            assert len(x.partition(".")[2]) == len(y.partition(".")[2]), (i, a, b)
            assert abs(float(x) - float(y)) <= atol, (i, a, b)


@pytest.mark.parametrize("kwargs", [
    {},
    {"time_in_steps": True},
    {"precision": 6},
    {"precision": 0},
    {"precision": 1, "time_in_steps": True},
    {"precision": -1},
    {"resolution": 0.05, "precision": 12, "two_runs": True},
    {"label": "rec", "file_extension": "txt", "time_in_steps": True, "two_runs": True},
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_ascii_files_identical(both, kwargs):
    ref, got = both("rec_backends.py", "ascii_files", **kwargs)
    for name in RECORDERS:
        assert len(ref[f"{name}_lines"]) > 4, name  # header plus events
        for key in ("file", "status"):
            k = f"{name}_{key}"
            assert ref[k].tolist() == got[k].tolist(), k
        k = f"{name}_lines"
        if kwargs.get("precision", 3) <= 6:
            assert ref[k].tolist() == got[k].tolist(), k
        else:
            _same_lines(ref[k].tolist(), got[k].tolist(),
                        3 if kwargs.get("time_in_steps") else 2, 1e-9)


@pytest.mark.parametrize("time_in_steps", [True, False])
def test_memory_events(both, time_in_steps):
    ref, got = both("rec_backends.py", "memory_events", time_in_steps=time_in_steps)
    assert set(ref) == set(got)
    for k in ref:
        if k.endswith(("_V_m", "_I_syn_ex")):
            assert max_abs_diff(ref[k], got[k]) <= B, k
        else:
            assert ref[k].tolist() == got[k].tolist(), k
    assert ("offsets" in ref["spike_recorder_keys"].tolist()) == time_in_steps


@pytest.mark.parametrize("kwargs", [{}, {"time_in_steps": True, "precision": 1}])
def test_screen_lines(both, kwargs):
    ref, got = both("rec_backends.py", "screen_lines", **kwargs)
    assert len(ref["lines"]) > 10
    assert ref["lines"].tolist() == got["lines"].tolist()


def test_device_time_validation(both):
    """Device times off the resolution's grid are errors; near-grid ones are stored snapped;
    a sampler's offset is rounded up to the grid."""
    ref, got = both("rec_backends.py", "device_validation")
    assert ref.keys() == got.keys()
    assert {k: v.tolist() for k, v in ref.items()} == {k: v.tolist() for k, v in got.items()}


def test_ascii_filenames_follow_the_settings(both):
    ref, got = both("rec_backends.py", "ascii_filenames")
    assert "q_lab" in ref["names"][-2]
    assert ref["names"].tolist() == got["names"].tolist()
