"""NEST 3.10's TripartiteConnect: a primary projection pre -> post, and for each primary
connection, with probability ``p``, a third-factor node ``a`` (astrocyte) with the
connections pre -> a (``third_in``) and a -> post (``third_out``).

The only third-factor rule NEST 3.10 has is ``third_factor_bernoulli_with_pool``:

- ``p`` (default 1): probability that a primary connection gets a third factor;
- ``pool_size`` (default: all third-factor nodes): each target draws its third factors from a
  pool of this many nodes, fixed at its first third-factor connection;
- ``pool_type`` ``"random"`` (default): the pool is a uniform ``pool_size``-subset of the
  third-factor nodes (kept in their order); ``"block"``: target i (position in ``post``) gets
  nodes ``i * pool_size ...`` (pool_size > 1, needs ``len(post) * pool_size == len(third)``)
  or node ``i // (len(post) // len(third))`` (pool_size 1, needs ``len(post)`` a multiple of
  ``len(third)``);
- each third-factor connection picks its node uniformly from the target's pool.

The random streams are jaxnest's (numpy), not NEST's; the distributions are NEST's. One pair
gets one third factor however many collocated primary synapses it has. Connections are created
primary first, then third_out, then third_in (NEST interleaves primary and third_out).
"""
from __future__ import annotations

import numpy as np

from .. import errors
from . import rules

SYN_KEYS = ("primary", "third_in", "third_out")
THIRD_RULES = ("third_factor_bernoulli_with_pool",)


def normalize_syn_specs(syn_specs, collocated) -> dict:
    """PyNEST's normalisation: every key present (static_synapse by default), a model name or
    a dict becomes a CollocatedSynapses (``collocated``: the API's class); parameter lists are
    refused (ValueError, as PyNEST)."""
    syn_specs = dict(syn_specs) if syn_specs is not None else {}
    for key in SYN_KEYS:
        spec = syn_specs.get(key, {"synapse_model": "static_synapse"})
        if isinstance(spec, str):
            spec = {"synapse_model": spec}
        if not isinstance(spec, collocated):
            spec = collocated(spec)
        for one in spec.syn_specs:
            for entry, value in one.items():
                if isinstance(value, (list, tuple, np.ndarray)):
                    raise ValueError(f"Tripartite connections do not accept parameter lists,"
                                     f"but 'syn_specs[{key}][{entry}]' is a list or similar.")
        syn_specs[key] = spec
    for key, spec in syn_specs.items():
        if not isinstance(spec, collocated):  # PyNEST passes other keys on and fails there
            raise AttributeError(f"'{type(spec).__name__}' object has no attribute 'syn_specs'")
    return syn_specs


def _pool_spec(third_spec: dict, n_post: int, n_third: int) -> tuple[float, int, bool]:
    """(p, pool_size, random pool) with NEST's checks, in its order."""
    p = third_spec.get("p", 1.0)
    size = third_spec.get("pool_size", n_third)
    if isinstance(size, (float, np.floating)):
        raise errors.TypeMismatch("Expected datatype: Failed to cast 'pool_size' from double to "
                                  "type long")
    size = int(size)
    if size < 1 or n_third < size:
        raise errors.BadProperty("Pool size 1 ≤ pool_size ≤ size of third-factor population "
                                 "required")
    random_pool = True
    if "pool_type" in third_spec:
        kind = third_spec["pool_type"]
        if kind not in ("random", "block"):
            raise errors.BadProperty("pool_type must be 'random' or 'block'")
        random_pool = kind == "random"
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise errors.BadProperty("Conditional probability of third-factor connection 0 ≤ "
                                 "p_third_if_primary ≤ 1 required")
    if not (random_pool or n_post * size == n_third
            or (size == 1 and n_post % n_third == 0)):
        raise errors.BadProperty(
            "The sizes of target and third-factor populations and the chosen pool size do not "
            "fit. If pool_size == 1, the target population size must be a multiple of the "
            "third-factor population size. For pool_size > 1, size(targets) * pool_size == "
            "size(third factor) is required. For all other cases, use random pools.")
    return p, size, random_pool


def check(pre, post, third, conn_spec, third_spec) -> tuple[float, int, bool]:
    """NEST's connect_tripartite checks before any connection is made."""
    if not isinstance(conn_spec, dict):
        raise AttributeError(f"'{type(conn_spec).__name__}' object has no attribute 'items'")
    if not isinstance(third_spec, dict):
        raise AttributeError(f"'{type(third_spec).__name__}' object has no attribute 'items'")
    why = "Creation of connection is not possible because:\n"
    for ids, what in ((pre, "Presynaptic"), (post, "Postsynaptic"), (third, "Third-factor")):
        if ids.size == 0:
            raise errors.IllegalConnection(f"{why}{what} nodes cannot be an empty "
                                           "NodeCollection")
    if "rule" not in conn_spec:
        raise errors.BadProperty("The connection specification must contain a connection rule.")
    if "rule" not in third_spec:
        raise errors.BadProperty("The third-factor connection specification must contain a "
                                 "connection rule.")
    if third_spec["rule"] not in THIRD_RULES:
        raise errors.IllegalConnection(f"{why}Unknown third-factor connection rule "
                                       f"'{third_spec['rule']}'.")
    pool = _pool_spec(third_spec, post.size, third.size)
    if conn_spec["rule"] not in rules.RULES:
        raise errors.IllegalConnection(f"{why}Unknown connection rule '{conn_spec['rule']}'.")
    if conn_spec.get("make_symmetric", False):
        raise errors.BadProperty("Third-factor connectivity cannot be used with "
                                 "'make_symmetric == True'.")
    if "mask" in conn_spec or "use_on_source" in conn_spec:
        raise errors.NotImplemented("TripartiteConnect with a spatial conn_spec (mask) is not "
                                    "supported by jaxnest yet.")
    return pool


def draw_third(src, tgt, post, third, p, size, random_pool, rng) -> tuple:
    """For primary connections (src, tgt): which get a third factor, and which node.
    Returns (mask over the pairs, third-factor node id of each selected pair)."""
    chosen = rng.random(src.size) < p
    sorter = np.argsort(post, kind="stable")
    pos = sorter[np.searchsorted(post, tgt, sorter=sorter)]  # target position in post
    users, inv = np.unique(pos[chosen], return_inverse=True)
    if random_pool:  # a uniform subset per target, in the third-factor nodes' order
        pools = np.empty((users.size, size), np.int64)
        for i in range(users.size):
            pools[i] = np.sort(rng.choice(third.size, size, replace=False))
    elif size > 1:
        pools = users[:, None] * size + np.arange(size)[None]
    else:
        pools = (users // (post.size // third.size))[:, None]
    pick = rng.integers(0, size, inv.size) if size > 1 else np.zeros(inv.size, np.int64)
    return chosen, third[pools[inv, pick]]


def connect(kernel, pre, post, third, conn_spec, third_spec, syn_specs, connect_fn,
            collocated) -> None:
    """TripartiteConnect on node-id arrays; ``connect_fn(kernel, pre, post, conn_spec,
    syn_spec)`` is the API's Connect of id arrays (its delay checks and bookkeeping)."""
    p, size, random_pool = check(pre, post, third, conn_spec, third_spec)
    from ..kernel.connections import _resolve_syn_spec
    for key in SYN_KEYS:  # unknown models and keys before any connection, as NEST
        for one in syn_specs[key].syn_specs:
            _resolve_syn_spec(kernel, one)

    def one_or_all(key):
        specs = syn_specs[key].syn_specs
        return specs[0] if len(specs) == 1 else collocated(*specs)

    first = len(kernel.network.conns)
    connect_fn(kernel, pre, post, dict(conn_spec), one_or_all("primary"))
    n_pairs = (len(kernel.network.conns) - first) // len(syn_specs["primary"].syn_specs)
    if n_pairs == 0:
        return
    cols = kernel.network.conns.cols
    src = np.asarray(cols["source"][first:first + n_pairs], np.int64)
    tgt = np.asarray(cols["target"][first:first + n_pairs], np.int64)
    chosen, node = draw_third(src, tgt, post, third, p, size, random_pool, kernel.rng)
    if not chosen.any():
        return
    one = {"rule": "one_to_one"}
    connect_fn(kernel, node, tgt[chosen], one, one_or_all("third_out"))
    connect_fn(kernel, src[chosen], node, one, one_or_all("third_in"))
