"""odeint's looped stages (small groups with a large right-hand side evaluate the six RKF45
stages in a loop, one copy of the right-hand side in the program) give the unrolled form's
results, sub-step for sub-step."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnest import jax_scope
from jaxnest.models import odeint
from test_odeint_compact import _both, _evolve_with_events, _problem, _rhs


def _looped_and_unrolled(monkeypatch, fn):
    return _both(monkeypatch, fn, "LOOPED_RHS", (("looped", 0), ("unrolled", 10**9)))


def _close(a, b):
    # the same operations in the same order; XLA may contract a product and a sum into one
    # fused multiply-add in one form and not in the other (JAXNEST_FMA=0: identical)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("n, n_stiff", [(8, 2), (40, 10)])
def test_integrate_looped_as_unrolled(monkeypatch, n, n_stiff):
    y, p = _problem(n, n_stiff)
    out = _looped_and_unrolled(monkeypatch,
                               lambda: odeint.integrate(_rhs, y, p, 0.1, jnp.zeros(n)))
    jax.tree.map(_close, out["looped"], out["unrolled"])
    assert np.all(out["unrolled"][1][np.asarray(p["k"]) > 1000] < 0.1)  # really sub-stepped


def test_evolve_looped_as_unrolled(monkeypatch):
    y, p = _problem(16, 4)
    out = _looped_and_unrolled(monkeypatch, _evolve_with_events(y, p, 16))
    jax.tree.map(_close, out["looped"], out["unrolled"])
    np.testing.assert_array_equal(out["looped"][2]["n"], out["unrolled"][2]["n"])
    assert out["unrolled"][2]["n"].sum() > 5  # events happened inside the sub-steps


def test_an_infinite_stage_as_unrolled():
    """A stage whose derivative overflows (k3 = inf here) gives the unrolled form's infinities
    and NaNs in the same places: the step is then rejected alike."""
    def rhs(y, p):
        return jnp.where(y > 1.5, jnp.inf, -y)  # stage 3's point lies past the jump

    y = jnp.ones((2, 3))
    with jax_scope():
        y5, err = jax.jit(lambda: odeint._rkf45_looped(rhs, y, None, jnp.full(3, 8.0)))()
        k1u = rhs(y, None)
        y5u, erru = jax.jit(lambda: odeint.rkf45_step(rhs, y, None, jnp.full(3, 8.0), k1u))()
    np.testing.assert_array_equal(np.isnan(np.asarray(y5)), np.isnan(np.asarray(y5u)))
    np.testing.assert_array_equal(np.asarray(y5), np.asarray(y5u))


def test_which_groups_loop(monkeypatch):
    small, large = jnp.ones((2, 8)), jnp.ones((2, odeint.LOOPED_MAX))
    rhs = lambda y: _rhs({"v": y[0], "w": y[1]}, {"k": 1.0, "I": 0.0})["v"]  # noqa: E731
    assert not odeint._looped(rhs, small)  # a few operations: unrolled
    monkeypatch.setattr(odeint, "LOOPED_RHS", 1)
    assert odeint._looped(rhs, small)
    assert not odeint._looped(rhs, large)
