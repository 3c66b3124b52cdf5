"""eprop_history_duration, NEST's count of kept e-prop history entries (followed on the host,
kernel/eprop_history.py), against NEST 3.10 in the same run (one NEST subprocess): small
random networks of both e-prop families (_eprop_history_cases.py) give NEST's values at
every step."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import jaxnest
import _eprop_history_cases as hc

HERE = os.path.dirname(os.path.abspath(__file__))
NEST_SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
import nest
nest.set_verbosity("M_ERROR")
import _eprop_history_cases as hc
json.dump({{f"{{s}}-{{b}}": hc.run(nest, s, b) for s in hc.SEEDS for b in (True, False)}},
          open({out!r}, "w"))
"""
CASES = [(s, b) for s in hc.SEEDS for b in (True, False)]


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("eprop_history") / "nest.json")
    subprocess.run([sys.executable, "-c", NEST_SCRIPT.format(here=HERE, out=out)], check=True,
                   capture_output=True, timeout=900)
    return json.load(open(out))


@pytest.mark.parametrize("seed,bss", CASES)
def test_history_duration_matches_nest(ref, seed, bss):
    mine, theirs = hc.run(jaxnest, seed, bss), ref[f"{seed}-{bss}"]
    assert theirs["spikes"] > 20  # recurrent senders spike (and send flush events)
    assert np.count_nonzero(np.diff(theirs["duration"]) < 0) > 10  # entries are erased
    assert mine == theirs
