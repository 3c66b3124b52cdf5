"""Host <-> device transfers of small values (kernel/runtime.py): fetches return what
``jax.device_get`` returns, and states the host set reach the chunk as numpy arrays without
changing any result."""
import jax
import numpy as np

import jaxnest as nest
from jaxnest import jaxenv
from jaxnest.kernel import runtime


def test_fetch_equals_device_get():
    with jaxenv.scope():
        values = {"V_m": jax.device_put(np.array([-65.0, -70.5, 3.25])),
                  "count": jax.device_put(np.int32(7)),
                  "flags": jax.device_put(np.array([[True, False], [False, True]])),
                  "h": jax.device_put(np.arange(6.0).reshape(2, 3)),
                  "k": jax.device_put(np.array([1, 2], np.int32))}
        got, want = runtime._fetch(values), jax.device_get(values)
    assert list(got) == list(want)
    for k in want:
        assert got[k].dtype == want[k].dtype and got[k].shape == want[k].shape, k
        assert np.array_equal(got[k], want[k]), k


def _loop(n_iter: int) -> list:
    """hh_phaseplane's pattern: set the state, read it, Simulate one step, read it."""
    nest.ResetKernel()
    nest.resolution = 0.1
    n = nest.Create("hh_psc_alpha", params={"I_e": 100.0})
    nest.Simulate(5.0)
    out = []
    for i in range(n_iter):
        n.set(V_m=-70.0 + 5.0 * i, Act_n=0.3 + 0.01 * i)
        out.append((n.V_m, n.Act_n))
        nest.Simulate(0.1 if i % 3 else 0.0)  # Simulate(0) keeps the host's values
        out.append((n.V_m, n.Act_n, n.Act_m))
    return out


def test_set_simulate_read_is_unchanged_by_the_transfer_path(monkeypatch):
    fast = _loop(6)
    monkeypatch.setattr(runtime, "_STACK_BYTES", 0)  # every value by device_put
    slow = _loop(6)
    assert fast == slow
    assert fast[1][0] == -70.0 and fast[3][0] != fast[2][0]  # Simulate(0) kept, 0.1 moved
