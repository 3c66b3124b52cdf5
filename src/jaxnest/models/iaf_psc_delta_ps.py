"""``iaf_psc_delta_ps``: precise-spiking leaky integrate-and-fire neuron with delta synapses
(NEST 3.10).

Each input event makes V_m jump by its weight at its off-grid time; events at the same time
are summed first (NEST reads them accumulated). Between events V_m relaxes exactly towards
``R (I_stim + I_e)`` (R = tau_m / C_m). The neuron spikes

- at an input event that takes V_m to threshold (the spike has the event's offset),
- between events when the current drives V_m across threshold (the crossing time is solved
  in closed form from the end of the interval),
- at once (offset h (1 - eps)) when V_m starts a step at or above threshold (initial state
  or SetStatus).

After a spike the neuron ignores its input for ``t_ref`` (whole steps), to the offset of the
spike (a pseudo-event among the inputs, as the other precise models); V_m stays at V_reset.
A step without events uses the ``expm1`` form and the V_min bound; ministeps do not bound.
``refractory_input`` is shown (always False: NEST 3.10 has no way to set it).
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from .iaf_psc import _bad, _np, _props, _rel, ms_to_steps
from .iaf_psc_ps import PsModel, _rel_params
from .precise_spiking import EPS, with_release

_PARAMS = {"C_m": 250.0, "E_L": -70.0, "I_e": 0.0, "V_min": -1.7976931348623157e308,
           "V_reset": -70.0, "V_th": -55.0, "t_ref": 2.0, "tau_m": 10.0}


def _propagators(params, h):
    def build(p, xp):
        return {"expm1_t": xp.expm1(-h / p["tau_m"]), "R": p["tau_m"] / p["C_m"],
                "refractory_steps": ms_to_steps(p["t_ref"], h) + 0.0 * p["tau_m"]}

    return _props(params, h, build)


def _update(params, props, state, x, i_stim, h, step):
    E_L = params["E_L"]
    p = _rel_params(params)
    U_th, U_reset, tau_m = p["U_th"], p["U_reset"], p["tau_m"]
    U, I = state["V_m"] - E_L, state["I_stim"]
    v_inf = props["R"] * (I + p["I_e"])
    refr = state["is_refractory"] != 0
    stamp = (step + 1).astype(U.dtype)
    last_step, last_off = state["last_spike_step"], state["last_spike_offset"]

    def spike(c, cr, off):
        U, refr, last_step, last_off, spiked, offset = c
        return (jnp.where(cr, U_reset, U), refr | cr, jnp.where(cr, stamp, last_step),
                jnp.where(cr, off, last_off), spiked | cr, jnp.where(cr, off, offset))

    def crossing_offset(U, offset_U):
        """Offset of the crossing before a point at offset_U where V_m is U (closed form)."""
        return offset_U + (-tau_m * jnp.log((v_inf - U) / (v_inf - U_th)))

    def propagate(U, dt):
        e = jnp.expm1(-dt / tau_m)
        return -v_inf * e + U * e + U

    c = (U, refr, last_step, last_off, jnp.zeros(U.shape, bool), jnp.zeros_like(U))
    c = spike(c, U >= U_th, h * (1.0 - EPS))           # superthreshold at the start
    release = c[1] & (stamp - c[2] == props["refractory_steps"])
    off_s, w_s, valid_s, is_rel = with_release(x, release, c[3])
    events = jnp.any(valid_s, axis=0)

    # no events: one full step (V_min bound), threshold at the step's end
    U0, refr0 = c[0], c[1]
    UA = -props["expm1_t"] * props["R"] * (I + p["I_e"]) + props["expm1_t"] * U0 + U0
    UA = jnp.where(UA < p["U_min"], p["U_min"], UA)
    UA = jnp.where(refr0, U0, UA)
    A = spike((UA,) + c[1:], ~refr0 & ~events & (UA >= U_th), crossing_offset(UA, 0.0))

    # events (simultaneous ones summed), then the rest of the step
    K1 = off_s.shape[0]
    nxt = lambda a, fill: jnp.concatenate([a[1:], jnp.full_like(a[:1], fill)])  # noqa: E731
    same_next = valid_s & ~is_rel & nxt(valid_s & ~is_rel, False) & (nxt(off_s, -1.0) == off_s)

    def slot(j, cc):
        c, t, acc = cc
        U, refr = c[0], c[1]
        valid = valid_s[j] & events
        rel = is_rel[j]
        acc = acc + jnp.where(valid & ~rel, w_s[j], 0.0)
        act = valid & ~(same_next[j] & ~rel)            # the last of equal-time events
        eo = off_s[j]
        # refractory: time moves to the event; the release ends refractoriness
        in_refr = act & refr
        t = jnp.where(in_refr, eo, t)
        c = (U, jnp.where(in_refr & rel, False, refr)) + c[2:]
        # not refractory: propagate to the event, then threshold, then the jump
        live = act & ~refr
        U = jnp.where(live, propagate(U, t - eo), c[0])
        t = jnp.where(live, eo, t)
        cross = live & (U >= U_th)
        c = spike((U,) + c[1:], cross, crossing_offset(U, t))
        U = jnp.where(live & ~cross, c[0] + acc, c[0])
        jump = live & ~cross & (U >= U_th)
        c = spike((U,) + c[1:], jump, t)
        return c, t, jnp.where(act, 0.0, acc)

    c, t, _ = lax.fori_loop(0, K1, slot, (c, jnp.full_like(U, h), jnp.zeros_like(U)))
    rest = events & ~c[1] & (t > 0.0)
    UB = jnp.where(rest, propagate(c[0], t), c[0])
    B = spike((UB,) + c[1:], rest & (UB >= U_th), crossing_offset(UB, 0.0))
    U, refr, last_step, last_off, spiked, off = (jnp.where(events, b, a) for a, b in zip(A, B))
    new = {"V_m": U + E_L, "is_refractory": refr.astype(U.dtype), "last_spike_step": last_step,
           "last_spike_offset": last_off,
           "refractory_input": state["refractory_input"],
           "I_stim": jnp.asarray(i_stim, U.dtype) + jnp.zeros_like(U)}
    return new, spiked.astype(U.dtype), off


def _check(params):
    p = _np(params)
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")
    _bad(_rel(p, "V_reset") < _rel(p, "V_min"),
         "Reset potential must be greater equal minimum potential.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(ms_to_steps(p["t_ref"], 0.1) < 1, "Refractory time must be at least one time step.")
    _bad(p["tau_m"] <= 0, "All time constants must be strictly positive.")


iaf_psc_delta_ps = PsModel(
    name="iaf_psc_delta_ps", params=_PARAMS, propagators=_propagators, update=_update,
    state={"V_m": -70.0, "is_refractory": False, "refractory_input": False},
    recordables=("V_m",),
    hidden={"I_stim": 0.0, "last_spike_step": -1.0, "last_spike_offset": 0.0},
    check=_check, n_channels=2, off_grid=True, precise_input=(0, 1),
    readonly=("is_refractory", "refractory_input", "t_spike"))

MODELS = {iaf_psc_delta_ps.name: iaf_psc_delta_ps}
