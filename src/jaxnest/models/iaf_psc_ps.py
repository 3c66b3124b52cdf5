"""Precise-spiking leaky integrate-and-fire neurons with current-based synapses:
``iaf_psc_alpha_ps``, ``iaf_psc_exp_ps`` and ``iaf_psc_exp_ps_lossless`` (NEST 3.10).

Exact integration as iaf_psc_alpha/exp, but in continuous time within the step: input events
arrive at their off-grid times and are applied one by one, the membrane is propagated from
event to event, a threshold crossing is located by regula falsi and the spike carries its
offset (shared machinery: precise_spiking.py). A step without events uses the precomputed
full-step propagators (as NEST, with the ``expm1`` form and the V_min bound); ministeps use
propagators for their length (iaf_psc_alpha_ps bounds V_m by V_min there too, the exp models
do not). The current input (dc_generator, ...) of a step acts from the next step on.

The refractory period ends at the offset of the spike that began it, ``t_ref`` (whole steps)
later, as a pseudo-event among the inputs. iaf_psc_exp_ps_lossless detects crossings with
Krishnan et al.'s (2018) state-space test (it finds spikes a trajectory makes between
events and falls back from) instead of the end-point test; NEST applies that test even while
the neuron is refractory, and so does this model. Its t_ref may be 0: the neuron then never
returns from refractoriness (NEST's release compares whole steps), as in NEST.

State (absolute V_m): ``is_refractory`` (and the synaptic currents shown by NEST) are public
but read-only where NEST rejects them, as is ``t_spike``, which the kernel keeps (stamp less
offset, as NEST's archive and recorders compute it); hidden: ``I_stim`` (the current of the
previous step, NEST's y0/y_input), ``last_spike_step`` (the last spike's stamp in steps) and
``last_spike_offset``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp

from .. import errors
from .iaf_psc import IafModel, _bad, _iaf_propagator, _np, _props, _rel, ms_to_steps
from .precise_spiking import Dynamics, ps_step

_COMMON = {"C_m": 250.0, "E_L": -70.0, "I_e": 0.0, "V_min": -math.inf, "V_reset": -70.0,
           "V_th": -55.0, "t_ref": 2.0, "tau_m": 10.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
_HIDDEN = {"I_stim": 0.0, "last_spike_step": -1.0, "last_spike_offset": 0.0}


@dataclass(frozen=True)
class PsModel(IafModel):
    """A precise iaf model: keys NEST shows but does not accept in SetStatus."""
    readonly: tuple = ()

    def __post_init__(self):
        super().__post_init__()
        ro = self.readonly

        def on_set(old_p, new_p, state, keys):
            bad = sorted(set(keys) & set(ro))
            if bad:
                raise errors.UnaccessedDictionaryEntry(
                    f"Unaccessed elements in params, in function NodeManager::set_status:  "
                    f"{bad[0]}")
            return state

        object.__setattr__(self, "on_set", on_set)


def _rel_params(params):
    """Parameters relative to E_L (NEST's U_th, U_reset, U_min) beside the others."""
    return dict(params, U_th=_rel(params, "V_th"), U_reset=_rel(params, "V_reset"),
                U_min=_rel(params, "V_min"))


def _propagators(params, h):
    def build(p, xp):
        tau_m, c_m = p["tau_m"], p["C_m"]
        out = {"expm1_tau_m": xp.expm1(-h / tau_m),
               "P30": -tau_m / c_m * xp.expm1(-h / tau_m),
               "refractory_steps": ms_to_steps(p["t_ref"], h) + 0.0 * tau_m}
        for sfx, tau in (("ex", p["tau_syn_ex"]), ("in", p["tau_syn_in"])):
            out[f"exp_tau_syn_{sfx}"] = xp.exp(-h / tau)
            out[f"P31_{sfx}"], out[f"P32_{sfx}"] = _iaf_propagator(tau, tau_m, c_m, h, xp)
        return out

    return _props(params, h, build)


def _clamp(V, U_min):
    return jnp.where(V < U_min, U_min, V)


# --- iaf_psc_alpha_ps -----------------------------------------------------------------------

def _alpha_v(t, y, p):
    """V after t ms from state y (NEST's propagate_ and threshold_distance)."""
    expm1_tau_m = jnp.expm1(-t * (1.0 / p["tau_m"]))
    P30 = -p["tau_m"] * (1.0 / p["C_m"]) * expm1_tau_m
    P31e, P32e = _iaf_propagator(p["tau_syn_ex"], p["tau_m"], p["C_m"], t, jnp)
    P31i, P32i = _iaf_propagator(p["tau_syn_in"], p["tau_m"], p["C_m"], t, jnp)
    return (P30 * (p["I_e"] + y["I0"]) + P31e * y["dI_ex"] + P32e * y["I_ex"]
            + P31i * y["dI_in"] + P32i * y["I_in"] + y["V"] * expm1_tau_m + y["V"])


def _alpha_syn(y, dt, e_ex, e_in):
    return {"I_ex": e_ex * dt * y["dI_ex"] + e_ex * y["I_ex"], "dI_ex": e_ex * y["dI_ex"],
            "I_in": e_in * dt * y["dI_in"] + e_in * y["I_in"], "dI_in": e_in * y["dI_in"]}


def _alpha_full(y, p, pr, refr):
    V = (pr["P30"] * (p["I_e"] + y["I0"]) + pr["P31_ex"] * y["dI_ex"] + pr["P32_ex"] * y["I_ex"]
         + pr["P31_in"] * y["dI_in"] + pr["P32_in"] * y["I_in"] + pr["expm1_tau_m"] * y["V"]
         + y["V"])
    V = jnp.where(refr, y["V"], _clamp(V, p["U_min"]))
    return dict(y, V=V, **_alpha_syn(y, p["h"], pr["exp_tau_syn_ex"], pr["exp_tau_syn_in"]))


def _alpha_propagate(y, dt, p, refr):
    V = jnp.where(refr, y["V"], _clamp(_alpha_v(dt, y, p), p["U_min"]))
    e_ex = jnp.exp(-dt * (1.0 / p["tau_syn_ex"]))
    e_in = jnp.exp(-dt * (1.0 / p["tau_syn_in"]))
    return dict(y, V=V, **_alpha_syn(y, dt, e_ex, e_in))


def _alpha_receive(y, w, p):
    ex = w >= 0.0
    norm_ex, norm_in = math.e * (1.0 / p["tau_syn_ex"]), math.e * (1.0 / p["tau_syn_in"])
    return dict(y, dI_ex=jnp.where(ex, y["dI_ex"] + norm_ex * w, y["dI_ex"]),
                dI_in=jnp.where(ex, y["dI_in"], y["dI_in"] + norm_in * w))


def _end_point(y, yb, dt, p):
    return y["V"] >= p["U_th"], dt


ALPHA = Dynamics(_alpha_full, _alpha_propagate, _end_point,
                 lambda t, yb, p: _alpha_v(t, yb, p) - p["U_th"], _alpha_receive)


# --- iaf_psc_exp_ps (and the lossless variant's propagation) --------------------------------

def _exp_v(t, y, p):
    P20 = -p["tau_m"] / p["C_m"] * jnp.expm1(-t / p["tau_m"])
    P21e = _iaf_propagator(p["tau_syn_ex"], p["tau_m"], p["C_m"], t, jnp)[1]
    P21i = _iaf_propagator(p["tau_syn_in"], p["tau_m"], p["C_m"], t, jnp)[1]
    return (P20 * (p["I_e"] + y["I0"]) + P21e * y["I_ex"] + P21i * y["I_in"]
            + y["V"] * jnp.exp(-t / p["tau_m"]))


def _exp_full(y, p, pr, refr):
    V = (pr["P30"] * (p["I_e"] + y["I0"]) + pr["P32_ex"] * y["I_ex"] + pr["P32_in"] * y["I_in"]
         + pr["expm1_tau_m"] * y["V"] + y["V"])
    V = jnp.where(refr, y["V"], _clamp(V, p["U_min"]))
    return dict(y, V=V, I_ex=y["I_ex"] * pr["exp_tau_syn_ex"],
                I_in=y["I_in"] * pr["exp_tau_syn_in"])


def _exp_propagate(y, dt, p, refr):
    V = jnp.where(refr, y["V"], _exp_v(dt, y, p))
    return dict(y, V=V, I_ex=y["I_ex"] * jnp.exp(-dt / p["tau_syn_ex"]),
                I_in=y["I_in"] * jnp.exp(-dt / p["tau_syn_in"]))


def _exp_receive(y, w, p):
    ex = w >= 0.0
    return dict(y, I_ex=jnp.where(ex, y["I_ex"] + w, y["I_ex"]),
                I_in=jnp.where(ex, y["I_in"], y["I_in"] + w))


EXP = Dynamics(_exp_full, _exp_propagate, _end_point,
               lambda t, yb, p: _exp_v(t, yb, p) - p["U_th"], _exp_receive)


def _lossless_crossing(y, yb, dt, p):
    """Krishnan et al.'s test on the trajectory from yb over dt (NEST's is_spike_): (spike,
    the interval to search: dt, or the time of the trajectory's maximum for a spike that
    the end point misses)."""
    tm, ts, cm, th = p["tau_m"], p["tau_syn_ex"], p["C_m"], p["U_th"]
    a1, a2 = tm * ts, tm * (tm - ts)
    a3, a4 = cm * th * (tm - ts), cm * (tm - ts)
    b1, b2, b3, b4 = -tm * tm, tm * ts, tm * cm * th, -cm * (tm - ts)
    c1, c2 = tm / cm, (-tm * ts) / (cm * (tm - ts))
    c3, c4, c5, c6 = (tm * tm) / (cm * (tm - ts)), ts / tm, (cm * th) / tm, 1 - (ts / tm)
    I_0 = yb["I_ex"] + yb["I_in"]
    V_0 = yb["V"]
    e_s, e_m = jnp.expm1(dt / ts), jnp.expm1(dt / tm)
    e_ms = jnp.expm1(dt / tm - dt / ts)
    I_e = yb["I0"] + p["I_e"]
    f = (a1 * I_0 * e_ms + e_m * (a3 - I_e * a2) + a3) / a4
    g = ((I_0 + I_e) * (b1 * e_m + b2 * e_s) + b3 * (e_m - e_s)) / (b4 * e_s)
    no_1 = (V_0 < g) & (V_0 <= f)
    yes_1 = ~no_1 & (V_0 >= f)
    b = c1 * I_e + c2 * I_0 + c3 * jnp.power(I_0, c4) * jnp.power(c5 - I_e, c6)
    no_2 = ~no_1 & ~yes_1 & (V_0 < b)
    t_max = (a1 / tm * ts) * jnp.log(b1 * I_0 / (a2 * I_e - a1 * I_0 - a4 * V_0))
    missed = ~no_1 & ~yes_1 & ~no_2 & ~jnp.isnan(t_max)   # NEST: a NaN time is no spike
    return (yes_1 | missed) & (dt > 0.0), jnp.where(yes_1, dt, t_max)


LOSSLESS = Dynamics(_exp_full, _exp_propagate, _lossless_crossing, EXP.distance, _exp_receive)


# --- the models -----------------------------------------------------------------------------

def _make_update(dyn: Dynamics, kind: str):
    def update(params, props, state, x, i_stim, h, step):
        E_L = params["E_L"]
        p = dict(_rel_params(params), h=h)
        y = {"V": state["V_m"] - E_L, "I0": state["I_stim"],
             "I_ex": state["I_syn_ex"], "I_in": state["I_syn_in"]}
        if kind == "alpha":
            y.update(dI_ex=state["dI_syn_ex"], dI_in=state["dI_syn_in"])
        refr = state["is_refractory"] != 0
        y, refr, last_step, last_off, spiked, off = ps_step(
            dyn, p, props, y, refr, state["last_spike_step"], state["last_spike_offset"], x, h,
            step, props["refractory_steps"])
        new = {"V_m": y["V"] + E_L, "I_syn_ex": y["I_ex"], "I_syn_in": y["I_in"],
               "is_refractory": refr.astype(y["V"].dtype), "last_spike_step": last_step,
               "last_spike_offset": last_off,
               "I_stim": jnp.asarray(i_stim, y["V"].dtype) + jnp.zeros_like(y["V"])}
        if kind == "alpha":
            new.update(dI_syn_ex=y["dI_ex"], dI_syn_in=y["dI_in"])
        if kind == "lossless":
            new.update(I_syn=y["I_ex"] + y["I_in"], offset=last_off)
        return new, spiked.astype(y["V"].dtype), off

    return update


def _check(params, lossless: bool = False):
    p = _np(params)
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")
    _bad(_rel(p, "V_reset") < _rel(p, "V_min"),
         "Reset potential must be greater than or equal to minimum potential." if lossless else
         "Reset potential must be greater equal minimum potential.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    if lossless:
        _bad(p["t_ref"] < 0, "Refractory time must not be negative.")
        _bad(p["tau_syn_ex"] != p["tau_syn_in"],
             "tau_syn_ex == tau_syn_in is required in the current implementation. If you need "
             "unequal time constants, use iaf_psc_exp_ps for now. See note in documentation, "
             "and github issue #921")
    else:
        _bad(ms_to_steps(p["t_ref"], 0.1) < 1, "Refractory time must be at least one time step.")
    _bad((p["tau_m"] <= 0) | (p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
         "All time constants must be strictly positive.")
    if lossless:
        _bad((p["tau_m"] == p["tau_syn_ex"]) | (p["tau_m"] == p["tau_syn_in"]),
             "Membrane and synapse time constant(s) must differ.See note in documentation.")


_STATE = {"V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0, "is_refractory": False}
_KW = dict(params=_COMMON, propagators=_propagators, n_channels=2, off_grid=True,
           precise_input=(0, 1))

iaf_psc_alpha_ps = PsModel(
    name="iaf_psc_alpha_ps", state={**_STATE, "dI_syn_ex": 0.0, "dI_syn_in": 0.0},
    recordables=("I_syn_ex", "I_syn_in", "V_m"), update=_make_update(ALPHA, "alpha"),
    hidden=dict(_HIDDEN), check=_check,
    readonly=("I_syn_ex", "I_syn_in", "dI_syn_ex", "dI_syn_in", "is_refractory", "t_spike"),
    **_KW)

iaf_psc_exp_ps = PsModel(
    name="iaf_psc_exp_ps", state=dict(_STATE), recordables=("V_m",),
    update=_make_update(EXP, "exp"), hidden=dict(_HIDDEN), check=_check,
    readonly=("is_refractory", "t_spike"), **_KW)

iaf_psc_exp_ps_lossless = PsModel(
    name="iaf_psc_exp_ps_lossless", state={**_STATE, "I_syn": 0.0, "offset": 0.0},
    recordables=("I_syn", "I_syn_ex", "I_syn_in", "V_m"),
    update=_make_update(LOSSLESS, "lossless"), hidden=dict(_HIDDEN),
    check=lambda p: _check(p, lossless=True),
    readonly=("is_refractory", "t_spike", "offset", "I_syn"), **_KW)

MODELS = {m.name: m for m in (iaf_psc_alpha_ps, iaf_psc_exp_ps, iaf_psc_exp_ps_lossless)}
