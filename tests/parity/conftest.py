"""Parity fixtures: run one case function under real NEST and under jaxnest (fresh processes)."""
from __future__ import annotations

import pathlib

import pytest

from jaxnest.parity.backends import run_case

CASES = pathlib.Path(__file__).parent / "cases"


@pytest.fixture(scope="session")
def both():
    """``both(file, func, **kwargs) -> (nest_out, jaxnest_out)``; skips without NEST."""
    pytest.importorskip("nest")
    cache = {}

    def run(file: str, func: str = "run", **kwargs):
        key = (file, func, repr(sorted(kwargs.items())))
        if key not in cache:
            path = str(CASES / file)
            cache[key] = (run_case("nest", path, func, **kwargs)[0],
                          run_case("jaxnest", path, func, **kwargs)[0])
        return cache[key]

    return run
