"""Multi-timescale adaptive threshold neurons ``mat2_psc_exp`` (Kobayashi et al. 2009) and
``amat2_psc_exp`` (Yamauchi et al. 2011), integrated exactly as NEST 3.10 does.

Both: a leaky membrane (``V_m`` relative to ``E_L``) driven by exponential synaptic currents
(pA; ``I_syn_in`` sums negative weights as they are) and ``I_e + I_stim``, and no reset. The
threshold is ``omega + V_th_alpha_1 + V_th_alpha_2`` (+ ``V_th_v`` for amat2): at each spike
the two components jump by ``alpha_1``, ``alpha_2`` (mV) and decay with ``tau_1``, ``tau_2``.
After a spike the threshold test is off for ``Time(t_ref).get_steps()`` steps. amat2 adds a
voltage-dependent component ``V_th_v``: ``V_m`` filtered by a second-order (alpha-like) kernel
of time constant ``tau_v`` and gain ``beta`` (1/ms), propagated exactly with NEST's matrix
entries P60..P77 of the joint linear system (helper state ``V_th_dv``).

Per step, as NEST's ``update()`` (inputs of the previous step, then this step's spikes):

- amat2 only: ``V_th_v``, then ``V_th_dv``, from the old ``V_m``, currents and ``V_th_dv``;
- ``V_m`` propagated (mat2: ``V expm1(-h/tau_m) + V + ...``; amat2: ``P33 V + ...``);
- ``V_th_alpha_1``, ``V_th_alpha_2`` decay; synaptic currents decay and take this step's input;
- refractory counter 0: threshold test, spike, counter restart, threshold jumps; else count
  down; keep this step's CurrentEvent input as ``I_stim``.

NEST stores ``omega`` relative to ``E_L`` and reports ``V_th = E_L + omega + ...`` as state;
here ``omega`` is absolute (what NEST shows), ``V_th`` is read-only public state (Create,
SetStatus and SetDefaults refuse it: UnaccessedDictionaryEntry) recomputed after each update,
on SetStatus and by ``check`` in the values it is given (Create, and SetDefaults: GetDefaults
shows the ``V_th`` of the new ``omega`` and ``E_L``). ``Time(t_ref).get_steps() < 1`` is NEST's
BadProperty at Simulate (``pre_run``).

Hidden state: ``I_syn_ex``, ``I_syn_in`` (pA; recordable for amat2), ``I_stim`` (pA),
``refr_count`` (steps), and for amat2 ``V_th_dv`` (mV/ms).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .iaf_psc import IafModel, _bad, _np, _props, ms_to_steps

_MAT2 = {
    "C_m": 100.0,
    "E_L": -70.0,
    "I_e": 0.0,
    "alpha_1": 37.0,
    "alpha_2": 2.0,
    "omega": -51.0,
    "t_ref": 2.0,
    "tau_1": 10.0,
    "tau_2": 200.0,
    "tau_m": 5.0,
    "tau_syn_ex": 1.0,
    "tau_syn_in": 3.0,
}
_AMAT2 = {
    "C_m": 200.0,
    "E_L": -70.0,
    "I_e": 0.0,
    "alpha_1": 10.0,
    "alpha_2": 0.0,
    "beta": 0.0,
    "omega": -65.0,
    "t_ref": 2.0,
    "tau_1": 10.0,
    "tau_2": 200.0,
    "tau_m": 10.0,
    "tau_syn_ex": 1.0,
    "tau_syn_in": 3.0,
    "tau_v": 5.0,
}


def _v_th(p, s, amat):
    """NEST's reported threshold ``E_L + omega_rel + V_th_alpha_1 + V_th_alpha_2 (+ V_th_v)``."""
    v = p["E_L"] + (p["omega"] - p["E_L"]) + s["V_th_alpha_1"] + s["V_th_alpha_2"]
    return v + s["V_th_v"] if amat else v


def _make_check(amat):
    def check(params):
        p = _np(params)
        _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
        taus = ["tau_m", "tau_syn_ex", "tau_syn_in", "t_ref", "tau_1", "tau_2"]
        taus += ["tau_v"] if amat else []
        _bad(np.any([p[k] <= 0 for k in taus], axis=0),
             "All time constants must be strictly positive.")
        tm, te, ti = p["tau_m"], p["tau_syn_ex"], p["tau_syn_in"]
        if amat:
            tv = p["tau_v"]
            _bad((tm == te) | (tm == ti) | (tm == tv),
                 "tau_m must differ from tau_syn_ex, tau_syn_in and tau_v. "
                 "See note in documentation.")
            _bad((tv == te) | (tv == ti),
                 "tau_v must differ from tau_syn_ex, tau_syn_in and tau_m. "
                 "See note in documentation.")
        else:
            _bad((tm == te) | (tm == ti),
                 "Membrane and synapse time constant(s) must differ.See note in documentation.")
        if "V_th" in params and "V_th_alpha_1" in params:  # Create, SetDefaults: derived V_th
            params["V_th"][...] = _v_th(p, p, amat)

    return check


def _pre_run(params, h):
    """NEST's pre_run_hook: ``Time(t_ref).get_steps() < 1`` (t_ref rounds to 0 tics)."""
    _bad(ms_to_steps(np.asarray(params["t_ref"], dtype=float), h, params) < 1.0,
         "Total refractory time must be at least one time step.")


def _make_on_set(amat):
    def on_set(old_params, new_params, state, keys):
        return dict(state, V_th=_v_th(_np(new_params), _np(state), amat))

    return on_set


# --------------------------------------------------------------------------------------------
# mat2_psc_exp
# --------------------------------------------------------------------------------------------


def _mat2_propagators(params, h):
    def build(p, xp):
        tau, c = p["tau_m"], p["C_m"]
        out = {
            "P11ex": xp.exp(-h / p["tau_syn_ex"]),
            "P11in": xp.exp(-h / p["tau_syn_in"]),
            "P22_expm1": xp.expm1(-h / tau),
            "P11th": xp.exp(-h / p["tau_1"]),
            "P22th": xp.exp(-h / p["tau_2"]),
            "refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * tau,
        }
        for sfx, ts in (("ex", p["tau_syn_ex"]), ("in", p["tau_syn_in"])):
            out["P21" + sfx] = (-tau / (c * (1.0 - tau / ts)) * out["P11" + sfx]
                                * xp.expm1(h * (1.0 / ts - 1.0 / tau)))
        out["P20"] = -tau / c * out["P22_expm1"]
        return out

    return _props(params, h, build)


def _threshold_and_spike(params, props, state, v, th1, th2, th_v, amat):
    """Threshold test while allowed to fire; jumps, refractory count; returns the new state."""
    r = state["refr_count"]
    omega = params["omega"] - params["E_L"]
    theta = omega + th2 + th1 + th_v if amat else omega + th2 + th1
    can_fire = r == 0
    spike = can_fire & (v >= theta)
    r = jnp.where(can_fire, jnp.where(spike, props["refractory_counts"], r), r - 1.0)
    th1 = jnp.where(spike, th1 + params["alpha_1"], th1)
    th2 = jnp.where(spike, th2 + params["alpha_2"], th2)
    return spike, r, th1, th2


def _mat2_update(params, props, state, x, i_stim, h):
    E_L = params["E_L"]
    v = state["V_m"] - E_L
    i_ex, i_in = state["I_syn_ex"], state["I_syn_in"]

    v = (v * props["P22_expm1"] + v + i_ex * props["P21ex"] + i_in * props["P21in"]
         + (params["I_e"] + state["I_stim"]) * props["P20"])
    th1 = state["V_th_alpha_1"] * props["P11th"]
    th2 = state["V_th_alpha_2"] * props["P22th"]
    i_ex = i_ex * props["P11ex"] + x[0]
    i_in = i_in * props["P11in"] + x[1]
    spike, r, th1, th2 = _threshold_and_spike(params, props, state, v, th1, th2, 0.0, False)

    new = {"V_m": v + E_L, "V_th_alpha_1": th1, "V_th_alpha_2": th2, "I_syn_ex": i_ex,
           "I_syn_in": i_in, "refr_count": r,
           "I_stim": jnp.asarray(i_stim, dtype=v.dtype) + jnp.zeros_like(v)}
    new["V_th"] = _v_th(params, new, False)
    return new, spike.astype(v.dtype)


mat2_psc_exp = IafModel(
    name="mat2_psc_exp",
    params=_MAT2,
    state={"V_m": -70.0, "V_th": -51.0, "V_th_alpha_1": 0.0, "V_th_alpha_2": 0.0},
    recordables=("V_m", "V_th"),
    propagators=_mat2_propagators,
    update=_mat2_update,
    hidden={"I_syn_ex": 0.0, "I_syn_in": 0.0, "I_stim": 0.0, "refr_count": 0.0},
    n_channels=2,
    check=_make_check(False),
    on_set=_make_on_set(False),
    readonly=("V_th",),
    pre_run=_pre_run,
)


# --------------------------------------------------------------------------------------------
# amat2_psc_exp
# --------------------------------------------------------------------------------------------


def _amat2_propagators(params, h):
    def build(p, xp):
        c, beta, tm = p["C_m"], p["beta"], p["tau_m"]
        tE, tI, tV = p["tau_syn_ex"], p["tau_syn_in"], p["tau_v"]
        eE, eI, em = xp.exp(-h / tE), xp.exp(-h / tI), xp.exp(-h / tm)
        eV = xp.exp(-h / tV)
        out = {"P11": eE, "P22": eI, "P33": em, "P44": xp.exp(-h / p["tau_1"]),
               "P55": xp.exp(-h / p["tau_2"]), "P66": eV, "P77": eV, "P76": eV * h}
        out["P30"] = (tm - em * tm) / c
        out["P60"] = (beta * (em - eV) * tm * tV) / (c * (tm - tV))
        out["P63"] = (beta * (-em + eV) * tV) / (tm - tV)
        out["P70"] = ((beta * tm * tV * (em * tm * tV - eV * (h * (tm - tV) + tm * tV)))
                      / (c * (tm - tV) ** 2))
        out["P73"] = ((beta * tV * (-(em * tm * tV) + eV * (h * (tm - tV) + tm * tV)))
                      / (tm - tV) ** 2)
        for k, ts, es in (("1", tE, eE), ("2", tI, eI)):
            out["P3" + k] = ((es - em) * ts * tm) / (c * (ts - tm))
            out["P6" + k] = ((beta * ts * tm * tV * (eV * (-ts + tm) + em * (ts - tV)
                                                     + es * (-tm + tV)))
                             / (c * (ts - tm) * (ts - tV) * (tm - tV)))
            out["P7" + k] = ((beta * ts * tm * tV
                              * ((em * tm * (ts - tV) ** 2 - es * ts * (tm - tV) ** 2) * tV
                                 - eV * (ts - tm)
                                 * (h * (ts - tV) * (tm - tV) + ts * tm * tV - tV ** 3)))
                             / (c * (ts - tm) * (ts - tV) ** 2 * (tm - tV) ** 2))
        out["refractory_counts"] = ms_to_steps(p["t_ref"], h, p) + 0.0 * tm
        return out

    return _props(params, h, build)


def _amat2_update(params, props, state, x, i_stim, h):
    E_L = params["E_L"]
    v = state["V_m"] - E_L
    i_ex, i_in = state["I_syn_ex"], state["I_syn_in"]
    dv, th_v = state["V_th_dv"], state["V_th_v"]
    I0 = params["I_e"] + state["I_stim"]

    th_v = (I0 * props["P70"] + i_ex * props["P71"] + i_in * props["P72"] + v * props["P73"]
            + dv * props["P76"] + th_v * props["P77"])
    dv = (I0 * props["P60"] + i_ex * props["P61"] + i_in * props["P62"] + v * props["P63"]
          + dv * props["P66"])
    v = I0 * props["P30"] + i_ex * props["P31"] + i_in * props["P32"] + v * props["P33"]
    th1 = state["V_th_alpha_1"] * props["P44"]
    th2 = state["V_th_alpha_2"] * props["P55"]
    i_ex = i_ex * props["P11"] + x[0]
    i_in = i_in * props["P22"] + x[1]
    spike, r, th1, th2 = _threshold_and_spike(params, props, state, v, th1, th2, th_v, True)

    new = {"V_m": v + E_L, "V_th_alpha_1": th1, "V_th_alpha_2": th2, "V_th_v": th_v,
           "V_th_dv": dv, "I_syn_ex": i_ex, "I_syn_in": i_in, "refr_count": r,
           "I_stim": jnp.asarray(i_stim, dtype=v.dtype) + jnp.zeros_like(v)}
    new["V_th"] = _v_th(params, new, True)
    return new, spike.astype(v.dtype)


amat2_psc_exp = IafModel(
    name="amat2_psc_exp",
    params=_AMAT2,
    state={"V_m": -70.0, "V_th": -65.0, "V_th_alpha_1": 0.0, "V_th_alpha_2": 0.0,
           "V_th_v": 0.0},
    recordables=("I_syn_ex", "I_syn_in", "V_m", "V_th", "V_th_v"),
    propagators=_amat2_propagators,
    update=_amat2_update,
    hidden={"I_syn_ex": 0.0, "I_syn_in": 0.0, "V_th_dv": 0.0, "I_stim": 0.0,
            "refr_count": 0.0},
    n_channels=2,
    check=_make_check(True),
    on_set=_make_on_set(True),
    readonly=("V_th",),
    pre_run=_pre_run,
)

MODELS = {m.name: m for m in (mat2_psc_exp, amat2_psc_exp)}
