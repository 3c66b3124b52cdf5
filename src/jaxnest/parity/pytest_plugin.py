"""pytest plugin for running NEST's own test files against jaxnest, unchanged.

Load with ``-p jaxnest.parity.pytest_plugin``: it routes ``import nest`` to jaxnest before any
conftest is imported (unless ``JAXNEST_PYTEST_NO_ALIAS`` is set: a baseline under NEST), makes matplotlib headless, limits each test's run time
(``JAXNEST_TEST_TIMEOUT`` seconds, SIGALRM) and, where ``JAXNEST_PYTEST_LOG`` names a file,
appends one JSON line per test phase and per failed collection, so that results survive a run
that is killed for exceeding its time budget.
"""
from __future__ import annotations

import json
import os
import signal

import pytest

from .alias import headless_matplotlib, install_nest_alias

headless_matplotlib()
if not os.environ.get("JAXNEST_PYTEST_NO_ALIAS"):  # set for a baseline run under NEST
    install_nest_alias()

_LOG = os.environ.get("JAXNEST_PYTEST_LOG")
_TIMEOUT = float(os.environ.get("JAXNEST_TEST_TIMEOUT", "0") or 0)


class TestTimeout(Exception):
    """The test ran past JAXNEST_TEST_TIMEOUT seconds."""


def _alarm(signum, frame):
    raise TestTimeout(f"test exceeded {_TIMEOUT:g} s")


def _write(rec: dict) -> None:
    if _LOG:
        with open(_LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")


def _short(longrepr) -> str:
    if longrepr is None:
        return ""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)[:500]
    text = str(longrepr)
    return text.strip().splitlines()[-1][:500] if text.strip() else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    use = _TIMEOUT > 0 and hasattr(signal, "SIGALRM")
    if use:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, _TIMEOUT)
    try:
        yield
    finally:
        if use:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def pytest_runtest_logreport(report):
    _write({"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
            "duration": report.duration, "xfail": hasattr(report, "wasxfail"),
            "message": _short(report.longrepr) if report.outcome != "passed" else ""})


def pytest_collectreport(report):
    if report.outcome == "failed":
        _write({"nodeid": report.nodeid, "when": "collect", "outcome": "failed",
                "duration": 0.0, "xfail": False, "message": _short(report.longrepr)})
