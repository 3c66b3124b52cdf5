"""``iaf_cond_alpha_mc``: a three-compartment (soma, proximal, distal dendrite) leaky
integrate-and-fire neuron with alpha-shaped conductances in every compartment, integrated as
NEST 3.10 does (GSL RKF45, ``y_new`` control, eps_abs 1e-3, eps_rel 0, through
:func:`jaxnest.models.odeint.integrate`).

Per compartment c (V in mV, conductances in nS, currents in pA, C_m in pF)::

    C_m[c] dV[c]/dt = -g_L[c] (V - E_L[c]) - g_ex[c] (V - E_ex[c]) - g_in[c] (V - E_in[c])
                      - I_conn[c] + I_stim[c] + I_e[c]
    I_conn[soma] = g_sp (V_s - V_p),  I_conn[prox] = g_sp (V_p - V_s) + g_pd (V_p - V_d),
    I_conn[dist] = g_pd (V_d - V_p)
    d(dg)/dt = -dg / tau,  dg/dt = dg - g / tau   (tau_syn_ex[c], tau_syn_in[c])

At the soma ``V`` is ``V_reset`` while refractory and ``min(V_s, V_th)`` otherwise (the
neighbours see the soma's own ``V_s``). While the soma is refractory NEST sets dV/dt = 0 in
*all three* compartments (its flag is set at the soma and kept for the others); jaxnest does
the same. A spike of weight ``w`` on receptor ``<c>_exc`` / ``<c>_inh`` adds ``w e / tau`` to
that compartment's ``dg`` (the weight's sign is kept: receptors, not signs, select the
conductance).

One step, as NEST's ``update``: integrate over ``(0, h]``; add the step's spike input; if
refractory, count down and hold ``V_s = V_reset``, else spike when ``V_s >= V_th``, reset and
start the refractory period; keep this step's compartment currents as ``I_stim``.

Storage: parameters and state are flat arrays as the kernel keeps them, one key per NEST key
and compartment, named as NEST names the recordables (``V_m.s``, ``g_L.p``, ``C_m.d``, ...);
:func:`to_nest` / :func:`from_nest` convert to and from NEST's status dictionaries, where the
compartment keys live in the nested dicts ``"soma"``, ``"proximal"``, ``"distal"``.

Inputs: ``x`` has 6 channels (receptors 1..6 in order: soma_exc, soma_inh, proximal_exc,
proximal_inh, distal_exc, distal_inh); ``i_stim`` has shape ``(3, n)`` (pA; rows soma,
proximal, distal: the current receptors 7, 8, 9, through ``current_receptors``). Spikes on
receptors 0 or 7..9 and currents on receptors 0..6 are NEST's IncompatibleReceptorType.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel
from .iaf_psc import _props, ms_to_steps
from .odeint import integrate

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)
COMPARTMENTS = (("soma", "s"), ("proximal", "p"), ("distal", "d"))
"""NEST's compartment names and the suffix of their flat keys, in NEST's order."""
_SUF = tuple(s for _, s in COMPARTMENTS)
_COMP_DEFAULTS = {
    "s": {"C_m": 150.0, "E_L": -70.0, "E_ex": 0.0, "E_in": -85.0, "I_e": 0.0, "g_L": 10.0,
          "tau_syn_ex": 0.5, "tau_syn_in": 2.0},
    "p": {"C_m": 75.0, "E_L": -70.0, "E_ex": 0.0, "E_in": -85.0, "I_e": 0.0, "g_L": 5.0,
          "tau_syn_ex": 0.5, "tau_syn_in": 2.0},
    "d": {"C_m": 150.0, "E_L": -70.0, "E_ex": 0.0, "E_in": -85.0, "I_e": 0.0, "g_L": 10.0,
          "tau_syn_ex": 0.5, "tau_syn_in": 2.0},
}
COMP_PARAMS = tuple(_COMP_DEFAULTS["s"])
COMP_STATE = ("V_m",)
_PARAMS = {"V_reset": -60.0, "V_th": -55.0, "g_pd": 1.0, "g_sp": 2.5, "t_ref": 2.0,
           **{f"{k}.{s}": v for s in _SUF for k, v in _COMP_DEFAULTS[s].items()}}
_STATE = {f"V_m.{s}": _COMP_DEFAULTS[s]["E_L"] for s in _SUF}
_SYN = ("dg_ex", "g_ex", "dg_in", "g_in")
_SPIKE_RECEPTORS = tuple(f"{c}_{k}" for c, _ in COMPARTMENTS for k in ("exc", "inh"))
_CURRENT_RECEPTORS = tuple(f"{c}_curr" for c, _ in COMPARTMENTS)


# --------------------------------------------------------------------------------------------
# NEST's nested status dictionaries
# --------------------------------------------------------------------------------------------


def to_nest(flat: dict, compartments=COMPARTMENTS, keys=COMP_PARAMS + COMP_STATE) -> dict:
    """A flat status (``g_L.s``, ``V_m.p``, ...) as NEST shows it: the compartment ``keys``
    moved into the dicts ``soma``, ``proximal``, ``distal`` (``compartments``: (name,
    suffix) pairs); other keys unchanged."""
    out = {k: v for k, v in flat.items() if "." not in k}
    for name, s in compartments:
        out[name] = {k: flat[f"{k}.{s}"] for k in keys if f"{k}.{s}" in flat}
    return out


def from_nest(d: dict, compartments=COMPARTMENTS, keys=COMP_PARAMS + COMP_STATE) -> dict:
    """A status dict as NEST takes it (compartment dicts) as flat keys. Keys NEST does not
    know inside a compartment dict are ignored, as NEST ignores them; a compartment given as
    anything but a dict is NEST's TypeMismatch."""
    out = {k: v for k, v in d.items() if k not in dict(compartments)}
    for name, s in compartments:
        if name not in d:
            continue
        sub = d[name]
        if not isinstance(sub, dict):
            raise errors.TypeMismatch(f"Expected datatype: Failed to cast '{name}' from "
                                      f"{type(sub).__name__} to type Dictionary")
        out.update({f"{k}.{s}": v for k, v in sub.items() if k in keys})
    return out


# --------------------------------------------------------------------------------------------
# dynamics
# --------------------------------------------------------------------------------------------


def _propagators(params, h):
    def build(p, xp):
        out = {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["V_th"]}
        for s in _SUF:
            out[f"PSConInit_E.{s}"] = 1.0 * math.e / p[f"tau_syn_ex.{s}"]
            out[f"PSConInit_I.{s}"] = 1.0 * math.e / p[f"tau_syn_in.{s}"]
        return out

    return _props(params, h, build)


def _rhs(y, p):
    refractory = p["_refractory"]
    Vs, Vp, Vd = y["V_m.s"], y["V_m.p"], y["V_m.d"]
    V = {"s": jnp.where(refractory, p["V_reset"], jnp.minimum(Vs, p["V_th"])), "p": Vp, "d": Vd}
    I_conn = {"s": p["g_sp"] * (V["s"] - Vp),
              "p": p["g_sp"] * (Vp - Vs) + p["g_pd"] * (Vp - Vd),
              "d": p["g_pd"] * (Vd - Vp)}
    out = {}
    for s in _SUF:
        v = V[s]
        I_syn_exc = y[f"g_ex.{s}"] * (v - p[f"E_ex.{s}"])
        I_syn_inh = y[f"g_in.{s}"] * (v - p[f"E_in.{s}"])
        I_L = p[f"g_L.{s}"] * (v - p[f"E_L.{s}"])
        dV = (-I_L - I_syn_exc - I_syn_inh - I_conn[s] + p["_I_stim"][s] + p[f"I_e.{s}"]) \
            / p[f"C_m.{s}"]
        out[f"V_m.{s}"] = jnp.where(refractory, 0.0, dV)  # all compartments, as NEST
        for e, tau in (("ex", p[f"tau_syn_ex.{s}"]), ("in", p[f"tau_syn_in.{s}"])):
            out[f"dg_{e}.{s}"] = -y[f"dg_{e}.{s}"] / tau
            out[f"g_{e}.{s}"] = y[f"dg_{e}.{s}"] - y[f"g_{e}.{s}"] / tau
    return out


_Y = tuple(f"V_m.{s}" for s in _SUF) + tuple(f"{k}.{s}" for s in _SUF for k in _SYN)


def _update(params, props, state, x, i_stim, h):
    y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in _Y}
    r = state["refr_count"]
    p = dict(params, _refractory=r > 0,
             _I_stim={s: state[f"I_stim.{s}"] for s in _SUF})
    y, dt = integrate(_rhs, y, p, h, state["integration_step"], eps_abs=_EPS_ABS)
    new = dict(y)
    for c, s in enumerate(_SUF):
        new[f"dg_ex.{s}"] = new[f"dg_ex.{s}"] + x[2 * c] * props[f"PSConInit_E.{s}"]
        new[f"dg_in.{s}"] = new[f"dg_in.{s}"] + x[2 * c + 1] * props[f"PSConInit_I.{s}"]
    Vs = new["V_m.s"]
    refractory = r > 0
    spike = ~refractory & (Vs >= params["V_th"])
    new["V_m.s"] = jnp.where(refractory | spike, params["V_reset"], Vs)
    r = jnp.where(refractory, r - 1.0, jnp.where(spike, props["refractory_counts"], r))
    new["refr_count"] = r
    new["t_ref_remaining"] = h * r
    i_stim = jnp.asarray(i_stim, dtype=Vs.dtype)
    for c, s in enumerate(_SUF):
        new[f"I_stim.{s}"] = i_stim[c] + jnp.zeros_like(Vs)
    new["integration_step"] = dt
    return new, spike.astype(Vs.dtype)


# --------------------------------------------------------------------------------------------
# checks and receptors
# --------------------------------------------------------------------------------------------


def _bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["V_reset"] >= p["V_th"], "Reset potential must be smaller than threshold.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    for name, s in COMPARTMENTS:
        _bad(p[f"C_m.{s}"] <= 0, f"Capacitance ({name}) must be strictly positive.")
        _bad((p[f"tau_syn_ex.{s}"] <= 0) | (p[f"tau_syn_in.{s}"] <= 0),
             f"All time constants ({name}) must be strictly positive.")


@dataclass(frozen=True)
class McModel(NeuronModel):
    """Spike receptors 1..6 (channels 0..5), current receptors 7..9 (rows of ``i_stim``),
    with NEST's errors for the wrong kind of event on a receptor."""

    compartments: tuple = COMPARTMENTS
    """(NEST's compartment name, suffix of the flat keys), in NEST's order."""
    compartment_keys: tuple = COMP_PARAMS + COMP_STATE
    """The keys NEST shows inside each compartment's dict."""

    def to_nest(self, flat: dict) -> dict:
        """A flat status as NEST's GetStatus shows it (see :func:`to_nest`)."""
        return to_nest(flat, self.compartments, self.compartment_keys)

    def from_nest(self, d: dict) -> dict:
        """A status dict as NEST's Create/SetStatus take it, flattened (see
        :func:`from_nest`)."""
        return from_nest(d, self.compartments, self.compartment_keys)

    def _reject(self, receptor, accepted, event):
        """NEST's errors: a receptor type past the last one, or one of the other event's."""
        receptor = np.asarray(receptor)
        big = receptor > max(self.current_receptors)
        if np.any(big):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[big][0])} is not available in {self.name}.")
        wrong = ~np.isin(receptor, list(accepted))
        if np.any(wrong):
            raise errors.IncompatibleReceptorType(
                f"Receptor type {int(receptor[wrong][0])} in {self.name} does not accept "
                f"{event}.")
        return receptor

    def channel(self, weight, receptor):
        """Spike receptors 1 .. (first current receptor - 1) are channels 0, 1, ..."""
        receptor = self._reject(receptor, range(1, min(self.current_receptors)), "SpikeEvent")
        return receptor.astype(np.int32) - 1

    def current_channel(self, receptor):
        receptor = self._reject(receptor, list(self.current_receptors), "CurrentEvent")
        return receptor.astype(np.int64) - min(self.current_receptors)

iaf_cond_alpha_mc = McModel(
    name="iaf_cond_alpha_mc",
    params=_PARAMS,
    state=_STATE,
    recordables=("V_m.d", "V_m.p", "V_m.s", "g_ex.d", "g_ex.p", "g_ex.s", "g_in.d", "g_in.p",
                 "g_in.s", "t_ref_remaining"),
    propagators=_propagators,
    update=_update,
    hidden={**{f"{k}.{s}": 0.0 for s in _SUF for k in _SYN},
            **{f"I_stim.{s}": 0.0 for s in _SUF},
            "refr_count": 0.0, "integration_step": 0.0, "t_ref_remaining": 0.0},
    n_channels=len(_SPIKE_RECEPTORS),
    receptor_types={**{r: i + 1 for i, r in enumerate(_SPIKE_RECEPTORS)},
                    **{r: i + 7 for i, r in enumerate(_CURRENT_RECEPTORS)}},
    current_receptors={i + 7: i for i in range(len(_CURRENT_RECEPTORS))},
    rport_offset=(1, 7),
    check=_check,
)

MODELS = {iaf_cond_alpha_mc.name: iaf_cond_alpha_mc}
