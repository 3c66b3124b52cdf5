"""odeint's compact phase (groups of >= COMPACT_MIN neurons finish their sub-steps on a
gather of the unfinished ones) gives results identical to running every sub-step over the
whole group."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnest import jax_scope
from jaxnest.models import odeint


def _rhs(y, p):
    return {"v": -p["k"] * y["v"] + p["I"], "w": p["k"] * (y["v"] - y["w"])}


def _rhs_aux(y, p, aux):
    return {"v": jnp.where(aux["r"] > 0, 0.0, -p["k"] * y["v"] + p["I"]),
            "w": p["k"] * (y["v"] - y["w"])}


def _on_step(y, aux, p):
    spike = y["v"] > 1.0
    return ({"v": jnp.where(spike, 0.0, y["v"]), "w": y["w"]},
            {"r": jnp.where(spike, 2.0, aux["r"]), "n": aux["n"] + spike})


def _problem(n, n_stiff):
    """n lanes; n_stiff of them stiff (many sub-steps), the rest one sub-step."""
    k = np.full(n, 0.1)
    k[np.arange(n_stiff) * (n // n_stiff)] = np.geomspace(50.0, 5000.0, n_stiff)
    y = {"v": jnp.linspace(0.0, 0.9, n), "w": jnp.zeros(n)}
    p = {"k": jnp.asarray(k), "I": jnp.linspace(0.5, 40.0, n), "unused": jnp.ones(3)}
    return y, p


def _both(monkeypatch, fn, name="COMPACT_MIN", settings=(("compact", 64), ("full", 10**9))):
    """``fn``'s results (host arrays) with odeint's ``name`` at each of ``settings``."""
    out = {}
    for key, limit in settings:
        monkeypatch.setattr(odeint, name, limit)
        with jax_scope():
            out[key] = jax.tree.map(np.asarray, jax.jit(fn)())
    return out


def _evolve_with_events(y, p, n, steps=50):
    """A function running ``steps`` simulation steps of evolve with spike events and a
    refractory counter over ``n`` lanes; returns the final (y, dt, aux)."""
    aux = {"r": jnp.zeros(n), "n": jnp.zeros(n)}

    def run():
        def step(c, _):
            yy, dt, ax = odeint.evolve(_rhs_aux, c[0], p, 0.1, c[1], aux=c[2],
                                       on_step=_on_step, eps_abs=1e-6, eps_rel=1e-6,
                                       a_y=0.0, a_dydt=1.0)
            new = (yy, dt, {"r": jnp.maximum(ax["r"] - 1.0, 0.0), "n": ax["n"]})
            return jax.tree.map(lambda a, b: jnp.asarray(a, b.dtype), new, c), None
        return jax.lax.scan(step, (y, jnp.zeros(n), aux), None, length=steps)[0]
    return run


@pytest.mark.parametrize("n, n_stiff", [(128, 4), (128, 16), (128, 40),  # below, at and
                                         (1024, 5), (1024, 100)])  # above n / 8; 1024:
def test_integrate_identical(monkeypatch, n, n_stiff):  # compacted twice (128, then 16 lanes)
    y, p = _problem(n, n_stiff)
    out = _both(monkeypatch, lambda: odeint.integrate(_rhs, y, p, 0.1, jnp.zeros(n)))
    jax.tree.map(np.testing.assert_array_equal, out["compact"], out["full"])
    assert np.all(out["full"][1][np.asarray(p["k"]) > 1000] < 0.1)  # really sub-stepped


def test_evolve_with_events_identical(monkeypatch):
    y, p = _problem(128, 8)
    out = _both(monkeypatch, _evolve_with_events(y, p, 128))
    jax.tree.map(np.testing.assert_array_equal, out["compact"], out["full"])
    assert out["full"][2]["n"].sum() > 10  # events happened inside the sub-steps
