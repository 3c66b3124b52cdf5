"""``cm_default``: NEST 3.10's compartmental neuron (a tree of passive compartments with Na/K
channels and AMPA/GABA/NMDA/AMPA_NMDA receptors), numerics in :mod:`.cm_tree`.

A neuron starts without compartments. ``compartments`` (once) and ``add_compartments`` take a
dict or a list of dicts ``{"parent_idx": p, "params": {...}}`` and append compartments with
the next indices (p = -1: the root); ``receptors`` (once) and ``add_receptors`` take
``{"comp_idx": c, "receptor_type": "AMPA", "params": {...}}`` and append receptors with the
next receptor indices, which are the ``receptor_type`` to Connect spikes with. A current
(dc_generator, ...) connected with ``receptor_type`` c enters compartment c. The neuron
spikes when the root's voltage crosses ``V_th`` from below (no reset, no refractoriness).

Storage (kernel vector parameters, one value per compartment or receptor; internal names,
hidden from the status): ``cm_parent``, ``cm_C_m``, ``cm_g_C``, ``cm_g_L``, ``cm_e_L``,
``cm_gbar_Na``, ``cm_e_Na``, ``cm_gbar_K``, ``cm_e_K``; ``rec_comp``, ``rec_type`` (code, see
:data:`.cm_tree.RECEPTOR_TYPES`; -1: a type NEST does not know, which NEST keeps as an index
without a receptor), ``rec_e``, ``rec_tau_r``, ``rec_tau_d``, ``rec_tau_r2``, ``rec_tau_d2``
(AMPA_NMDA's NMDA part), ``rec_ratio``. State (hidden, per compartment): ``v_comp``,
``m_Na``, ``h_Na``, ``n_K``; per receptor ``g_r``, ``g_d``, ``g_r2``, ``g_d2``. Recordables
``v_comp<c>``, ``m_Na_<c>``, ``g_r_AMPA_<r>``, ``g_r_AN_NMDA_<r>``, ... read their rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import jax.numpy as jnp
from jax import lax
import numpy as np

from .. import errors
from ..kernel import ints
from . import cm_tree
from .base import NeuronModel
from .cm_status import (COMP_KEYS, MAX_CURRENT_PORTS, REC_KEYS, describe, on_status,
                        recordable_names)

_COMP_PAD = {"cm_parent": -2.0, "cm_C_m": 1.0, "cm_g_C": 0.0, "cm_g_L": 0.0, "cm_e_L": 0.0,
             "cm_gbar_Na": 0.0, "cm_e_Na": 50.0, "cm_gbar_K": 0.0, "cm_e_K": -85.0}
_REC_PAD = {"rec_comp": 0.0, "rec_type": -1.0, "rec_e": 0.0, "rec_tau_r": 0.2,
            "rec_tau_d": 3.0, "rec_tau_r2": 0.2, "rec_tau_d2": 43.0, "rec_ratio": 2.0}
_COMP_STATE = ("v_comp", "m_Na", "h_Na", "n_K")
_REC_STATE = ("g_r", "g_d", "g_r2", "g_d2")
assert tuple(_COMP_PAD) == COMP_KEYS and tuple(_REC_PAD) == REC_KEYS

_SOURCES = [  # recordable name pattern -> hidden state
    (re.compile(r"v_comp(\d+)"), "v_comp"), (re.compile(r"m_Na_(\d+)"), "m_Na"),
    (re.compile(r"h_Na_(\d+)"), "h_Na"), (re.compile(r"n_K_(\d+)"), "n_K"),
    (re.compile(r"g_r_(?:AMPA|GABA|NMDA|AN_AMPA)_(\d+)"), "g_r"),
    (re.compile(r"g_d_(?:AMPA|GABA|NMDA|AN_AMPA)_(\d+)"), "g_d"),
    (re.compile(r"g_r_AN_NMDA_(\d+)"), "g_r2"), (re.compile(r"g_d_AN_NMDA_(\d+)"), "g_d2"),
]


def _propagators(params, h):
    tr, td = params["rec_tau_r"], params["rec_tau_d"]
    tr2, td2 = params["rec_tau_r2"], params["rec_tau_d2"]
    return {"prop_r": jnp.exp(-h / tr), "prop_d": jnp.exp(-h / td),
            "prop_r2": jnp.exp(-h / tr2), "prop_d2": jnp.exp(-h / td2),
            "g_norm": cm_tree.g_norm(tr, td), "g_norm2": cm_tree.g_norm(tr2, td2),
            "ratio": params["rec_ratio"]}


def _update(params, props, state, x, i_stim, h):
    parent = jnp.asarray(params["cm_parent"]).astype(jnp.int32)
    v = state["v_comp"]
    K, n = v.shape
    v_prev_root = v[0]
    m, hh, nk, g, i = cm_tree.channels(v, state["m_Na"], state["h_Na"], state["n_K"],
                                       params["cm_gbar_Na"], params["cm_e_Na"],
                                       params["cm_gbar_K"], params["cm_e_K"], h)
    typ = jnp.asarray(params["rec_type"]).astype(jnp.int32)
    comp = jnp.asarray(params["rec_comp"]).astype(jnp.int32)
    v_rec = jnp.take_along_axis(v, comp, axis=0)
    g_r, g_d, g_r2, g_d2, g_syn, i_syn = cm_tree.receptors(
        v_rec, state["g_r"], state["g_d"], state["g_r2"], state["g_d2"], x, typ,
        params["rec_e"], props)
    slots = jnp.arange(K)[:, None]
    R = typ.shape[0]

    def add(q, carry):  # NEST's order: by type, then by receptor index
        g, i = carry
        t, r = ints.div(q, R), ints.rem(q, R)
        here = (slots == comp[r][None, :]) & (typ[r] == t)[None, :]
        return (jnp.where(here, g + g_syn[r][None, :], g),
                jnp.where(here, i + i_syn[r][None, :], i))

    g, i = lax.fori_loop(0, len(cm_tree.RECEPTOR_TYPES) * R, add, (g, i))
    stim = jnp.zeros_like(v)
    i_stim = jnp.asarray(i_stim, dtype=v.dtype)
    i_stim = i_stim.reshape((-1, n)) if i_stim.ndim else jnp.broadcast_to(i_stim, (1, n))
    rows = min(K, i_stim.shape[0])
    stim = stim.at[:rows].set(i_stim[:rows])
    p = {"parent": parent, "C_m": params["cm_C_m"], "g_C": params["cm_g_C"],
         "g_L": params["cm_g_L"], "e_L": params["cm_e_L"]}
    v_new = cm_tree.step(p, v, g, i, stim, h)
    spike = (v_new[0] >= params["V_th"]) & (v_prev_root < params["V_th"])
    new = {"v_comp": v_new, "m_Na": m, "h_Na": hh, "n_K": nk,
           "g_r": g_r, "g_d": g_d, "g_r2": g_r2, "g_d2": g_d2}
    return new, spike.astype(v.dtype)


def _pre_run(params, h):
    counts = (~np.isnan(np.asarray(params["cm_parent"], dtype=float))).sum(axis=-1)
    if np.any(np.atleast_1d(counts) == 0):
        raise errors.UnknownCompartment("Compartment 0 does not exist in tree, meaning that "
                                        "no compartments have been added.")


def _rows_of(params, key, i):
    row = np.asarray(params[key], dtype=float)[i]
    return row[~np.isnan(row)]


@dataclass(frozen=True)
class CmModel(NeuronModel):
    """Receptor ports are the receptor indices (0-based), current ports the compartments;
    recordables, status and SetStatus follow the neuron's tree."""

    def channel(self, weight, receptor):
        if (np.asarray(weight) < 0).any():  # NEST: when the spike arrives
            raise errors.BadProperty("Synaptic weights must be positive.")
        receptor = np.asarray(receptor, dtype=np.int64)
        if (receptor < 0).any():
            raise errors.UnknownPort(
                f"Port with id {int(receptor[receptor < 0][0])} does not exist. Valid spike "
                f"receptor ports for {self.name} are in [0, ...[")
        return receptor.astype(np.int32)

    def current_channel(self, receptor):
        receptor = np.asarray(receptor, dtype=np.int64)
        if (receptor < 0).any():
            raise IndexError("Value causes data loss or overflow.")
        if (receptor >= MAX_CURRENT_PORTS).any():
            raise errors.NotImplemented(
                f"{self.name}: current input into compartment {int(receptor.max())} (jaxnest "
                f"takes currents into compartments 0..{MAX_CURRENT_PORTS - 1}).")
        return receptor

    def check_targets(self, params, local, receptor, current: bool) -> None:
        """NEST's port check of each target: spike receptors 0..(receptors - 1), current
        receptors 0..(compartments - 1)."""
        key = "cm_parent" if current else "rec_comp"
        v = np.atleast_2d(np.asarray(params[key], dtype=float))
        counts = (~np.isnan(v)).sum(axis=1)[local]
        receptor = np.broadcast_to(np.asarray(receptor), counts.shape)
        bad = (receptor >= counts) | (receptor < 0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            if receptor[k] < 0 and current:
                raise IndexError("Value causes data loss or overflow.")
            kind = "current" if current else "spike"
            raise errors.UnknownPort(
                f"Port with id {int(receptor[k])} does not exist. Valid {kind} receptor ports "
                f"for {self.name} are in [0, {int(counts[k])}[")

    def recordables_for(self, n_receptors):
        """All names a neuron with this many receptors may have (the kernel knows only the
        count); GetStatus shows the neuron's own list."""
        return recordable_names(128, n_receptors or 0)

    def recordables_of(self, params, i: int) -> list:
        """Neuron ``i``'s own recordables (Connect checks a multimeter's against them)."""
        return describe({k: np.atleast_2d(np.asarray(params[k], dtype=float))[i]
                         for k in ("cm_parent", "rec_comp", "rec_type")})[2]

    def default_recordables(self, defaults):
        return ()

    def sample_source(self, name):
        for pattern, var in _SOURCES:
            hit = pattern.fullmatch(name)
            if hit:
                return var, int(hit.group(1))
        return name, None

    def hidden_widths(self, params, h):
        width = np.atleast_2d(np.asarray(params["cm_parent"])).shape[1]
        return {k: width for k in _COMP_STATE}

    def check_ports_change(self, connected):
        """Receptors are only ever appended: connections stay valid (as in NEST)."""

    def to_nest(self, flat: dict) -> dict:
        """The status as NEST shows it: ``compartments``, ``receptors``, ``recordables``."""
        out = {k: v for k, v in flat.items() if k not in COMP_KEYS + REC_KEYS}
        if "cm_parent" in flat:
            comps, recs, names = describe(flat)
            out.update(compartments=comps, receptors=recs)
            if "recordables" in flat:
                out["recordables"] = names
        return out

    def from_nest(self, d: dict) -> dict:
        return dict(d)


cm_default = CmModel(
    name="cm_default",
    params={"V_th": -55.0, **{k: () for k in COMP_KEYS + REC_KEYS}},
    state={},
    recordables=(),
    propagators=_propagators,
    update=_update,
    hidden={k: 0.0 for k in _COMP_STATE + _REC_STATE},
    vector_params={**_COMP_PAD, **_REC_PAD},
    vector_hidden=_COMP_STATE + _REC_STATE,
    port_params=REC_KEYS,
    current_receptors={i: i for i in range(MAX_CURRENT_PORTS)},
    readonly=COMP_KEYS + REC_KEYS,
    set_only={"compartments": None, "add_compartments": None, "receptors": None,
              "add_receptors": None},
    on_status=on_status,
    pre_run=_pre_run,
)

MODELS = {cm_default.name: cm_default}
