"""NEST 3.10 connection rules, vectorised in numpy.

``connect(rule, conn_spec, pre, post, rng)`` returns ``(sources, targets)`` as int64 arrays of
node ids. ``pre``/``post`` are the node ids of the two NodeCollections (1-based, possibly
non-contiguous, normally sorted and unique as NodeCollections are).

Order of the returned connections:

* ``all_to_all`` and ``one_to_one``: sorted by source (stable), as NEST's ``GetConnections``
  shows them after a single ``Connect`` on small populations (for each source, targets in the
  order of ``post``; ``one_to_one`` with ``make_symmetric``: the forward and the reverse
  connection of a pair next to each other before the sort).  NEST's own connection sort is
  not stable, so for large populations its within-source order is a permutation of ours.
* ``fixed_indegree``, ``pairwise_bernoulli``, ``symmetric_pairwise_bernoulli``,
  ``pairwise_poisson``: grouped by target, in ``post`` order (NEST's creation order);
  ``pairwise_bernoulli`` and the no-multapse degree rules have ascending source positions
  within each target (source), the others drawing order.
* ``fixed_outdegree``: grouped by source, in ``pre`` order.
* ``fixed_total_number``: in drawing order.

The random streams differ from NEST's by design; the distributions are NEST's (checked
against NEST 3.10 in ``tests/unit/connect/test_rules.py``):

* ``fixed_indegree``/``fixed_outdegree``: per target (source) ``k`` sources (targets) drawn
  uniformly; without multapses a uniform ``k``-subset; without autapses the node itself is
  never drawn.  A Parameter degree is drawn once per target (source) and rounded half away
  from zero; negative values give no connections.
* ``fixed_total_number``: ``N`` (source, target) pairs uniform over all pairs, autapse pairs
  redrawn when autapses are disallowed.  Multapses cannot be disallowed (NEST: NotImplemented).
* ``pairwise_bernoulli``: each (source, target) pair independently with probability ``p``
  (a Parameter ``p`` is drawn per pair; values above 1 always connect, below 0 never).
* ``pairwise_poisson``: a Poisson(``pairwise_avg_num_conns``) number of connections per pair
  (a Parameter is drawn per pair, negative values give 0).
* ``symmetric_pairwise_bernoulli``: per target an indegree ``k ~ Binomial(len(pre), p)``,
  redrawn while ``k >= len(pre)``; ``k`` distinct sources other than the target itself; each
  chosen source ``s`` of target ``t`` gives ``s -> t`` and ``t -> s`` (so with overlapping
  populations the same pair can be chosen from both ends, giving multapses -- as in NEST).

Where NEST 3.10 would loop forever (no-multapse degree larger than the number of nodes
available once autapses are excluded, or no admissible pair at all) we raise BadProperty.
"""

from __future__ import annotations

import numbers

import numpy as np

from jaxnest import errors
from jaxnest.connect.parameters import Parameter

__all__ = ["RULES", "connect"]

RULES = (
    "all_to_all",
    "one_to_one",
    "fixed_indegree",
    "fixed_outdegree",
    "fixed_total_number",
    "pairwise_bernoulli",
    "symmetric_pairwise_bernoulli",
    "pairwise_poisson",
)

_SYMMETRIC_RULES = ("one_to_one", "symmetric_pairwise_bernoulli")

# Memory budget (elements) of one chunk of the per-row work arrays.
_CHUNK_BUDGET = 1 << 24
_PAIR_BUDGET = 1 << 22


# ---------------------------------------------------------------------------------------------
# conn_spec parsing, with NEST's error types and messages
# ---------------------------------------------------------------------------------------------
def _nest_type(value) -> str:
    """The C++ type name NEST reports for a Python value it could not cast."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "long"
    if isinstance(value, numbers.Real):
        return "double"
    if isinstance(value, str):
        return "std::string"
    if isinstance(value, Parameter):
        return "std::shared_ptr<nest::Parameter>"
    if isinstance(value, list | tuple | np.ndarray):
        arr = np.asarray(value)
        elem = "long" if arr.dtype.kind in "iu" else "double"
        return f"std::vector<{elem}, std::allocator<{elem}> >"
    if isinstance(value, dict):
        return "DictionaryDatum"
    return type(value).__name__


def _cast_error(key: str, value, target: str) -> errors.TypeMismatch:
    dot = "." if target == "double" else ""
    return errors.TypeMismatch(
        f"Expected datatype: Failed to cast '{key}' from {_nest_type(value)} to type {target}{dot}")


def _check_known_types(spec: dict) -> None:
    """PyNEST's dictionary conversion rejects values of unknown type (e.g. None)."""
    ok = (bool, np.bool_, numbers.Real, str, Parameter, list, tuple, np.ndarray, dict)
    for key, value in spec.items():
        if not isinstance(value, ok):
            raise AttributeError(
                f"when converting Python Dictionary: value of key ({key}) is not a known type, "
                f"got {type(value)}")


class _Spec:
    """conn_spec with NEST's typed reads and tracking of unaccessed entries."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.accessed: set[str] = set()

    def _get(self, key, default):
        if key in self.spec:
            self.accessed.add(key)
            return self.spec[key]
        if default is _REQUIRED:
            raise IndexError("map::at")  # NEST's message for a missing rule parameter
        return default

    def get_bool(self, key, default):
        value = self._get(key, default)
        if not isinstance(value, bool | np.bool_):
            raise _cast_error(key, value, "bool")
        return bool(value)

    def get_long(self, key, default=None, allow_parameter=False):
        value = self._get(key, _REQUIRED if default is None else default)
        if allow_parameter and isinstance(value, Parameter):
            return value
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise _cast_error(key, value, "long")
        return int(value)

    def get_double(self, key, default=None, allow_parameter=False):
        value = self._get(key, _REQUIRED if default is None else default)
        if allow_parameter and isinstance(value, Parameter):
            return value
        if not isinstance(value, numbers.Real | np.bool_):
            raise _cast_error(key, value, "double")
        return float(value)

    def check_all_accessed(self):
        left = sorted(k for k in self.spec if k not in self.accessed)
        if left:
            raise errors.UnaccessedDictionaryEntry(
                "Unaccessed elements in conn_spec, in function Connect: "
                + "".join(" " + k for k in left))


_REQUIRED = object()


def _needs_spatial(rule, spec: dict) -> bool:
    """PyNEST routes these conn_specs to the spatial ConnectLayers path."""
    if any(isinstance(v, Parameter) and v.is_spatial() for v in spec.values()):
        return True
    r = str(rule)
    if "mask" in spec or "use_on_source" in spec:
        return True
    if "p" in spec and "pairwise_bernoulli" not in r:
        return True
    if "pairwise_avg_num_conns" in spec and "pairwise_poisson" not in r:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _as_ids(x) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.int64).ravel())


def _positions_in(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Index of each value in ``pool`` (unique ids), or -1 where absent."""
    if values.size == 0 or pool.size == 0:
        return np.full(values.shape, -1, dtype=np.int64)
    order = np.argsort(pool, kind="stable")
    spool = pool[order]
    i = np.searchsorted(spool, values)
    i = np.minimum(i, spool.size - 1)
    found = spool[i] == values
    return np.where(found, order[i], -1).astype(np.int64)


def _is_sorted(a: np.ndarray) -> bool:
    return a.size < 2 or bool(np.all(a[1:] >= a[:-1]))


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """C++ ``std::round``: halves away from zero; negatives clipped to 0 (no connections)."""
    r = np.sign(x) * np.floor(np.abs(x) + 0.5)
    r = np.where(np.isfinite(r), r, 0.0)
    return np.maximum(r, 0).astype(np.int64)


def _col_dtype(width: int):
    return np.int32 if width < 2**31 - 2 else np.int64


def _draw_with_replacement(k: np.ndarray, n_avail: np.ndarray, excl: np.ndarray, rng):
    """Per row ``r``, ``k[r]`` uniform draws (with replacement) from ``[0, pool)`` minus
    ``excl[r]`` (``excl[r] == pool`` means nothing is excluded).

    Returns (rows, cols) grouped by row in row order.
    """
    rows = np.repeat(np.arange(k.size, dtype=np.int64), k)
    if rows.size == 0:
        return rows, rows.copy()
    width = int(n_avail.max())
    dt = _col_dtype(width)
    if np.all(n_avail == width):
        cols = rng.integers(0, width, size=rows.size, dtype=dt)
    else:
        cols = rng.integers(0, n_avail[rows].astype(dt), dtype=dt)
    if np.any(excl < n_avail):  # some row skips an index inside its pool
        cols += cols >= excl[rows].astype(dt)
    return rows, cols


def _draw_distinct(k: np.ndarray, n_avail: np.ndarray, excl: np.ndarray, rng):
    """Per row ``r`` a uniform random ``k[r]``-subset of ``[0, pool)`` minus ``excl[r]``.

    Requires ``k <= n_avail``.  Returns (rows, cols) grouped by row in row order, cols
    ascending within each row.
    """
    k = np.asarray(k, dtype=np.int64)
    n_avail = np.asarray(n_avail, dtype=np.int64)
    if k.size == 0 or int(k.sum()) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy()
    # Dense subsets: draw the (smaller) complement instead.
    complement = bool(np.sum(n_avail - k) < np.sum(k))
    m = n_avail - k if complement else k
    width = int(n_avail.max())
    M = int(m.max())
    chunk = max(1, _CHUNK_BUDGET // max(width if complement else M, 1))
    out_rows, out_cols = [], []
    for r0 in range(0, k.size, chunk):
        r1 = min(k.size, r0 + chunk)
        rows, cols = _distinct_chunk(m[r0:r1], n_avail[r0:r1], width, rng)
        if complement:
            rc = r1 - r0
            taken = np.zeros((rc, width), dtype=bool)
            taken[rows, cols] = True
            sel = ~taken
            nc = n_avail[r0:r1]
            if not np.all(nc == width):
                sel &= np.arange(width)[None, :] < nc[:, None]
            rows, cols = np.nonzero(sel)
        out_rows.append(rows.astype(np.int64) + r0)
        out_cols.append(cols)
    rows = np.concatenate(out_rows)
    cols = np.concatenate(out_cols)
    if np.any(excl < n_avail):  # some row skips an index inside its pool
        cols += cols >= excl[rows].astype(cols.dtype)
    return rows, cols


def _distinct_chunk(m, n, width, rng):
    """Uniform ``m[r]``-subsets of ``[0, n[r])`` for the rows of one chunk.

    All draws are made at once into a row-sorted matrix; draws that repeat a value of their
    row (or fall outside ``[0, n[r])``) are redrawn, in vectorised rounds, against the set
    accepted so far.  The procedure treats all values alike, so every subset is equally
    likely.
    """
    R, M = m.size, int(m.max())
    dt = _col_dtype(width + 1)
    big = np.iinfo(dt).max
    mat = rng.integers(0, width, size=(R, M), dtype=dt)
    jj = np.arange(M)[None, :]
    if not np.all(m == M):
        mat[jj >= m[:, None]] = big  # padding, sorts last
    mat.sort(axis=1)
    good = mat < n[:, None].astype(dt)
    good[:, 1:] &= mat[:, 1:] != mat[:, :-1]
    # keys row * width + col of the good draws: sorted (row-major, ascending cols)
    keys = (np.arange(R, dtype=np.int64)[:, None] * width + mat)[good]
    pending = m - np.count_nonzero(good, axis=1)
    prow = np.repeat(np.arange(R, dtype=np.int64), pending)
    extra = np.empty(0, dtype=np.int64)  # accepted redraws, sorted
    while prow.size:
        c = rng.integers(0, n[prow], dtype=np.int64)
        new = prow * width + c
        order = np.argsort(new, kind="stable")
        new = new[order]
        ok = np.ones(new.size, dtype=bool)
        ok[1:] = new[1:] != new[:-1]
        for have in (keys, extra):
            if have.size:
                pos = np.minimum(np.searchsorted(have, new), have.size - 1)
                ok &= have[pos] != new
        extra = np.sort(np.concatenate((extra, new[ok])), kind="stable")
        prow = new[~ok] // width
    if extra.size:  # merge of two sorted runs
        keys = np.sort(np.concatenate((keys, extra)), kind="stable")
    rows, cols = np.divmod(keys, width)
    return rows, cols.astype(dt)


def _exclusions(rows_ids: np.ndarray, pool: np.ndarray, allow_autapses: bool):
    """(excl, n_avail) per row: the row node's own index in ``pool`` (or ``len(pool)``)."""
    P = pool.size
    if allow_autapses:
        excl = np.full(rows_ids.size, P, dtype=np.int64)
    else:
        pos = _positions_in(rows_ids, pool)
        excl = np.where(pos >= 0, pos, P).astype(np.int64)
    n_avail = P - (excl < P).astype(np.int64)
    return excl, n_avail


# ---------------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------------
def _all_to_all(pre, post, autapses):
    src_nodes = pre if _is_sorted(pre) else np.sort(pre, kind="stable")
    src = np.repeat(src_nodes, post.size)
    tgt = np.tile(post, src_nodes.size)
    if not autapses:
        keep = src != tgt
        src, tgt = src[keep], tgt[keep]
    return src, tgt


def _one_to_one(pre, post, autapses, symmetric):
    src, tgt = pre, post
    if not autapses:
        keep = src != tgt
        src, tgt = src[keep], tgt[keep]
    if symmetric:
        s2 = np.empty(2 * src.size, dtype=np.int64)
        t2 = np.empty_like(s2)
        s2[0::2], s2[1::2] = src, tgt
        t2[0::2], t2[1::2] = tgt, src
        src, tgt = s2, t2
    if not _is_sorted(src):
        order = np.argsort(src, kind="stable")
        src, tgt = src[order], tgt[order]
    return src.copy(), tgt.copy()


def _degree_values(degree, n_rows, rng):
    if isinstance(degree, Parameter):
        return _round_half_away(np.asarray(degree.sample(rng, n_rows), dtype=np.float64))
    return np.full(n_rows, degree, dtype=np.int64)


def _fixed_degree(rows_ids, pool, degree, autapses, multapses, rng, what):
    """Shared by fixed_indegree (rows = targets, pool = sources) and fixed_outdegree."""
    k = _degree_values(degree, rows_ids.size, rng)
    excl, n_avail = _exclusions(rows_ids, pool, autapses)
    if multapses:
        if np.any((k > 0) & (n_avail == 0)):
            raise errors.BadProperty(
                f"{what} cannot be satisfied: the only available node is excluded as an autapse.")
        return _draw_with_replacement(k, n_avail, excl, rng)
    if np.any(k > n_avail):
        if np.any(k > pool.size):
            raise errors.BadProperty(f"{what} cannot be larger than population size.")
        raise errors.BadProperty(
            f"{what} cannot be larger than population size (excluding autapses).")
    return _draw_distinct(k, n_avail, excl, rng)


def _fixed_total_number(pre, post, N, autapses, rng):
    S, T = pre.size, post.size
    if N == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy()
    if not autapses:
        n_common = int(np.count_nonzero(_positions_in(post, pre) >= 0))
        if S * T - n_common <= 0:
            raise errors.BadProperty(
                "Total number of connections cannot be realised without autapses.")
    si = rng.integers(0, S, size=N, dtype=np.int64)
    ti = rng.integers(0, T, size=N, dtype=np.int64)
    src, tgt = pre[si], post[ti]
    if not autapses:
        bad = np.flatnonzero(src == tgt)
        while bad.size:
            si = rng.integers(0, S, size=bad.size, dtype=np.int64)
            ti = rng.integers(0, T, size=bad.size, dtype=np.int64)
            src[bad], tgt[bad] = pre[si], post[ti]
            bad = bad[src[bad] == tgt[bad]]
    return src, tgt


def _pair_chunks(post, pre, autapses):
    """Yield (t0, t1, autapse_flat) over chunks of targets.

    ``autapse_flat`` holds the flat indices ``(t - t0) * len(pre) + s`` of the autapse pairs
    of the chunk that must be left out (None when there are none).
    """
    S = pre.size
    chunk = max(1, _PAIR_BUDGET // max(S, 1))
    pos = None if autapses else _positions_in(post, pre)
    for t0 in range(0, post.size, chunk):
        t1 = min(post.size, t0 + chunk)
        aut = None
        if pos is not None:
            p = pos[t0:t1]
            has = np.flatnonzero(p >= 0)
            if has.size:
                aut = has * S + p[has]
        yield t0, t1, aut


def _drop_flat(flat, aut, *others):
    """Remove from sorted flat indices ``flat`` (and aligned arrays) those listed in ``aut``."""
    if aut is None or flat.size == 0:
        return (flat, *others)
    keep = ~np.isin(flat, aut, assume_unique=False)
    return (flat[keep], *(o[keep] for o in others))


def _pairwise_bernoulli(pre, post, p, autapses, rng):
    S = pre.size
    if isinstance(p, Parameter):
        rows_l, cols_l = [], []
        for t0, t1, aut in _pair_chunks(post, pre, autapses):
            n = (t1 - t0) * S
            pv = np.asarray(p.sample(rng, n), dtype=np.float64)
            (flat,) = _drop_flat(np.flatnonzero(rng.random(n) < pv), aut)
            rr, cc = np.divmod(flat, S)
            rows_l.append(rr + t0)
            cols_l.append(cc)
        rows = np.concatenate(rows_l) if rows_l else np.empty(0, np.int64)
        cols = np.concatenate(cols_l) if cols_l else np.empty(0, np.int64)
        return pre[cols], post[rows]
    excl, n_avail = _exclusions(post, pre, autapses)
    k = rng.binomial(n_avail, p).astype(np.int64)
    rows, cols = _draw_distinct(k, n_avail, excl, rng)
    return pre[cols], post[rows]


def _pairwise_poisson(pre, post, avg, autapses, rng):
    S = pre.size
    if isinstance(avg, Parameter):
        rows_l, cols_l = [], []
        for t0, t1, aut in _pair_chunks(post, pre, autapses):
            n = (t1 - t0) * S
            lam = np.asarray(avg.sample(rng, n), dtype=np.float64)
            flat, cnt = _poisson_counts(lam, rng)
            flat, cnt = _drop_flat(flat, aut, cnt)
            rr, cc = np.divmod(flat, S)
            rows_l.append(np.repeat(rr + t0, cnt))
            cols_l.append(np.repeat(cc, cnt))
        rows = np.concatenate(rows_l) if rows_l else np.empty(0, np.int64)
        cols = np.concatenate(cols_l) if cols_l else np.empty(0, np.int64)
        return pre[cols], post[rows]
    excl, n_avail = _exclusions(post, pre, autapses)
    # Poisson(n * avg) connections per target spread uniformly over its n admissible sources
    # is the same as an independent Poisson(avg) number for every pair.
    k = rng.poisson(n_avail * avg).astype(np.int64)
    rows, cols = _draw_with_replacement(k, n_avail, excl, rng)
    return pre[cols], post[rows]


def _poisson_counts(lam: np.ndarray, rng):
    """Poisson(lam) counts for an array of rates, returned sparse: (flat indices, counts) of
    the non-zero counts, indices ascending.  Rates <= 0 (or nan) give 0.

    Small rates by inversion of the CDF with one uniform each (most counts are 0 and cost
    one comparison); large rates with numpy's Poisson sampler.
    """
    u = rng.random(lam.shape)
    p0 = np.exp(-lam)  # > 1 for negative rates: never exceeded by u
    large = lam > 10.0
    idx = np.flatnonzero(u >= p0)
    if np.any(large):
        idx = np.union1d(idx, np.flatnonzero(large))
    cnt = np.zeros(idx.size, dtype=np.int64)
    lam_i = lam[idx]
    big = lam_i > 10.0
    if np.any(big):
        cnt[big] = rng.poisson(lam_i[big])
    todo = np.flatnonzero(~big)
    uu, ll, p = u[idx[todo]], lam_i[todo], p0[idx[todo]]
    F = p.copy()
    k = 0
    while todo.size:
        k += 1
        p = p * ll / k
        F += p
        done = (uu < F) | (k >= 100)  # k >= 100 only by round-off, P ~ 1e-60 for lam <= 10
        cnt[todo[done]] = k
        keep = ~done
        todo, uu, ll, p, F = todo[keep], uu[keep], ll[keep], p[keep], F[keep]
    nz = cnt > 0
    return idx[nz], cnt[nz]


def _symmetric_pairwise_bernoulli(pre, post, p, rng):
    S = pre.size
    k = rng.binomial(S, p, size=post.size).astype(np.int64)
    redo = np.flatnonzero(k >= S)
    while redo.size:  # p < 1, so this ends
        k[redo] = rng.binomial(S, p, size=redo.size)
        redo = redo[k[redo] >= S]
    excl, n_avail = _exclusions(post, pre, False)
    rows, cols = _draw_distinct(k, n_avail, excl, rng)
    s, t = pre[cols], post[rows]
    src = np.empty(2 * s.size, dtype=np.int64)
    tgt = np.empty_like(src)
    src[0::2], src[1::2] = s, t
    tgt[0::2], tgt[1::2] = t, s
    return src, tgt


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------
def connect(rule: str | None, conn_spec: dict | None, pre, post,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Connections of ``rule`` from node ids ``pre`` to node ids ``post``.

    ``conn_spec`` is the PyNEST conn_spec dict (a ``'rule'`` entry in it is allowed and used
    when ``rule`` is None) or a rule name.  ``rng`` is a numpy Generator (anything else is
    passed to ``np.random.default_rng``).  Returns ``(sources, targets)``, int64 arrays of
    equal length.  Validates like NEST 3.10 and raises NEST's error types with NEST's
    messages.
    """
    if isinstance(conn_spec, str):  # PyNEST's Connect(pre, post, "all_to_all")
        rule, conn_spec = (conn_spec if rule is None else rule), None
    spec = dict(conn_spec or {})
    if rule is None:
        rule = spec["rule"]  # KeyError('rule'), as PyNEST
    spec.pop("rule", None)

    if _needs_spatial(rule, spec):
        raise TypeError("Presynaptic NodeCollection must have spatial information")
    _check_known_types(spec)

    pre = _as_ids(pre)
    post = _as_ids(post)
    if pre.size == 0:
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\n"
            "Presynaptic nodes cannot be an empty NodeCollection")
    if post.size == 0:
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\n"
            "Postsynaptic nodes cannot be an empty NodeCollection")

    if not isinstance(rule, str):
        raise _cast_error("rule", rule, "std::string")
    if rule not in RULES:
        raise errors.BadProperty(f"Unknown connectivity rule: {rule}")

    sp = _Spec(spec)
    autapses = sp.get_bool("allow_autapses", True)
    multapses = sp.get_bool("allow_multapses", True)
    symmetric = sp.get_bool("make_symmetric", False)

    # rule-specific parameters, validated in NEST's order
    if rule == "one_to_one":
        if pre.size != post.size:
            raise errors.DimensionMismatch("Source and Target population must be of the same size.")
    elif rule in ("fixed_indegree", "fixed_outdegree"):
        key, what = (("indegree", "Indegree") if rule == "fixed_indegree"
                     else ("outdegree", "Outdegree"))
        pool = pre if rule == "fixed_indegree" else post
        degree = sp.get_long(key, allow_parameter=True)
        if not isinstance(degree, Parameter):
            if degree < 0:
                raise errors.BadProperty(f"{what} cannot be less than zero.")
            if not multapses and degree > pool.size:
                raise errors.BadProperty(f"{what} cannot be larger than population size.")
    elif rule == "fixed_total_number":
        N = sp.get_long("N")
        if N < 0:
            raise errors.BadProperty("Total number of connections cannot be negative.")
        if not multapses:
            if N > pre.size * post.size:
                raise errors.BadProperty(
                    "Total number of connections cannot exceed product of source and target "
                    "population sizes.")
            raise errors.NotImplemented(
                "Connect doesn't support the suppression of multapses in the FixedTotalNumber "
                "connector.")
    elif rule == "pairwise_bernoulli":
        p = sp.get_double("p", allow_parameter=True)
        if not isinstance(p, Parameter) and not 0.0 <= p <= 1.0:
            raise errors.BadProperty("Connection probability 0 <= p <= 1 required.")
    elif rule == "symmetric_pairwise_bernoulli":
        p = sp.get_double("p")
        if not 0.0 <= p < 1.0:
            raise errors.BadProperty("Connection probability 0 <= p < 1 required.")
        if autapses:
            raise errors.BadProperty("Autapses must be disabled.")
        if not multapses:
            raise errors.BadProperty("Multapses must be enabled.")
        if not symmetric:
            raise errors.BadProperty("Symmetric connections must be enabled.")
    elif rule == "pairwise_poisson":
        avg = sp.get_double("pairwise_avg_num_conns", allow_parameter=True)
        if not isinstance(avg, Parameter) and not avg >= 0.0:
            raise errors.BadProperty("Connection parameter 0 ≤ pairwise_avg_num_conns required.")
        if not multapses:
            raise errors.BadProperty("Multapses must be allowed for this connection rule.")

    sp.check_all_accessed()
    if symmetric and rule not in _SYMMETRIC_RULES:
        raise errors.NotImplemented("This connection rule does not support symmetric connections.")

    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)

    if rule == "all_to_all":
        src, tgt = _all_to_all(pre, post, autapses)
    elif rule == "one_to_one":
        src, tgt = _one_to_one(pre, post, autapses, symmetric)
    elif rule == "fixed_indegree":
        rows, cols = _fixed_degree(post, pre, degree, autapses, multapses, rng, "Indegree")
        src, tgt = pre[cols], post[rows]
    elif rule == "fixed_outdegree":
        rows, cols = _fixed_degree(pre, post, degree, autapses, multapses, rng, "Outdegree")
        src, tgt = pre[rows], post[cols]
    elif rule == "fixed_total_number":
        src, tgt = _fixed_total_number(pre, post, N, autapses, rng)
    elif rule == "pairwise_bernoulli":
        src, tgt = _pairwise_bernoulli(pre, post, p, autapses, rng)
    elif rule == "symmetric_pairwise_bernoulli":
        src, tgt = _symmetric_pairwise_bernoulli(pre, post, p, rng)
    else:  # pairwise_poisson
        src, tgt = _pairwise_poisson(pre, post, avg, autapses, rng)
    return (np.ascontiguousarray(src, dtype=np.int64),
            np.ascontiguousarray(tgt, dtype=np.int64))
