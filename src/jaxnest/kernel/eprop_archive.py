"""The e-prop history (NEST's EpropArchivingNode) that eprop_synapse's gradients read.

A voltage-archive kind (kernel/voltage_archive.py, kind ``"eprop"``): compiled only where
eprop_synapse connections exist. Per neuron row, one entry per time step t (NEST's history
entry at ``t``, the step's origin in steps), in rings of ``H`` steps indexed by t mod H:

- ``ep_t``: the step the slot holds (-1: none yet);
- ``ep_psi``: a recurrent neuron's surrogate gradient (1/mV), a readout's error signal;
- ``ep_reg``: a recurrent neuron's firing-rate regularization term c_reg (f_av - f_target);
- ``ep_L``: the learning signal, the readouts' error signals times the feedback weights.
  NEST writes a learning-signal event of stamp s into the entry s - 2 (delay_rec_out +
  delay_out_rec), before the spikes of the same slice are delivered: here the value the
  secondary ring holds for step A (:func:`write_learning_signal`, called at the start of
  slice A, one step per slice) goes to entry A - 2.

Per row also the target's constants the gradient needs (written each step: P_v_m, kappa,
kappa_reg, adapt_beta, P_adapt, the cutoff in steps, readout or not) and the newest step
``ep_last``. Rows with incoming eprop_synapse connections (``mask``: NEST's eprop_indegree
> 0) write entries. At each slice start ``ep_lo`` is the oldest entry a connection may still
read (:func:`needed_from`); overwriting one, or a synapse reading one the ring dropped, sets
the overflow flag and the runtime reruns the chunk with longer rings (the chunk's start
still holds them). NEST erases entries no synapse needs any more; the kept entries are the
same, so the gradients are too. What shows the erasure: ``learning_signal`` (0 where entry
t - 2 lies before the oldest entry NEST keeps, ``ep_front``; NEST's erasures inside the
history with a finite ``eprop_isi_trace_cutoff`` are not followed) and
eprop_history_duration (the count of NEST's kept entries: kernel/eprop_history.py).

The bsshslm_2020 neurons (:func:`is_bsshslm`) keep their history here too, as NEST's
EpropArchivingNode<true>: a recurrent neuron's entry t holds its surrogate gradient and, at
the last step of each update interval, the interval's firing-rate regularization
c_reg (n_spikes / U - f_target h) / U (``ep_nspk`` counts the spikes); its learning signals
arrive one step later (entry A - 3 at slice A). A readout's entry t - 1 holds the error
signal of step t (in ``ep_psi`` and ``ep_L``: the signal the synapse reads, whatever the
target). Per row also the update interval, learning window (steps), the history shift (2
recurrent, 3 readout), P_z_in and the flush interval (steps, inf elsewhere) that
eprop_synapse_bsshslm_2020 reads, and every row's newest spike stamp ``ep_spk``: its flush
events are sent at their time (:func:`flush_due`), after which a connection reads nothing
before its sender's next spike, so a silent sender holds its targets' histories for one
flush interval, not until it spikes again. NEST erases, at each interval start, the
intervals no connection accumulates between the oldest and the newest one some connection
does: never the previous interval, which the recorded ``learning_signal`` (entry t - 3)
reaches back to, but the first steps (0 .. shift - 1) at the first interval start.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .fusion import materialised

RINGS = ("ep_t", "ep_psi", "ep_reg", "ep_L")
CONSTS = ("ep_Pv", "ep_kappa", "ep_kreg", "ep_beta", "ep_Pa", "ep_cut", "ep_ro", "ep_last",
          "ep_lo", "ep_front", "ep_over", "ep_Pz", "ep_U", "ep_W", "ep_shift", "ep_lsh",
          "ep_flush", "ep_nspk", "ep_ls", "ep_spk")
SHIFT = 2   # NEST's delay_rec_out + delay_out_rec (steps)
BSS_SHIFT = 3  # the same for the bsshslm_2020 neurons, + delay_out_norm


def is_archiver(impl) -> bool:
    """An e-prop neuron with NEST's (non-bsshslm) e-prop history."""
    params = getattr(impl, "params", None) or {}
    return "eprop_isi_trace_cutoff" in params


def is_bsshslm(impl) -> bool:
    """A bsshslm_2020 e-prop neuron (its history as NEST's EpropArchivingNode<true>)."""
    params = getattr(impl, "params", None) or {}
    return "__eprop_update_interval" in params


def is_readout(impl) -> bool:
    return "surrogate_gradient_height" not in (getattr(impl, "params", None) or {})


def new_rings(H: int, n: int) -> dict:
    out = {k: np.zeros((H, n)) for k in RINGS}
    out["ep_t"][:] = -1.0
    out.update({k: np.zeros(n) for k in CONSTS})
    out["ep_last"][:] = -1.0
    out["ep_lsh"][:] = SHIFT
    out["ep_flush"][:] = np.inf
    out["ep_lo"][:] = np.inf
    out["ep_front"][:] = -np.inf
    out["ep_spk"][:] = -np.inf
    return out


def resize(arch: dict, H: int) -> dict:
    """The e-prop rings of ``arch`` with H slots (entries keep their steps)."""
    n = arch["ep_t"].shape[1]
    out = new_rings(H, n)
    for k in CONSTS:
        out[k] = np.array(arch[k])
    t = np.asarray(arch["ep_t"])
    r, c = np.nonzero(t >= 0)
    slot = np.mod(t[r, c], H).astype(np.int64)
    keep = t[r, c] > np.asarray(arch["ep_last"])[c] - H
    for k in RINGS:
        out[k][slot[keep], c[keep]] = np.asarray(arch[k])[r[keep], c[keep]]
    return out


def entry(arch: dict, first: int, n: int, new: dict, p: dict, props: dict, mask, step,
          h: float, readout: bool, sec=None, bss: bool = False) -> tuple:
    """The entry of ``step`` for rows first..first+n after their update (``new``: their new
    state, ``p``/``props`` their parameters and propagators), where ``mask``, for
    :func:`commit`. Returns (entry, ``new`` with a recurrent row's ``learning_signal``: NEST's
    entry step - 2, i.e. this step's learning-signal input (``sec``, the secondary input),
    where ``mask``, 0 elsewhere: no history); ``bss``: a bsshslm_2020 model
    (:func:`_bss_entry`). Reads ``arch`` as the step found it: the groups' rows differ, so
    their entries are written together afterwards."""
    cols = jnp.arange(first, first + n)
    H = arch["ep_t"].shape[0]
    on = jnp.broadcast_to(mask[cols], (n,))
    f = jnp.float64
    t_entry = step - 1 if (bss and readout) else step  # bsshslm readouts: one step back
    slot = (t_entry % H).astype(jnp.int32)
    if readout:
        psi, reg = jnp.asarray(new["error_signal"], f), jnp.zeros(n, f)
        kappa = kreg = beta = Pa = jnp.zeros(n, f)
    else:
        psi = jnp.asarray(new["surrogate_gradient"], f)
        reg = None if bss else jnp.asarray(new["fr_reg"], f)
        kappa = jnp.broadcast_to(p["kappa"], (n,)) if not bss else jnp.zeros(n, f)
        kreg = jnp.broadcast_to(p["kappa_reg"], (n,)) if not bss else jnp.zeros(n, f)
        beta = jnp.broadcast_to(p.get("adapt_beta", 0.0), (n,))
        Pa = jnp.broadcast_to(props.get("P_adapt", 0.0), (n,))
    consts = {"ep_Pv": jnp.broadcast_to(props["P_v_m"], (n,)), "ep_kappa": kappa,
              "ep_kreg": kreg, "ep_beta": beta, "ep_Pa": Pa,
              "ep_ro": jnp.full(n, 1.0 if readout else 0.0),
              "ep_last": jnp.full(n, t_entry, f)}
    ls = None
    if bss:
        reg, extra, ls = _bss_entry(arch, cols, n, new, p, props, step, h, readout)
        consts.update(extra)
    else:
        consts["ep_cut"] = jnp.broadcast_to(props["eprop_cutoff_steps"], (n,))
    vals = {"ep_t": jnp.full(n, t_entry, f), "ep_psi": psi, "ep_reg": reg,
            "ep_L": psi if (bss and readout) else jnp.zeros(n, f)}
    # the slot's entry (if any: t_entry - H or older) is one a connection may still read:
    # longer rings (not read from the ring: no read of a ring in the step, so XLA writes
    # the rings in place)
    old = t_entry - H
    lost = on & (old >= 0.0) & (old >= arch["ep_lo"][cols])
    row = jnp.where(on & (t_entry >= 0), slot, H)  # rows without a history: dropped
    ent = {"cols": cols, "row": row, "lost": lost, "vals": vals, "always": {},
           "consts": {k: jnp.where(on, jnp.asarray(v, f), arch[k][cols])
                      for k, v in consts.items()}}
    if bss and not readout:  # a sender's flush interval, whatever its history
        ent["always"]["ep_flush"] = jnp.broadcast_to(props["flush_steps"], (n,)).astype(f)
        new = dict(new, learning_signal=jnp.where(on, ls, 0.0))
    elif not readout and "learning_signal" in new:
        ls = sec[0, first:first + n] if sec is not None else jnp.zeros(n, f)
        # NEST erases the entries before the oldest its connections read (ep_front): a
        # step whose entry t - 2 is gone shows the next kept entry's, 0 (not written yet)
        kept = step - SHIFT >= arch["ep_front"][cols]
        new = dict(new, learning_signal=jnp.where(on & kept, ls, 0.0))
    return ent, new


def commit(arch: dict, entries: list) -> dict:
    """Write the entries of one step (:func:`entry`, one per group) into ``arch``: one
    scatter per ring for all groups. Written group by group, with reads of the rings in
    the step, XLA copied the 6.6 MB rings of the sine-waves example five times a step."""
    if not entries:
        return arch
    cols = jnp.concatenate([e["cols"] for e in entries])
    row = jnp.concatenate([e["row"] for e in entries])
    out = dict(arch)
    out["ep_over"] = arch["ep_over"].at[cols].max(
        jnp.concatenate([e["lost"] for e in entries]).astype(jnp.float64))
    for k in RINGS:
        v = jnp.concatenate([jnp.asarray(e["vals"][k], jnp.float64) for e in entries])
        out[k] = arch[k].at[row, cols].set(v, mode="drop")
    for part in ("consts", "always"):
        for k in dict.fromkeys(k for e in entries for k in e[part]):
            has = [e for e in entries if k in e[part]]
            c = jnp.concatenate([e["cols"] for e in has])
            out[k] = out[k].at[c].set(jnp.concatenate([e[part][k] for e in has]))
    return out


def _bss_entry(arch, cols, n, new, p, props, step, h, readout):
    """A bsshslm_2020 row's step: (its entry's firing-rate term, its constants, its recorded
    learning signal). The recurrent neurons count their spikes per update interval and, at
    its last step, store c_reg (f_av - f_target h) / U; they show the learning signal of
    entry step - 3 (0 for the entries NEST erases at the first interval start)."""
    f = jnp.float64
    U = jnp.broadcast_to(props["update_steps"], (n,)).astype(f)
    shift = BSS_SHIFT if readout else SHIFT
    istep = jnp.fmod(jnp.asarray(step, f) - shift, U)  # C++ %: negative before interval 0
    consts = {"ep_cut": jnp.full(n, jnp.inf), "ep_Pz": jnp.broadcast_to(props["P_z_in"], (n,)),
              "ep_U": U, "ep_W": jnp.broadcast_to(props["window_steps"], (n,)),
              "ep_shift": jnp.full(n, float(shift)), "ep_lsh": jnp.full(n, float(BSS_SHIFT))}
    if readout:
        return jnp.zeros(n, f), consts, None
    count = arch["ep_nspk"][cols] + jnp.asarray(new["z"], f)
    end = istep == U - 1.0
    reg = jnp.where(end, p["c_reg"] * (count / U - p["f_target"] * h) / U, 0.0)
    ls = jnp.where(step - BSS_SHIFT >= shift, arch["ep_ls"][cols], 0.0)
    consts.update(ep_nspk=jnp.where(end, 0.0, count))
    return jnp.broadcast_to(reg, (n,)), consts, ls


def needed_from(arch: dict, sets, A) -> dict:
    """``ep_lo``: per row, the oldest entry a connection may still read, from the e-prop
    edge sets ``sets`` ((first entry still to read, its window's first entry, spiked,
    target row, valid) each, :func:`reads_from`) at the start of slice A: the least entry
    still to read of the connections that spiked whose window (to its first entry +
    cutoff) reaches the entry overwritten next (A - H). An entry >= ``ep_lo`` overwritten in
    the slice sets ``ep_over`` (the runtime reruns the chunk with longer rings: the chunk's
    start still holds it). ``ep_front`` (what NEST keeps) follows the windows' first
    entries. A window's first entry None: a window without end that starts at the entry
    still to read (bsshslm_2020), one scatter for both."""
    H = arch["ep_t"].shape[0]
    lo = jnp.full(arch["ep_lo"].shape, jnp.inf)
    front = lo
    for b, first, spiked, tgt, valid in sets:
        spiked = (valid != 0) & spiked
        if first is None:
            least = lo.at[tgt].min(jnp.where(spiked, b, jnp.inf))
            lo, front = jnp.minimum(lo, least), jnp.minimum(front, least)
            continue
        end = first + arch["ep_cut"][tgt]
        live = spiked & (end > A - H) & (b < end)
        lo = lo.at[tgt].min(jnp.where(live, b, jnp.inf))
        front = front.at[tgt].min(jnp.where(spiked, first, jnp.inf))
    return dict(arch, ep_lo=lo, ep_front=jnp.where(jnp.isinf(front), -jnp.inf, front))


def reads_from(s: dict):
    """(first entry still to read, first entry of the window, spiked) of e-prop connections
    (their state ``s``): eprop_synapse from t_spike_previous - 1 on, less the steps walked
    already (synapses/eprop_gradient.on_step); eprop_synapse_bsshslm_2020 from its walk's
    pending window (``t_walk`` - 2; the window's first entry None: it has no end), none
    after a flush event (its sender's next spike starts anew)."""
    if "t_walk" in s:
        b = s["t_walk"] - 2.0
        return b, None, (s["t_walk"] > 0.0) & (s["previous_was_flush"] == 0.0)
    first = s["t_spike_previous"] - 1.0
    return first + s["walked"], first, s["t_spike_previous"] > 0.0


def sent(arch: dict, S, A) -> dict:
    """``ep_spk``: the rows' newest spike stamps (steps), with the spikes S (D x R) of the
    slice starting at step A (stamps A + k + 1), delivered now."""
    n = arch["ep_spk"].shape[0]
    fired = S[:, :n] != 0
    k = S.shape[0] - 1 - jnp.argmax(fired[::-1], axis=0)
    return dict(arch, ep_spk=jnp.where(jnp.any(fired, axis=0), A + k + 1.0, arch["ep_spk"]))


def flush_due(arch: dict, A):
    """The rows (senders) with a flush event some connection acts on before slice A, its
    first step: F (``ep_flush``) after the newest spike X, or 2 F where a recurrent target
    drops the first (synapses/eprop_gradient._next_flush; a connection checks its own)."""
    X, F = arch["ep_spk"], arch["ep_flush"]
    return (A - 1.0 == X + F) | (A - 1.0 == X + 2.0 * F)


def write_learning_signal(arch: dict, values, A) -> dict:
    """Add the learning signals (N,) arriving for step A to the entries A - SHIFT
    (bsshslm_2020: A - BSS_SHIFT, ``ep_lsh``) of the recurrent rows that keep them (NEST:
    where no such entry exists, nothing is written)."""
    H = arch["ep_t"].shape[0]
    n = arch["ep_t"].shape[1]
    t = A - arch["ep_lsh"]
    slot = (t % H).astype(jnp.int32)
    cols = jnp.arange(n)
    ok = (arch["ep_t"][slot, cols] == t) & (t >= 0) & (arch["ep_ro"] == 0.0)
    vals = jnp.where(ok, jnp.asarray(values[:n], jnp.float64), 0.0)
    ep_L = arch["ep_L"].at[slot, cols].add(vals)
    # the entries' learning signals as the bsshslm recurrent rows show them in this step
    # (min_delay is one step with e-prop): read here, not in the step (see commit)
    return dict(arch, ep_L=ep_L, ep_ls=jnp.where(ok, ep_L[slot, cols], 0.0))


class EpropView:
    """The targets' e-prop histories and constants as eprop_synapse sees them (arrays over
    edges); ``entry(t)`` the (psi or error, learning signal, firing-rate term) of step t;
    ``stepped``: the kernel runs the rule's ``on_step`` each slice (consts ``ep_stepped``);
    ``h``: the resolution (ms, a number: consts ``ep_res``)."""

    def __init__(self, arch: dict, tgt, active, consts):
        self._a, self._tgt, self.active = arch, tgt, active
        self._H = arch["ep_t"].shape[0]
        self.stepped = consts.get("ep_stepped", 0.0)  # on_step ran: windows walked
        self.h = consts["ep_res"]
        for k in CONSTS[:CONSTS.index("ep_Pz")]:
            setattr(self, k[3:], arch[k][tgt])
        self.overflow = jnp.zeros(tgt.shape, bool)

    def bsshslm(self, src=None):
        """The bsshslm_2020 constants of the targets (``Pz``, ``U``, ``W``, ``shift``) and,
        given ``src`` (the senders' rows), the senders' flush intervals (``flush``, inf for
        rows without one), read once before the walks."""
        for k in ("ep_Pz", "ep_U", "ep_W", "ep_shift"):
            setattr(self, k[3:], self._a[k][self._tgt])
        if src is not None:
            self.flush = jnp.take(self._a["ep_flush"], src.astype(jnp.int32), mode="fill",
                                  fill_value=jnp.inf)

    def _slot(self, t):
        """The ring slot of step t (float)."""
        return (jnp.maximum(t, 0.0) % self._H).astype(jnp.int32)

    def _found(self, t, on):
        """(slot, the lanes' targets hold entry t, ``gone``: it left the ring) for the lanes
        ``on``."""
        slot = self._slot(t)
        ok = (self._a["ep_t"][slot, self._tgt] == t) & (t >= 0.0)
        return slot, ok, on & self.active & ~ok & (t <= self.last - self._H)

    def field(self, t, on, key: str):
        """One value of the entries at step t (``key``: "ep_psi", "ep_L" or "ep_reg"), 0
        where the ring holds no such entry, and the lanes' ``gone`` (as :meth:`entry`)."""
        slot, ok, gone = self._found(t, on)
        return jnp.where(ok, self._a[key][slot, self._tgt], 0.0), gone

    def rows(self, t, *keys: str):
        """Values of the entries at step t, the same for all lanes (a number), 0 where a
        target's ring holds no such entry: picked per target into memory, then gathered per
        lane (fused into the gathers, the pick ran per lane: 160 us a step in lemniscate).
        For the slice hook's entries (the newest complete ones and the learning signal two
        steps before), which no ring has dropped (they hold at least 16)."""
        slot = self._slot(t)
        ok = (self._a["ep_t"][slot] == t) & (t >= 0.0)
        picked = materialised([jnp.where(ok, self._a[k][slot], 0.0) for k in keys])
        return [v[self._tgt] for v in picked]

    def entry(self, t, on):
        """(psi, L, reg, gone) at step t (float) for the lanes ``on``; ``gone``: the entry
        left the ring (the caller accumulates it into ``overflow``, outside its loops)."""
        slot, ok, gone = self._found(t, on)
        a, tg = self._a, self._tgt
        z = lambda k: jnp.where(ok, a[k][slot, tg], 0.0)  # noqa: E731
        return z("ep_psi"), z("ep_L"), z("ep_reg"), gone
