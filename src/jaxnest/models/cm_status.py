"""``cm_default``'s status dictionaries: adding compartments and receptors (NEST's
``set_status`` with ``compartments``, ``add_compartments``, ``receptors``,
``add_receptors``), and the ``compartments`` / ``receptors`` / ``recordables`` lists of
GetStatus. Host side (numpy) only; the model is in :mod:`.cm_default`.

NEST differences kept on purpose: a bad entry raises NEST's error but adds nothing (NEST has
by then added the compartment or used up the receptor index, and a bad parent even leaves
NEST's tree unusable).
"""
from __future__ import annotations

import numpy as np

from .. import errors
from . import cm_tree

COMP_KEYS = ("cm_parent", "cm_C_m", "cm_g_C", "cm_g_L", "cm_e_L", "cm_gbar_Na", "cm_e_Na",
             "cm_gbar_K", "cm_e_K")
REC_KEYS = ("rec_comp", "rec_type", "rec_e", "rec_tau_r", "rec_tau_d", "rec_tau_r2",
            "rec_tau_d2", "rec_ratio")
MAX_CURRENT_PORTS = 16
"""Compartments that take current input (the kernel's current channels are fixed per model)."""

_COMP_DEFAULTS = {"C_m": 1.0, "g_C": 0.01, "g_L": 0.1, "e_L": -70.0, "gbar_Na": 0.0,
                  "e_Na": 50.0, "gbar_K": 0.0, "e_K": -85.0}
_V_INIT = -70.0  # NEST initialises v_comp with e_L's default, whatever e_L is given
_TYPES = cm_tree.RECEPTOR_TYPES
_REC_DEFAULTS = {  # per type: (e, tau_r, tau_d, tau_r2, tau_d2, ratio)
    "AMPA": (0.0, 0.2, 3.0, 0.2, 43.0, 2.0), "GABA": (-80.0, 0.2, 10.0, 0.2, 43.0, 2.0),
    "NMDA": (0.0, 0.2, 43.0, 0.2, 43.0, 2.0), "AMPA_NMDA": (0.0, 0.2, 3.0, 0.2, 43.0, 2.0)}
_REC_NAMES = {  # NEST's receptor parameter names -> position in the tuples above
    "AMPA": {"e_AMPA": 0, "tau_r_AMPA": 1, "tau_d_AMPA": 2},
    "GABA": {"e_GABA": 0, "tau_r_GABA": 1, "tau_d_GABA": 2},
    "NMDA": {"e_NMDA": 0, "tau_r_NMDA": 1, "tau_d_NMDA": 2},
    "AMPA_NMDA": {"e_AMPA_NMDA": 0, "tau_r_AMPA": 1, "tau_d_AMPA": 2, "tau_r_NMDA": 3,
                  "tau_d_NMDA": 4, "NMDA_ratio": 5}}
_REC_VARS = {"AMPA": ("g_r_AMPA_", "g_d_AMPA_"), "GABA": ("g_r_GABA_", "g_d_GABA_"),
             "NMDA": ("g_r_NMDA_", "g_d_NMDA_"),
             "AMPA_NMDA": ("g_r_AN_AMPA_", "g_d_AN_AMPA_", "g_r_AN_NMDA_", "g_d_AN_NMDA_")}


# --------------------------------------------------------------------------------------------
# reading values as NEST's dictionaries do
# --------------------------------------------------------------------------------------------


def _unread(where: str, keys) -> errors.UnaccessedDictionaryEntry:
    return errors.UnaccessedDictionaryEntry(
        f"Unaccessed elements in Unread dictionary entries: , in function {where}:  "
        + " ".join(sorted(keys)))


def _type_name(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "long"
    if isinstance(v, (float, np.floating)):
        return "double"
    if isinstance(v, str):
        return "std::string"
    return type(v).__name__


def _get(d: dict, key: str, kind: type):
    """``d[key]`` as NEST's ``get<long|double|string|Dictionary>`` reads it."""
    if key not in d:
        raise IndexError("map::at")
    v = d[key]
    ok = {int: isinstance(v, (int, np.integer)) and not isinstance(v, bool),
          float: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool),
          str: isinstance(v, str), dict: isinstance(v, dict)}[kind]
    if not ok:
        to = {int: "long", float: "double", str: "std::string", dict: "Dictionary"}[kind]
        raise errors.TypeMismatch(f"Expected datatype: Failed to cast '{key}' from "
                                  f"{_type_name(v)} to type {to}")
    return kind(v) if kind in (int, float) else v


def _entries(value, what: str) -> list:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(d, dict) for d in value):
        return list(value)
    raise errors.BadProperty(f"'{what}' entry could not be identified, provide list of "
                             f"parameter dicts for multiple {what}")


# --------------------------------------------------------------------------------------------
# adding compartments and receptors
# --------------------------------------------------------------------------------------------


def _compartment(d: dict, size: int, has_root: bool) -> dict:
    """One compartment from its dict (NEST's add_compartment_ and Compartment())."""
    parent = _get(d, "parent_idx", int)
    params = _get(d, "params", dict) if "params" in d else {}
    extra = set(d) - {"parent_idx", "params"}
    c = dict(_COMP_DEFAULTS, parent=float(parent), v=_V_INIT)
    names = {"C_m": "C_m", "g_C": "g_C", "g_L": "g_L", "e_L": "e_L", "v_comp": "v",
             "gbar_Na": "gbar_Na", "e_Na": "e_Na", "gbar_K": "gbar_K"}
    read = set()
    for key, slot in names.items():
        if key in params:
            c[slot] = _get(params, key, float)
            read.add(key)
    if "e_Na" in params:  # NEST's K channel reads e_K only when e_Na is given
        c["e_K"] = _get(params, "e_K", float)
        read.add("e_K")
    if set(params) - read:
        raise _unread("compartment_params", set(params) - read)
    if parent >= 0 and parent >= size:
        raise errors.UnknownCompartment(f"Compartment {parent} does not exist in tree, but "
                                        "was specified as a parent compartment.")
    if parent < 0 and has_root:
        raise errors.UnknownCompartment("Compartment 0 , the root, has already been "
                                        "instantiated.")
    if extra:
        raise _unread("cm_default::add_compartment_", extra)
    return c


def _receptor(d: dict, n_comp: int) -> dict:
    """One receptor from its dict (NEST's add_receptor_ and the receptor constructors)."""
    comp = _get(d, "comp_idx", int)
    kind = _get(d, "receptor_type", str)
    if not 0 <= comp < n_comp:
        raise errors.UnknownCompartment(f"Compartment {comp} does not exist in tree.")
    params = _get(d, "params", dict) if "params" in d else {}
    names = _REC_NAMES.get(kind, {})
    values = list(_REC_DEFAULTS.get(kind, _REC_DEFAULTS["AMPA"]))
    unread = set(params) - set(names)
    if unread:
        raise _unread("receptor_params", unread)
    for key, pos in names.items():
        if key in params:
            values[pos] = _get(params, key, float)
    extra = set(d) - {"comp_idx", "receptor_type", "params"}
    if extra:
        raise _unread("cm_default::add_receptor_", extra)
    code = float(_TYPES.index(kind)) if kind in _TYPES else -1.0  # NEST drops unknown types
    return dict(zip(REC_KEYS, [float(comp), code, *values]))


def _rows(params: dict, keys, i: int) -> dict:
    out = {}
    for k in keys:
        row = np.asarray(params[k], dtype=float)[i]
        out[k] = row[~np.isnan(row)]
    return out


def _write(table: dict, key: str, i: int, values, fill: float) -> None:
    """Row ``i`` of a (n, width) table holds ``values`` (widened as needed)."""
    values = np.asarray(values, dtype=float)
    arr = np.atleast_2d(np.asarray(table[key], dtype=float))
    if arr.shape[1] < values.size:
        arr = np.concatenate([arr, np.full((arr.shape[0], values.size - arr.shape[1]), fill)],
                             axis=1)
    arr = arr.copy()
    arr[i, :] = fill
    arr[i, :values.size] = values
    table[key] = arr


def _append_state(hidden: dict, key: str, i: int, old: int, new_values) -> None:
    """Keep a neuron's state of its old slots, initialise the slots added."""
    arr = np.atleast_2d(np.asarray(hidden[key], dtype=float))
    row = np.concatenate([arr[i, :old], np.asarray(new_values, dtype=float)])
    _write(hidden, key, i, row, 0.0)


def _apply(upd, i: int, given: dict) -> None:
    comps = _rows(upd.params, COMP_KEYS, i)
    recs = _rows(upd.params, REC_KEYS, i)
    n_comp, n_rec = comps["cm_parent"].size, recs["rec_comp"].size
    added, added_rec = [], []
    for key in ("compartments", "add_compartments"):
        if key not in given:
            continue
        if key == "compartments" and n_comp > 0:
            raise errors.BadProperty("'compartments' is already defined for this model")
        for d in _entries(given[key], "compartments"):
            added.append(_compartment(d, n_comp + len(added),
                                      n_comp + len(added) > 0))
    for key in ("receptors", "add_receptors"):
        if key not in given:
            continue
        if key == "receptors" and n_rec > 0:
            raise errors.BadProperty("'receptors' is already defined for this model")
        for d in _entries(given[key], "receptors"):
            added_rec.append(_receptor(d, n_comp + len(added)))
    if added:
        short = {"cm_parent": "parent", **{k: k[3:] for k in COMP_KEYS[1:]}}
        for k in COMP_KEYS:
            _write(upd.params, k, i, np.concatenate([comps[k], [c[short[k]] for c in added]]),
                   np.nan)
        v0 = np.array([c["v"] for c in added])
        m0, h0, n0 = (np.asarray(a) for a in cm_tree.gating_init(v0))
        for key, vals in (("v_comp", v0), ("m_Na", m0), ("h_Na", h0), ("n_K", n0)):
            _append_state(upd.hidden, key, i, n_comp, vals)
    if added_rec:
        for k in REC_KEYS:
            _write(upd.params, k, i, np.concatenate([recs[k], [r[k] for r in added_rec]]),
                   np.nan)
        for key in ("g_r", "g_d", "g_r2", "g_d2"):
            _append_state(upd.hidden, key, i, n_rec, np.zeros(len(added_rec)))


def on_status(upd) -> None:
    """Append the compartments and receptors each neuron was given (NEST's order:
    compartments, add_compartments, receptors, add_receptors)."""
    for j, i in enumerate(np.asarray(upd.idx).tolist()):
        given = upd.given[j]
        if any(k in given for k in ("compartments", "add_compartments", "receptors",
                                    "add_receptors")):
            _apply(upd, i, given)


# --------------------------------------------------------------------------------------------
# GetStatus
# --------------------------------------------------------------------------------------------


def describe(flat: dict) -> tuple[list, list, list]:
    """(compartments, receptors, recordables) of one neuron's flat status, as NEST lists
    them: receptors by compartment, then type (AMPA, GABA, NMDA, AMPA_NMDA), then index."""
    parent = np.atleast_1d(np.asarray(flat["cm_parent"], dtype=float))
    parent = parent[~np.isnan(parent)]
    comp = np.atleast_1d(np.asarray(flat["rec_comp"], dtype=float))
    comp = comp[~np.isnan(comp)].astype(int)
    typ = np.atleast_1d(np.asarray(flat["rec_type"], dtype=float))[:comp.size].astype(int)
    comps = [{"comp_idx": c, "parent_idx": int(p)} for c, p in enumerate(parent)]
    recs, names = [], []
    for c in range(parent.size):
        names += [f"v_comp{c}", f"m_Na_{c}", f"h_Na_{c}", f"n_K_{c}"]
        for t, kind in enumerate(_TYPES):
            for r in np.flatnonzero((comp == c) & (typ == t)).tolist():
                recs.append({"comp_idx": c, "receptor_idx": r, "receptor_type": kind})
                names += [f"{v}{r}" for v in _REC_VARS[kind]]
    return comps, recs, sorted(names)


def recordable_names(n_comp: int, n_rec: int) -> tuple[str, ...]:
    """Every recordable a neuron with up to ``n_comp`` compartments and ``n_rec`` receptors
    of any types may have."""
    names = [f"{v}{c}" for c in range(n_comp) for v in ("v_comp", "m_Na_", "h_Na_", "n_K_")]
    names += [f"{v}{r}" for r in range(n_rec) for vs in _REC_VARS.values() for v in vs]
    return tuple(sorted(set(names)))
