"""Structural plasticity, host side: NEST's StructuralPlasticityNode (calcium and synaptic
elements of every neuron) and SPManager settings. The update of the connectivity at each
interval is in kernel/sp_manager.py.

Calcium follows NEST: at a neuron's spike (time t_sp, ms) every synaptic element grows along
its curve up to t_sp, then ``Ca -> Ca exp(-(t_sp - t_Ca)/tau_Ca) + beta_Ca``; NEST shows the
value after the last event (spike or structural update), not decayed to the present. The
simulation kernel knows nothing of it: once anything uses it (a neuron with synaptic
elements, a calcium setting, structural plasticity synapses or EnableStructuralPlasticity)
the network records every neuron's spikes and they are applied here after each chunk, so a
network that uses none of it runs exactly as before. Spikes before that are not counted.
"""
from __future__ import annotations

import copy

import numpy as np

from .. import errors
from . import growth_curves as gc

NODE_KEYS = ("Ca", "tau_Ca", "beta_Ca", "synaptic_elements", "synaptic_elements_param")
NODE_DEFAULTS = {"Ca": 0.0, "tau_Ca": 10000.0, "beta_Ca": 0.001}
# neuron models that are no StructuralPlasticityNode in NEST (no Ca, no synaptic elements)
def is_sp_node(impl) -> bool:
    """NEST's StructuralPlasticityNode: every ArchivingNode (not astrocyte_lr_1994,
    gif_pop_psc_exp or the e-prop neurons, whose ``archiving`` is False)."""
    return getattr(impl, "archiving", True)


class Element:
    """One synaptic element of one neuron (NEST's SynapticElement)."""
    __slots__ = ("z", "z_t", "z_connected", "continuous", "growth_rate", "tau_vacant",
                 "curve", "eps", "eta", "psi")

    def __init__(self) -> None:
        self.z, self.z_t, self.z_connected = 0.0, 0.0, 0
        self.continuous, self.growth_rate, self.tau_vacant = True, 1.0, 0.1
        self.curve, self.eps, self.eta, self.psi = gc.LINEAR, 0.7, 0.1, 0.1

    def set(self, d: dict) -> None:
        """NEST's SynapticElement::set (unknown keys are ignored, as in NEST)."""
        from .nodes import typed_scalar
        for key in ("growth_rate", "z"):
            if key in d:
                setattr(self, key, typed_scalar(key, d[key], 0.0))
        tau_vacant = typed_scalar("tau_vacant", d["tau_vacant"], 0.0) if "tau_vacant" in d \
            else self.tau_vacant
        if "continuous" in d:
            self.continuous = typed_scalar("continuous", d["continuous"], True)
        if "growth_curve" in d:
            name = d["growth_curve"]
            if name not in gc.CODE:
                raise IndexError("map::at")
            if gc.CODE[name] != self.curve:  # a new curve, with its defaults
                self.curve = gc.CODE[name]
                for key, v in gc.PARAMS[self.curve].items():
                    setattr(self, key, v)
        for key in gc.PARAMS[self.curve]:
            if key in d:
                setattr(self, key, typed_scalar(key, d[key], 0.0))
        if self.curve == gc.SIGMOID and not self.psi >= 0:
            raise errors.BadProperty("psi parameter must be greater than 0.")
        if tau_vacant <= 0.0:
            raise errors.BadProperty("All time constants must be strictly positive.")
        self.tau_vacant = tau_vacant

    def status(self) -> dict:
        d = {"growth_rate": self.growth_rate, "tau_vacant": self.tau_vacant,
             "continuous": self.continuous, "z": float(self.z), "z_connected": int(self.z_connected),
             "growth_curve": gc.NAMES[self.curve]}
        d.update({k: getattr(self, k) for k in gc.PARAMS[self.curve]})
        return dict(sorted(d.items()))  # NEST's dictionaries list their keys sorted

    def vacant(self) -> int:
        return int(np.floor(self.z)) - self.z_connected

    def count(self) -> float:
        """NEST's get_synaptic_elements: z, or floor(z) unless continuous."""
        return self.z if self.continuous else float(np.floor(self.z))

    def connect(self, n: int) -> None:
        self.z_connected += n
        if self.z_connected > np.floor(self.z):
            self.z = float(self.z_connected + (self.z - np.floor(self.z)))

    def decay_vacant(self) -> None:
        if self.vacant() > 0:
            self.z -= self.vacant() * self.tau_vacant


class SPState:
    """The structural plasticity state of one kernel."""

    def __init__(self) -> None:
        self.size = 0                       # nodes 1..size have their calcium arrays
        self.ca = np.zeros(1)               # NEST's Ca_minus_ (the value shown as Ca)
        self.ca_t = np.zeros(1)             # time of the last calcium event (ms)
        self.tau = np.full(1, NODE_DEFAULTS["tau_Ca"])
        self.beta = np.full(1, NODE_DEFAULTS["beta_Ca"])
        self.elements: dict[int, dict[str, Element]] = {}  # gid -> name -> element
        self.model_defaults: dict[str, dict] = {}  # neuron model -> its SP defaults
        self.enabled = False
        self.builders: list[dict] = []      # structural_plasticity_synapses, in NEST's order
        self.last_update = None             # step of the last structural update


def state(kernel) -> SPState:
    sp = getattr(kernel, "_sp", None)
    if sp is None:
        sp = kernel._sp = SPState()
    return sp


def _grow(kernel, sp: SPState) -> None:
    """Calcium arrays for nodes created since, from their model's defaults."""
    n = kernel.network.size
    if n <= sp.size:
        return
    new = n + 1 - sp.ca.size
    if new > 0:
        sp.ca, sp.ca_t = np.r_[sp.ca, np.zeros(new)], np.r_[sp.ca_t, np.zeros(new)]
        sp.tau = np.r_[sp.tau, np.full(new, NODE_DEFAULTS["tau_Ca"])]
        sp.beta = np.r_[sp.beta, np.full(new, NODE_DEFAULTS["beta_Ca"])]
    models = kernel.network.node_model
    for gid in range(sp.size + 1, n + 1):
        d = sp.model_defaults.get(models[gid])
        if d is not None:
            sp.ca[gid], sp.tau[gid], sp.beta[gid] = d["Ca"], d["tau_Ca"], d["beta_Ca"]
            if d["synaptic_elements"]:
                sp.elements[gid] = copy.deepcopy(d["synaptic_elements"])
    sp.size = n
    if sp.elements:
        start_tracking(kernel)


def start_tracking(kernel) -> None:
    """From now on the network records every neuron's spikes for the calcium (the plan is
    rebuilt once)."""
    net = kernel.network
    if not getattr(net, "sp_tracking", False):
        net.sp_tracking = True
        net.version += 1


def split_params(params: dict) -> tuple[dict, dict]:
    """(model params, structural plasticity params) of a neuron status dict."""
    sp = {k: v for k, v in params.items() if k in NODE_KEYS}
    return ({k: v for k, v in params.items() if k not in NODE_KEYS}, sp) if sp else (params, {})


def _new_elements(d) -> dict[str, Element]:
    if not isinstance(d, dict):
        raise errors.TypeMismatch("Expected datatype: Failed to cast 'synaptic_elements' to "
                                  "type Dictionary.")
    out = {}
    for name in sorted(d):
        el = Element()
        el.set(d[name])
        out[name] = el
    return out


def _check_node(ca: float, tau: float, beta: float) -> None:
    if ca < 0.0:
        raise errors.BadProperty("Calcium concentration cannot be negative.")
    if tau <= 0.0:
        raise errors.BadProperty("All time constants must be strictly positive.")
    if beta <= 0.0:
        raise errors.BadProperty("For Ca to function as an integrator of the electrical "
                                 "activity, beta_ca needs to be greater than 0")


def set_nodes(kernel, gids: np.ndarray, params: list[dict], clear: list | None = None) -> None:
    """NEST's StructuralPlasticityNode::set_status, one dict per node (errors name the
    node as NEST's do)."""
    from .nodes import typed_scalar
    sp = state(kernel)
    _grow(kernel, sp)  # nodes just created take their model's defaults first
    for j, (gid, d) in enumerate(zip(gids.tolist(), params)):
        if not d and not (clear and clear[j]):
            continue
        try:
            vals = [typed_scalar(k, d[k], 0.0) if k in d else float(arr[gid])
                    for k, arr in (("Ca", sp.ca), ("tau_Ca", sp.tau), ("beta_Ca", sp.beta))]
            _check_node(*vals)
            sp.ca[gid], sp.tau[gid], sp.beta[gid] = vals
            if clear and clear[j]:
                sp.ca[gid] = sp.ca_t[gid] = 0.0
            if "synaptic_elements_param" in d:
                given = d["synaptic_elements_param"]
                for name, el in sp.elements.get(gid, {}).items():
                    if name in given:
                        el.set(given[name])
            if "synaptic_elements" in d:
                sp.elements[gid] = {}
                sp.elements[gid] = _new_elements(d["synaptic_elements"])
        except errors.BadProperty as e:
            raise errors.BadProperty(f"Setting status of a '{kernel.network.model_of(gid)}' "
                                     f"with node ID {gid}: {e}") from None
    if any(params):
        start_tracking(kernel)


def node_status(kernel, gid: int) -> dict:
    sp = state(kernel)
    _grow(kernel, sp)
    els = sp.elements.get(gid, {})
    return {"Ca": float(sp.ca[gid]), "tau_Ca": float(sp.tau[gid]),
            "beta_Ca": float(sp.beta[gid]),
            "synaptic_elements": {n: el.status() for n, el in sorted(els.items())}}


def model_defaults(kernel, model: str) -> dict:
    """What GetDefaults of a neuron model shows of structural plasticity."""
    d = state(kernel).model_defaults.get(model)
    if d is None:
        return {**NODE_DEFAULTS, "synaptic_elements": {}}
    return {k: d[k] for k in NODE_DEFAULTS} | {
        "synaptic_elements": {n: el.status() for n, el in d["synaptic_elements"].items()}}


def set_model_defaults(kernel, model: str, params: dict) -> None:
    """SetDefaults of a neuron model: the structural plasticity part."""
    from .nodes import typed_scalar
    sp = state(kernel)
    old = sp.model_defaults.get(model, {**NODE_DEFAULTS, "synaptic_elements": {}})
    new = dict(old)
    for k in NODE_DEFAULTS:
        if k in params:
            new[k] = typed_scalar(k, params[k], 0.0)
    try:
        _check_node(new["Ca"], new["tau_Ca"], new["beta_Ca"])
    except errors.BadProperty as e:
        raise errors.BadProperty(f"Setting status of model '{model}': {e}") from None
    if "synaptic_elements_param" in params:  # PyNEST's check: not a default
        raise KeyError("synaptic_elements_param")
    if "synaptic_elements" in params:
        new["synaptic_elements"] = _new_elements(params["synaptic_elements"])
    sp.model_defaults[model] = new
    start_tracking(kernel)


def copy_model_defaults(kernel, old: str, new: str) -> None:
    """CopyModel: the copy starts from the original's structural plasticity defaults."""
    sp = getattr(kernel, "_sp", None)
    if sp is not None and old in sp.model_defaults:
        sp.model_defaults[new] = copy.deepcopy(sp.model_defaults[old])


# --- calcium and element growth ----------------------------------------------------------
class _Columns:
    """Every synaptic element as columns (gathered once per chunk of spikes, written back
    after): the per-spike work is then numpy only."""

    def __init__(self, sp: SPState) -> None:
        self.els = [el for gid in sorted(sp.elements) for el in sp.elements[gid].values()]
        self.gid = np.array([gid for gid in sorted(sp.elements) for _ in sp.elements[gid]],
                            dtype=np.int64)
        for k in ("z", "z_t", "growth_rate", "eps", "eta", "psi"):
            setattr(self, k, np.array([getattr(el, k) for el in self.els], dtype=float))
        self.code = np.array([el.curve for el in self.els], dtype=np.int64)

    def write_back(self) -> None:
        for el, z, zt in zip(self.els, self.z.tolist(), self.z_t.tolist()):
            el.z, el.z_t = z, zt


def _advance(kernel, sp: SPState, cols: _Columns, gids: np.ndarray, t: np.ndarray) -> None:
    """NEST's update_synaptic_elements(t) of the nodes ``gids`` (distinct; one time each,
    ms): elements grow from the last calcium event to t, then the calcium decays to t."""
    if cols.gid.size:
        rows = np.flatnonzero(np.isin(cols.gid, gids))
        if rows.size:
            eg = cols.gid[rows]
            t_of = np.zeros(sp.ca.size)
            t_of[gids] = t
            te = t_of[eg]
            if (cols.z_t[rows] != sp.ca_t[eg]).any():
                raise errors.KernelException("Last update of the calcium concentration does "
                                             "not match the last update of the synaptic "
                                             "element")
            cols.z[rows] = gc.advance(cols.code[rows], te, sp.ca_t[eg], sp.ca[eg],
                                      cols.z[rows], sp.tau[eg], cols.growth_rate[rows],
                                      cols.eps[rows], cols.eta[rows], cols.psi[rows],
                                      kernel.resolution)
            cols.z_t[rows] = te
    sp.ca[gids] = sp.ca[gids] * np.exp((sp.ca_t[gids] - t) / sp.tau[gids])
    sp.ca_t[gids] = t


def on_spikes(kernel, senders: np.ndarray, times: np.ndarray) -> None:
    """Apply the spikes of a chunk (node ids, spike times in ms: stamp - offset) in time
    order: each neuron's elements grow to the spike, then its calcium jumps by beta_Ca."""
    sp = state(kernel)
    _grow(kernel, sp)
    neuron = np.ones(kernel.network.size + 1, dtype=bool)
    neuron[list(kernel.network.devices)] = False
    keep = neuron[senders]
    senders, times = senders[keep], times[keep]
    if not senders.size:
        return
    order = np.lexsort((times, senders))
    senders, times = senders[order], times[order]
    first = np.r_[0, np.flatnonzero(np.diff(senders)) + 1]
    rank = np.arange(senders.size) - np.repeat(first, np.diff(np.r_[first, senders.size]))
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(int(rank.max()) + 2))
    cols = _Columns(sp)
    for k in range(int(rank.max()) + 1):  # the k-th spike of every neuron at once
        sel = by_rank[bounds[k]:bounds[k + 1]]
        g, t = senders[sel], times[sel]
        _advance(kernel, sp, cols, g, t)
        sp.ca[g] += sp.beta[g]
    cols.write_back()


def update_all(kernel, t: float) -> None:
    """NEST's update_synaptic_elements(t) of every neuron (at a structural update)."""
    sp = state(kernel)
    _grow(kernel, sp)
    devices = kernel.network.devices
    gids = np.array([g for g in range(1, kernel.network.size + 1) if g not in devices],
                    dtype=np.int64)
    if gids.size:
        cols = _Columns(sp)
        _advance(kernel, sp, cols, gids, np.full(gids.size, t))
        cols.write_back()


def vacant(kernel, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(node ids, numbers) of the nodes with a nonzero number of vacant ``name`` elements,
    in id order (NEST's get_synaptic_elements of the SP manager)."""
    sp = state(kernel)
    ids, ns = [], []
    for gid in sorted(sp.elements):
        el = sp.elements[gid].get(name)
        if el is not None and el.vacant() != 0:
            ids.append(gid)
            ns.append(el.vacant())
    return np.array(ids, dtype=np.int64), np.array(ns, dtype=np.int64)


def element(kernel, gid: int, name: str) -> Element | None:
    return state(kernel).elements.get(gid, {}).get(name)


def connect_elements(kernel, src: np.ndarray, tgt: np.ndarray, pre: str, post: str,
                     n: int) -> None:
    """Count ``n`` (+1 or -1) connected elements at each end of the connections src -> tgt
    (NEST's change_connected_synaptic_elements)."""
    sp = state(kernel)
    for gids, name in ((src, pre), (tgt, post)):
        for gid in gids.tolist():
            el = sp.elements.get(gid, {}).get(name)
            if el is not None:
                el.connect(n)


def decay_all(kernel) -> None:
    for els in state(kernel).elements.values():
        for el in els.values():
            el.decay_vacant()
