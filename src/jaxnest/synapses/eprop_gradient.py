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
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

HIDDEN = {"t_spike_previous": 0.0, "z_bar": 0.0, "e_bar": 0.0, "e_bar_reg": 0.0,
          "epsilon": 0.0, "z_previous_buffer": 0.0, "gradient": 0.0, "decay_steps": 0.0,
          "opt_cumulative": 0.0, "opt_step": 1.0, "opt_eta": 1.0e-4, "opt_n": 0.0,
          "opt_m": 0.0, "opt_v": 0.0, "opt_beta_1_power": 1.0, "opt_beta_2_power": 1.0}
"""Per connection: NEST's eprop_synapse state and its optimizer's (step counts as floats)."""

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


def on_pre(p, s, t, post):
    """eprop_synapse's send: the gradient walk and weight update of the acting lanes
    (``post``: kernel/eprop_archive.EpropView)."""
    act = s["active"]
    t_spike = jnp.round(t / post.h)
    t_prev = s["t_spike_previous"]
    learn = act & (t_prev != 0.0)
    isi = t_spike - t_prev
    n = jnp.where(learn, jnp.minimum(post.cut, isi), 0.0)
    t_begin = t_prev - 1.0
    ro = post.ro != 0.0
    each = p["__optimize_each_step"] != 0
    w0 = jnp.asarray(s["weight"], jnp.float64)
    tr = {k: s[k] for k in _TRACES}
    tr["gradient"] = jnp.where(learn, 0.0, tr["gradient"])
    opt = {k: s[k] for k in _OPT}

    def walk(step_opt: bool):
        """The walk; ``step_opt``: the optimizer at every step (run only when some lane
        optimizes each step: without it the sine-waves example's 1,000 steps took 14.3
        instead of 23.2 s)."""
        def body(j, c):
            tr, opt, w, z_cur, gone = c
            on = j < n
            te = t_begin + j
            psi, L, reg, g = post.entry(te, on)
            z = tr["z_previous_buffer"]
            z_bar = post.Pv * tr["z_bar"] + z
            e = psi * (z_bar - post.beta * tr["epsilon"])
            e_bar = post.kappa * tr["e_bar"] + e
            e_bar_reg = post.kreg * tr["e_bar_reg"] + (1.0 - post.kreg) * e
            inc = jnp.where(ro, psi * z_bar, L * e_bar + reg * e_bar_reg)
            grad = jnp.where(each, inc, tr["gradient"] + inc)
            new = {"z_bar": z_bar, "e_bar": e_bar, "e_bar_reg": e_bar_reg,
                   "epsilon": post.Pa * tr["epsilon"] + e, "z_previous_buffer": z_cur,
                   "gradient": grad}
            tr = {k: jnp.where(on, new[k], tr[k]) for k in tr}
            if step_opt:
                opt, w = optimized_weight(p, opt, te + 1.0, grad, w, on & each)
            return tr, opt, w, jnp.where(on, 0.0, z_cur), gone | g

        def run(c0):
            return lax.fori_loop(0, jnp.max(n, initial=0.0).astype(jnp.int32), body, c0)
        return run

    c0 = (tr, opt, w0, jnp.ones_like(w0), jnp.zeros(w0.shape, bool))
    tr, opt, w, _, gone = lax.cond(jnp.any(act & each), walk(True), walk(False), c0)
    post.overflow = post.overflow | gone
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
                t_spike_previous=jnp.where(act, t_spike, t_prev))
