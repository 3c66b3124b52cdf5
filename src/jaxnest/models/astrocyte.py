"""Astrocytes and the neurons they drive: ``astrocyte_lr_1994`` (Li-Rinzel IP3/Ca2+ dynamics,
Nadkarni & Jung's slow inward current) and ``aeif_cond_alpha_astro`` (``aeif_cond_alpha``
plus that current), as NEST 3.10 has them.

``astrocyte_lr_1994`` (concentrations in uM, time in ms), with ``c = clip(Ca_astro, 0, Ca_tot)``
and ``c_ER = (Ca_tot - c) / ratio_ER_cyt``::

    dIP3/dt    = (IP3_0 - IP3) / tau_IP3
    dCa/dt     = J_channel - J_pump + J_leak + J_noise
    dh_IP3R/dt = k_IP3R Kd_inh (IP3 + Kd_IP3_1) / (IP3 + Kd_IP3_2) (1 - h) - k_IP3R c h
    J_channel  = ratio_ER_cyt rate_IP3R m^3 n^3 h^3 (c_ER - c),  m = IP3 / (IP3 + Kd_IP3_1),
                 n = c / (c + Kd_act)
    J_pump     = rate_SERCA c^2 / (Km_SERCA^2 + c^2)
    J_leak     = ratio_ER_cyt rate_L (c_ER - c)

One step (NEST's ``update``): GSL rkf45 with the ``y_new`` control (eps_abs 1e-3, eps_rel 0)
over ``(0, h]``; clip ``Ca_astro`` to ``[0, Ca_tot]``; ``IP3 += delta_IP3 * w`` for the step's
spike input (weights must be >= 0); the SIC value of the step is
``SIC_scale * log(1000 (Ca_astro - SIC_th))`` where that argument exceeds 1 (nM), else 0; the
step's CurrentEvent input (uM/ms) becomes ``J_noise`` of the next step. The astrocyte sends
no spikes; its SIC values are secondary events (kernel/continuous.py) that keep their lags
across update calls (NEST's ``sic_values`` buffer is a member, overwritten lag by lag).

``aeif_cond_alpha_astro``: ``aeif_cond_alpha`` (models/aeif.py) with ``+ I_SIC`` in the
membrane current (pA). ``I_SIC`` is the sum of ``w * SIC`` arriving in a step (over
sic_connection, delay d: the value of step s arrives in step s + d), applied from the next
step on, like CurrentEvents; recordable, not a status entry.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from . import aeif
from .base import NeuronModel
from .odeint import integrate

_PARAMS = {  # Nadkarni & Jung (2003); uM, ms
    "Ca_tot": 2.0,
    "IP3_0": 0.16,
    "Kd_IP3_1": 0.13,
    "Kd_IP3_2": 0.9434,
    "Kd_act": 0.08234,
    "Kd_inh": 1.049,
    "Km_SERCA": 0.1,
    "SIC_scale": 1.0,
    "SIC_th": 0.19669,
    "delta_IP3": 0.0002,
    "k_IP3R": 0.0002,
    "rate_IP3R": 0.006,
    "rate_L": 0.00011,
    "rate_SERCA": 0.0009,
    "ratio_ER_cyt": 0.185,
    "tau_IP3": 7142.0,
}
_STATE = {"IP3": 0.16, "Ca_astro": 0.073, "h_IP3R": 0.793}

# NEST's checks, in its order: (parameter, test of a bad value, message)
_CHECKS = (
    ("Ca_tot", lambda v: v <= 0, "Total free astrocytic calcium concentration in terms of "
     "cytosolic volume must be positive."),
    ("IP3_0", lambda v: v < 0, "Baseline value of the astrocytic IP3 concentration must be "
     "non-negative."),
    ("Kd_act", lambda v: v <= 0, "Astrocytic IP3R dissociation constant of calcium "
     "(activation) must be positive."),
    ("Kd_inh", lambda v: v < 0, "Astrocytic IP3R dissociation constant of calcium (inhibition) "
     "must be non-negative."),
    ("Kd_IP3_1", lambda v: v <= 0, "First astrocytic IP3R dissociation constant of IP3 must be "
     "positive."),
    ("Kd_IP3_2", lambda v: v <= 0, "Second astrocytic IP3R dissociation constant of IP3 must "
     "be positive."),
    ("Km_SERCA", lambda v: v <= 0, "Activation constant of astrocytic SERCA pump must be "
     "positive."),
    ("ratio_ER_cyt", lambda v: v <= 0, "Ratio between astrocytic ER and cytosol volumes must "
     "be positive."),
    ("delta_IP3", lambda v: v < 0, "Parameter determining the increase in astrocytic IP3 "
     "concentration induced by synaptic input must be non-negative."),
    ("k_IP3R", lambda v: v < 0, "Astrocytic IP3R binding constant for calcium inhibition must "
     "be non-negative."),
    ("SIC_scale", lambda v: v <= 0, "Parameter determining the scale of astrocytic SIC output "
     "must be positive."),
    ("SIC_th", lambda v: v < 0, "Threshold that determines the minimal level of intracellular "
     "astrocytic calcium sufficient to induce SIC must be non-negative."),
    ("rate_L", lambda v: v < 0, "Rate constant of calcium leak from astrocytic ER to cytosol "
     "must be non-negative."),
    ("rate_IP3R", lambda v: v < 0, "Maximum rate of calcium release via astrocytic IP3R must "
     "be non-negative."),
    ("rate_SERCA", lambda v: v < 0, "Maximum rate of calcium uptake by astrocytic SERCA pump "
     "must be non-negative."),
    ("tau_IP3", lambda v: v <= 0, "Time constant of the exponential decay of astrocytic IP3 "
     "must be positive."),
)


def _check(params):
    for key, bad, msg in _CHECKS:
        if np.any(bad(np.asarray(params[key], dtype=np.float64))):
            raise errors.BadProperty(msg)
    _check_state(params)


def _check_state(s):
    """NEST's State_::set checks (Create passes state and parameters together)."""
    if not all(k in s for k in _STATE):
        return
    v = {k: np.asarray(s[k], dtype=np.float64) for k in _STATE}
    if np.any(v["IP3"] < 0):
        raise errors.BadProperty("IP3 concentration must be non-negative.")
    if np.any(v["Ca_astro"] < 0):
        raise errors.BadProperty("Calcium concentration must be non-negative.")
    if np.any((v["h_IP3R"] < 0) | (v["h_IP3R"] > 1)):
        raise errors.BadProperty("The fraction of active IP3 receptors on the astrocytic ER "
                                 "must be between 0 and 1.")


def _on_set(old_params, new_params, state, keys):
    _check_state(state)
    return state


def _rhs(y, p):
    """Li-Rinzel right-hand side, with NEST's order of operations (uM/ms)."""
    ip3, h_r = y["IP3"], y["h_IP3R"]
    c = jnp.maximum(0.0, jnp.minimum(y["Ca_astro"], p["Ca_tot"]))
    alpha = p["k_IP3R"] * p["Kd_inh"] * (ip3 + p["Kd_IP3_1"]) / (ip3 + p["Kd_IP3_2"])
    beta = p["k_IP3R"] * c
    j_pump = p["rate_SERCA"] * (c * c) / (p["Km_SERCA"] * p["Km_SERCA"] + c * c)
    m_inf = ip3 / (ip3 + p["Kd_IP3_1"])
    n_inf = c / (c + p["Kd_act"])
    c_er = (p["Ca_tot"] - c) / p["ratio_ER_cyt"]
    j_leak = p["ratio_ER_cyt"] * p["rate_L"] * (c_er - c)
    j_chan = (p["ratio_ER_cyt"] * p["rate_IP3R"] * (m_inf * m_inf * m_inf)
              * (n_inf * n_inf * n_inf) * (h_r * h_r * h_r) * (c_er - c))
    return {"IP3": (p["IP3_0"] - ip3) / p["tau_IP3"],
            "Ca_astro": j_chan - j_pump + j_leak + p["_J_noise"],
            "h_IP3R": alpha * (1.0 - h_r) - beta * h_r}


def _update(params, props, state, x, i_stim, h):
    y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in _STATE}
    p = dict(params, _J_noise=state["J_noise"])
    y, dt = integrate(_rhs, y, p, h, state["integration_step"], eps_abs=1e-3, eps_rel=0.0)
    ca = jnp.maximum(0.0, jnp.minimum(y["Ca_astro"], params["Ca_tot"]))
    ip3 = y["IP3"] + params["delta_IP3"] * x[0]
    thr = (ca - params["SIC_th"]) * 1000.0  # nM, as Nadkarni & Jung
    sic = jnp.where(thr > 1.0, jnp.log(jnp.where(thr > 1.0, thr, 1.0)) * params["SIC_scale"],
                    0.0)
    zeros = jnp.zeros_like(ca)
    new = {"IP3": ip3, "Ca_astro": ca, "h_IP3R": y["h_IP3R"], "integration_step": dt,
           "J_noise": jnp.asarray(i_stim, dtype=ca.dtype) + zeros}
    return new, zeros, sic


@dataclass(frozen=True)
class AstrocyteModel(NeuronModel):
    """Spikes (weight >= 0) and currents on receptor 0 only; sends SIC values, no spikes."""

    secondary_keeps: bool = True
    """The emitted values of a slice persist across update calls (continuous.py)."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        if np.any(receptor != 0):
            raise errors.UnknownReceptorType(f"Receptor type {int(receptor[receptor != 0][0])}"
                                             f" is not available in {self.name}.")
        # NEST raises when such a spike is delivered; jaxnest when the network is built
        if np.any(np.asarray(weight) < 0):
            raise errors.KernelException(
                "astrocyte_lr_1994 cannot handle input spikes with negative weights.")
        return np.zeros(np.shape(weight), dtype=np.int32)

    @property
    def sign_channels(self) -> bool:
        return False


astrocyte_lr_1994 = AstrocyteModel(
    name="astrocyte_lr_1994",
    params=dict(_PARAMS),
    state=dict(_STATE),
    recordables=("Ca_astro", "IP3", "h_IP3R"),
    propagators=lambda params, h: {},
    update=_update,
    hidden={"J_noise": 0.0, "integration_step": 0.0},
    n_channels=1,
    check=_check,
    on_set=_on_set,
    archiving=False,
    secondary_out=("sic",),
    sends_spikes=False,
)


# --- aeif_cond_alpha_astro ------------------------------------------------------------------
_aeif_update = aeif.MODELS["aeif_cond_alpha"].update


def _astro_update(params, props, state, x, i_stim, h, sec):
    """aeif_cond_alpha's step with the SIC of the last step in the current; this step's SIC
    input (sec[0], pA) is kept for the next."""
    new, spikes = _aeif_update(dict(params, _I_SIC=state["I_SIC"]), props, state, x, i_stim, h)
    new["I_SIC"] = sec[0].astype(new["V_m"].dtype) + jnp.zeros_like(new["V_m"])
    return new, spikes


_base = aeif.MODELS["aeif_cond_alpha"]
aeif_cond_alpha_astro = dataclasses.replace(
    _base,
    name="aeif_cond_alpha_astro",
    recordables=("I_SIC", "V_m", "g_ex", "g_in", "w"),
    update=_astro_update,
    hidden={**_base.hidden, "I_SIC": 0.0},
    secondary_in=("sic",),
    secondary_channels=1,
)

MODELS = {m.name: m for m in (astrocyte_lr_1994, aeif_cond_alpha_astro)}
