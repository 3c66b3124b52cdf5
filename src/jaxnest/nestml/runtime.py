"""What the Python source that jaxnest's NESTML target generates calls at run time.

A generated module defines, per NESTML neuron, plain functions over dicts of arrays
(``P`` parameters, ``V`` internals, ``S`` state, ``B`` input buffers) and builds a
:class:`jaxnest.models.base.NeuronModel` from them with :func:`neuron_model`. Control flow of
the NESTML ``update``/``onReceive``/``onCondition`` blocks is vectorised over neurons with
masks: an assignment under a condition keeps the old value where the condition is false.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from .. import errors
from ..models.base import NeuronModel
from ..models.iaf_psc import IafModel, ms_to_steps
from ..models.odeint import evolve
from ..timebase import of_params

_E = math.e
_PI = math.pi
_INF = math.inf


def xp_of(*trees):
    """numpy for concrete host values (internals computed as the C++ code computes them, with
    libm-like results), jax.numpy under tracing."""
    for t in trees:
        for leaf in jax.tree_util.tree_leaves(t):
            if isinstance(leaf, jax.core.Tracer):
                return jnp
    return np


def _w(mask, new, old):
    """``new`` where the (NESTML ``if``) mask holds, ``old`` elsewhere; no mask: ``new``."""
    if mask is None:
        return new
    return jnp.where(mask, new, old)


def _and(mask, cond):
    return cond if mask is None else jnp.logical_and(mask, cond)


def _andnot(mask, cond):
    c = jnp.logical_not(cond)
    return c if mask is None else jnp.logical_and(mask, c)


class _LazyInternals(dict):
    """Internals while state initial values are evaluated (NEST-NESTML's constructor): computed
    on access from the parameters and the state values defined so far (some models derive
    gating variables' initial values from internals over V_m)."""

    def __init__(self, fn, P, h, xp, S):
        super().__init__()
        self._args = (fn, P, h, xp, S)

    def __getitem__(self, key):
        fn, P, h, xp, S = self._args
        try:
            return fn(P, h, xp, S)[key]
        except KeyError as e:
            from .errors import unsupported
            unsupported(f"internal '{key}' that needs state variable {e} before it is defined")


def _at(xp, vector, index):
    """NESTML's ``x[i]`` of a vector parameter: ``vector`` is (width, n) (NaN past each
    neuron's size), ``index`` per neuron. An index outside the vector reads NaN (NEST-NESTML
    reads past its std::vector: undefined)."""
    vector = xp.asarray(vector)
    k = xp.broadcast_to(xp.asarray(index), vector.shape[1:]).astype(np.int64)
    inside = (k >= 0) & (k < vector.shape[0])
    got = xp.take_along_axis(vector, xp.clip(k, 0, vector.shape[0] - 1)[None], axis=0)[0]
    return xp.where(inside, got, np.nan)


def _vector(size, value):
    """A vector parameter's default: ``size`` copies of ``value`` (NEST-NESTML's
    ``resize(N, value)`` in the constructor)."""
    return (float(value),) * int(size)


def _while(cond, body, S, L, spike, mask):
    """NESTML's ``while cond: body`` over neurons: each neuron repeats ``body`` while its
    ``cond(S, L)`` holds (within ``mask``, the enclosing conditions), as its C++ loop would;
    the loop ends when no neuron goes on (a neuron that left does not come back).
    ``body(S, L, spike, go)`` runs the statements masked by ``go``. State, locals and
    ``spike`` are the loop's carry, with the dtypes and (neurons') shapes they had before."""
    go = _and(mask, cond(S, L))

    def typed(x, like=None):
        like = jnp.asarray(x) if like is None else like
        return jnp.broadcast_to(jnp.asarray(x, dtype=like.dtype),
                                jnp.broadcast_shapes(jnp.shape(like), jnp.shape(go)))

    carry = jax.tree_util.tree_map(typed, (dict(S), dict(L), spike))

    def step(c):
        state, go = c
        new = body(dict(state[0]), dict(state[1]), state[2], go)
        new = jax.tree_util.tree_map(typed, new, state)
        return new, jnp.logical_and(go, cond(new[0], new[1]))

    (S, L, spike), _ = jax.lax.while_loop(lambda c: jnp.any(c[1]), step, (carry, go))
    return S, L, spike


def _poisson(u, mu):
    """NESTML's ``random_poisson(mu)``: a Poisson(mu) count from the uniform ``u`` (NEST's
    poisson_distribution; the same distribution, not the same numbers)."""
    from ..models.gif_pop import poisson
    return poisson(u, jnp.asarray(mu, jnp.float64))


def _max(xp, a, b):
    """C++'s ``std::max(a, b)``: ``a < b ? b : a`` (NaN in b gives a)."""
    return xp.where(a < b, b, a)


def _min(xp, a, b):
    """C++'s ``std::min(a, b)``: ``b < a ? b : a``."""
    return xp.where(b < a, b, a)


def _round(xp, x):
    """C's ``std::round``: halves away from zero."""
    return xp.sign(x) * xp.floor(xp.abs(x) + 0.5)


def _erf(xp, x):
    return jax.scipy.special.erf(x) if xp is jnp else np.vectorize(math.erf)(x)


def _erfc(xp, x):
    return jax.scipy.special.erfc(x) if xp is jnp else np.vectorize(math.erfc)(x)


def _steps(xp, t, h):
    """NESTML's ``steps(t)``: NEST's ``Time(ms(t)).get_steps()``."""
    return ms_to_steps(t, h)


def integrate(rhs, names, S, P, V, B, h, mask, adaptive):
    """One ``integrate_odes(...)`` by the numeric solver: NEST-NESTML's GSL rkf45 loop over
    ``(0, h]`` with a ``y_new`` (``adaptive='y'``) or ``yp_new`` control and the model's
    tolerances ``gsl_abs_error_tol``/``gsl_rel_error_tol``, the integration step carried in
    ``S['__integration_step']``. Returns the new state dict (masked)."""
    y0 = {k: jnp.asarray(S[k], dtype=jnp.float64) for k in names}
    ctx = {"P": P, "V": V, "S": S, "B": B}
    a_y, a_dydt = (1.0, 0.0) if adaptive == "y" else (0.0, 1.0)
    y1, dt, _ = evolve(lambda y, p, aux: rhs(y, p), y0, ctx, h, S["__integration_step"],
                       aux={}, on_step=None, eps_abs=P["gsl_abs_error_tol"],
                       eps_rel=P["gsl_rel_error_tol"], a_y=a_y, a_dydt=a_dydt)
    out = dict(S)
    for k in names:
        out[k] = _w(mask, y1[k], S[k])
    out["__integration_step"] = _w(mask, dt, S["__integration_step"])
    return out


@dataclass(frozen=True)
class MultiPortModel(NeuronModel):
    """A NESTML neuron with several spike input ports: receptor types 1..k (NEST-NESTML
    refuses receptor 0 and types past the last port with UnknownReceptorType)."""

    def channel(self, weight, receptor):
        receptor = np.asarray(receptor)
        bad = (receptor < 1) | (receptor > len(self.receptor_types))
        if np.any(bad):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[bad][0])} is not available in {self.name}.")
        return super().channel(weight, receptor)


def _num(v):
    """NESTML's real and unit-typed values as floats (booleans stay booleans, vectors tuples
    of floats)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, tuple):
        return tuple(float(x) for x in v)
    return float(np.asarray(v, dtype=np.float64))


def _resize_vectors(sizes):
    """NEST-NESTML's ``set_status``: a size parameter (``N``) given with a new value resizes
    the vectors it sizes that are not given, truncated or padded with 0 (not with the
    declared default). ``current(key)`` reads the node's value before the call."""
    def expand(current, given):
        out = dict(given)
        for name, size in sizes.items():
            if not isinstance(size, str) or size not in given or name in given:
                continue
            n = given[size]
            if hasattr(n, "sample") or np.ndim(n) or float(n) == float(current(size)):
                continue
            old = np.asarray(current(name), dtype=float).ravel()
            n = max(int(n), 0)
            out[name] = np.concatenate([old[:n], np.zeros(max(n - old.size, 0))])
        return out
    return expand


def _check_sizes(sizes):
    """NEST-NESTML's size check in ``set_status``: a vector whose length is not its size
    (``N`` after this call) is BadProperty."""
    def check(params):
        for name in sizes:
            rows = np.atleast_2d(np.asarray(params[name], dtype=float))
            got = (~np.isnan(rows)).sum(axis=1)
            size = sizes[name]
            want = np.broadcast_to(np.asarray(params[size], dtype=float) if isinstance(
                size, str) else float(size), got.shape)
            bad = got != want
            if bad.any():
                raise errors.BadProperty(f'The vector "{name}" does not match its size: '
                                         f"{int(want[bad][0])}")
    return check


def neuron_model(name, params, state, hidden, recordables, internals, update, spike_ports,
                 continuous_ports, uses_t=False, draws=0, vector_sizes=None):
    """The NeuronModel of one generated NESTML neuron.

    ``vector_sizes``: vector parameters -> their size (a parameter's name or a number); they
    are the model's ``vector_params`` (one list per neuron, not per receptor port).

    ``spike_ports``: the spike input ports in NESTML's buffer order, as (name, kind) with kind
    'exc'/'inh' (NEST routes weights >= 0 to the excitatory, < 0 sign-flipped to the inhibitory
    port), 'any' (one port takes every weight as it is) or 'r<k>' (receptor type k + 1 of a
    model with several ports, weights as they are)."""
    params = {k: _num(v) for k, v in params.items()}
    ref = next((k for k, v in params.items() if isinstance(v, float)), None)

    def propagators(p, h):
        xp = xp_of(p)
        zero = 0.0 if ref is None else 0.0 * xp.asarray(p[ref], dtype=xp.float64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            v = internals(p, h, xp, state)  # internals over state: from its initial values
        return {k: xp.asarray(x, dtype=xp.float64) + zero for k, x in v.items()}

    def step(p, v, s, x, i_stim, h, step=None, rand=None):
        B = {}
        R = {}
        for nm, kind in spike_ports:
            if kind == "exc":
                val = x[0]
            elif kind == "inh":
                val = -x[1]
            elif kind.startswith("r"):
                val = x[int(kind[1:])]
            else:
                val = x[0] + x[1]
            B[nm] = val
            R[nm] = val != 0.0  # NEST's 'received' flag (see docs/nestml.md: zero weights)
        for nm in continuous_ports:
            B[nm] = s["__in_" + nm]
        t = None
        if uses_t:  # Time::step(step + 1).get_ms(): tics times ms per tic
            tpm = jnp.asarray(of_params(p), dtype=jnp.float64)
            tics = (jnp.asarray(step, dtype=jnp.float64) + 1.0) * jnp.floor(tpm * h + 0.5)
            t = tics * (1.0 / tpm)
        new, spike = update(p, v, dict(s), B, R, h, _t=t, _rand=rand)
        for nm in continuous_ports:
            new["__in_" + nm] = jnp.asarray(i_stim, dtype=jnp.float64) + jnp.zeros_like(spike,
                                                                                     jnp.float64)
        return new, spike.astype(jnp.float64)

    receptors = {nm.upper(): int(kind[1:]) + 1 for nm, kind in spike_ports if kind[0] == "r"}
    cls = MultiPortModel if receptors else IafModel
    sizes = dict(vector_sizes or {})
    vectors = {}
    if sizes:
        vectors = dict(vector_params={k: math.nan for k in sizes}, port_params=(),
                       check=_check_sizes(sizes), expand_given=_resize_vectors(sizes))
    return cls(
        receptor_types=receptors,
        name=name,
        params=params,
        state={k: _num(v) for k, v in state.items()},
        recordables=tuple(recordables),
        propagators=propagators,
        update=step,
        hidden=hidden,
        n_channels=max(2, len(receptors)),
        current_receptors={0: 0} if continuous_ports else {},
        takes_step=uses_t,
        random=draws > 0,
        **vectors,
    )
