"""Networks that do not fit in memory fail with a NEST-style error before allocating (never
an out-of-memory kill); JAXNEST_MEMORY_LIMIT lowers the budget so that small ones can."""
import pytest

import jaxnest as nest
from jaxnest import errors
from jaxnest.kernel.network import available_memory


def _resident() -> int:
    import os
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_limit_is_a_budget_for_the_whole_process(monkeypatch):
    monkeypatch.setenv("JAXNEST_MEMORY_LIMIT", "64G")
    assert abs(available_memory() - (64 * 2**30 - _resident())) < 64 * 2**20
    monkeypatch.delenv("JAXNEST_MEMORY_LIMIT")
    assert available_memory() > 0


def test_connect_too_large_raises_before_drawing(monkeypatch):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 3000)
    monkeypatch.setenv("JAXNEST_MEMORY_LIMIT", str(_resident() + 100 * 2**20))
    with pytest.raises(errors.OutOfMemory, match=r"9,000,000 connections: they need .* GiB"):
        nest.Connect(n, n)  # 9M connections, ~0.6 GiB
    assert nest.num_connections == 0
    nest.Connect(n[:100], n[:100])  # small ones still fit
    assert nest.num_connections == 10000


def test_simulate_too_large_raises_before_sorting(monkeypatch):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 1200)
    nest.Connect(n, n)  # 1.44M connections
    monkeypatch.setenv("JAXNEST_MEMORY_LIMIT", str(_resident() + 20 * 2**20))
    with pytest.raises(errors.OutOfMemory, match="spike edges of 1,440,000 connections"):
        nest.Simulate(1.0)
    monkeypatch.delenv("JAXNEST_MEMORY_LIMIT")
    nest.Cleanup()  # as after any error inside Simulate (NEST leaves the kernel prepared)
    nest.Simulate(1.0)
