"""eprop_synapse's learning rule (NEST 3.10's compute_gradient of the e-prop neurons and its
WeightOptimizer), per connection, at each presynaptic spike (stamp t_spike, in steps).

From the previous spike's stamp t_prev on, the rule walks the target's e-prop history
(kernel/eprop_archive.py) over the steps t_prev - 1 .. t_prev - 2 + min(isi, cutoff)
(``eprop_isi_trace_cutoff`` in steps): z_bar = P_v_m z_bar + z (z: the presynaptic spike,
one step late), and

- recurrent targets: e = psi (z_bar - adapt_beta epsilon), epsilon = P_adapt epsilon + e,
  e_bar = kappa e_bar + e, e_bar_reg = kappa_reg e_bar_reg + (1 - kappa_reg) e, gradient
  increment L e_bar + fr_reg e_bar_reg (no adaptation: adapt_beta = 0);
- readouts: increment E z_bar (E the readout's error signal).

With ``optimize_each_step`` each increment goes to the optimizer at index t + 1, else their
sum at t_spike - 1. The traces then decay over the steps past the cutoff. The optimizer
(NEST's WeightOptimizer, one per connection) sums gradients and, when ``1 + idx //
batch_size`` passes its step, divides by batch_size and updates: gradient descent ``w -=
eta g``; Adam once per step passed (zero gradient after the first), then clips to [Wmin,
Wmax]. Its eta is the common eta at its previous update (1e-4 before the first; the first
eta set, once eta was changed).

NEST's flush events (``flush_event_send_interval``) split a walk in two without changing
it; here there are none (a weight_recorder misses the entries NEST records at them).

NEST walks at the spike. Here connections that optimize once per spike walk step by step
(:func:`on_step`, the kernel's per-slice hook; e-prop's one-step delays make every slice one
step): each entry as soon as it is complete (entry A - 2 at slice A's start, its learning
signal written, before the slice's spikes), the same steps in the same order, so a spike
finds its window walked and a delivery costs no walk, and the histories hold a few steps
instead of the longest window. A target's walk parameters (tau_m, kappa, ...) or the
optimizer's optimize_each_step changed while such a window is open are refused
(synapses/eprop.walks_kept): NEST would read them at the spike for the whole window.
Connections that optimize each step walk at the spike (their optimizer reads eta,
batch_size, Wmin and Wmax as they are then).

eprop_synapse_bsshslm_2020 (:func:`on_pre_bsshslm`, NEST's bsshslm send and the bsshslm
neurons' compute_gradient) learns per update interval U (``eprop_update_interval``, in
steps; intervals start ``shift`` steps late: 2 for recurrent targets, 3 for readouts): the
presynaptic ISIs of an interval, clipped to its end E, are walked from its first spike
(z = 1 at each spike, traces from 0): z_bar = P_v_m z_bar + P_z_in z; recurrent targets
e = psi (z_bar - adapt_beta epsilon), epsilon = P_adapt epsilon + e, e_bar = kappa e_bar +
(1 - kappa) e (kappa of the connection's tau_m_readout), sum L e_bar and the sum of e times
the interval's firing-rate term; readouts sum E z_bar; divided by the learning window with
``average_gradient``. The first spike after E adds this to the connection's gradient and
(not for a flush event) optimizes the weight at index (t_spike - shift) // U. Here the walk
advances each step (:func:`on_step_bsshslm`; an event walks the steps since, at most one:
the same steps in the same order); a step's learning signal, which
arrives 3 steps after its entry, is added two steps later, or at the interval's end as NEST
reads it then. Spikes at a recurrent target's interval start are not delivered (NEST).
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from ..kernel.fusion import materialised

HIDDEN = {"t_spike_previous": 0.0, "z_bar": 0.0, "e_bar": 0.0, "e_bar_reg": 0.0,
          "epsilon": 0.0, "z_previous_buffer": 0.0, "gradient": 0.0, "decay_steps": 0.0,
          "opt_cumulative": 0.0, "opt_step": 1.0, "opt_eta": 1.0e-4, "opt_n": 0.0,
          "opt_m": 0.0, "opt_v": 0.0, "opt_beta_1_power": 1.0, "opt_beta_2_power": 1.0,
          "walked": 0.0}
"""Per connection: NEST's eprop_synapse state and its optimizer's (step counts as floats), and
the steps walked since the sender's last spike (:func:`on_step`)."""

COMMON = ("__eta", "__batch_size", "__Wmin", "__Wmax", "__optimize_each_step", "__adam",
          "__beta_1", "__beta_2", "__epsilon", "__eta_first_change", "__eta_change_count")
"""The optimizer dict flattened for the kernel (kept in step by synapses/eprop.py)."""


def flatten(opt: dict, old: dict | None = None) -> dict:
    """The ``COMMON`` values of the optimizer dict ``opt`` (``old``: the flattened values
    before, for NEST's count of eta changes)."""
    first = old["__eta_first_change"] if old else 1.0e-4
    count = old["__eta_change_count"] if old else 0.0
    if old is not None and float(opt["eta"]) != old["__eta"]:
        if count == 0:
            first = float(opt["eta"])
        count += 1
    return {"__eta": float(opt["eta"]), "__batch_size": float(opt["batch_size"]),
            "__Wmin": float(opt["Wmin"]), "__Wmax": float(opt["Wmax"]),
            "__optimize_each_step": float(bool(opt["optimize_each_step"])),
            "__adam": float(opt["optimizer"] == "adam"), "__beta_1": float(opt.get("beta_1", 0.9)),
            "__beta_2": float(opt.get("beta_2", 0.999)),
            "__epsilon": float(opt.get("epsilon", 1.0e-7)),
            "__eta_first_change": first, "__eta_change_count": count}


def optimized_weight(p, o: dict, idx, g, w, on):
    """NEST's WeightOptimizer::optimized_weight for the lanes ``on`` (``o``: the per-lane
    optimizer state, ``idx`` the update index). Returns (o, w)."""
    first = (p["__eta_change_count"] != 0) & (o["opt_n"] == 0)
    eta = jnp.where(on & first, p["__eta_first_change"], o["opt_eta"])
    cum = jnp.where(on, o["opt_cumulative"] + g, o["opt_cumulative"])
    step = jnp.where(on & (o["opt_step"] == 0), idx, o["opt_step"])
    cur = 1.0 + jnp.floor(idx / p["__batch_size"])
    do = on & (step < cur)
    cum = jnp.where(do, cum / p["__batch_size"], cum)
    w_gd = w - eta * cum
    adam = p["__adam"] != 0

    def more(c):
        return jnp.any(do & adam & (c[0] < cur))

    def adam_step(c):
        st, b1p, b2p, m, v, ww, cg = c
        lane = do & adam & (st < cur)
        b1p_n, b2p_n = b1p * p["__beta_1"], b2p * p["__beta_2"]
        alpha = eta * jnp.sqrt(1.0 - b2p_n) / (1.0 - b1p_n)
        m_n = p["__beta_1"] * m + (1.0 - p["__beta_1"]) * cg
        v_n = p["__beta_2"] * v + (1.0 - p["__beta_2"]) * cg * cg
        w_n = ww - alpha * m_n / (jnp.sqrt(v_n) + p["__epsilon"])
        pick = lambda a, b: jnp.where(lane, a, b)  # noqa: E731
        return (pick(st + 1.0, st), pick(b1p_n, b1p), pick(b2p_n, b2p), pick(m_n, m),
                pick(v_n, v), pick(w_n, ww), pick(0.0, cg))

    _, b1p, b2p, m, v, w_adam, _ = lax.while_loop(
        more, adam_step, (step, o["opt_beta_1_power"], o["opt_beta_2_power"], o["opt_m"],
                          o["opt_v"], w, cum))
    w_new = jnp.where(adam, w_adam, w_gd)
    w_new = jnp.where(w_new < p["__Wmin"], p["__Wmin"],
                      jnp.where(p["__Wmax"] < w_new, p["__Wmax"], w_new))
    o = dict(o, opt_cumulative=jnp.where(do, 0.0, cum),
             opt_eta=jnp.where(do, p["__eta"], eta), opt_n=o["opt_n"] + do,
             opt_step=jnp.where(do, cur, step), opt_m=m, opt_v=v,
             opt_beta_1_power=b1p, opt_beta_2_power=b2p)
    return o, jnp.where(do, w_new, w)


_TRACES = ("z_bar", "e_bar", "e_bar_reg", "epsilon", "z_previous_buffer", "gradient")
_OPT = tuple(k for k in HIDDEN if k.startswith("opt_"))


def _walk_step(tr, post, te, on, z_cur, each, at_step: bool = False):
    """One step of the walk (entry te) for the lanes ``on``: (traces, increment, gone);
    ``z_cur``: the z the step leaves for the next (1 on a walk's first step); ``at_step``:
    te is the slice hook's entry, one step for all lanes (read as the targets' rows: see
    :func:`_walk_one`)."""
    if at_step:
        (psi, L, reg), gone = post.rows(te, "ep_psi", "ep_L", "ep_reg"), False
    else:
        psi, L, reg, gone = post.entry(te, on)
    z = tr["z_previous_buffer"]
    z_bar = post.Pv * tr["z_bar"] + z
    e = psi * (z_bar - post.beta * tr["epsilon"])
    e_bar = post.kappa * tr["e_bar"] + e
    e_bar_reg = post.kreg * tr["e_bar_reg"] + (1.0 - post.kreg) * e
    inc = jnp.where(post.ro != 0.0, psi * z_bar, L * e_bar + reg * e_bar_reg)
    grad = jnp.where(each, inc, tr["gradient"] + inc)
    new = {"z_bar": z_bar, "e_bar": e_bar, "e_bar_reg": e_bar_reg,
           "epsilon": post.Pa * tr["epsilon"] + e, "gradient": grad}
    new, on = materialised((new, on))  # see _walk_one
    out = {k: jnp.where(on, v, tr[k]) for k, v in new.items()}
    out["z_previous_buffer"] = jnp.where(on, z_cur, tr["z_previous_buffer"])
    return out, new["gradient"], gone


def _stepwise(p):
    """The lanes that walk step by step (:func:`on_step`): those that optimize once per
    spike. A lane that optimizes each step walks at the spike, where NEST's optimizer reads
    eta, batch_size, Wmin and Wmax as they are then."""
    return p["__optimize_each_step"] == 0


def on_step(p, s, te, post):
    """The walk's step of entry te (complete at the slice start that calls this, before the
    slice's spikes arrive) for the lanes :func:`_stepwise` whose window reaches it: at the
    sender's next spike the window is walked, the same steps in the same order, so a
    delivery costs no walk. ``walked`` counts the steps since the sender's last spike (a
    window that did not start so, the optimizer switched in between, is walked at the
    spike)."""
    t_prev, j = s["t_spike_previous"], s["walked"]
    on = post.active & _stepwise(p) & (t_prev != 0.0) & (j < post.cut) & (te == t_prev - 1.0 + j)
    tr = {k: s[k] for k in _TRACES}
    tr["gradient"] = jnp.where(j == 0.0, 0.0, tr["gradient"])  # a window's sum from 0
    tr, _, _ = _walk_step(tr, post, te, on, jnp.where(j == 0.0, 1.0, 0.0), False,
                          at_step=True)
    return dict(s, **tr, walked=j + on)


def on_pre(p, s, t, post):
    """eprop_synapse's send: the gradient walk and weight update of the acting lanes
    (``post``: kernel/eprop_archive.EpropView); lanes :func:`_stepwise` find theirs walked
    (with min_delay one step; else they walk here)."""
    act = s["active"]
    t_spike = jnp.round(t / post.h)
    t_prev = s["t_spike_previous"]
    learn = act & (t_prev != 0.0)
    isi = t_spike - t_prev
    n = jnp.minimum(post.cut, isi)
    walked = _stepwise(p) & (post.stepped != 0) & (s["walked"] == n)
    n = jnp.where(learn & ~walked, n, 0.0)
    t_begin = t_prev - 1.0
    each = p["__optimize_each_step"] != 0
    w0 = jnp.asarray(s["weight"], jnp.float64)
    tr = {k: s[k] for k in _TRACES}
    tr["gradient"] = jnp.where(learn & ~(walked & (s["walked"] > 0)), 0.0, tr["gradient"])
    opt = {k: s[k] for k in _OPT}

    def walk(step_opt: bool):
        """The walk; ``step_opt``: the optimizer at every step (run only when some lane
        optimizes each step: without it the sine-waves example's 1,000 steps took 14.3
        instead of 23.2 s)."""
        def body(j, c):
            tr, opt, w, z_cur, gone = c
            on = j < n
            te = t_begin + j
            tr, grad, g = _walk_step(tr, post, te, on, z_cur, each)
            if step_opt:
                opt, w = optimized_weight(p, opt, te + 1.0, grad, w, on & each)
            return tr, opt, w, jnp.where(on, 0.0, z_cur), gone | g

        def run(c0):
            return lax.fori_loop(0, jnp.max(n, initial=0.0).astype(jnp.int32), body, c0)
        return run

    c0 = (tr, opt, w0, jnp.ones_like(w0), jnp.zeros(w0.shape, bool))
    tr, opt, w, _, gone = lax.cond(jnp.any(act & each), walk(True), walk(False), c0)
    post.overflow = post.overflow | gone
    n = jnp.where(walked, s["walked"], n)  # the steps walked, here or before
    rest = isi - n
    decay = jnp.where(learn, s["decay_steps"] + rest, s["decay_steps"])
    fade = learn & (decay > 0)
    for k, f in (("z_bar", post.Pv), ("e_bar", post.kappa), ("e_bar_reg", post.kreg)):
        tr[k] = jnp.where(fade, tr[k] * jnp.power(f, decay), tr[k])
    tr["epsilon"] = jnp.where(fade & (post.beta != 0), tr["epsilon"] * jnp.power(post.Pa, decay),
                              tr["epsilon"])
    decay = jnp.where(fade, 0.0, decay)
    opt, w = optimized_weight(p, opt, t_begin + n + rest, tr["gradient"], w, learn & ~each)
    return dict(s, weight=w, **tr, **opt, decay_steps=decay,
                walked=jnp.where(act, 0.0, s["walked"]),
                t_spike_previous=jnp.where(act, t_spike, t_prev))


# --- eprop_synapse_bsshslm_2020 ------------------------------------------------------------

HIDDEN_BSS = {"t_spike_previous": 0.0, "t_previous_update": 0.0, "t_next_update": 0.0,
              "previous_was_flush": 0.0, "gradient": 0.0, "t_flush": float("inf"),
              "t_walk": 0.0, "z_bar": 0.0, "e_bar": 0.0, "epsilon": 0.0, "g_walk": 0.0,
              "sum_e": 0.0, "walked": 0.0, "q1": 0.0, "q2": 0.0, "tq1": -1.0, "tq2": -1.0,
              **{k: v for k, v in HIDDEN.items() if k.startswith("opt_")}}
"""Per connection: NEST's eprop_synapse_bsshslm_2020 state (``t_next_update`` 0: one update
interval, as NEST's copy at Connect), the stamp of the sender's flush event it acts on next
(``t_flush``, inf: none), the walk of the current interval so far (its end ``t_walk``,
traces, the two newest steps' e_bar or z_bar ``q1``/``q2`` at ``tq1``/``tq2`` whose
learning signals may not have arrived yet) and the optimizer's state."""

_WALK = ("z_bar", "e_bar", "epsilon", "g_walk", "sum_e", "walked", "q1", "q2", "tq1", "tq2")


def _signal(post, t, X, on):
    """A step's learning signal (recurrent targets) or error signal (readouts) as NEST reads
    it at the event of stamp X: signals arrive 3 steps (readouts' errors 2) after their
    entry, so a later entry reads 0; with the lanes' ``gone``."""
    S, gone = post.field(t, on, "ep_L")  # bsshslm readouts keep their error there too
    return jnp.where(t <= X - 3.0 + (post.ro != 0.0), S, 0.0), gone


def _walk(post, w, b0, n, X, kappa, tsp):
    """NEST's compute_gradient over the steps [b0, b0 + n) of the presynaptic ISI block
    from the spike at ``tsp`` (z = 1 there), continued from the traces ``w`` (steps of
    :func:`_walk_one`)."""
    def body(j, c):
        w, gone = c
        w, g = _walk_one(post, w, b0 + j, j < n, X, kappa, tsp)
        return w, gone | g

    w, gone = lax.fori_loop(0, jnp.max(n, initial=0.0).astype(jnp.int32), body,
                            (w, jnp.zeros(n.shape, bool)))
    post.overflow = post.overflow | gone
    return w


def _walk_one(post, w, t, on, X, kappa, tsp, at_step: bool = False):
    """One step t of :func:`_walk` for the lanes ``on``: its e_bar (z_bar for readouts)
    waits two steps for its learning signal (:func:`_signal`), then adds L e_bar (E z_bar)
    to ``g_walk``. ``at_step``: t is the entry of the slice hook (:func:`on_step_bsshslm`),
    one step for all lanes, whose walks are contiguous (a lane on at t walked t - 1, and t - 2
    unless its walk began at t - 1): the entries are read as rows of the targets (a gather
    from a short vector, not from the rings per lane; none has left the ring). Returns
    (traces, gone)."""
    if at_step:
        (psi,), (S,) = post.rows(t, "ep_psi"), post.rows(t - 2.0, "ep_L")  # tq1: t - 2 or none
        g1 = g2 = False
    else:
        psi, g1 = post.field(t, on, "ep_psi")
        S, g2 = _signal(post, w["tq1"], X, on & (w["tq1"] >= 0.0))
    z_bar = post.Pv * w["z_bar"] + post.Pz * (t == tsp)
    e = psi * (z_bar - post.beta * w["epsilon"])
    e_bar = kappa * w["e_bar"] + (1.0 - kappa) * e
    new = {"z_bar": z_bar, "e_bar": e_bar, "epsilon": post.Pa * w["epsilon"] + e,
           "sum_e": w["sum_e"] + e,
           "g_walk": jnp.where(w["tq1"] >= 0.0, w["g_walk"] + S * w["q1"], w["g_walk"]),
           "q2": jnp.where(post.ro != 0.0, z_bar, e_bar)}
    # the new values and the mask computed once: fused into each field's select, XLA
    # recomputed them per field from ~20 lane arrays (lemniscate: 3.8 -> 2.9 ms a step);
    # the fields that only move select without (one array less to write and read)
    new, on = materialised((new, on))
    out = {k: jnp.where(on, v, w[k]) for k, v in new.items()}
    out.update(walked=jnp.where(on, 1.0, w["walked"]), q1=jnp.where(on, w["q2"], w["q1"]),
               tq1=jnp.where(on, w["tq2"], w["tq1"]), tq2=jnp.where(on, t, w["tq2"]))
    return out, g1 | g2


def _finish(post, w, X):
    """The interval's sum of L e_bar (E z_bar) with the waiting steps' signals as read at
    stamp X."""
    g = w["g_walk"]
    for q, tq in (("q1", "tq1"), ("q2", "tq2")):
        S, gone = _signal(post, w[tq], X, w[tq] >= 0.0)
        post.overflow = post.overflow | gone
        g = jnp.where(w[tq] >= 0.0, g + S * w[q], g)
    return g


def _reg(post, E, on):
    """The firing-rate term c_reg (f_av - f_target) / U of the interval ending at E (the
    recurrent targets store it at its last entry), that multiplies the sum of its
    eligibility traces; 0 for readouts."""
    _, _, reg, gone = post.entry(E - 1.0, on & (post.ro == 0.0))
    post.overflow = post.overflow | gone
    return jnp.where(post.ro != 0.0, 0.0, reg)


def _cleared(w: dict, at):
    """The walk's traces, started afresh on the lanes ``at``."""
    zero = {k: jnp.where(at, 0.0, v) for k, v in w.items()}
    zero["tq1"] = jnp.where(at, -1.0, w["tq1"])
    zero["tq2"] = jnp.where(at, -1.0, w["tq2"])
    return zero


def _interval_end(s, post):
    """The end E (steps) of a connection's current update interval (``t_next_update`` 0:
    the first, as NEST's copy at Connect), shifted as its target's history."""
    return jnp.where(s["t_next_update"] == 0.0, post.U, s["t_next_update"]) + post.shift


def _event(p, s, post, X, flush: bool, lanes, kappa):
    """NEST's eprop_synapse_bsshslm_2020::send of one event (stamp X, steps) for ``lanes``
    (``flush``: the sender's flush event). Returns (state, lanes whose spike is
    delivered)."""
    s = dict(s)
    pwf = s["previous_was_flush"] != 0.0
    live = lanes & ~pwf if flush else lanes
    w = {k: s[k] for k in _WALK}
    if not flush:  # the first spike after a flush event starts the interval's walk anew
        restart = live & pwf
        s["t_spike_previous"] = jnp.where(restart, X, s["t_spike_previous"])
        w = _cleared(w, restart)
        s["t_walk"] = jnp.where(restart, X, s["t_walk"])
    U, shift = post.U, post.shift
    drop = live & (post.ro == 0.0) & (jnp.fmod(X - shift, U) == 0.0)
    go = live & ~drop
    E = _interval_end(s, post)
    tsp = s["t_spike_previous"]
    s["t_walk"] = jnp.where(go & (s["t_walk"] == 0.0), X, s["t_walk"])
    b0 = jnp.minimum(jnp.maximum(tsp, s["t_walk"]), E)  # (on_step_bsshslm walked to t_walk)
    n = jnp.where(go & (tsp > 0.0), jnp.maximum(jnp.minimum(X, E) - b0, 0.0), 0.0)
    w = _walk(post, w, b0, n, X, kappa, tsp)
    s["t_walk"] = jnp.where(n > 0.0, b0 + n, s["t_walk"])
    trig = go & (X > E)
    walked = w["walked"] != 0.0  # (else the term multiplies nothing: not read)
    g = _finish(post, w, X) + _reg(post, E, trig & walked) * w["sum_e"]
    g = jnp.where(p["average_gradient"] != 0, g / post.W, g)
    grad = jnp.where(trig & walked & (tsp > 0.0), s["gradient"] + g,
                     s["gradient"])
    idx = jnp.floor((X - shift) / U)
    weight = jnp.asarray(s["weight"], jnp.float64)
    if not flush:
        opt_on = go & (trig | pwf)
        opt = {k: s[k] for k in s if k.startswith("opt_")}
        opt, weight = optimized_weight(p, opt, idx, grad, weight, opt_on)
        s.update(opt)
        grad = jnp.where(opt_on, 0.0, grad)
        s["t_spike_previous"] = jnp.where(go, X, s["t_spike_previous"])
    s.update(_cleared(w, trig), gradient=grad, weight=weight)
    s["t_walk"] = jnp.where(trig, X, s["t_walk"])
    s["t_previous_update"] = jnp.where(trig, idx * U, s["t_previous_update"])
    s["t_next_update"] = jnp.where(trig, idx * U + U, s["t_next_update"])
    s["previous_was_flush"] = jnp.where(go, float(flush), s["previous_was_flush"])
    return s, go


def _next_flush(post, X):
    """The stamp of the flush event after the sender's spike at X that the synapse acts on
    (NEST sends one ``flush_event_send_interval`` F after the sender's last event, the
    synapse ignores a flush after a flush and drops, on recurrent targets, one at an
    interval's start, then acts on the next, F later); inf: none (no flush interval, or the
    sender's spike in step 0)."""
    F = post.flush
    Fs = X + F
    at_start = (post.ro == 0.0) & (jnp.fmod(Fs - post.shift, post.U) == 0.0)
    Fs = jnp.where(at_start, jnp.where(jnp.fmod(F, post.U) == 0.0, jnp.inf, Fs + F), Fs)
    return jnp.where(X >= 2.0, Fs, jnp.inf)


def on_step_bsshslm(p, s, te, post):
    """The walk's step of entry te (complete at the slice start that calls this: its
    learning signal two steps later has arrived) for the connections whose walk has
    reached it, inside its interval, before a pending flush event (after which NEST reads
    nothing before the sender's next spike): an event then walks the steps since (at most
    one), the same steps in the same order (signals read inside a walk have always
    arrived; only :func:`_finish` reads them as at the event)."""
    tsp, tw = s["t_spike_previous"], s["t_walk"]
    post.bsshslm()
    E = _interval_end(s, post)
    on = (post.active & (tsp > 0.0) & (s["previous_was_flush"] == 0.0) & (tw == te)
          & (te >= tsp) & (te < E) & (te < s["t_flush"]))
    w, _ = _walk_one(post, {k: s[k] for k in _WALK}, te, on, jnp.inf,
                     jnp.exp(-post.h / p["tau_m_readout"]), tsp, at_step=True)
    return dict(s, **w, t_walk=jnp.where(on, te + 1.0, tw))


def on_flush_bsshslm(p, s, t, post):
    """eprop_synapse_bsshslm_2020's send of the flush events due before the slice starting
    at t (ms) for the acting lanes (their senders': ``s["source_row"]``), at their time as in
    NEST: a connection then reads no entry older than its sender's next spike, so the
    targets' histories need not keep them (kernel/eprop_archive.reads_from). Sends
    nothing."""
    post.bsshslm(s["source_row"])
    Fs = s["t_flush"]
    fl = s["active"] & (Fs < jnp.round(t / post.h))
    s = _event(p, dict(s), post, Fs, True, fl, jnp.exp(-post.h / p["tau_m_readout"]))[0]
    return dict(s, t_flush=jnp.where(fl, jnp.inf, Fs), sent=jnp.zeros_like(Fs),
                delivered=jnp.zeros(Fs.shape, bool))


def on_pre_bsshslm(p, s, t, post):
    """eprop_synapse_bsshslm_2020's send for the acting lanes (``post``:
    kernel/eprop_archive.EpropView; ``s["source_row"]`` the senders' rows): the sender's
    flush event since its last spike that :func:`on_flush_bsshslm` did not send (its
    interval changed between runs; here, before the spike, as at its stamp: signals that
    had not arrived then read 0), then the spike. Returns the state and ``sent`` (0 for
    spikes NEST does not deliver: at a recurrent target's interval start)."""
    act = s["active"]
    post.bsshslm(s["source_row"])
    X = jnp.round(t / post.h)
    kappa = jnp.exp(-post.h / p["tau_m_readout"])
    Fs = s["t_flush"]
    fl = act & (Fs < X)  # the sender's flush event since its last spike, in its place

    def flush(s):
        before, post.overflow = post.overflow, jnp.zeros_like(post.overflow)
        s = _event(p, s, post, Fs, True, fl, kappa)[0]
        gone, post.overflow = post.overflow, before
        return s, gone

    s, gone = lax.cond(jnp.any(fl), flush, lambda s: (s, jnp.zeros_like(fl)), dict(s))
    post.overflow = post.overflow | gone
    s, go = _event(p, s, post, X, False, act, kappa)
    s["t_flush"] = jnp.where(act, _next_flush(post, X), s["t_flush"])
    return dict(s, sent=jnp.where(go, s["weight"], 0.0), delivered=go)
