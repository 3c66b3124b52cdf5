"""A group's state as one flat array per dtype at the chunk call's boundary.

A chunk call pays for each argument and result it passes (docs/performance.md, "Per call"):
dispatch, a host-to-device copy for a value the host set (hh_phaseplane sets four state
variables before each of its 7,000 one-step Simulates), and a copy into the compiled loop. A
hh_psc_alpha neuron has twelve state variables; packed, they cross as one array each way.
The names, shapes and dtypes travel in the pytree's structure, so they are static to the
chunk function; inside it the state is unpacked once before the loop and packed once after.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np


@jax.tree_util.register_pytree_node_class
class Packed:
    """Named arrays stored as one flat array per dtype (``data``), in the order of
    ``layout``: ((name, shape, dtype), ...)."""

    def __init__(self, data: tuple, layout: tuple) -> None:
        self.data, self.layout = data, layout

    def tree_flatten(self):
        return self.data, self.layout

    @classmethod
    def tree_unflatten(cls, layout, data):
        return cls(tuple(data), layout)

    @classmethod
    def of(cls, values: dict, xp=np) -> "Packed":
        """Pack ``values`` (numpy arrays with ``xp=np``, traced ones with ``jnp``)."""
        layout = tuple((k, v.shape, v.dtype.str) for k, v in values.items())
        return cls(_join(values, layout, xp), layout)

    def like(self, values: dict) -> "Packed":
        """``values`` (same names, shapes and dtypes, traced) packed in this layout."""
        return Packed(_join(values, self.layout, jnp), self.layout)

    def unpack(self) -> dict:
        """The named arrays: slices of ``data`` (views on the host, values when traced)."""
        return {k: self.data[i][a:b].reshape(shape) for k, i, a, b, shape in _slots(self.layout)}

    def fetch(self) -> dict:
        """The named arrays on the host (one transfer per dtype)."""
        return Packed(tuple(np.asarray(x) for x in self.data), self.layout).unpack()


def _join(values: dict, layout: tuple, xp) -> tuple:
    flat = {k: v if v.ndim == 1 else v.reshape(-1) for k, v in values.items()}
    dts = _dtypes(layout)
    if len(dts) == 1:
        return (xp.concatenate([flat[k] for k, _, _ in layout]),)
    return tuple(xp.concatenate([flat[k] for k, _, d in layout if d == dt]) for dt in dts)


@functools.lru_cache(maxsize=256)
def _slots(layout: tuple) -> tuple:
    """(name, block, start, stop, shape) of each array of ``layout``."""
    dts, at, out = _dtypes(layout), {}, []
    for k, shape, dt in layout:
        i = dts.index(dt)
        n = math.prod(shape)
        out.append((k, i, at.get(i, 0), at.get(i, 0) + n, shape))
        at[i] = at.get(i, 0) + n
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _dtypes(layout: tuple) -> tuple:
    return tuple(dict.fromkeys(d for _, _, d in layout))


def as_packed(values) -> Packed:
    """``values`` (a Packed, or a dict of device arrays) as a Packed."""
    return values if isinstance(values, Packed) else Packed.of(values, jnp)


def as_dict(values) -> dict:
    """``values`` (a Packed, or a dict) as a dict."""
    return values.unpack() if isinstance(values, Packed) else values
