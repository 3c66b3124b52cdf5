"""Voltage archives: the histories clopath_synapse and urbanczik_synapse read.

A network compiles this only when connections of those models exist (``kinds``). Per
neuron row, as NEST's archiving nodes keep them after each step's update (t: the step's end
time, ms):

Clopath (ClopathArchivingNode: aeif_psc_delta_clopath, hh_psc_alpha_clopath), from the new
V_m, u_bar_plus, u_bar_minus, u_bar_bar:

- push u_bar_plus and u_bar_minus into a ring of ``delay_u_bars`` steps + 1 (zeros at the
  start: the first pushes read zeros back) and read the oldest values back (delayed u_bars);
- rows with incoming STDP-type connections then append an LTP entry (t, A_LTP (V -
  theta_plus)(delayed u_bar_plus - theta_minus) h) when V > theta_plus and the delayed
  u_bar_plus > theta_minus, and write an LTD entry (t, A_LTD (delayed u_bar_minus -
  theta_minus), times u_bar_bar^2 / u_ref_squared unless A_LTD_const) into a ring of
  max_delay + 1 entries when the delayed u_bar_minus > theta_minus.

Urbanczik (UrbanczikArchivingNode: pp_cond_exp_mc_urbanczik), from the dendritic V_W and the
step's spike count n: rows with incoming STDP-type connections append (t, (n - phi(V*) h)
h(V*)), V* = (E_L.s g_L.s + V_W g_sp) / (g_sp + g_L.s), every step.

The rings sizes are fixed when a row's archive is made (NEST sizes them once, at the node's
first Simulate). The appended histories live in rings of ``H`` entries in time order. NEST
keeps an entry until every incoming connection has read it; here a ring that drops an entry
some connection may still read (:func:`lost`, after each slice), or a synapse that asks for
one, sets ``overflow`` and the runtime reruns the chunk with longer rings. Only a connection
made after NEST pruned entries could tell the difference (it reads the whole history here).
"""
from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np
from jax import lax

from . import eprop_archive, ints

HIST_H = 256          # appended-history rings to start with (grown x4 on overflow)
URBANCZIK_H = 4096    # the same with Urbanczik histories (an entry per step: 410 ms at 0.1 ms)
NEST_EPS = 1.0e-6     # the history windows' shift and stdp_eps (ms)
WINDOWED = ("clopath", "urbanczik")  # kinds whose rules read windows of appended histories
# kinds whose rules walk a window of entries per spike, and the edge lanes their deliveries
# take per iteration (plan.BATCH_LANES for other rules): a lane costs up to a window, so few
# at a time (e-prop's sine-waves example with 2,048: 10.6 -> 3.6 ms per step). An Urbanczik
# window holds every step since the sender's last spike and its senders seldom fire in the
# same step: one lane, read as a slice (urbanczik_synapse_example: device time / 3.5 vs 8)
WALKING = {"clopath": 8, "urbanczik": 1, "eprop": 8}
CLOPATH_KEYS = ("A_LTD", "A_LTP", "u_ref_squared", "theta_plus", "theta_minus",
                "A_LTD_const", "delay_u_bars")
URBANCZIK_KEYS = ("phi_max", "rate_slope", "beta", "theta", "g_sp", "g_L.s", "E_L.s",
                  "g_L.p", "C_m.p", "tau_syn_ex.p", "tau_syn_in.p")
_RINGS = ("ltp_t", "ltp_dw", "urb_t", "urb_dw")


def _has(impl, keys) -> bool:
    params = getattr(impl, "params", None) or {}
    return all(k in params for k in keys)


def is_archiver(impl, kind: str = "clopath") -> bool:
    """A neuron model with NEST's Clopath (or Urbanczik) archiving node (kind "eprop":
    eprop_synapse checks its targets itself, synapses/eprop.py)."""
    if kind == "eprop":
        return True
    return _has(impl, CLOPATH_KEYS if kind == "clopath" else URBANCZIK_KEYS)


def new_archive(H: int, n_ltd: int, n_ub: int, n: int, eprop: bool = False) -> dict:
    """Empty archives of n rows (numpy): history rings H, LTD ring n_ltd (max_delay + 1
    steps), delayed u_bar rings n_ub (their per-row lengths ``ub_len`` set at the first run);
    ``eprop``: with the e-prop history rings (kernel/eprop_archive.py)."""
    extra = eprop_archive.new_rings(H, n) if eprop else {}
    return {**extra, "ub_plus": np.zeros((n_ub, n)), "ub_minus": np.zeros((n_ub, n)),
            "ub_idx": np.zeros(n, np.int32), "ub_len": np.zeros(n, np.int32),
            "ltd_t": np.zeros((n_ltd, n)), "ltd_dw": np.zeros((n_ltd, n)),
            "ltd_cur": np.zeros(n, np.int32),
            "ltp_t": np.zeros((H, n)), "ltp_dw": np.zeros((H, n)),
            "ltp_count": np.zeros(n, np.int64),
            "urb_t": np.zeros((H, n)), "urb_dw": np.zeros((H, n)),
            "urb_count": np.zeros(n, np.int64)}


def resize(arch: dict, H: int, n_ub: int, n: int) -> dict:
    """The same archives with history rings of H, delayed rings of at least n_ub and n rows
    (new rows empty; entries keep their order)."""
    n_old = arch["ub_idx"].size
    out = new_archive(H, arch["ltd_t"].shape[0], max(n_ub, arch["ub_plus"].shape[0]), n,
                      "ep_t" in arch)
    if "ep_t" in arch:  # e-prop rings: re-slotted by step, new rows empty
        ep = eprop_archive.resize({k: arch[k] for k in out if k.startswith("ep_")}, H)
        for k, v in ep.items():
            out[k][..., :n_old] = v
    for k in ("ub_idx", "ub_len", "ltd_cur", "ltp_count", "urb_count"):
        out[k][:n_old] = arch[k]
    for k in ("ub_plus", "ub_minus", "ltd_t", "ltd_dw"):
        out[k][:arch[k].shape[0], :n_old] = arch[k]
    H_old = arch["ltp_t"].shape[0]
    cols = np.arange(n_old)
    for j in range(min(H, H_old)):  # the j-th newest entry of each row
        for pre in ("ltp", "urb"):
            age = arch[f"{pre}_count"] - 1 - j
            ok = age >= 0
            for k in (f"{pre}_t", f"{pre}_dw"):
                out[k][np.mod(age, H)[ok], cols[ok]] = arch[k][np.mod(age, H_old)[ok], cols[ok]]
    return out


def _append(arch, pre, cols, on, t_ms, dw) -> dict:
    """Append (t_ms, dw) to the history rings ``pre`` of the rows ``cols`` where ``on`` (the
    others write out of bounds, dropped: no write reads the rings, so XLA updates them in
    place)."""
    H = arch[f"{pre}_t"].shape[0]
    count = arch[f"{pre}_count"][cols]
    row = jnp.where(on, ints.rem(count, H), H).astype(jnp.int32)
    out = {k: arch[k].at[row, cols].set(v, mode="drop")
           for k, v in ((f"{pre}_t", t_ms), (f"{pre}_dw", dw))}
    out[f"{pre}_count"] = arch[f"{pre}_count"].at[cols].add(on.astype(count.dtype))
    return out


def live(rule, s):
    """Per connection: whether its history window counts (some history weight nonzero, see
    SynapseModel.history_weights); True for rules without such weights."""
    if not rule.history_weights:
        return True
    return functools.reduce(jnp.logical_or, [s[k] != 0 for k in rule.history_weights])


def lost(arch: dict, sets, t_next):
    """Whether a ring has dropped an entry that a clopath or urbanczik connection may still
    read (NEST keeps such entries until every incoming connection has read them): the
    runtime then reruns the chunk with longer rings (its start still holds the entry). Per
    row the oldest entry still wanted is the least t_lastspike - delay over the connections
    ``sets`` ((t_lastspike, delay, live, target row, valid) each); a connection not ``live``
    (history weights all zero) reads nothing that counts until its next spike, which is not
    older than ``t_next``. Entries keep their time order, so a full ring may have dropped a
    wanted one when its oldest kept entry is wanted (at worst a ring grows once more)."""
    need = jnp.full(arch["ub_idx"].shape, jnp.inf)
    for t_last, d, on, tgt, valid in sets:
        t = jnp.where(on, t_last, t_next) - d
        need = need.at[tgt].min(jnp.where(valid != 0, t, jnp.inf), mode="drop")
    out = jnp.bool_(False)
    cols = jnp.arange(need.size)
    for pre in ("ltp", "urb"):
        H, count = arch[f"{pre}_t"].shape[0], arch[f"{pre}_count"]
        oldest = arch[f"{pre}_t"][ints.rem(count, H).astype(jnp.int32), cols]
        out = out | jnp.any((count > H) & (oldest - NEST_EPS >= need))
    return out


def write_clopath(arch: dict, first: int, n: int, new: dict, p: dict, mask, t_ms,
                  h: float) -> dict:
    """NEST's write_clopath_history for rows first..first+n (a group) after their update:
    ``new`` their new state, ``p`` their parameters (arrays over the rows), ``mask`` the rows
    with incoming STDP-type connections, t_ms the step's end time."""
    cols = jnp.arange(first, first + n)
    V, ubp, ubm, ubb = (jnp.asarray(new[k], jnp.float64) for k in
                        ("V_m", "u_bar_plus", "u_bar_minus", "u_bar_bar"))
    idx, ln = arch["ub_idx"][cols], arch["ub_len"][cols]
    ring_p = arch["ub_plus"].at[idx, cols].set(ubp)
    ring_m = arch["ub_minus"].at[idx, cols].set(ubm)
    idx = jnp.where(idx + 1 >= ln, 0, idx + 1).astype(idx.dtype)
    del_p, del_m = ring_p[idx, cols], ring_m[idx, cols]
    th_p, th_m = p["theta_plus"], p["theta_minus"]
    m = mask[cols]
    ltp = m & (V > th_p) & (del_p > th_m)
    dw_p = p["A_LTP"] * (V - th_p) * (del_p - th_m) * h
    ltd = m & (del_m > th_m)
    dw_d = jnp.where(p["A_LTD_const"] != 0, p["A_LTD"] * (del_m - th_m),
                     p["A_LTD"] * ubb * ubb * (del_m - th_m) / p["u_ref_squared"])
    cur = arch["ltd_cur"][cols]
    n_ltd = arch["ltd_t"].shape[0]
    ltd_t = arch["ltd_t"].at[cur, cols].set(jnp.where(ltd, t_ms, arch["ltd_t"][cur, cols]))
    ltd_dw = arch["ltd_dw"].at[cur, cols].set(jnp.where(ltd, dw_d, arch["ltd_dw"][cur, cols]))
    cur = jnp.where(ltd, jnp.where(cur + 1 >= n_ltd, 0, cur + 1), cur).astype(cur.dtype)
    return dict(arch, ub_plus=ring_p, ub_minus=ring_m, ub_idx=arch["ub_idx"].at[cols].set(idx),
                ltd_t=ltd_t, ltd_dw=ltd_dw, ltd_cur=arch["ltd_cur"].at[cols].set(cur),
                **_append(arch, "ltp", cols, ltp, t_ms, dw_p))


def write_urbanczik(arch: dict, first: int, n: int, new: dict, n_spikes, p: dict, mask, t_ms,
                    h: float) -> dict:
    """NEST's write_urbanczik_history (dendrite) for rows first..first+n after their update."""
    from ..models.pp_cond_exp_mc_urbanczik import h_fn, phi
    cols = jnp.arange(first, first + n)
    V_W = jnp.asarray(new["V_m.p"], jnp.float64)
    g_D, g_L, E_L = p["g_sp"], p["g_L.s"], p["E_L.s"]
    V_star = (E_L * g_L + V_W * g_D) / (g_D + g_L)
    dPI = (n_spikes - phi(V_star, p) * h) * h_fn(V_star, p)
    on = jnp.broadcast_to(mask[cols], V_W.shape)
    return dict(arch, **_append(arch, "urb", cols, on, t_ms, dPI))


class HistoryView:
    """The targets' appended histories (``pre``: "ltp" or "urb") as a synapse sees them
    (arrays over edges): ``first(t1)`` is the index of the first entry of NEST's window
    (t1, ...] (entries with t - 1e-6 >= t1), ``entry(k)`` its (t, dw)."""

    def __init__(self, arch: dict, tgt, active, pre: str, W: int = 0):
        self._a, self._tgt, self._pre = arch, tgt, pre
        self._H = arch[f"{pre}_t"].shape[0]
        self.W = min(W, self._H) if W else self._H
        self.count = arch[f"{pre}_count"][tgt].astype(jnp.int32)
        self.lo = jnp.maximum(self.count - self._H, 0)
        self.active = active
        self.overflow = jnp.zeros(tgt.shape, bool)
        self.wide = jnp.zeros(tgt.shape, bool)

    def entry(self, k):
        slot = ints.rem(jnp.maximum(k, 0), self._H)
        return (self._a[f"{self._pre}_t"][slot, self._tgt],
                self._a[f"{self._pre}_dw"][slot, self._tgt])

    def first(self, t1):
        lo, hi = self.lo, self.count
        for _ in range(max(int(self._H).bit_length(), 1)):
            mid = ints.div(lo + hi, 2)
            go = (mid < hi) & (self.entry(mid)[0] - NEST_EPS < t1)
            lo = jnp.where(go, mid + 1, lo)
            hi = jnp.where(go | (mid >= hi), hi, mid)
        # entries before the ring's oldest may belong to the window: a longer ring is needed
        dropped = (self.lo > 0) & (lo == self.lo) & (self.entry(self.lo)[0] - NEST_EPS >= t1)
        self.overflow = self.overflow | (dropped & self.active)
        return lo

    def window(self, t1, t2):
        """(t, dw, mask), each (W, E): the W entries from the first of NEST's window (t1, t2]
        on; ``mask``: those in the window (for rules that only sum over it: no per-entry
        loop). ``wide`` marks the lanes whose window is longer than W (the caller asks
        again with a larger W)."""
        k0, k1 = self.first(t1), self.first(t2)
        n = k1 - k0
        self.wide = self.wide | (self.active & (n > self.W))
        j = jnp.arange(self.W, dtype=k0.dtype)[:, None]
        slot = ints.rem(k0[None, :] + j, self._H)
        mask = (j < n[None, :]) & self.active[None, :]
        tgt = self._tgt[None, :]
        return self._a[f"{self._pre}_t"][slot, tgt], self._a[f"{self._pre}_dw"][slot, tgt], mask

    def walk(self, k0, k1, step_fn, carry):
        """``carry = step_fn(carry, t_entry, dw)`` for each edge's entries k0 <= k < k1,
        oldest first (as NEST walks its history), as many iterations as the longest window
        (lanes past their window keep their carry)."""
        n = jnp.where(self.active, k1 - k0, 0)

        def body(j, c):
            t_e, dw = self.entry(k0 + j)
            new = step_fn(c, t_e, dw)
            return tuple(jnp.where(j < n, a, b) for a, b in zip(new, c))

        return lax.fori_loop(0, jnp.max(n, initial=0), body, tuple(carry))


class ClopathView(HistoryView):
    """Clopath histories: the LTP history and NEST's get_LTD_value."""

    def __init__(self, arch: dict, tgt, active, consts=None):
        super().__init__(arch, tgt, active, "ltp")

    def ltd_value(self, t):
        """The LTD entry within stdp_eps of t, else 0 (also for t < 0)."""
        te = self._a["ltd_t"][:, self._tgt]
        hit = jnp.abs(t - te) < NEST_EPS
        first = jnp.argmax(hit, axis=0)
        dw = jnp.take_along_axis(self._a["ltd_dw"][:, self._tgt], first[None, :], 0)[0]
        return jnp.where((t >= 0.0) & hit.any(axis=0), dw, 0.0)


class UrbanczikView(HistoryView):
    """The dendritic error history and the targets' dendritic constants (``g_L``, ``C_m``,
    ``tau_L`` = C_m / g_L, ``tau_syn_ex``, ``tau_syn_in``: NEST's get_*(1)). The history
    grows by one entry per step, so a window holds the steps since the sender's last spike:
    it is read WINDOWS entries at a time first, the whole ring only where those fall short."""

    WINDOWS = (256, 2048)

    def __init__(self, arch: dict, tgt, active, consts, W: int = 0):
        super().__init__(arch, tgt, active, "urb", W)
        for k in ("g_L", "C_m", "tau_syn_ex", "tau_syn_in"):
            setattr(self, k, consts[k][tgt])
        self.tau_L = self.C_m / self.g_L


VIEWS = {"clopath": ClopathView, "urbanczik": UrbanczikView, "eprop": eprop_archive.EpropView}


def read(kind: str, arch: dict, consts, tgt, active, fn):
    """(fn(view), overflow) for the lanes ``active``, with the view of the archive ``kind``;
    a view with WINDOWS tiers is read through the narrowest tier that holds every active
    lane's window (a delivery costs the steps since the sender's last spike, not the ring)."""
    cls = VIEWS[kind]
    if not getattr(cls, "WINDOWS", ()):
        view = cls(arch, tgt, active, consts)
        return fn(view), view.overflow

    def on(W):
        view = cls(arch, tgt, active, consts, W)
        return fn(view), view.overflow, view.wide

    H = cls(arch, tgt, active, consts).W
    tiers = [w for w in cls.WINDOWS if w < H]
    out = on(tiers[0] if tiers else 0)
    for W in tiers[1:] + [0] * bool(tiers):  # 0: the whole ring
        out = lax.cond(jnp.any(out[2]), lambda c, W=W: on(W), lambda c: c, out)
    return out[0], out[1]


def target_constants(groups, params_of, n: int) -> dict:
    """Per row: the Urbanczik archivers' dendritic constants (1 elsewhere)."""
    out = {k: np.ones(n) for k in ("g_L", "C_m", "tau_syn_ex", "tau_syn_in")}
    for g in groups:
        if is_archiver(g.impl, "urbanczik"):
            p = params_of(g)
            for k, key in (("g_L", "g_L.p"), ("C_m", "C_m.p"), ("tau_syn_ex", "tau_syn_ex.p"),
                           ("tau_syn_in", "tau_syn_in.p")):
                out[k][g.offset:g.offset + g.n] = np.broadcast_to(p[key], (g.n,))
    return out
