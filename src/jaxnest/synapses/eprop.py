"""e-prop connections: eprop_synapse, eprop_synapse_bsshslm_2020 (NEST's gradient-based
plasticity of e-prop, weight updates by the model's ``optimizer``) and
eprop_learning_signal_connection(_bsshslm_2020) (the readouts' error signals, times the
weight, to the recurrent neurons' learning signals).

Both learn as NEST's (synapses/eprop_gradient.py, reading the targets' e-prop history,
kernel/eprop_archive.py): eprop_synapse onto eprop_iaf*/eprop_readout, per spike;
eprop_synapse_bsshslm_2020 onto the bsshslm_2020 neurons, per update interval (NEST's
``eprop_update_interval``). The learning-signal connections carry the readouts' error
signals into that history. A synapse onto the other family's neurons gets NEST's
IllegalConnection (at Simulate; NEST at its first gradient). A multimeter recording
``eprop_history_duration`` gets NEST's count of history entries (kernel/eprop_history.py,
on the host, from the first Simulate on). A connection's own optimizer state
(``optimizer``: adam's ``m`` and ``v``, gradient descent's nothing) is shown and set as in
NEST.
Known difference: NEST's flush events (recurrent neurons silent for
``flush_event_send_interval``) add entries to a weight_recorder; none are recorded here
(eprop_synapse_bsshslm_2020 acts on them at their time, synapses/eprop_gradient
.on_flush_bsshslm; eprop_synapse gets none: they split its walk without changing it), so
those entries are missing (a warning says so).

Connection rules (NEST's order): targets must keep an e-prop history (the e-prop neuron
models: NotImplemented otherwise; recorders and generators get IllegalConnection), the delay
must be one step (IllegalConnection), weights are checked against ``optimizer``'s Wmin/Wmax
on SetDefaults and on a connection's SetStatus only (Connect takes any weight, as NEST).

``optimizer`` (shared by all connections of a model; SetDefaults/CopyModel): NEST's
WeightOptimizer dict: ``type`` ("gradient_descent" or "adam", shown as ``optimizer``),
``batch_size``, ``eta``, ``Wmin``, ``Wmax``, ``optimize_each_step``; adam's ``beta_1``,
``beta_2``, ``epsilon``. A dict given to SetDefaults updates the current one.
eprop_synapse_bsshslm_2020 also shares ``average_gradient``; its ``tau_m_readout`` (ms) is
per connection.
"""
from __future__ import annotations

import numpy as np

from .. import errors, messages
from ..devices.base import sent_events
from ..kernel import eprop_history
from . import eprop_gradient as eg
from .base import COMMON, SynapseModel
from .rate import SecondarySynapse

_GD = {"Wmax": 100.0, "Wmin": -100.0, "batch_size": 1, "eta": 1.0e-4,
       "optimize_each_step": True, "optimizer": "gradient_descent"}
_ADAM = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1.0e-7}
EPROP_NEURONS = ("eprop_iaf", "eprop_iaf_adapt", "eprop_iaf_psc_delta",
                 "eprop_iaf_psc_delta_adapt", "eprop_readout", "eprop_iaf_bsshslm_2020",
                 "eprop_iaf_adapt_bsshslm_2020", "eprop_readout_bsshslm_2020")
_WHY = "its connections are checked at Simulate"  # (walks_kept says why not)


def _optimizer_of(v) -> dict:
    opt = v.get("optimizer", _GD) if isinstance(v, dict) else _GD
    if isinstance(opt, np.ndarray):
        opt = opt.ravel()[0]
    return opt


def merge_defaults(old: dict, given: dict) -> dict:
    """SetDefaults: a given ``optimizer`` dict updates the current one (``type`` switches
    the optimizer, to its defaults for keys not given); NEST's checks of the result. The
    flattened copy the kernel reads (``__*``, eprop_gradient.COMMON) follows it."""
    new = dict(old)
    new.update({k: v for k, v in given.items() if k != "optimizer"})
    if "optimizer" in given and "__eta" in old:
        new = merge_defaults({k: v for k, v in old.items() if not k.startswith("__")}, given)
        new.update(eg.flatten(new["optimizer"], {k: old[k] for k in eg.COMMON}))
        return new
    if "optimizer" in given:
        opt = dict(old["optimizer"])
        upd = dict(given["optimizer"])
        kind = upd.pop("type", opt["optimizer"])
        if kind not in ("gradient_descent", "adam"):
            raise errors.BadProperty(f'Optimizer "{kind}" is not known; use '
                                     '"gradient_descent" or "adam".')
        if kind != opt["optimizer"]:
            base = {k: opt[k] for k in _GD if k != "optimizer"}
            opt = {**base, "optimizer": kind, **(_ADAM if kind == "adam" else {})}
        for k, val in upd.items():
            if k not in opt or k == "optimizer":
                raise errors.UnaccessedDictionaryEntry(
                    f"Unaccessed elements in params, in function "
                    f"ModelManager::set_synapse_defaults_:  optimizer.{k}")
            opt[k] = type(opt[k])(val) if not isinstance(opt[k], bool) else bool(val)
        _check_optimizer(opt)
        new["optimizer"] = opt
    return new


def _check_optimizer(opt: dict) -> None:
    if opt["batch_size"] <= 0:
        raise errors.BadProperty("Optimization batch_size > 0 required.")
    if opt["eta"] < 0:
        raise errors.BadProperty("Learning rate eta ≥ 0 required.")
    if opt["Wmin"] > opt["Wmax"]:
        raise errors.BadProperty("Minimal weight Wmin ≤ maximal weight Wmax required.")
    if opt["optimizer"] == "adam":
        for k, msg in (("beta_1", "beta_1"), ("beta_2", "beta_2")):
            if not 0.0 <= opt[k] < 1.0:
                raise errors.BadProperty(
                    f"For Adam optimizer, {msg} from interval [0,1) required.")
        if opt["epsilon"] < 0.0:
            raise errors.BadProperty("For Adam optimizer, epsilon ≥ 0 required.")


def check(v: dict) -> None:
    """NEST's set_status of an e-prop connection (and of the model's defaults): Wmin ≤
    weight ≤ Wmax; bsshslm's tau_m_readout > 0."""
    opt = _optimizer_of(v)
    w = np.asarray(v["weight"], float)
    if np.any(w < opt["Wmin"]):
        raise errors.BadProperty("Minimal weight Wmin ≤ weight required.")
    if np.any(w > opt["Wmax"]):
        raise errors.BadProperty("weight ≤ maximal weight Wmax required.")
    if "tau_m_readout" in v and np.any(np.asarray(v["tau_m_readout"], float) <= 0.0):
        raise errors.BadProperty("Membrane time constant of readout neuron tau_m_readout > 0 "
                                 "required.")


def check_ends(kernel, pre: np.ndarray, post: np.ndarray, values: dict) -> None:
    """NEST's checks of an e-prop connection at Connect (see the module docstring); from a
    device NEST checks the delay first, then what the device sends."""
    net = kernel.network
    targets = np.unique(post).tolist()
    neurons = [g for g in targets if g not in net.devices]
    supported = not any(net.model_of(g) not in EPROP_NEURONS and kernel.model(
        net.model_of(g)).impl.name not in EPROP_NEURONS for g in neurons)
    from ..kernel.connections import source_devices  # (the kernel imports this module)
    devices = source_devices(kernel, pre)
    if not supported and not devices:
        raise errors.NotImplemented("This synapse model is not supported by the neuron model "
                                    "of at least one connection.")
    steps = kernel.delay_steps(np.asarray(values["delay"], float))
    if np.any(np.asarray(steps) != 1):
        raise _illegal("eprop synapses currently require a delay of one simulation step")
    if devices and devices[0].entry.impl.kind in ("current", "sampler"):
        raise _illegal("The target node or synapse model does not support "
                       f"{sent_events(devices[0].entry.impl)}.")
    if not supported or len(neurons) < len(targets):
        raise _illegal("The target node does not support eprop synapses.")
    if devices:
        raise errors.NotImplemented(
            f"eprop synapses from a {devices[0].entry.name} are not simulated by jaxnest "
            "(NEST takes them); connect the device to parrot_neurons and those to the e-prop "
            "neurons.")


def _illegal(why: str) -> errors.IllegalConnection:
    return errors.IllegalConnection(f"Creation of connection is not possible because:\n{why}")


class EpropSynapse(SynapseModel):
    """An e-prop synapse model (frozen dataclass fields as SynapseModel's)."""

    unsupported_keys = ("optimizer",)
    """A connection's own optimizer status: adam's m and v are shown and set
    (kernel/connections.py), a value of another form raises errors.NotImplemented."""

    def merge_defaults(self, old: dict, given: dict) -> dict:
        return merge_defaults(old, given)

    def check_ends(self, kernel, pre, post, values) -> None:
        check_ends(kernel, pre, post, values)


RECURRENT = ("eprop_iaf", "eprop_iaf_adapt", "eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt")
LEARNING_SIGNALS = ("eprop_learning_signal_connection",
                    "eprop_learning_signal_connection_bsshslm_2020")


WALK_PARAMS = ("tau_m", "kappa", "kappa_reg", "adapt_beta", "adapt_tau",
               "eprop_isi_trace_cutoff", "regular_spike_arrival")
"""The targets' parameters the e-prop synapses' gradient walks read."""


def walks_kept(net, conn: np.ndarray, name: str, defaults: dict, bsshslm: bool) -> str:
    """Why these e-prop connections cannot be simulated on ("" when they can): they walk
    step by step (eprop_gradient.on_step: eprop_synapse optimizing once per spike;
    on_step_bsshslm), with each step's parameters, where NEST walks at the sender's next
    spike with the parameters then. So a walk parameter of a target (the connection's
    ``tau_m_readout``, the model's ``optimize_each_step``) changed since the last Simulate
    while a window walked so is open is refused."""
    # (the table's per-connection columns are read only where needed: reading them brings
    # the plastic state of the last run back from the device)
    now = {"conn": (None, net.conns.extra["tau_m_readout"][conn].copy())} if bsshslm else \
        {"each": (None, np.array([defaults["__optimize_each_step"]]))}
    for st in net.neurons.values():
        if st.entry.impl.name in EPROP_NEURONS and len(st):
            p = st.current()[0]
            now.update({(st.entry.name, k): (st.gids, np.array(p[k])) for k in WALK_PARAMS
                        if k in p})
    memo = net.__dict__.setdefault("_eprop_walks", {})
    last, memo[name] = memo.get(name), now
    changed = set()
    for key, (gids, v) in (last or {}).items():
        size = now[key][1].size if key in now else -1  # stores only grow, in creation order
        if size == v.size or (gids is not None and size > v.size):
            w = now[key][1][:v.size]
            diff = ~((w == v) | (np.isnan(w) & np.isnan(v)))
            if gids is None:  # the model's or the connections': every connection
                changed |= {-1} if diff.any() else set()
            else:
                changed |= set(gids[diff].tolist())
    if not changed or not conn.size:
        return ""
    cols = net.conns.extra
    walked = (cols["t_walk"][conn] > cols["t_spike_previous"][conn]) if bsshslm else \
        (cols["walked"][conn] > 0)
    if -1 not in changed:
        walked &= np.isin(net.conns.take("target", conn), list(changed))
    if walked.any():
        return ("a parameter its gradient walk reads (the targets' " + "/".join(WALK_PARAMS)
                + (", tau_m_readout" if bsshslm else ", optimize_each_step") + ") changed "
                "between Simulate calls while the window of a connection was open (jaxnest "
                "walks the windows step by step, NEST at the sender's next spike)")
    return ""


def _refuse_other_family(net, conn: np.ndarray, bsshslm: bool) -> None:
    """NEST's error for a target of the other e-prop family (eprop_synapse onto the
    bsshslm_2020 neurons, or the reverse): it lacks that family's compute_gradient. NEST
    raises it at the first gradient such a connection computes; here at Simulate."""
    tgt = np.unique(net.conns.take("target", conn))
    for st in net.neurons.values():
        if np.isin(tgt, st.gids).any() and \
                st.entry.impl.name.endswith("bsshslm_2020") != bsshslm:
            raise errors.IllegalConnection("Creation of connection is not possible because:\n"
                                           "The target node does not support "
                                           "compute_gradient().")


_WARNED: set = set()


class _Learning(EpropSynapse):
    """An e-prop synapse model that learns (Simulate checks its connections first)."""

    def unsupported_when(self, net, conn, defaults, synapses) -> str:
        if defaults.get("weight_recorder") and self.name not in _WARNED:
            _WARNED.add(self.name)  # the weights are NEST's; a recorder misses some entries
            messages.warn(f"{self.name}: the weight_recorder does not get the entries NEST "
                          "records at e-prop flush events (weights and gradients are not "
                          "affected).")
        bsshslm = self.name.endswith("bsshslm_2020")
        _refuse_other_family(net, conn, bsshslm)
        return walks_kept(net, conn, self.name, defaults, bsshslm)

    def before_run(self, kernel) -> None:
        """Multimeters recording ``eprop_history_duration``: NEST's count is followed on
        the host (kernel/eprop_history.py)."""
        eprop_history.follow(kernel)


eprop_synapse = _Learning(
    "eprop_synapse", {**COMMON, "optimizer": dict(_GD), **eg.flatten(_GD)},
    common=("optimizer",) + eg.COMMON, hidden=eg.HIDDEN, on_pre=eg.on_pre, on_step=eg.on_step,
    stepped=lambda d: not d["__optimize_each_step"], check=check, unsupported=_WHY,
    voltage_archive="eprop")
eprop_synapse_bsshslm_2020 = _Learning(
    "eprop_synapse_bsshslm_2020", {**COMMON, "average_gradient": False,
                                   "optimizer": dict(_GD), "tau_m_readout": 10.0,
                                   **eg.flatten(_GD)},
    common=("optimizer", "average_gradient") + eg.COMMON, hidden=eg.HIDDEN_BSS,
    on_pre=eg.on_pre_bsshslm, on_flush=eg.on_flush_bsshslm, on_step=eg.on_step_bsshslm,
    stepped=lambda d: True, check=check, unsupported=_WHY,
    voltage_archive="eprop")


def _learning_signal(name):
    return SecondarySynapse(name, dict(COMMON), secondary="eprop_learning_signal",
                            event_name="learning signal")


MODELS = {m.name: m for m in (
    eprop_synapse, eprop_synapse_bsshslm_2020,
    _learning_signal("eprop_learning_signal_connection"),
    _learning_signal("eprop_learning_signal_connection_bsshslm_2020"),
)}
