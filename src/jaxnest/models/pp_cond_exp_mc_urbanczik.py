"""``pp_cond_exp_mc_urbanczik``: the two-compartment point-process neuron of Urbanczik and
Senn (2014), integrated as NEST 3.10 does (GSL RKF45, ``y_new`` control, eps_abs 1e-3,
eps_rel 0, through :func:`jaxnest.models.odeint.integrate`).

Soma ``s`` (conductance-based synapses) and dendrite ``p`` (NEST's ``dendritic``; current-
based synapses), V in mV, conductances in nS, currents in pA, C_m in pF::

    C_m.s dV_s/dt = -g_L.s (V_s - E_L.s) - g_ex.s (V_s - E_ex.s) - g_in.s (V_s - E_in.s)
                    + g_sp (V_p - V_s) + I_stim.s + I_e.s
    C_m.p dV_p/dt = -g_L.p (V_p - E_L.p) + I_ex.p + I_in.p + g_ps (V_s - V_p)
    dg_ex.s/dt = -g_ex.s / tau_syn_ex.s, ... (each synaptic variable decays exponentially)

``E_ex``/``E_in``/``I_e`` of the dendrite are shown but unused (as in NEST; ``I_e.p`` too).
No reset: the soma fires as a point process with rate ``phi(V_s)`` (1/ms), ``phi(u) =
phi_max / (1 + rate_slope exp(beta (theta - u)))``.

One step, as NEST's ``update``: integrate over ``(0, h]``; add the step's spikes (soma_exc ->
g_ex.s, soma_inh -> g_in.s, dendritic_exc -> I_ex.p, dendritic_inh: I_in.p minus the weight);
outside the dead time draw the spike: with ``t_ref > 0`` one spike with probability
``1 - exp(-1000 phi h 1e-3)`` (u <= p, draw 0), else a Poisson number (draw 0, by inversion)
and start the dead time; inside it count down. Keep the step's currents as ``I_stim``. The
kernel's Urbanczik archive (kernel/urbanczik_archive.py) then records the dendritic error
for urbanczik_synapse.

Storage: flat keys per compartment named as NEST's recordables (``V_m.s``, ``g_L.p``, ...);
GetStatus/SetStatus use NEST's nested dicts ``soma`` and ``dendritic``.
Receptors: spikes 1..4 (soma_exc, soma_inh, dendritic_exc, dendritic_inh), currents 5, 6
(soma_curr, dendritic_curr).
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .gif_pop import poisson
from .iaf_cond_alpha_mc import McModel
from .iaf_psc import _props, ms_to_steps
from .odeint import integrate

_EPS_ABS = 1e-3
COMPARTMENTS = (("soma", "s"), ("dendritic", "p"))
_SUF = ("s", "p")
_COMP = {"C_m": 300.0, "E_L": -70.0, "E_ex": 0.0, "E_in": 0.0, "I_e": 0.0, "g_L": 30.0,
         "tau_syn_ex": 3.0, "tau_syn_in": 3.0}
COMP_PARAMS = tuple(_COMP)
_PARAMS = {"t_ref": 3.0, "phi_max": 0.15, "rate_slope": 0.5, "beta": 1.0 / 3.0,
           "theta": -55.0, "g_sp": 600.0, "g_ps": 0.0,
           **{f"{k}.{s}": v for s in _SUF for k, v in _COMP.items()}}
_PARAMS["E_in.s"] = -75.0
_SPIKE_RECEPTORS = ("soma_exc", "soma_inh", "dendritic_exc", "dendritic_inh")
_CURRENT_RECEPTORS = ("soma_curr", "dendritic_curr")


def phi(u, p):
    """The soma's rate function (1/ms)."""
    return p["phi_max"] / (1.0 + p["rate_slope"] * jnp.exp(p["beta"] * (p["theta"] - u)))


def h_fn(u, p):
    """NEST's ``h``: 15 beta / (1 + exp(-beta (theta - u)) / rate_slope)."""
    return 15.0 * p["beta"] / (1.0 + (1.0 / p["rate_slope"])
                               * jnp.exp(-p["beta"] * (p["theta"] - u)))


def _propagators(params, h):
    def build(p, xp):
        return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["g_sp"]}

    return _props(params, h, build)


def _rhs(y, p):
    V, Vd = y["V_m.s"], y["V_m.p"]
    I_L = p["g_L.s"] * (V - p["E_L.s"])
    I_syn_exc = y["g_ex.s"] * (V - p["E_ex.s"])
    I_syn_inh = y["g_in.s"] * (V - p["E_in.s"])
    I_conn_d_s = 0.0 + p["g_sp"] * (Vd - V)
    I_conn_s_d = p["g_ps"] * (V - Vd)
    I_ex, I_in = y["I_ex.p"], y["I_in.p"]
    return {
        "V_m.s": (-I_L - I_syn_exc - I_syn_inh + I_conn_d_s + p["_I_stim.s"] + p["I_e.s"])
        / p["C_m.s"],
        "V_m.p": (-p["g_L.p"] * (Vd - p["E_L.p"]) + I_ex + I_in + I_conn_s_d) / p["C_m.p"],
        "g_ex.s": -y["g_ex.s"] / p["tau_syn_ex.s"],
        "g_in.s": -y["g_in.s"] / p["tau_syn_in.s"],
        "I_ex.p": -I_ex / p["tau_syn_ex.p"],
        "I_in.p": -I_in / p["tau_syn_in.p"],
    }


_Y = ("V_m.s", "g_ex.s", "g_in.s", "V_m.p", "I_ex.p", "I_in.p")


def _update(params, props, state, x, i_stim, h, rand):
    y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in _Y}
    p = dict(params, **{"_I_stim.s": state["I_stim.s"]})
    y, dt = integrate(_rhs, y, p, h, state["integration_step"], eps_abs=_EPS_ABS)
    new = dict(y)
    new["g_ex.s"] = new["g_ex.s"] + x[0]
    new["g_in.s"] = new["g_in.s"] + x[1]
    new["I_ex.p"] = new["I_ex.p"] + x[2]
    new["I_in.p"] = new["I_in.p"] - x[3]
    V = new["V_m.s"]
    r = state["refr_count"]
    free = r == 0
    rate = 1000.0 * phi(V, params)
    fire = free & (rate > 0.0)
    mean = jnp.where(fire, rate * h * 1e-3, 0.0)
    u = rand.uniform(0)
    dead = params["t_ref"] > 0.0
    n = jnp.where(dead, (u <= -jnp.expm1(-mean)).astype(V.dtype),
                  poisson(u, jnp.where(dead, 0.0, mean)))
    n = jnp.where(fire & (mean > 0.0), n, 0.0)
    new["refr_count"] = jnp.where(free, jnp.where(n > 0, props["refractory_counts"], r), r - 1.0)
    i_stim = jnp.asarray(i_stim, dtype=V.dtype)
    new["I_stim.s"] = i_stim[0] + jnp.zeros_like(V)
    new["I_stim.p"] = i_stim[1] + jnp.zeros_like(V)
    new["integration_step"] = dt
    return new, n


def _bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["rate_slope"] < 0, "Rate slope cannot be negative.")
    _bad(p["phi_max"] < 0, "Maximum rate cannot be negative.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    for name, s in COMPARTMENTS:
        _bad(p[f"C_m.{s}"] <= 0, f"Capacitance ({name}) must be strictly positive.")
        _bad((p[f"tau_syn_ex.{s}"] <= 0) | (p[f"tau_syn_in.{s}"] <= 0),
             "All time constants must be strictly positive.")


@dataclass(frozen=True)
class UrbanczikModel(McModel):
    """Two compartments (soma, dendritic): spike receptors 1..4, current receptors 5, 6."""

    compartments: tuple = COMPARTMENTS
    compartment_keys: tuple = COMP_PARAMS + ("V_m",)


pp_cond_exp_mc_urbanczik = UrbanczikModel(
    name="pp_cond_exp_mc_urbanczik",
    params=_PARAMS,
    state={"V_m.s": -70.0, "V_m.p": -70.0},
    recordables=("I_ex.p", "I_in.p", "V_m.p", "V_m.s", "g_ex.s", "g_in.s"),
    propagators=_propagators,
    update=_update,
    hidden={"g_ex.s": 0.0, "g_in.s": 0.0, "I_ex.p": 0.0, "I_in.p": 0.0, "I_stim.s": 0.0,
            "I_stim.p": 0.0, "refr_count": 0.0, "integration_step": 0.0},
    n_channels=len(_SPIKE_RECEPTORS),
    receptor_types={**{r: i + 1 for i, r in enumerate(_SPIKE_RECEPTORS)},
                    **{r: i + 5 for i, r in enumerate(_CURRENT_RECEPTORS)}},
    current_receptors={i + 5: i for i in range(len(_CURRENT_RECEPTORS))},
    rport_offset=(1, 5),
    check=_check,
    random=True,
)

MODELS = {pp_cond_exp_mc_urbanczik.name: pp_cond_exp_mc_urbanczik}
