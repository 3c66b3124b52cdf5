"""kernel/fusion.py: a value computed once before the large arrays that read it."""
import jax
import jax.numpy as jnp
import numpy as np

from jaxnest import jaxenv
from jaxnest.kernel.fusion import materialised


def test_materialised_keeps_every_value_and_is_not_fused():
    x = np.array([1.5, -0.0, np.nan, np.inf, -3e-310])
    big = jnp.ones((500, 5))
    with jaxenv.scope():
        f = jax.jit(lambda v, b: b + materialised(v * 2.0))
        out = np.asarray(f(x, big))
        hlo = f.lower(x, big).compile().as_text()
    np.testing.assert_array_equal(out[0], 1.0 + x * 2.0)  # NaN and signed zeros included
    assert np.signbit(np.asarray(jax.jit(materialised)(np.array([-0.0]))))[0]
    assert "conditional" in hlo  # XLA kept the branch: the product is computed once


def test_materialised_pytree_with_masks():
    tree = ({"a": np.array([np.nan, 2.0]), "n": np.array([3, 4], np.int32)},
            np.array([True, False]))
    with jaxenv.scope():
        got = jax.jit(materialised)(tree)
    np.testing.assert_array_equal(got[0]["a"], tree[0]["a"])
    assert got[0]["n"].dtype == np.int32 and list(got[0]["n"]) == [3, 4]
    assert got[1].dtype == np.bool_ and list(got[1]) == [True, False]
