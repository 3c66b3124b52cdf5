"""Vectorised adaptive Runge-Kutta-Fehlberg 4(5) integration, as NEST's GSL-based models do it.

NEST's conductance-based and adaptive models (``iaf_cond_*``, ``aeif_*``, ``hh_*``) advance
each neuron over one simulation step ``(0, h]`` by calling GSL's ``gsl_odeiv_evolve_apply`` in
a loop until the step is covered, with

- the ``rkf45`` stepper (Fehlberg's embedded 4(5) pair, propagating the 5th-order solution,
  method order 5 for step control),
- the standard step-size control in its ``y_new`` form with ``eps_abs = 1e-3``,
  ``eps_rel = 0`` (the tolerance is ``eps_abs`` for every component),
- the suggested step size (NEST's ``B_.IntegrationStep_``) carried from one simulation step to
  the next; it starts as ``h``.

:func:`integrate` reproduces that per neuron, vectorised: every neuron takes its own adaptive
sub-steps, a ``lax.while_loop`` runs until all neurons reached ``h`` and finished neurons are
masked (in large groups the last few unfinished ones on a compact gather, :func:`_loop`). The
arithmetic follows the same sequence of floating-point operations, so trajectories agree with
NEST to rounding.

One ``evolve_apply`` call, from the current time ``t`` to the end ``t1 = h``, with carried step
``dt``:

1. ``k1 = f(y)``; try the step ``h0 = dt``, shortened to ``t1 - t`` when it would overshoot
   (then the step is "final" and lands exactly on ``t1``);
2. take one RKF45 step of size ``h0`` and its error estimate ``yerr``;
3. ``rmax = max(DBL_MIN, max_i |yerr_i| / eps_abs)``;
   ``rmax > 1.1``: propose ``h0 * max(0.9 * rmax**(-1/5), 0.2)``; if it really is smaller
   (and moves time by at least one ulp), reject: restore y and retry from 1. with that size
   (``k1`` is unchanged); otherwise keep ``h0``;
   ``rmax < 0.5``: accept and propose ``h0 * clip(0.9 * rmax**(-1/6), 1, 5)``;
   otherwise accept and keep ``h0``;
4. on acceptance ``t`` becomes ``t1`` (final step) or ``t + h0``, and the proposal becomes
   the carried step, so a final, shortened step also shortens the carried step (as in GSL).

The right-hand side is ``rhs(y, params) -> dydt`` with ``y`` a pytree whose leaves have the
neuron axis last (e.g. one array ``(n_vars, n)``, or a dict of ``(n,)`` arrays); the time
argument is not passed (NEST's systems are autonomous within a step; inputs are constant over
it and live in ``params``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

# Fehlberg's coefficients (fractions evaluated in double, as the C constants are).
_A2 = 1.0 / 4.0
_B3 = (3.0 / 32.0, 9.0 / 32.0)
_B4 = (1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0)
_B5 = (8341.0 / 4104.0, -32832.0 / 4104.0, 29440.0 / 4104.0, -845.0 / 4104.0)
_B6 = (-6080.0 / 20520.0, 41040.0 / 20520.0, -28352.0 / 20520.0, 9295.0 / 20520.0,
       -5643.0 / 20520.0)
# 5th-order weights (k2 has weight 0)
_C = (902880.0 / 7618050.0, 3953664.0 / 7618050.0, 3855735.0 / 7618050.0,
      -1371249.0 / 7618050.0, 277020.0 / 7618050.0)
# 5th minus 4th order weights, for the error estimate (k2 has weight 0)
_E = (1.0 / 360.0, -128.0 / 4275.0, -2197.0 / 75240.0, 1.0 / 50.0, 2.0 / 55.0)

METHOD_ORDER = 5
"""``gsl_odeiv_step_order`` of GSL's rkf45 stepper (used in the step-size control)."""

_DBL_MIN = float(np.finfo(np.float64).tiny)

_tmap = jax.tree_util.tree_map


def _control(rmax, h0, t_try, inv_dec, inv_inc):
    """GSL's standard step control: shrink and retry when rmax > 1.1 (if the step really
    shrinks and still moves t), grow by up to 5x when rmax < 0.5. Returns (reject, next h)."""
    dec = rmax > 1.1
    inc = rmax < 0.5
    r_dec = jnp.maximum(0.9 / jnp.power(rmax, inv_dec), 0.2)
    r_inc = jnp.minimum(0.9 / jnp.power(rmax, inv_inc), 5.0)
    r_inc = jnp.maximum(r_inc, 1.0)
    h_dec = r_dec * h0
    h_inc = r_inc * h0
    reject = dec & (jnp.abs(h_dec) < jnp.abs(h0)) & (t_try + h_dec != t_try)
    return reject, jnp.where(reject, h_dec, jnp.where(inc, h_inc, h0))


def _stacked(y):
    """``y`` as one ``(k, n)`` array and the function that restores the pytree (None: kept).

    A sub-step's arithmetic is the same for every state component; on one array XLA emits a
    loop per stage instead of one per component and stage (a 9-variable hh model had ~100
    kernels per sub-step: for small groups their launch cost was the whole cost). The
    operations are unchanged; XLA's fusion (FMA contraction) may round some differently.
    Leaves of mixed dtypes stay as they are."""
    leaves, tree = jax.tree_util.tree_flatten(y)
    if len(leaves) < 2 or len({l.dtype for l in leaves}) > 1 or min(l.ndim for l in leaves) < 1:
        return y, None
    n = leaves[0].shape[-1]
    shapes = [l.shape for l in leaves]
    sizes = [int(np.prod(s[:-1], dtype=np.int64)) for s in shapes]

    def restore(Y):
        parts = jnp.split(Y, np.cumsum(sizes)[:-1], axis=0)
        m = Y.shape[-1]  # n, or the lanes of the compact phase
        return tree.unflatten([v.reshape(s[:-1] + (m,)) for v, s in zip(parts, shapes)])
    return jnp.concatenate([l.reshape(-1, n) for l in leaves], axis=0), restore


def _stack(v):
    return jnp.concatenate([l.reshape(-1, l.shape[-1]) for l in jax.tree_util.tree_leaves(v)],
                           axis=0)


def _on_stacked(rhs, restore):
    """``rhs`` over the stacked state (its extra arguments passed through)."""
    return lambda Y, *a: _stack(rhs(restore(Y), *a))


def _events_on_stacked(on_step, restore):
    def f(Y, aux, params):
        y, aux = on_step(restore(Y), aux, params)
        return _stack(y), aux
    return f


COMPACT_MIN = 64
"""Groups of at least this many neurons finish their sub-steps on a compact gather."""


def _lanes(x, n: int) -> bool:
    return getattr(x, "ndim", 0) >= 1 and x.shape[-1] == n


def _loop(step, carry, ctx, t1, max_iter, it=0):
    """Apply ``step(carry, ctx) -> carry`` until every neuron reached ``t1`` (``carry[0]``, the
    time of each neuron) or ``max_iter`` sub-steps.

    A sub-step costs the same for every neuron of the arrays it runs on, but after the first
    one or two only the neurons that need small steps (those spiking) are left. So while more
    than ``M = n / 8`` neurons are unfinished the step runs over the whole group; the rest is
    gathered into arrays of ``M`` lanes (every leaf of ``carry`` and ``ctx`` whose last axis
    is the neuron axis; others are shared), finished there and scattered back: the cost
    follows the neurons that need sub-steps, not the slowest one times the group. The
    gathered arrays are compacted the same way again while they have COMPACT_MIN lanes or more
    (4,000 neurons: 500, then 62 lanes), so a few spiking neurons' long tail of small steps
    runs on a few lanes. Each neuron's arithmetic is elementwise and the same either way, so
    results are identical. ``it``: sub-steps taken already (of ``max_iter``).
    """
    n = carry[0].shape[-1] if carry[0].ndim else 1

    def until(limit):
        return lambda c: (jnp.sum(c[0][0] < t1) > limit) & (c[1] < max_iter)

    def over(cx):
        return lambda c: (step(c[0], cx), c[1] + 1)

    it = jnp.asarray(it, jnp.int32)
    if carry[0].ndim != 1 or n < COMPACT_MIN:
        return lax.while_loop(until(0), over(ctx), (carry, it))[0]
    M = n // 8
    carry, it = lax.while_loop(until(M), over(ctx), (carry, it))

    def compact(carry):
        idx = jnp.nonzero(carry[0] < t1, size=M, fill_value=n)[0]
        g = jnp.minimum(idx, n - 1)
        take = lambda x: x[..., g] if _lanes(x, n) else x  # noqa: E731
        sub, sub_ctx = _tmap(take, carry), _tmap(take, ctx)
        sub = (jnp.where(idx < n, sub[0], t1),) + tuple(sub[1:])  # fill lanes: finished
        sub = _loop(step, sub, sub_ctx, t1, max_iter, it)
        return _tmap(lambda x, v: x.at[..., idx].set(v, mode="drop") if _lanes(x, n) else x,
                     carry, sub)

    return lax.cond(jnp.any(carry[0] < t1), compact, lambda c: c, carry)


def rkf45_step(rhs, y, params, h, k1):
    """One RKF45 step of size ``h`` (per neuron, broadcast over leaves) from ``y`` with
    ``k1 = rhs(y)``. Returns ``(y5, yerr)``: the 5th-order solution and the 5th-4th difference.
    """
    def stage(*terms):
        # y + h * (b0 k1 + b1 k2 + ...), summed left to right as the C loop does
        def one(yi, *ks):
            acc = terms[0] * ks[0]
            for b, k in zip(terms[1:], ks[1:]):
                acc = acc + b * k
            return yi + h * acc
        return one

    # stage 2 is written (a * h) * k1 in the C code: keep that rounding
    y2 = _tmap(lambda yi, a: yi + (_A2 * h) * a, y, k1)
    k2 = rhs(y2, params)
    k3 = rhs(_tmap(stage(*_B3), y, k1, k2), params)
    k4 = rhs(_tmap(stage(*_B4), y, k1, k2, k3), params)
    k5 = rhs(_tmap(stage(*_B5), y, k1, k2, k3, k4), params)
    k6 = rhs(_tmap(stage(*_B6), y, k1, k2, k3, k4, k5), params)
    return _solution(y, h, k1, k3, k4, k5, k6)


def _solution(y, h, *ks):
    """``(y5, yerr)`` from the stages ``k1, k3, k4, k5, k6`` (k2 has weight 0 in both)."""
    def combine(w):
        def one(a, c, d, e, f):
            return w[0] * a + w[1] * c + w[2] * d + w[3] * e + w[4] * f
        return one

    y5 = _tmap(lambda yi, di: yi + h * di, y, _tmap(combine(_C), *ks))
    yerr = _tmap(lambda ei: h * ei, _tmap(combine(_E), *ks))
    return y5, yerr


LOOPED_MAX = 64
"""Groups of fewer neurons evaluate the six RKF45 stages in a loop (:func:`_rkf45_looped`)
where the right-hand side has at least LOOPED_RHS operations (ht_neuron 198, the gap-junction
hh 140, iaf_cond_alpha_mc 109; hh_psc_alpha 97, aeif 50-60): below that, the loop's own cost
outweighs what the compilation saves (one hh_psc_alpha: compile 1.04 -> 0.67 s, but 1 s of
simulation 1.72 -> 1.85 s; one astrocyte, 52: 0.24 -> 0.31 s)."""
LOOPED_RHS = 100

# Fehlberg's stage weights as a table: row s gives stage s + 1's weights of k1..k5 (zeros past
# the stage's own terms; _rkf45_looped selects those away).
_B = np.array([list(r) + [0.0] * (5 - len(r)) for r in ((), (_A2,), _B3, _B4, _B5, _B6)])


def _rkf45_looped(rhs, y, params, h):
    """``(y5, yerr)`` of one RKF45 step from ``y`` (:func:`rkf45_step`), the six
    right-hand-side evaluations (``k1 = rhs(y)`` the first) in a loop.

    :func:`rkf45_step` writes the right-hand side out six times: a large model (ht_neuron,
    the multi-compartment ones) gives XLA thousands of instructions per copy, and a small
    group pays them at every compilation and every load of the compiled chunk, where its
    run is short. Here the program holds one copy, run for stage ``s`` = 0..5 on ``y + h
    (b_s0 k1 + ... )``, the terms summed in :func:`rkf45_step`'s order (the ones a stage does
    not have are selected away rather than added as the table's zeros, so that each sum is
    the unrolled one exactly, signed zeros included); stage 2 keeps its ``(a * h) * k1``
    rounding. Large groups keep the unrolled form: there the loop's per-stage overhead
    costs more than the compilation (coba's 4,000 neurons: 3.8 -> 5.5 s a simulated second,
    docs/performance.md). ``y`` is one array."""
    K = jnp.zeros((6,) + y.shape, y.dtype)
    B = jnp.asarray(_B, y.dtype)

    def stage(s, K):
        b = B[s]
        acc = b[0] * K[0]
        for j in range(1, 5):
            acc = jnp.where(j < s, acc + b[j] * K[j], acc)
        ys = jnp.where(s == 0, y, jnp.where(s == 1, y + (_A2 * h) * K[0], y + h * acc))
        return K.at[s].set(rhs(ys, params))

    K = lax.fori_loop(0, 6, stage, K)
    return _solution(y, h, K[0], K[2], K[3], K[4], K[5])


def _trial(rhs, y, params, h, looped):
    """``(y5, yerr)``: :func:`rkf45_step` with ``k1 = rhs(y)``, or :func:`_rkf45_looped`."""
    if looped:
        return _rkf45_looped(rhs, y, params, h)
    return rkf45_step(rhs, y, params, h, rhs(y, params))


def _looped(rhs, Y) -> bool:
    """Whether a group's stages run in a loop (LOOPED_MAX, LOOPED_RHS), decided once for the
    whole group: a large group's compact phase keeps the unrolled form, its program one form."""
    if not (isinstance(Y, jax.Array) and Y.ndim > 0 and Y.shape[-1] < LOOPED_MAX):
        return False
    return len(jax.make_jaxpr(rhs)(Y).eqns) >= LOOPED_RHS


def _where(mask, a, b):
    return _tmap(lambda u, v: jnp.where(mask, u, v), a, b)


def _max_ratio(y, yerr, eps_abs, eps_rel):
    """Per neuron ``max(DBL_MIN, max_i |yerr_i| / D_i)`` over all components, with the
    ``y_new`` tolerance ``D_i = eps_rel * |y_i| + eps_abs`` (``y`` the new solution).

    The tolerance is computed per component even for ``eps_rel = 0``, as GSL does: it keeps
    the division a true division (XLA would turn a division by a constant into a
    multiplication by its rounded reciprocal, which is not bit-identical).
    """
    rmax = None
    for yi, leaf in zip(jax.tree_util.tree_leaves(y), jax.tree_util.tree_leaves(yerr)):
        r = jnp.abs(leaf) / (eps_rel * jnp.abs(yi) + eps_abs)
        if r.ndim > 1:
            r = jnp.max(r.reshape((-1, r.shape[-1])), axis=0)
        rmax = r if rmax is None else jnp.maximum(rmax, r)
    return jnp.maximum(rmax, _DBL_MIN)


def integrate(rhs, y, params, h, dt_state, eps_abs=1e-3, eps_rel=0.0, max_iter=1_000_000):
    """Advance every neuron from 0 to ``h`` as NEST's adaptive GSL loop does.

    Parameters
    ----------
    rhs : callable ``(y, params) -> dydt`` (same pytree structure as ``y``).
    y : pytree of float64 arrays with the neuron axis last (e.g. shape ``(n_vars, n)``).
    params : anything ``rhs`` needs (parameters, inputs held constant over the step).
    h : the simulation step (ms), a Python float or scalar.
    dt_state : ``(n,)`` carried integration step size (NEST's ``IntegrationStep_``); values
        ``<= 0`` mean "not yet initialised" and start at ``h``, as NEST's ``init_buffers_``.
    eps_abs, eps_rel : error bounds of the ``y_new`` control (NEST: 1e-3 and 0).
    max_iter : safety bound on the number of attempted sub-steps of the slowest neuron.

    Returns
    -------
    ``(y_new, dt_state_new)``.
    """
    leaves = jax.tree_util.tree_leaves(y)
    n_shape = leaves[0].shape[-1:]
    dtype = leaves[0].dtype
    t1 = jnp.asarray(h, dtype=dtype)
    dt0 = jnp.broadcast_to(jnp.asarray(dt_state, dtype=dtype), n_shape)
    dt0 = jnp.where(dt0 > 0.0, dt0, t1)
    t0 = jnp.zeros(n_shape, dtype=dtype)
    inv_dec = 1.0 / METHOD_ORDER
    inv_inc = 1.0 / (METHOD_ORDER + 1.0)
    Y, restore = _stacked(y)
    if restore is not None:
        rhs = _on_stacked(rhs, restore)
    looped = _looped(lambda yy: rhs(yy, params), Y)

    def step(carry, ctx):
        t, yc, dt = carry
        prm, e_abs, e_rel = ctx
        active = t < t1
        rem = t1 - t
        final = dt > rem
        h0 = jnp.where(final, rem, dt)
        y_try, yerr = _trial(rhs, yc, prm, h0, looped)
        t_try = jnp.where(final, t1, t + h0)

        rmax = _max_ratio(y_try, yerr, e_abs, e_rel)
        reject, h_new = _control(rmax, h0, t_try, inv_dec, inv_inc)

        accept = active & ~reject
        t = jnp.where(accept, t_try, t)
        yc = _where(accept, y_try, yc)
        dt = jnp.where(active, h_new, dt)
        return t, yc, dt

    _, y_new, dt_new = _loop(step, (t0, Y, dt0), (params, eps_abs, eps_rel), t1, max_iter)
    return (restore(y_new) if restore else y_new), dt_new


# --------------------------------------------------------------------------------------------
# general form: per-sub-step events and GSL's full standard control
# --------------------------------------------------------------------------------------------


def _max_ratio_std(y, yerr, yp, h_old, eps_abs, eps_rel, a_y, a_dydt):
    """Per neuron ``max(DBL_MIN, max_i |yerr_i| / |D_i|)`` with GSL's standard tolerance
    ``D_i = eps_rel * (a_y |y_i| + a_dydt |h_old yp_i|) + eps_abs`` (``y`` and ``yp`` the new
    solution and its derivative), evaluated in full as GSL does, so that non-finite values
    behave alike (``0 * inf`` is NaN). As GSL's ``GSL_MAX_DBL`` loop, NaN ratios are skipped
    (``fmax``): a component that overflowed does not by itself reject a step."""
    rmax = None
    for yi, leaf, ypi in zip(jax.tree_util.tree_leaves(y), jax.tree_util.tree_leaves(yerr),
                             jax.tree_util.tree_leaves(yp)):
        D0 = eps_rel * (a_y * jnp.abs(yi) + a_dydt * jnp.abs(h_old * ypi)) + eps_abs
        r = jnp.abs(leaf) / jnp.abs(D0)
        if r.ndim > 1:
            r = jnp.nanmax(r.reshape((-1, r.shape[-1])), axis=0)
        rmax = r if rmax is None else jnp.fmax(rmax, r)
    return jnp.fmax(rmax, _DBL_MIN)


def evolve(rhs, y, params, h, dt_state, aux=None, on_step=None, eps_abs=1e-3, eps_rel=0.0,
           a_y=1.0, a_dydt=0.0, max_iter=1_000_000):
    """:func:`integrate` with state that changes between sub-steps and GSL's full control.

    NEST's ``aeif_*`` models test for a spike after *every* ``gsl_odeiv_evolve_apply`` call
    (one accepted sub-step) and reset ``V_m``, add ``b`` to ``w`` and start the refractory
    period right there, inside the loop over ``(0, h]``; the right-hand side sees the
    refractory counter. This function runs the same loop with

    - ``rhs(y, params, aux) -> dydt``, ``aux`` a pytree of ``(n,)`` arrays (refractory
      counter, spike count, ...) that is constant over a sub-step;
    - ``on_step(y, aux, params) -> (y, aux)``, applied to every neuron right after it accepted
      a sub-step (before its next one); ``None``: no events;
    - the standard control ``D_i = eps_rel (a_y |y_i| + a_dydt |h yp_i|) + eps_abs``:
      ``y_new`` is ``a_y = 1, a_dydt = 0`` (as :func:`integrate`), ``yp_new`` (NEST's aeif
      models, with ``eps_abs = eps_rel = gsl_error_tol``) is ``a_y = 0, a_dydt = 1``; ``yp``
      is the derivative at the new point (rkf45 evaluates it after every trial step).
      ``eps_abs``/``eps_rel`` may be ``(n,)`` arrays. Unlike :func:`integrate`, non-finite
      values are handled as in GSL (NaN ratios are skipped, not propagated), so a trial step
      whose stages overflow is rejected by its finite components, as in NEST.

    Returns ``(y_new, dt_state_new, aux_new)``.
    """
    leaves = jax.tree_util.tree_leaves(y)
    n_shape = leaves[0].shape[-1:]
    dtype = leaves[0].dtype
    t1 = jnp.asarray(h, dtype=dtype)
    dt0 = jnp.broadcast_to(jnp.asarray(dt_state, dtype=dtype), n_shape)
    dt0 = jnp.where(dt0 > 0.0, dt0, t1)
    t0 = jnp.zeros(n_shape, dtype=dtype)
    inv_dec = 1.0 / METHOD_ORDER
    inv_inc = 1.0 / (METHOD_ORDER + 1.0)
    Y, restore = _stacked(y)
    if restore is not None:
        rhs = _on_stacked(rhs, restore)
        if on_step is not None:
            on_step = _events_on_stacked(on_step, restore)
    looped = _looped(lambda yy: rhs(yy, params, aux), Y)

    def step(carry, ctx):
        t, yc, dt, ax = carry
        prm, e_abs, e_rel = ctx
        active = t < t1
        f = lambda yy, p: rhs(yy, p, ax)  # noqa: E731
        rem = t1 - t
        final = dt > rem
        h0 = jnp.where(final, rem, dt)
        y_try, yerr = _trial(f, yc, prm, h0, looped)
        t_try = jnp.where(final, t1, t + h0)
        yp = f(y_try, prm)  # GSL's rkf45 evaluates dydt_out after every trial step

        rmax = _max_ratio_std(y_try, yerr, yp, h0, e_abs, e_rel, a_y, a_dydt)
        reject, h_new = _control(rmax, h0, t_try, inv_dec, inv_inc)

        accept = active & ~reject
        t = jnp.where(accept, t_try, t)
        yc = _where(accept, y_try, yc)
        if on_step is not None:
            y_ev, ax_ev = on_step(yc, ax, prm)
            yc = _where(accept, y_ev, yc)
            ax = _where(accept, ax_ev, ax)
        dt = jnp.where(active, h_new, dt)
        return t, yc, dt, ax

    _, y_new, dt_new, aux_new = _loop(step, (t0, Y, dt0, aux), (params, eps_abs, eps_rel), t1,
                                      max_iter)
    return (restore(y_new) if restore else y_new), dt_new, aux_new
