"""``ht_neuron``: the Hill and Tononi (2005) thalamocortical neuron as NEST 3.10 has it, with
four beta-shaped conductance receptors (AMPA, NMDA, GABA_A, GABA_B), a dynamic threshold, a
post-spike potassium current and four intrinsic currents, integrated with GSL's adaptive RKF45
(``y_new`` control, eps_abs 1e-3, eps_rel 0) through :func:`jaxnest.models.odeint.evolve`.

Membrane (V in mV, conductances dimensionless per tau_m, time in ms; NEST's sign convention
``I = -g (V - E)``)::

    dV/dt = (I_Na + I_K + I_syn + I_NaP + I_KNa + I_T + I_h + I_stim) / tau_m + I_spike
    I_Na = -g_NaL (V - E_Na),  I_K = -g_KL (V - E_K)
    I_spike = -(V - E_K) / tau_spike   while refractory, else 0
    dtheta/dt = -(theta - theta_eq) / tau_theta

Synapses (X = AMPA, NMDA, GABA_A, GABA_B; receptor ports 1..4): ``d(dg)/dt = -dg / tau_rise``,
``dg/dt = dg - g / tau_decay``; a spike of weight ``w`` adds ``w g_peak`` times the beta
normalisation to ``dg`` (peak ``w g_peak``). NMDA is voltage-gated by Mg unblocking:
``m_eq(V) = 1 / (1 + exp(-S_act (V - V_act)))``, fast and slow unblocking variables relax to
it (capped at ``m_eq``: blocking is instantaneous), ``m_NMDA = A1 m_fast + (1 - A1) m_slow``
with ``A1 = 0.51 - 0.0028 V`` (or ``m_eq`` with ``instant_unblock_NMDA``); the recordable
``g_NMDA`` is ``g_NMDA_timecourse * m_NMDA``.

Intrinsic currents (Hill and Tononi; Compte et al. 2003 for I_NaP)::

    I_NaP = -g_peak_NaP m_inf_NaP(V)^N_NaP (V - E_rev_NaP)
    I_KNa = -g_peak_KNa / (1 + (0.25 / D)^3.5) (V - E_rev_KNa),  dD/dt = (D_eq(V) - D) / tau_D_KNa
    I_T   = -g_peak_T m_IT^N_T h_IT (V - E_rev_T)
    I_h   = -g_peak_h m_Ih (V - E_rev_h)

With ``voltage_clamp`` every equation sees the potential held at the value ``V_m`` had when
the simulation started (NEST's ``pre_run_hook``), and ``V_m`` is reset to it after every
sub-step.

One step, as NEST's ``update``: integrate over ``(0, h]``; after *every* accepted sub-step:
clamp ``V_m`` (voltage clamp), cap ``m_fast_NMDA``/``m_slow_NMDA`` at ``m_eq(V_m)``, and, if not
refractory and ``V_m >= theta``: spike, ``V_m = theta = E_Na``, refractory counter
``= t_ref steps + 1``. Then count the refractory counter down, add the step's spike input to
the ``dg`` of each receptor, keep this step's current as ``I_stim``. The recordable intrinsic
currents are those of the last right-hand-side evaluation (at the end of the last sub-step,
before its spike reset), as NEST records them.

Hidden (recordable where NEST lists them): the synaptic and gating variables, ``I_NaP``,
``I_KNa``, ``I_T``, ``I_h``, ``g_NMDA``, ``refr_count``, ``I_stim``, ``integration_step``, and
``V_clamp`` / ``V_m_end`` (the clamp potential is captured at the first step, and again when
``V_m`` was set between steps: NEST captures it at every Simulate call, which differs only
when a clamped neuron spiked in the last sub-step before the call).

``equilibrate`` (SetStatus, Create; never shown): ``True`` sets the gating variables to their
equilibrium at the new ``V_m``, with the parameters the neuron had before the call (NEST's
State_::set runs before the new parameters are stored).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel
from .hh_traub_gap import beta_normalization_factor
from .iaf_psc import _props, ms_to_steps
from .odeint import evolve

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)
_RECEPTORS = ("AMPA", "NMDA", "GABA_A", "GABA_B")
# divisors of the rate functions, passed as runtime arrays (XLA would turn a division by a
# literal into a multiplication by its rounded reciprocal, which is not bit-identical)
_DIV = {"NaP": 7.7, "D": 5.0, "mT1": 16.7, "mT2": 18.2, "hT1": 5.0, "hT2": 3.2, "mTeq": 6.2,
        "hTeq": 4.0, "mh": 5.5}

_PARAMS = {
    "E_K": -90.0, "E_Na": 30.0, "E_rev_AMPA": 0.0, "E_rev_GABA_A": -70.0, "E_rev_GABA_B": -90.0,
    "E_rev_KNa": -90.0, "E_rev_NMDA": 0.0, "E_rev_NaP": 30.0, "E_rev_T": 0.0, "E_rev_h": -40.0,
    "N_NaP": 3.0, "N_T": 2.0, "S_act_NMDA": 0.081, "V_act_NMDA": -25.57, "g_KL": 1.0,
    "g_NaL": 0.2, "g_peak_AMPA": 0.1, "g_peak_GABA_A": 0.33, "g_peak_GABA_B": 0.0132,
    "g_peak_KNa": 1.0, "g_peak_NMDA": 0.075, "g_peak_NaP": 1.0, "g_peak_T": 1.0,
    "g_peak_h": 1.0, "instant_unblock_NMDA": False, "t_ref": 2.0, "tau_D_KNa": 1250.0,
    "tau_Mg_fast_NMDA": 0.68, "tau_Mg_slow_NMDA": 22.7, "tau_decay_AMPA": 2.4,
    "tau_decay_GABA_A": 7.0, "tau_decay_GABA_B": 200.0, "tau_decay_NMDA": 40.0, "tau_m": 16.0,
    "tau_rise_AMPA": 0.5, "tau_rise_GABA_A": 1.0, "tau_rise_GABA_B": 60.0,
    "tau_rise_NMDA": 4.0, "tau_spike": 1.75, "tau_theta": 2.0, "theta_eq": -51.0,
    "voltage_clamp": False,
}


# --------------------------------------------------------------------------------------------
# gating functions (exp and the divisors passed in: libm / literals on the host, XLA traced)
# --------------------------------------------------------------------------------------------


def _m_eq_NMDA(V, p, exp=math.exp):
    return 1.0 / (1.0 + exp(-p["S_act_NMDA"] * (V - p["V_act_NMDA"])))


def _m_eq_h(V, c, exp=math.exp):
    return 1.0 / (1.0 + exp((V - (-75.0)) / c["mh"]))


def _h_eq_T(V, c, exp=math.exp):
    return 1.0 / (1.0 + exp((V + 83.0) / c["hTeq"]))


def _m_eq_T(V, c, exp=math.exp):
    return 1.0 / (1.0 + exp(-(V + 59.0) / c["mTeq"]))


def _D_eq_KNa(V, tau_D, c, exp=math.exp):
    D_influx = 0.025 / (1.0 + exp(-(V - (-10.0)) / c["D"]))
    return tau_D * D_influx + 0.001


def _equilibrium(V, p):
    """Gating variables at rest for potential V (NEST's constructor and ``equilibrate``)."""
    m = _m_eq_NMDA(V, p)
    return {"m_fast_NMDA": m, "m_slow_NMDA": m, "m_Ih": _m_eq_h(V, _DIV),
            "D_IKNa": _D_eq_KNa(V, p["tau_D_KNa"], _DIV), "m_IT": _m_eq_T(V, _DIV),
            "h_IT": _h_eq_T(V, _DIV)}


def _m_NMDA(V, m_eq, m_fast, m_slow, p):
    A1 = 0.51 - 0.0028 * V
    A2 = 1 - A1
    return jnp.where(p["instant_unblock_NMDA"] != 0, m_eq, A1 * m_fast + A2 * m_slow)


def _intrinsic(V, y, p, c):
    """I_NaP, I_KNa, I_T, I_h (NEST's order of operations)."""
    m_inf_NaP = 1.0 / (1.0 + jnp.exp(-(V - (-55.7)) / c["NaP"]))
    I_NaP = -p["g_peak_NaP"] * jnp.power(m_inf_NaP, p["N_NaP"]) * (V - p["E_rev_NaP"])
    m_inf_KNa = 1.0 / (1.0 + jnp.power(0.25 / y["D_IKNa"], 3.5))
    I_KNa = -p["g_peak_KNa"] * m_inf_KNa * (V - p["E_rev_KNa"])
    I_T = -p["g_peak_T"] * jnp.power(y["m_IT"], p["N_T"]) * y["h_IT"] * (V - p["E_rev_T"])
    I_h = -p["g_peak_h"] * y["m_Ih"] * (V - p["E_rev_h"])
    return I_NaP, I_KNa, I_T, I_h


def _potential(y, p):
    return jnp.where(p["voltage_clamp"] != 0, p["_V_clamp"], y["V_m"])


def _rhs(y, p, aux):
    c = p["_c"]
    V = _potential(y, p)
    m_eq = _m_eq_NMDA(V, p, jnp.exp)
    m_fast = jnp.minimum(m_eq, y["m_fast_NMDA"])
    m_slow = jnp.minimum(m_eq, y["m_slow_NMDA"])
    m_NMDA = _m_NMDA(V, m_eq, m_fast, m_slow, p)
    I_syn = (-y["g_AMPA"] * (V - p["E_rev_AMPA"])
             - y["g_NMDA_timecourse"] * m_NMDA * (V - p["E_rev_NMDA"])
             - y["g_GABA_A"] * (V - p["E_rev_GABA_A"])
             - y["g_GABA_B"] * (V - p["E_rev_GABA_B"]))
    I_spike = jnp.where(aux["r"] > 0, -(V - p["E_K"]) / p["tau_spike"], 0.0)
    I_Na = -p["g_NaL"] * (V - p["E_Na"])
    I_K = -p["g_KL"] * (V - p["E_K"])
    I_NaP, I_KNa, I_T, I_h = _intrinsic(V, y, p, c)
    out = {
        "V_m": (I_Na + I_K + I_syn + I_NaP + I_KNa + I_T + I_h + p["_I_stim"]) / p["tau_m"]
        + I_spike,
        "theta": -(y["theta"] - p["theta_eq"]) / p["tau_theta"],
        "m_fast_NMDA": (m_eq - m_fast) / p["tau_Mg_fast_NMDA"],
        "m_slow_NMDA": (m_eq - m_slow) / p["tau_Mg_slow_NMDA"],
        "D_IKNa": (_D_eq_KNa(V, p["tau_D_KNa"], c, jnp.exp) - y["D_IKNa"]) / p["tau_D_KNa"],
    }
    for r in _RECEPTORS:
        g = "g_NMDA_timecourse" if r == "NMDA" else f"g_{r}"
        out["d" + g] = -y["d" + g] / p[f"tau_rise_{r}"]
        out[g] = y["d" + g] - y[g] / p[f"tau_decay_{r}"]
    tau_m_T = 0.22 / (jnp.exp(-(V + 132.0) / c["mT1"]) + jnp.exp((V + 16.8) / c["mT2"])) + 0.13
    tau_h_T = 8.2 + (56.6 + 0.27 * jnp.exp((V + 115.2) / c["hT1"])) \
        / (1.0 + jnp.exp((V + 86.0) / c["hT2"]))
    out["m_IT"] = (_m_eq_T(V, c, jnp.exp) - y["m_IT"]) / tau_m_T
    out["h_IT"] = (_h_eq_T(V, c, jnp.exp) - y["h_IT"]) / tau_h_T
    tau_m_h = 1.0 / (jnp.exp(-14.59 - 0.086 * V) + jnp.exp(-1.87 + 0.0701 * V))
    out["m_Ih"] = (_m_eq_h(V, c, jnp.exp) - y["m_Ih"]) / tau_m_h
    return out


def _on_step(y, aux, p):
    """NEST's work after one accepted sub-step: keep the currents of the last evaluation,
    voltage clamp, instantaneous NMDA blocking, threshold test."""
    I_NaP, I_KNa, I_T, I_h = _intrinsic(_potential(y, p), y, p, p["_c"])
    V = jnp.where(p["voltage_clamp"] != 0, p["_V_clamp"], y["V_m"])
    m_eq = _m_eq_NMDA(V, p, jnp.exp)
    spike = (aux["r"] == 0) & (V >= y["theta"])
    E_Na = p["E_Na"] + 0.0 * V
    y = dict(y, V_m=jnp.where(spike, E_Na, V), theta=jnp.where(spike, E_Na, y["theta"]),
             m_fast_NMDA=jnp.minimum(m_eq, y["m_fast_NMDA"]),
             m_slow_NMDA=jnp.minimum(m_eq, y["m_slow_NMDA"]))
    r = jnp.where(spike, p["_refractory_counts"] + 1.0, aux["r"])
    return y, dict(aux, r=r, n=aux["n"] + spike.astype(V.dtype), I_NaP=I_NaP, I_KNa=I_KNa,
                   I_T=I_T, I_h=I_h)


_Y = ("V_m", "theta", "dg_AMPA", "g_AMPA", "dg_NMDA_timecourse", "g_NMDA_timecourse",
      "dg_GABA_A", "g_GABA_A", "dg_GABA_B", "g_GABA_B", "m_fast_NMDA", "m_slow_NMDA", "m_Ih",
      "D_IKNa", "m_IT", "h_IT")
_CURRENTS = ("I_NaP", "I_KNa", "I_T", "I_h")


def _propagators(params, h):
    def build(p, xp):
        zero = 0.0 * p["tau_m"]
        out = {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + zero}
        for r in _RECEPTORS:
            out[f"cond_step_{r}"] = p[f"g_peak_{r}"] * beta_normalization_factor(
                p[f"tau_rise_{r}"], p[f"tau_decay_{r}"], xp)
        for k, v in _DIV.items():
            out[f"c_{k}"] = v + zero
        return out

    return _props(params, h, build)


def _update(params, props, state, x, i_stim, h):
    y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in _Y}
    V0 = y["V_m"]
    zeros = jnp.zeros_like(V0)
    # the clamp potential: V_m when first needed, and again after V_m was set from outside
    captured = jnp.isnan(state["V_clamp"]) | (V0 != state["V_m_end"])
    V_clamp = jnp.where(captured, V0, state["V_clamp"])
    p = dict(params, _I_stim=state["I_stim"], _V_clamp=V_clamp,
             _refractory_counts=props["refractory_counts"],
             _c={k: props[f"c_{k}"] for k in _DIV})
    aux = {"r": state["refr_count"] + zeros, "n": zeros,
           **{k: state[k] + zeros for k in _CURRENTS}}
    y, dt, aux = evolve(_rhs, y, p, h, state["integration_step"], aux=aux, on_step=_on_step,
                        eps_abs=_EPS_ABS)
    new = dict(y)
    new["refr_count"] = jnp.where(aux["r"] > 0, aux["r"] - 1.0, aux["r"])
    for i, r in enumerate(_RECEPTORS):
        d = "dg_NMDA_timecourse" if r == "NMDA" else f"dg_{r}"
        new[d] = new[d] + props[f"cond_step_{r}"] * x[i]
    for k in _CURRENTS:
        new[k] = aux[k]
    V = new["V_m"]
    m_eq = _m_eq_NMDA(V, params, jnp.exp)
    new["g_NMDA"] = new["g_NMDA_timecourse"] * _m_NMDA(V, m_eq, new["m_fast_NMDA"],
                                                        new["m_slow_NMDA"], params)
    new["I_stim"] = jnp.asarray(i_stim, dtype=V.dtype) + zeros
    new["integration_step"] = dt
    new["V_clamp"] = jnp.where(params["voltage_clamp"] != 0, V_clamp, jnp.nan)
    new["V_m_end"] = V
    return new, aux["n"]


# --------------------------------------------------------------------------------------------
# checks (NEST raises BadParameter here, in this order) and receptors
# --------------------------------------------------------------------------------------------

_NONNEG = ("g_peak_AMPA", "g_peak_GABA_A", "g_peak_GABA_B", "g_peak_KNa", "S_act_NMDA",
           "g_peak_NMDA", "g_peak_T", "g_peak_h", "g_peak_NaP", "g_KL", "g_NaL", "t_ref")
_POSITIVE = ("tau_rise_AMPA", "tau_decay_AMPA", "tau_rise_GABA_A", "tau_decay_GABA_A",
             "tau_rise_GABA_B", "tau_decay_GABA_B", "tau_rise_NMDA", "tau_decay_NMDA",
             "tau_Mg_fast_NMDA", "tau_Mg_slow_NMDA", "tau_spike", "tau_theta", "tau_m",
             "tau_D_KNa")
_ORDERED = (("tau_rise_AMPA", "tau_decay_AMPA"), ("tau_rise_GABA_A", "tau_decay_GABA_A"),
            ("tau_rise_GABA_B", "tau_decay_GABA_B"), ("tau_rise_NMDA", "tau_decay_NMDA"),
            ("tau_Mg_fast_NMDA", "tau_Mg_slow_NMDA"))


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    for k in _NONNEG:
        if np.any(p[k] < 0):
            raise errors.BadParameter(f"{k} >= 0 required.")
    for k in _POSITIVE:
        if np.any(p[k] <= 0):
            raise errors.BadParameter(f"{k} > 0 required.")
    for a, b in _ORDERED:
        if np.any(p[a] >= p[b]):
            raise errors.BadParameter(f"{a} < {b} required.")


def _on_status(u):
    """``equilibrate``: gating variables at equilibrium for each neuron's (new) ``V_m``."""
    for i, d in zip(u.idx, u.given):
        if d.get("equilibrate", False):
            p = {k: float(v[i]) for k, v in u.old_params.items() if np.ndim(v) == 1}
            eq = _equilibrium(float(u.state["V_m"][i]), p)
            for k, v in eq.items():
                u.hidden[k][i] = v


@dataclass(frozen=True)
class HtNeuronModel(NeuronModel):
    """Spikes on receptors 1..4 (AMPA, NMDA, GABA_A, GABA_B); currents on receptor 0."""

    def channel(self, weight, receptor):
        receptor = np.asarray(receptor)
        bad = (receptor < 1) | (receptor > len(_RECEPTORS))
        if np.any(bad):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[bad][0])} is not available in {self.name}.")
        return receptor.astype(np.int32) - 1


_V0 = (_PARAMS["g_NaL"] * _PARAMS["E_Na"] + _PARAMS["g_KL"] * _PARAMS["E_K"]) \
    / (_PARAMS["g_NaL"] + _PARAMS["g_KL"])
_EQ = _equilibrium(_V0, _PARAMS)

ht_neuron = HtNeuronModel(
    name="ht_neuron",
    params=_PARAMS,
    state={"V_m": _V0, "theta": _PARAMS["theta_eq"]},
    recordables=("I_KNa", "I_NaP", "I_T", "I_h", "V_m", "g_AMPA", "g_GABA_A", "g_GABA_B",
                 "g_NMDA", "theta"),
    propagators=_propagators,
    update=_update,
    hidden={**{k: 0.0 for k in _Y[2:10]}, **_EQ, **{k: 0.0 for k in _CURRENTS},
            "g_NMDA": 0.0, "refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0,
            "V_clamp": math.nan, "V_m_end": math.nan},
    n_channels=len(_RECEPTORS),
    receptor_types={r: i + 1 for i, r in enumerate(_RECEPTORS)},
    rport_offset=(1, 0),
    check=_check,
    set_only={"equilibrate": False},
    on_status=_on_status,
)

MODELS = {ht_neuron.name: ht_neuron}
