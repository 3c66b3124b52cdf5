"""Suite-wide collection: the tests listed in tests/slow_tests.txt are marked ``slow`` (outside
the default run; ``-m slow`` runs them)."""
from __future__ import annotations

import pathlib

import pytest

_LIST = pathlib.Path(__file__).with_name("slow_tests.txt")


def _slow_ids() -> set[str]:
    return {ln.strip() for ln in _LIST.read_text().splitlines()
            if ln.strip() and not ln.startswith("#")}


@pytest.hookimpl(tryfirst=True)  # before pytest's own deselection by marker
def pytest_collection_modifyitems(config, items):
    slow = _slow_ids()
    for item in items:
        if item.nodeid in slow:
            item.add_marker(pytest.mark.slow)
