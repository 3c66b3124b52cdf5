"""Leaky integrate-and-fire neurons with current-based synapses, integrated exactly.

``iaf_psc_alpha``, ``iaf_psc_exp`` and ``iaf_psc_delta`` as in NEST 3.10: linear subthreshold
dynamics propagated with exact-integration matrices, threshold test and reset on the time grid,
absolute refractory period counted in steps.

Internally each update works, as NEST does, on the membrane potential relative to ``E_L``
(hidden ``y3``, NEST's own state variable, carried from step to step: going through the
absolute ``V_m`` each step would round it, 1 ulp off NEST's within a few steps) and with the
threshold, reset and lower bound relative to ``E_L``; the stored parameters and the public
``V_m`` (``y3 + E_L``, as NEST shows it) are absolute (mV). SetStatus and Create keep ``y3`` as
NEST's ``State_::set`` does (:func:`_set_y3`). NEST keeps the relative values when ``E_L``
changes and the other potentials are not given, so their absolute values stay put.

Order of operations per step (the step from t to t + h), as in NEST's ``update()``:

1. if not refractory, propagate V_m with the currents of the *previous* step (``I_stim`` read at
   the end of the previous step, synaptic currents before their own update), clamp at ``V_min``;
   otherwise count the refractory counter down;
2. propagate the synaptic currents and add the spike input arriving in this step;
3. threshold test: spike, reset, start the refractory period;
4. store this step's CurrentEvent input (``i_stim``) for the next step.

Hidden state (not visible through GetStatus/SetStatus, as in NEST, but recordable where listed
in ``recordables``):

- ``I_syn_ex``, ``I_syn_in`` (alpha, exp): the synaptic currents (pA). NEST lists them as
  recordables only; GetStatus does not show them and SetStatus rejects them;

- ``y3``: the membrane potential relative to ``E_L`` (mV; NaN until Create or SetStatus set
  it: the update then takes ``V_m - E_L``);
- ``refr_count``: remaining refractory steps (a float holding an integer);
- ``I_stim``: the CurrentEvent current read in the previous step (NEST's ``y0`` / ``i_0``), pA;
- ``dI_syn_ex``, ``dI_syn_in`` (alpha only): derivative terms of the alpha-shaped currents;
- ``refr_spikes_buffer`` (delta only): input collected while refractory, for
  ``refractory_input=True``;
- ``ias_countdown`` (delta only): steps to the next forced spike of NEST's ignore-and-spike
  mechanism (``ignore_and_spike=True``; iaf_psc_delta is the one model of these three that
  uses it, the others only store its parameters, as in NEST).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from .. import errors
from ..timebase import TICS_PER_MS, of_params
from .base import NeuronModel

_NUMERICAL_STABILITY_FACTOR = 1e-7  # IAFPropagator: regular P31 case if h > this * tau_m^2 / |tau_m - tau_syn|


# --------------------------------------------------------------------------------------------
# helpers shared by the three models
# --------------------------------------------------------------------------------------------


def _xp(*arrays):
    """numpy for concrete host values (bit-for-bit libm-like constants), jnp under tracing."""
    for a in arrays:
        if isinstance(a, jax.core.Tracer):
            return jnp
    return np


def ms_to_steps(t_ms, h, p=None):
    """``Time(Time::ms(t_ms)).get_steps()`` for a resolution of ``h`` ms (finite t_ms >= 0), in
    the time base the parameters ``p`` carry (:data:`jaxnest.timebase.TICS_KEY`, filled in by
    the kernel; NEST's default 1000 tics per ms without ``p``).

    ms -> tics rounds half up (``long(t * tics_per_ms + 0.5)``); tics -> steps rounds up
    (``(tics + tics_per_step - 1) * (1 / tics_per_step)``, truncated). The time base may be a
    traced value: its steps are computed inside the compiled update.
    """
    tpm = TICS_PER_MS if p is None else of_params(p)
    xp = _xp(t_ms, tpm)
    tpm = xp.asarray(tpm, dtype=xp.float64)
    tics_per_step = xp.floor(tpm * h + 0.5)
    tics = xp.floor(xp.asarray(t_ms, dtype=xp.float64) * tpm + 0.5)
    return xp.floor((tics + (tics_per_step - 1.0)) * (1.0 / tics_per_step))


def _iaf_propagator(tau_syn, tau_m, c_m, h, xp):
    """NEST's IAFPropagator (libnestutil/iaf_propagator.*): returns P32 (I_syn -> V_m) and
    P31 (dI_syn -> V_m, used by the alpha model), with the same singular-case fallbacks.

    P32 falls back to ``h / C_m * exp(-h / tau_m)`` whenever the regular expression is not a
    positive normal number (e.g. tau_m == tau_syn, where it is inf * 0 = nan). P31 uses the
    regular expression only when ``h > 1e-7 * tau_m**2 / |tau_m - tau_syn|`` and otherwise
    ``h**2 / 2 / C_m * exp(-h / tau_m)``.
    """
    h_min_regular = _NUMERICAL_STABILITY_FACTOR * tau_m * tau_m / xp.abs(tau_m - tau_syn)
    beta = tau_syn * tau_m / (tau_m - tau_syn)
    gamma = beta / c_m
    inv_tau_syn = 1.0 / tau_syn
    inv_tau_m = 1.0 / tau_m
    inv_c_m = 1.0 / c_m
    inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m)

    exp_h_tau_syn = xp.exp(-h * inv_tau_syn)
    expm1_h_tau = xp.expm1(h * inv_beta)
    exp_h_tau = xp.exp(-h * inv_tau_m)

    p32_regular = gamma * exp_h_tau_syn * expm1_h_tau
    normal = xp.isfinite(p32_regular) & (xp.abs(p32_regular) >= np.finfo(np.float64).tiny)
    p32 = xp.where(normal & (p32_regular > 0), p32_regular, h * inv_c_m * exp_h_tau)

    p31_regular = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h)
    p31 = xp.where(h > h_min_regular, p31_regular, 0.5 * h * h * inv_c_m * exp_h_tau)
    return p31, p32


def _props(params, h, build):
    """Evaluate ``build(p, xp)`` on float64 arrays, silencing numpy's 0/0 and inf warnings
    of the singular cases (they are resolved by ``where``)."""
    xp = _xp(*params.values())
    p = {k: xp.asarray(v, dtype=xp.float64) for k, v in params.items()}
    if xp is np:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return build(p, xp)
    return build(p, xp)


def _rel(params, name):
    """Parameter ``name`` relative to E_L, as NEST stores it."""
    return params[name] - params["E_L"]


def _bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def _np(params):
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


def _set_y3(u) -> None:
    """NEST's ``State_::set`` of the relative potential: ``y3 = V_m - E_L`` where V_m is
    given (or the neuron is new), else ``y3 -= delta_EL`` where E_L changed; the public V_m
    is then ``y3 + E_L``, as NEST reads it."""
    idx = np.asarray(u.idx)
    given_v = np.ones(idx.size, bool) if u.created else np.array(["V_m" in d for d in u.given])
    moved = ~given_v & np.array(["E_L" in d for d in u.given], bool)
    E_L, y3 = u.params["E_L"][idx], u.hidden["y3"][idx]
    y3 = np.where(given_v, u.state["V_m"][idx] - E_L,
                  np.where(moved, y3 - (E_L - u.old_params["E_L"][idx]), y3))
    u.hidden["y3"][idx] = y3
    u.state["V_m"][idx] = y3 + E_L


def _relative(state, E_L):
    """The relative potential y3 (NaN until set: from V_m, for states built without
    ``on_status``)."""
    return jnp.where(jnp.isnan(state["y3"]), state["V_m"] - E_L, state["y3"])


def _delta_on_status(u) -> None:
    _set_y3(u)
    _restart_ignore_and_spike(u)


@dataclass(frozen=True)
class IafModel(NeuronModel):
    """NeuronModel with NEST's receptor check: spikes on receptor_type 0 only (iaf_psc_exp
    also takes CurrentEvents on receptor 1, see ``current_receptors``)."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        bad = receptor != 0
        if np.any(bad):
            r = int(receptor[bad][0])
            raise errors.UnknownReceptorType(f"Receptor type {r} is not available in {self.name}.")
        return super().channel(weight, receptor)


# --------------------------------------------------------------------------------------------
# iaf_psc_alpha
# --------------------------------------------------------------------------------------------

_ALPHA_PARAMS = {
    "C_m": 250.0,
    "E_L": -70.0,
    "I_e": 0.0,
    "V_min": -math.inf,
    "V_reset": -70.0,
    "V_th": -55.0,
    "t_ref": 2.0,
    "tau_m": 10.0,
    "tau_syn_ex": 2.0,
    "tau_syn_in": 2.0,
}


def _alpha_propagators(params, h):
    def build(p, xp):
        tau_m, c_m = p["tau_m"], p["C_m"]
        out = {}
        for sfx, tau in (("ex", p["tau_syn_ex"]), ("in", p["tau_syn_in"])):
            p11 = xp.exp(-h / tau)
            out[f"P11_{sfx}"] = p11
            out[f"P22_{sfx}"] = p11
            out[f"P21_{sfx}"] = h * p11
            out[f"P31_{sfx}"], out[f"P32_{sfx}"] = _iaf_propagator(tau, tau_m, c_m, h, xp)
            out[f"PSCInitialValue_{sfx}"] = 1.0 * math.e / tau
        out["P33"] = xp.exp(-h / tau_m)
        out["expm1_tau_m"] = xp.expm1(-h / tau_m)
        out["P30"] = -tau_m / c_m * xp.expm1(-h / tau_m)
        out["refractory_counts"] = ms_to_steps(p["t_ref"], h, p) + 0.0 * tau_m
        return out

    return _props(params, h, build)


def _alpha_update(params, props, state, x, i_stim, h):
    E_L = params["E_L"]
    y3 = _relative(state, E_L)
    r = state["refr_count"]
    y0 = state["I_stim"]
    I_ex, dI_ex = state["I_syn_ex"], state["dI_syn_ex"]
    I_in, dI_in = state["I_syn_in"], state["dI_syn_in"]

    # membrane (uses currents before this step's synaptic update)
    y3_free = (
        props["P30"] * (y0 + params["I_e"])
        + props["P31_ex"] * dI_ex
        + props["P32_ex"] * I_ex
        + props["P31_in"] * dI_in
        + props["P32_in"] * I_in
        + props["expm1_tau_m"] * y3
        + y3
    )
    lower = params["V_min"] - E_L
    y3_free = jnp.where(y3_free < lower, lower, y3_free)
    refractory = r != 0
    y3 = jnp.where(refractory, y3, y3_free)
    r = jnp.where(refractory, r - 1.0, r)

    # alpha-shaped synaptic currents, then this step's spike input
    I_ex = props["P21_ex"] * dI_ex + props["P22_ex"] * I_ex
    dI_ex = dI_ex * props["P11_ex"]
    dI_ex = dI_ex + props["PSCInitialValue_ex"] * x[0]
    I_in = props["P21_in"] * dI_in + props["P22_in"] * I_in
    dI_in = dI_in * props["P11_in"]
    dI_in = dI_in + props["PSCInitialValue_in"] * x[1]

    spike = y3 >= params["V_th"] - E_L
    r = jnp.where(spike, props["refractory_counts"], r)
    y3 = jnp.where(spike, params["V_reset"] - E_L, y3)

    new = {
        "V_m": y3 + E_L,
        "y3": y3,
        "I_syn_ex": I_ex,
        "I_syn_in": I_in,
        "dI_syn_ex": dI_ex,
        "dI_syn_in": dI_in,
        "I_stim": jnp.asarray(i_stim, dtype=y3.dtype) + jnp.zeros_like(y3),
        "refr_count": r,
    }
    return new, spike.astype(y3.dtype)


def _alpha_check(params):
    p = _np(params)
    _bad(p["C_m"] <= 0.0, "Capacitance must be > 0.")
    _bad(p["tau_m"] <= 0.0, "Membrane time constant must be > 0.")
    _bad((p["tau_syn_ex"] <= 0.0) | (p["tau_syn_in"] <= 0.0), "All synaptic time constants must be > 0.")
    _bad(p["t_ref"] < 0.0, "The refractory time t_ref can't be negative.")
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")


iaf_psc_alpha = IafModel(
    name="iaf_psc_alpha",
    params=_ALPHA_PARAMS,
    state={"V_m": -70.0},
    recordables=("I_syn_ex", "I_syn_in", "V_m"),
    propagators=_alpha_propagators,
    update=_alpha_update,
    hidden={"I_syn_ex": 0.0, "I_syn_in": 0.0, "dI_syn_ex": 0.0, "dI_syn_in": 0.0, "I_stim": 0.0,
            "refr_count": 0.0, "y3": math.nan},
    n_channels=2,
    check=_alpha_check,
    on_status=_set_y3,
)


# --------------------------------------------------------------------------------------------
# iaf_psc_exp
# --------------------------------------------------------------------------------------------

_EXP_PARAMS = {
    "C_m": 250.0,
    "E_L": -70.0,
    "I_e": 0.0,
    "V_reset": -70.0,
    "V_th": -55.0,
    "delta": 0.0,
    "rho": 0.01,
    "t_ref": 2.0,
    "tau_m": 10.0,
    "tau_syn_ex": 2.0,
    "tau_syn_in": 2.0,
}


def _exp_propagators(params, h):
    def build(p, xp):
        tau_m, c_m = p["tau_m"], p["C_m"]
        out = {
            "P11ex": xp.exp(-h / p["tau_syn_ex"]),
            "P11in": xp.exp(-h / p["tau_syn_in"]),
            "P22": xp.exp(-h / tau_m),
        }
        out["P21ex"] = _iaf_propagator(p["tau_syn_ex"], tau_m, c_m, h, xp)[1]
        out["P21in"] = _iaf_propagator(p["tau_syn_in"], tau_m, c_m, h, xp)[1]
        out["P20"] = tau_m / c_m * (1.0 - out["P22"])
        out["refractory_counts"] = ms_to_steps(p["t_ref"], h, p) + 0.0 * tau_m
        return out

    return _props(params, h, build)


def _exp_update(params, props, state, x, i_stim, h, rand):
    E_L = params["E_L"]
    v = _relative(state, E_L)
    r = state["refr_count"]
    i_0, i_1 = state["I_stim"], state["I_1"]
    i_ex, i_in = state["I_syn_ex"], state["I_syn_in"]

    v_free = v * props["P22"] + i_ex * props["P21ex"] + i_in * props["P21in"] + (params["I_e"] + i_0) * props["P20"]
    refractory = r != 0
    v = jnp.where(refractory, v, v_free)
    r = jnp.where(refractory, r - 1.0, r)

    i_ex = i_ex * props["P11ex"]
    i_in = i_in * props["P11in"]
    i_ex = i_ex + (1.0 - props["P11ex"]) * i_1  # current on receptor 1, filtered as I_syn_ex
    i_ex = i_ex + x[0]
    i_in = i_in + x[1]

    # deterministic threshold for delta < 1e-10 (NEST's test), escape noise for delta > 1e-10
    # (also while refractory, as in NEST); delta == 1e-10 exactly never fires, as in NEST.
    theta = params["V_th"] - E_L
    delta = params["delta"]
    stochastic = delta > 1e-10
    spike = (delta < 1e-10) & (v >= theta)

    def escape(spike):
        """NEST's escape noise: computed only when some neuron has it (an exp and a random
        draw per neuron and step cost a third of a step of 19,000 neurons without it)."""
        phi = params["rho"] * jnp.exp((v - theta) / jnp.where(stochastic, delta, 1.0))
        return spike | (stochastic & (rand.uniform(0) < phi * h * 1e-3))
    spike = lax.cond(jnp.any(stochastic), escape, lambda spike: spike, spike)
    r = jnp.where(spike, props["refractory_counts"], r)
    v = jnp.where(spike, params["V_reset"] - E_L, v)

    new = {
        "V_m": v + E_L,
        "y3": v,
        "I_syn_ex": i_ex,
        "I_syn_in": i_in,
        "I_stim": jnp.asarray(i_stim[0], dtype=v.dtype) + jnp.zeros_like(v),
        "I_1": jnp.asarray(i_stim[1], dtype=v.dtype) + jnp.zeros_like(v),
        "refr_count": r,
    }
    return new, spike.astype(v.dtype)


def _exp_check(params):
    p = _np(params)
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(
        (p["tau_m"] <= 0) | (p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
        "Membrane and synapse time constants must be strictly positive.",
    )
    _bad(p["t_ref"] < 0, "Refractory time must not be negative.")
    _bad(p["rho"] < 0, "Stochastic firing intensity must not be negative.")
    _bad(p["delta"] < 0, "Width of threshold region must not be negative.")


iaf_psc_exp = IafModel(
    name="iaf_psc_exp",
    params=_EXP_PARAMS,
    state={"V_m": -70.0},
    recordables=("I_syn_ex", "I_syn_in", "V_m"),
    propagators=_exp_propagators,
    update=_exp_update,
    hidden={"I_syn_ex": 0.0, "I_syn_in": 0.0, "I_stim": 0.0, "I_1": 0.0, "refr_count": 0.0,
            "y3": math.nan},
    n_channels=2,
    check=_exp_check,
    on_status=_set_y3,
    current_receptors={0: 0, 1: 1},
    random=True,
)


# --------------------------------------------------------------------------------------------
# iaf_psc_delta
# --------------------------------------------------------------------------------------------

_DELTA_PARAMS = {
    "C_m": 250.0,
    "E_L": -70.0,
    "I_e": 0.0,
    "V_min": -np.finfo(np.float64).max,
    "V_reset": -70.0,
    "V_th": -55.0,
    "refractory_input": False,
    "t_ref": 2.0,
    "tau_m": 10.0,
}


def _delta_propagators(params, h):
    def build(p, xp):
        tau_m = p["tau_m"]
        p33 = xp.exp(-h / tau_m)
        return {
            "P33": p33,
            "P30": 1.0 / p["C_m"] * (1.0 - p33) * tau_m,
            "refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * tau_m,
            "ias_offset_steps": ms_to_steps(p["ignore_and_spike_offset"], h, p) + 0.0 * tau_m,
            "ias_interval_steps": ms_to_steps(p["ignore_and_spike_interval"], h, p)
            + 0.0 * tau_m,
        }

    return _props(params, h, build)


def _ignore_and_spike(params, props, state, dynamic_spike):
    """NEST's IgnoreAndSpikeMechanism: with ``ignore_and_spike`` the neuron spikes every
    ``interval`` steps from ``offset`` on, whatever its potential (the dynamic spike is
    ignored); the countdown runs only while it is on. Hidden ``ias_countdown`` is NaN until
    first used and after ``ignore_and_spike_offset`` is set: it then starts at the offset."""
    on = jnp.asarray(params["ignore_and_spike"]) != 0
    count = state["ias_countdown"]
    count = jnp.where(jnp.isnan(count), props["ias_offset_steps"], count)
    count = jnp.where(on, count - 1.0, count)
    forced = on & (count == 0.0)
    count = jnp.where(forced, props["ias_interval_steps"], count)
    return jnp.where(on, forced, dynamic_spike), count


def _restart_ignore_and_spike(u):
    """SetStatus of ``ignore_and_spike_offset`` restarts the countdown (NEST recomputes it)."""
    for i, d in zip(u.idx, u.given):
        if "ignore_and_spike_offset" in d:
            u.hidden["ias_countdown"][i] = np.nan


def _delta_update(params, props, state, x, i_stim, h):
    E_L = params["E_L"]
    y3 = _relative(state, E_L)
    r = state["refr_count"]
    y0 = state["I_stim"]
    buf = state["refr_spikes_buffer"]
    spikes = x[0] + x[1]  # NEST keeps a single spike buffer
    with_refr = jnp.asarray(params["refractory_input"]) != 0
    refractory = r != 0

    # not refractory: integrate, add input (and input buffered while refractory), clamp
    y3_free = props["P30"] * (y0 + params["I_e"]) + props["P33"] * y3 + spikes
    use_buf = with_refr & (buf != 0.0)
    y3_free = jnp.where(use_buf, y3_free + buf, y3_free)
    lower = params["V_min"] - E_L
    y3_free = jnp.where(y3_free < lower, lower, y3_free)

    # refractory: input is dropped, or buffered with the decay it will have by the end of the
    # refractory period (exp(-r h / tau_m), r before the count-down)
    buf_refr = buf + spikes * jnp.exp(-r * h / params["tau_m"])

    y3 = jnp.where(refractory, y3, y3_free)
    buf = jnp.where(refractory, jnp.where(with_refr, buf_refr, buf), jnp.where(use_buf, 0.0, buf))
    r = jnp.where(refractory, r - 1.0, r)

    spike, count = _ignore_and_spike(params, props, state, y3 >= params["V_th"] - E_L)
    r = jnp.where(spike, props["refractory_counts"], r)
    y3 = jnp.where(spike, params["V_reset"] - E_L, y3)

    new = {
        "V_m": y3 + E_L,
        "y3": y3,
        "I_stim": jnp.asarray(i_stim, dtype=y3.dtype) + jnp.zeros_like(y3),
        "refr_count": r,
        "refr_spikes_buffer": buf,
        "ias_countdown": count,
    }
    return new, spike.astype(y3.dtype)


def _delta_check(params):
    p = _np(params)
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be > 0.")
    _bad(p["t_ref"] < 0, "Refractory time must not be negative.")
    _bad(p["tau_m"] <= 0, "Membrane time constant must be > 0.")


iaf_psc_delta = IafModel(
    name="iaf_psc_delta",
    params=_DELTA_PARAMS,
    state={"V_m": -70.0},
    recordables=("V_m",),
    propagators=_delta_propagators,
    update=_delta_update,
    hidden={"I_stim": 0.0, "refr_count": 0.0, "refr_spikes_buffer": 0.0,
            "ias_countdown": math.nan, "y3": math.nan},
    n_channels=2,
    check=_delta_check,
    on_status=_delta_on_status,
)


MODELS = {m.name: m for m in (iaf_psc_alpha, iaf_psc_exp, iaf_psc_delta)}
