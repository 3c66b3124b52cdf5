"""Numerics of ``cm_default`` (NEST 3.10's compartmental model): one implicit step of a tree
of passive compartments with Na/K channels and conductance receptors.

Units as NEST's cm_default: C_m in uF-like units per the user's choice (NEST only needs C_m,
g_C, g_L and gbar in consistent units, nF/uS or pF/nS), voltages in mV, times in ms. Every
array here has shape (K, n) (compartment slots x neurons) or (R, n) (receptor slots x
neurons); a neuron's tree is given by ``parent`` (K, n): the parent's index, -1 for the root,
-2 for a slot the neuron does not have. NEST adds a compartment only below an existing one,
so a parent's index is always smaller than its child's: sweeping the slots from the last to
the first visits children before parents (NEST's down-sweep) and from the first to the last
parents before children (its up-sweep).

Per step (NEST's ``construct_matrix`` then ``solve_matrix``), with ``v`` the voltages at t:

    gg = C_m/h + g_L/2 [+ g_C/2 if a parent] + sum_children g_C(child)/2 + g_chan
    ff = (C_m/h - g_L/2) v + g_L e_L - g_C/2 (v - v_parent) - sum_children g_C(child)/2
         (v - v_child) + i_chan + I_stim
    hh = -g_C/2 (off-diagonal to the parent)

The channels' and receptors' (g, i) pairs are NEST's ``f_numstep``: gating variables and
conductances advance first (exponential Euler at ``v``), then contribute their half
conductance to ``gg`` and their current (with the half-implicit correction) to ``ff``.
Contributions are summed in NEST's order: Na, K, then receptors by type (AMPA, GABA, NMDA,
AMPA_NMDA) and, within a type, by receptor index.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

RECEPTOR_TYPES = ("AMPA", "GABA", "NMDA", "AMPA_NMDA")
"""Receptor type codes 0..3, in the order NEST sums (and lists) them per compartment."""


# --------------------------------------------------------------------------------------------
# ion channels (Branco 2010 rate equations, as NEST's cm_compartmentcurrents)
# --------------------------------------------------------------------------------------------

_Q10 = 1.0 / 3.21


def na_m(v, xp=jnp):
    """(m_inf, tau_m) of the Na activation at v (mV)."""
    x = v + 35.013
    regular = xp.abs(x) > 1e-5
    xs = xp.where(regular, x, 1.0)
    e = xp.exp(0.111111111111111 * xs)
    frac = 1.0 / (e - 1.0)
    alpha = xp.where(regular, 0.182 * xs * e * frac, 1.638)
    beta = 0.124 * xs * frac
    inv = xp.where(regular, 1.0 / (alpha + beta), 1.0 / (1.638 + 1.116))
    return alpha * inv, _Q10 * inv


def na_h(v, xp=jnp):
    """(h_inf, tau_h) of the Na inactivation at v (mV)."""
    x50, x75 = v + 50.013, v + 75.013
    r50, r75 = xp.abs(x50) > 1e-5, xp.abs(x75) > 1e-9
    s50, s75 = xp.where(r50, x50, 1.0), xp.where(r75, x75, 1.0)
    alpha = xp.where(r50, 0.024 * s50 / (1.0 - xp.exp(-0.2 * s50)), 0.12)
    beta = xp.where(r75, -0.0091 * s75 / (1.0 - xp.exp(0.2 * s75)), 0.0455)
    return 1.0 / (1.0 + xp.exp((v + 65.0) / 6.2)), _Q10 / (alpha + beta)


def k_n(v, xp=jnp):
    """(n_inf, tau_n) of the K activation at v (mV)."""
    x = v - 25.0
    regular = xp.abs(x) > 1e-5
    xs = xp.where(regular, x, 1.0)
    e = xp.exp(0.111111111111111 * xs)
    frac = 1.0 / (e - 1.0)
    alpha = xp.where(regular, 0.02 * xs * e * frac, 0.18)
    beta = xp.where(regular, 0.002 * xs * frac, 0.018)
    inv = 1.0 / (alpha + beta)
    return alpha * inv, _Q10 * inv


def _relax(x, inf, tau, h):
    p = jnp.exp(-h / tau)
    return x * p + (1.0 - p) * inf


def channels(v, m, hh, n, gbar_na, e_na, gbar_k, e_k, h):
    """Na and K of every compartment: new (m, h, n) and the summed (g, i) contributions
    (a channel with gbar <= 1e-9 uS neither changes its gates nor contributes)."""
    on_na, on_k = gbar_na > 1e-9, gbar_k > 1e-9
    m_inf, tau_m = na_m(v)
    h_inf, tau_h = na_h(v)
    n_inf, tau_n = k_n(v)
    m = jnp.where(on_na, _relax(m, m_inf, tau_m, h), m)
    hh = jnp.where(on_na, _relax(hh, h_inf, tau_h, h), hh)
    n = jnp.where(on_k, _relax(n, n_inf, tau_n, h), n)
    g_na = gbar_na * jnp.power(m, 3.0) * hh
    g_k = gbar_k * n
    g = jnp.where(on_na, g_na / 2.0, 0.0)
    i = jnp.where(on_na, g_na * (e_na - v / 2.0), 0.0)
    g = g + jnp.where(on_k, g_k / 2.0, 0.0)
    i = i + jnp.where(on_k, g_k * (e_k - v / 2.0), 0.0)
    return m, hh, n, g, i


def gating_init(v):
    """Initial (m, h, n): the steady states at the compartment's initial voltage (numpy:
    computed on the host, where JAX would compile each operation)."""
    v = np.asarray(v, float)
    return na_m(v, np)[0], na_h(v, np)[0], k_n(v, np)[0]


# --------------------------------------------------------------------------------------------
# receptors (double-exponential conductances)
# --------------------------------------------------------------------------------------------


def g_norm(tau_r, tau_d, xp=jnp):
    """NEST's normalisation: a unit weight makes the conductance peak at 1."""
    tp = (tau_r * tau_d) / (tau_d - tau_r) * xp.log(tau_d / tau_r)
    return 1.0 / (-xp.exp(-tp / tau_r) + xp.exp(-tp / tau_d))


def _nmda_sigmoid(v):
    e = jnp.exp(-0.1 * v)
    denom = 1.0 + 0.3 * e
    return 1.0 / denom, 0.03 * e / jnp.power(denom, 2.0)


def receptors(v, g_r, g_d, g_r2, g_d2, x, typ, e_rev, props):
    """Advance every receptor slot by one step with this step's spike weights ``x`` and
    return (g_r, g_d, g_r2, g_d2, g, i): the (g, i) pair each contributes at ``v`` (its
    compartment's voltage). Slot kinds by ``typ`` (0..3, -1: none); the second pair of
    conductances is AMPA_NMDA's NMDA part."""
    g_r = g_r * props["prop_r"]
    g_d = g_d * props["prop_d"]
    s = x * props["g_norm"]
    g_r, g_d = g_r - s, g_d + s
    an = typ == 3
    g_r2 = jnp.where(an, g_r2 * props["prop_r2"], g_r2)
    g_d2 = jnp.where(an, g_d2 * props["prop_d2"], g_d2)
    s2 = x * props["g_norm2"]
    g_r2, g_d2 = jnp.where(an, g_r2 - s2, g_r2), jnp.where(an, g_d2 + s2, g_d2)
    g1 = g_r + g_d
    sig, dsig = _nmda_sigmoid(v)
    drive = e_rev - v
    # AMPA / GABA: linear; NMDA: magnesium block; AMPA_NMDA: both, NMDA scaled by the ratio
    i_lin, d_lin = g1 * drive, -g1
    i_nmda, d_nmda = g1 * sig * drive, g1 * (dsig * drive - sig)
    g2 = g_r2 + g_d2
    ratio = props["ratio"]
    i_an = (g1 + ratio * g2 * sig) * drive
    d_an = -g1 + ratio * g2 * (dsig * drive - sig)
    i_tot = jnp.where(typ == 2, i_nmda, jnp.where(an, i_an, i_lin))
    d_tot = jnp.where(typ == 2, d_nmda, jnp.where(an, d_an, d_lin))
    g = -d_tot / 2.0
    i = i_tot + g * v
    return g_r, g_d, g_r2, g_d2, g, i


# --------------------------------------------------------------------------------------------
# the tree
# --------------------------------------------------------------------------------------------


def _rows(parent, k):
    """(K, n) mask of the slots that are compartment ``k``'s parent, per neuron."""
    slots = jnp.arange(parent.shape[0])[:, None]
    return slots == parent[k][None, :]


def step(p, v, g_chan, i_chan, i_stim, h):
    """NEST's ``construct_matrix`` + ``solve_matrix``: the voltages after one step.

    ``p``: per-slot C_m, g_C, g_L, e_L, parent (K, n); ``g_chan``, ``i_chan``: the summed
    channel and receptor contributions; ``i_stim``: the step's injected current (K, n)."""
    parent = p["parent"]
    K = parent.shape[0]
    has_parent = parent >= 0
    half_gc = p["g_C"] / 2.0
    ca_dt = p["C_m"] / h
    half_gl = p["g_L"] / 2.0
    v_par = jnp.take_along_axis(v, jnp.maximum(parent, 0).astype(jnp.int32), axis=0)
    gg = ca_dt + half_gl
    gg = jnp.where(has_parent, gg + half_gc, gg)
    ff = (ca_dt - half_gl) * v + p["g_L"] * p["e_L"]
    ff = jnp.where(has_parent, ff - half_gc * (v - v_par), ff)
    def add_child(j, carry):  # children in the order they were added
        gg, ff = carry
        child = _rows(parent, j)
        gg = jnp.where(child, gg + half_gc[j][None, :], gg)
        ff = jnp.where(child, ff - half_gc[j][None, :] * (v - v[j][None, :]), ff)
        return gg, ff

    gg, ff = lax.fori_loop(1, K, add_child, (gg, ff))
    hh = jnp.where(has_parent, -half_gc, 0.0)
    gg = gg + g_chan
    ff = ff + i_chan + i_stim

    def down(it, carry):  # each compartment passes its reduced row to its parent
        gg, ff, xx, yy = carry
        k = K - 1 - it
        gk = gg[k] - xx[k]
        fk = ff[k] - yy[k]
        gg, ff = gg.at[k].set(gk), ff.at[k].set(fk)
        to = _rows(parent, k)
        xx = jnp.where(to, xx + (hh[k] * hh[k] / gk)[None, :], xx)
        yy = jnp.where(to, yy + (fk * hh[k] / gk)[None, :], yy)
        return gg, ff, xx, yy

    gg, ff, _, _ = lax.fori_loop(0, K, down, (gg, ff, jnp.zeros_like(gg), jnp.zeros_like(ff)))

    def up(k, new):  # voltages from the root outwards
        v_in = jnp.where(has_parent[k], jnp.sum(jnp.where(_rows(parent, k), new, 0.0),
                                                  axis=0), 0.0)
        return new.at[k].set((ff[k] - v_in * hh[k]) / gg[k])

    new = lax.fori_loop(0, K, up, v)
    return new
