"""NEST's SPManager, host side: structural_plasticity_synapses, Enable/Disable, and the
update of the connectivity at each structural_plasticity_update_interval.

jaxnest compiles a fixed network per run, so a Simulate with structural plasticity enabled
runs in pieces: at each update time (a slice start t with fmod(t, interval) == 0, the first
step of a Simulate included, as in NEST) every neuron's elements grow to t, connections are
deleted (elements lost: pre-synaptic first, then post-synaptic) and created (vacant elements
paired at random), vacant elements decay, and the next piece runs on the new network. The
random choices use the kernel's generator (not NEST's stream): same distributions.
"""
from __future__ import annotations

import time

import numpy as np

from .. import errors
from . import connections as kconn
from . import structural

_SPEC_KEYS = ("synapse_model", "pre_synaptic_element", "post_synaptic_element",
              "allow_autapses", "allow_multapses")


def set_synapses(kernel, value) -> dict:
    """NEST's SPManager::set_status for structural_plasticity_synapses: checks every spec
    (as a connection builder would), returns what the kernel status shows."""
    if not isinstance(value, dict):
        raise errors.TypeMismatch("Expected datatype: Failed to cast "
                                  "'structural_plasticity_synapses' to type Dictionary.")
    sp = structural.state(kernel)
    sp.builders = []
    shown = {}
    for key in sorted(value):
        spec = dict(value[key])
        name = spec.get("synapse_model", "static_synapse")
        entry = kernel.model(name, synapse=True)
        if "pre_synaptic_element" not in spec or "post_synaptic_element" not in spec:
            raise errors.BadProperty("Structural plasticity requires both a pre- and "
                                     "postsynaptic element.")
        syn = {k: v for k, v in spec.items() if k not in _SPEC_KEYS}
        unknown = [k for k in syn if k not in entry.defaults]
        if unknown:
            raise errors.UnaccessedDictionaryEntry(
                f"Unaccessed elements in syn_spec, in function connect:  {unknown[0]}")
        if "delay" in syn and not kernel.user_delay_extrema:
            raise errors.BadProperty(
                "Structural Plasticity: to use different delays for synapses you must specify "
                "the min and max delay in the kernel parameters.")
        delay = float(syn.get("delay", entry.defaults.get("delay", 1.0)))
        kernel.check_delays(kernel.delay_steps(np.array([delay])))
        kernel.check_delays(kernel.delay_steps(np.array([delay])), before=False)
        b = dict(name=key, synapse_model=name, syn=dict(syn, synapse_model=name),
                 pre=str(spec["pre_synaptic_element"]), post=str(spec["post_synaptic_element"]),
                 allow_autapses=bool(spec.get("allow_autapses", True)),
                 allow_multapses=bool(spec.get("allow_multapses", True)))
        sp.builders.append(b)
        shown[key] = {"allow_autapses": b["allow_autapses"],
                      "allow_multapses": b["allow_multapses"],
                      "post_synaptic_element": b["post"], "pre_synaptic_element": b["pre"],
                      "synapse_model": name}
    if sp.builders:
        structural.start_tracking(kernel)
    return shown


def enable(kernel) -> None:
    if int(kernel.settings["local_num_threads"]) > 1:
        raise errors.KernelException("Structural plasticity can not be used with multiple "
                                     "threads")
    if not kernel.settings["keep_source_table"]:
        raise errors.KernelException("Structural plasticity can not be enabled if "
                                     "keep_source_table has been set to false.")
    if not kernel.settings["use_compressed_spikes"]:
        raise errors.KernelException("Structural plasticity can not be enabled if "
                                     "use_compressed_spikes has been set to false.")
    structural.state(kernel).enabled = True
    structural.start_tracking(kernel)


def disable(kernel) -> None:
    structural.state(kernel).enabled = False


def check_threads(kernel, params: dict) -> None:
    """More than one thread is refused while structural plasticity is enabled."""
    sp = getattr(kernel, "_sp", None)
    for key in ("local_num_threads", "total_num_virtual_procs"):
        if sp is not None and sp.enabled and key in params and params[key] != 1:
            raise errors.KernelException("Multiple threads can not be used if structural "
                                         "plasticity is enabled")


# --- Connect / Disconnect with synaptic elements -------------------------------------------
def split_syn_spec(syn_spec) -> tuple[object, tuple | None]:
    """(syn_spec without element names, (pre, post) element names or None)."""
    if not isinstance(syn_spec, dict) or not ({"pre_synaptic_element", "post_synaptic_element"}
                                              & set(syn_spec)):
        return syn_spec, None
    if "pre_synaptic_element" not in syn_spec or "post_synaptic_element" not in syn_spec:
        raise errors.BadProperty("Structural plasticity requires both a pre- and "
                                 "postsynaptic element.")
    rest = {k: v for k, v in syn_spec.items()
            if k not in ("pre_synaptic_element", "post_synaptic_element")}
    return rest, (str(syn_spec["pre_synaptic_element"]),
                  str(syn_spec["post_synaptic_element"]))


def check_rule(rule) -> None:
    if rule not in ("one_to_one", "all_to_all"):
        raise errors.NotImplemented("This connection rule is not implemented for structural "
                                    "plasticity.")


def connected(kernel, idx: range, names: tuple) -> None:
    """Count the new connections ``idx`` (made with element names) at both ends."""
    if not len(idx):
        return
    cols = kernel.network.conns.cols
    sl = slice(idx[0], idx[-1] + 1)
    structural.connect_elements(kernel, cols["source"][sl], cols["target"][sl], *names, 1)


def disconnected(kernel, src: np.ndarray, tgt: np.ndarray, model: str,
                 elements: tuple | None = None) -> None:
    """A Disconnect of ``model`` between src[i] and tgt[i]: with element names (given, or of
    a structural plasticity synapse of that model) they count one connection less at both
    ends."""
    if elements is not None:
        structural.connect_elements(kernel, src, tgt, *elements, -1)
        return
    for b in getattr(getattr(kernel, "_sp", None), "builders", []):
        if b["synapse_model"] == model:
            structural.connect_elements(kernel, src, tgt, b["pre"], b["post"], -1)
            return


# --- the run loop --------------------------------------------------------------------------
def run(kernel, n_steps: int) -> bool:
    """Run ``n_steps`` with structural updates at their times (when enabled), and every
    neuron's elements and calcium brought up to the end (as NEST does after each run);
    False (nothing done) when nothing uses structural plasticity."""
    sp = getattr(kernel, "_sp", None)
    if sp is None or not (sp.enabled or getattr(kernel.network, "sp_tracking", False)):
        return False
    start = kernel.step
    times = update_steps(kernel, start, n_steps) if sp.enabled else []
    bounds = list(times) + [start + n_steps]
    costs = []
    try:
        if not times or times[0] != start:
            kernel.runtime.run(kernel, bounds[0] - start)
            kernel.step = bounds[0]
        for s, e in zip(bounds[:-1], bounds[1:]):
            t0 = time.perf_counter()
            update(kernel, float(kernel.ms_of_steps(s)))
            sp.last_update = s
            costs.append(time.perf_counter() - t0)
            if e > s:
                kernel.runtime.run(kernel, e - s)
            kernel.step = e
        structural.update_all(kernel, float(kernel.ms_of_steps(start + n_steps)))
    finally:
        kernel.step = start  # the caller advances the clock
    sp.timings = dict(updates=len(costs), update_s=sum(costs))
    return True


def update_steps(kernel, start: int, n: int) -> list[int]:
    """The steps in [start, start + n) at which NEST updates the structure: the first step
    and the slice starts (multiples of min_delay) whose time is a multiple of the interval."""
    interval = float(kernel.settings["structural_plasticity_update_interval"])
    md = kernel.min_delay_steps()
    first = -(-start // md) * md
    cand = np.r_[start, np.arange(first, start + n, md)] if n else np.zeros(0, np.int64)
    cand = np.unique(cand.astype(np.int64))
    ms = np.asarray(kernel.ms_of_steps(cand), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        hit = np.fmod(ms, interval) == 0
    sp = structural.state(kernel)
    return [int(s) for s in cand[hit] if s != sp.last_update]


def update(kernel, t: float) -> None:
    """NEST's structural update at time t (ms)."""
    structural.update_all(kernel, t)
    for b in structural.state(kernel).builders:
        _update_builder(kernel, b)
    structural.decay_all(kernel)


def _shuffle(rng, v: np.ndarray, n: int) -> np.ndarray:
    """NEST's global_shuffle: ``n`` items drawn from ``v`` without replacement, in order."""
    n = min(int(n), v.size)
    return v[rng.permutation(v.size)[:n]] if n else v[:0]


def _update_builder(kernel, b: dict) -> None:
    rng, syn = kernel.rng, kernel.model_ids[b["synapse_model"]]
    cols = kernel.network.conns.cols
    ids, ns = structural.vacant(kernel, b["pre"])
    src, tgt = [], []
    for gid, n in zip(ids[ns < 0].tolist(), ns[ns < 0].tolist()):
        mine = np.flatnonzero((cols["source"] == gid) & (cols["syn"] == syn))
        targets = [t for t in cols["target"][mine].tolist()
                   if (el := structural.element(kernel, t, b["post"])) is not None
                   and el.count() != 0.0]
        for t in _shuffle(rng, np.array(targets, dtype=np.int64), -n).tolist():
            src.append(gid)
            tgt.append(t)
    _delete(kernel, b, src, tgt)
    cols = kernel.network.conns.cols
    ids, ns = structural.vacant(kernel, b["post"])
    src, tgt = [], []
    for gid, n in zip(ids[ns < 0].tolist(), ns[ns < 0].tolist()):
        sources = cols["source"][(cols["target"] == gid) & (cols["syn"] == syn)]
        for s in _shuffle(rng, sources, -n).tolist():
            src.append(s)
            tgt.append(gid)
    _delete(kernel, b, src, tgt)
    pre_ids, pre_n = structural.vacant(kernel, b["pre"])
    post_ids, post_n = structural.vacant(kernel, b["post"])
    pre = np.repeat(pre_ids[pre_n > 0], pre_n[pre_n > 0])
    post = np.repeat(post_ids[post_n > 0], post_n[post_n > 0])
    if not (pre.size and post.size):
        return
    if pre.size > post.size:
        pre = _shuffle(rng, pre, post.size)
    else:
        post = _shuffle(rng, post, pre.size)
    if not b["allow_autapses"]:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    if pre.size:
        idx = kconn.connect(kernel, pre, post, {"rule": "one_to_one"}, dict(b["syn"]))
        kernel.note_connections(slice(idx[0], idx[-1] + 1) if len(idx) else slice(0, 0))
        connected(kernel, idx, (b["pre"], b["post"]))


def _delete(kernel, b: dict, src: list, tgt: list) -> None:
    if not src:
        return
    s, t = np.array(src, dtype=np.int64), np.array(tgt, dtype=np.int64)
    kconn.disconnect(kernel, s, t, "one_to_one", b["synapse_model"])
    structural.connect_elements(kernel, s, t, b["pre"], b["post"], -1)
