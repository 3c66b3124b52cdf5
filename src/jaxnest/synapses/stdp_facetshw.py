"""STDP as the FACETS wafer-scale hardware does it (Pfeil et al. 2012):
stdp_facetshw_synapse_hom.

Each connection accumulates causal and acausal pair charges (``a_causal`` += exp(-dt/tau_plus)
of the first postsynaptic spike since the previous presynaptic spike, ``a_acausal`` +=
exp(-dt/tau_minus_stdp) of the last one); the weight is a 4-bit value (``Wmax`` / 15 per step)
updated only when the hardware reads the synapse out: at a presynaptic spike after
``next_readout_time``, two threshold comparisons of the charges (``configbit_0/1``) pick one of
three look-up tables for the new 4-bit weight and which charges to reset (``reset_pattern``);
readouts repeat every ``readout_cycle_duration`` (``driver_readout_time`` per started group of
``synapses_per_driver`` synapses). A synapse gets its ``synapse_id`` (the model's count of
synapses, ``no_synapses``) at its first spike.

Simulated while a model's synapse count (``no_synapses``) plus its connections that have not
spiked yet stays within ``synapses_per_driver``: then every synapse's first readout is at 0
and the readout cycle is one ``driver_readout_time`` whatever the order in which its
connections first spike (NEST numbers them in that order); beyond it, NotImplemented. After
each run the connections that spiked for the first time get their ``synapse_id`` in order
of that spike (then of connection index) and the model's ``no_synapses`` and
``readout_cycle_duration`` count them (:func:`after_run`). NEST also prints a line per
synapse at its first spike; jaxnest does not.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import errors
from .base import COMMON, SynapseModel

LUT_0 = np.array([2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15])
LUT_1 = np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13])
SHARED = {"tau_plus": 20.0, "tau_minus_stdp": 20.0, "Wmax": 100.0,
          "weight_per_lut_entry": 100.0 / 15, "no_synapses": 0, "synapses_per_driver": 50,
          "driver_readout_time": 15.0, "readout_cycle_duration": 0.0,
          "lookuptable_0": LUT_0, "lookuptable_1": LUT_1, "lookuptable_2": np.arange(16),
          "configbit_0": np.array([0, 0, 1, 0]), "configbit_1": np.array([0, 1, 0, 0]),
          "reset_pattern": np.ones(6, int)}
OWN = {"a_causal": 0.0, "a_acausal": 0.0, "a_thresh_th": 21.835, "a_thresh_tl": 21.835,
       "init_flag": False, "synapse_id": 0, "next_readout_time": 0.0}
HIDDEN = {"t_lastspike": 0.0, "t_first": -1.0}  # t_first: its first spike (ms), for ids
STATE = ("a_causal", "a_acausal", "init_flag", "synapse_id", "next_readout_time")


def _eval(a_c, a_a, p, bits):
    """NEST's threshold comparison of the charges under 4 configuration bits."""
    b = [bits[..., i] for i in range(4)]
    lhs = (p["a_thresh_tl"] + b[2] * a_c + b[1] * a_a) / (1 + b[2] + b[1])
    rhs = (p["a_thresh_th"] + b[0] * a_c + b[3] * a_a) / (1 + b[0] + b[3])
    return lhs > rhs


def _readout(s, p, t):
    """The hardware's readout: new 4-bit weight from a table, charges reset as configured."""
    w_step = p["weight_per_lut_entry"]  # C's round: halves away from zero
    entry = jnp.clip(jnp.floor(s["weight"] / w_step + 0.5), 0, 15).astype(jnp.int32)
    e0 = _eval(s["a_causal"], s["a_acausal"], p, p["configbit_0"])
    e1 = _eval(s["a_causal"], s["a_acausal"], p, p["configbit_1"])
    a_c, a_a = s["a_causal"], s["a_acausal"]
    new = entry
    for case, lut, r in ((e0 & ~e1, "lookuptable_0", 0), (~e0 & e1, "lookuptable_1", 2),
                         (e0 & e1, "lookuptable_2", 4)):
        table = jnp.broadcast_to(p[lut], entry.shape + (16,))
        new = jnp.where(case, jnp.take_along_axis(table, entry[..., None], -1)[..., 0], new)
        a_c = jnp.where(case & (p["reset_pattern"][..., r] != 0), 0.0, a_c)
        a_a = jnp.where(case & (p["reset_pattern"][..., r + 1] != 0), 0.0, a_a)
    cycle = p["driver_readout_time"]  # (the count stays within one driver: see above)
    due = lambda x: (t > x) & (cycle > 0)  # noqa: E731 - (padding lanes have no cycle)
    nrt = lax.while_loop(  # as NEST: add the cycle until the readout time passes t
        lambda x: jnp.any(due(x)), lambda x: jnp.where(due(x), x + cycle, x),
        s["next_readout_time"])
    return dict(s, weight=new * w_step, a_causal=a_c, a_acausal=a_a, next_readout_time=nrt)


def on_pre(p, s, t, post):
    d, t_last = p["delay"], s["t_lastspike"]
    first = s["init_flag"] == 0  # its first readout: at 0 (the first driver's synapses)
    nrt = jnp.where(first, 0.0, s["next_readout_time"])
    s = dict(s, init_flag=jnp.ones_like(nrt), next_readout_time=nrt,
             t_first=jnp.where(first, t, s["t_first"]))
    read = _readout(s, p, t)
    s = {k: jnp.where(t > nrt, read[k], v) for k, v in s.items()}
    times, mask = post.history(t_last - d, t - d)
    H = times.shape[0]
    found = mask.any(axis=0)
    i_first = jnp.argmax(mask, axis=0)
    i_last = H - 1 - jnp.argmax(mask[::-1], axis=0)
    t_first = jnp.take_along_axis(times, i_first[None, :], 0)[0]
    t_last_post = jnp.take_along_axis(times, i_last[None, :], 0)[0]
    a_c = s["a_causal"] + jnp.exp((t_last - (t_first + d)) / p["tau_plus"])
    a_a = s["a_acausal"] + jnp.exp(((t_last_post + d) - t) / p["tau_minus_stdp"])
    return dict(s, a_causal=jnp.where(found, a_c, s["a_causal"]),
                a_acausal=jnp.where(found, a_a, s["a_acausal"]),
                t_lastspike=jnp.broadcast_to(t, nrt.shape))


_VECTORS = ("lookuptable_0", "lookuptable_1", "lookuptable_2", "configbit_0", "configbit_1",
            "reset_pattern")


def readout_cycle(no_synapses, synapses_per_driver, driver_readout_time) -> float:
    """NEST's readout_cycle_duration: the started drivers' readout times."""
    return int((no_synapses - 1.0) / synapses_per_driver + 1.0) * driver_readout_time


class FacetsSynapse(SynapseModel):
    def merge_defaults(self, old: dict, given: dict) -> dict:
        """NEST's set_status of the shared properties: Wmax gives weight_per_lut_entry
        (over the tables' 16 entries), the synapse count and driver settings the readout
        cycle; tables of 16 entries in [0, 15], 4 configuration and 6 reset bits."""
        new = dict(old, **{k: np.asarray(v, dtype=int).ravel() if k in _VECTORS else v
                           for k, v in given.items()})
        if "Wmax" in given and "weight_per_lut_entry" not in given:
            new["weight_per_lut_entry"] = float(new["Wmax"]) / (len(old["lookuptable_0"]) - 1)
        if given.keys() & {"no_synapses", "synapses_per_driver", "driver_readout_time"}:
            new["readout_cycle_duration"] = readout_cycle(
                new["no_synapses"], new["synapses_per_driver"], new["driver_readout_time"])
        for k in ("lookuptable_0", "lookuptable_1", "lookuptable_2"):
            if k in given and new[k].size != new["lookuptable_0" if k != "lookuptable_0"
                                                  else "lookuptable_1"].size:
                raise errors.BadProperty("Look-up table has not 2^4 entries!")
            if k in given and np.any((new[k] < 0) | (new[k] > 15)):
                raise errors.BadProperty("Look-up table entries must be integers in [0,15]")
        for k, n, what in (("configbit_0", 4, "configuration"), ("configbit_1", 4,
                                                                 "configuration"),
                           ("reset_pattern", 6, "reset")):
            if k in given and new[k].size != n:
                raise errors.BadProperty(f"Wrong number of {what} bits (!={n}).")
        return new

    def unsupported_when(self, net, conn, defaults, synapses) -> str:
        waiting = np.count_nonzero(net.conns.extra["init_flag"][conn] == 0)  # no id yet
        if int(defaults["no_synapses"]) + waiting <= int(defaults["synapses_per_driver"]):
            return ""
        return ("more synapses than synapses_per_driver: their readout schedule depends on "
                "the order in which they first spike")

    def after_run(self, kernel, name: str) -> None:
        """The connections that spiked for the first time: their synapse_id in order of
        that spike (then of index), counted in the model's no_synapses (NEST's send)."""
        entry = kernel.models[name]
        conns = kernel.network.conns
        conn = np.flatnonzero(conns.column("syn") == kernel.model_ids[name])
        t_first = conns.extra["t_first"][conn]
        new = conn[t_first >= 0.0]  # (reset once numbered: init_flag keeps it so)
        if not new.size:
            return
        order = new[np.lexsort((new, t_first[t_first >= 0.0]))]
        d = entry.defaults
        first_id = int(d["no_synapses"])
        conns.assign("synapse_id", order, first_id + np.arange(order.size, dtype=float))
        conns.assign("t_first", order, np.full(order.size, -1.0))
        conns.version += 1  # the next run takes the connections' state from the table
        d["no_synapses"] = first_id + order.size
        d["readout_cycle_duration"] = readout_cycle(d["no_synapses"], d["synapses_per_driver"],
                                                    d["driver_readout_time"])


MODELS = {m.name: m for m in (
    FacetsSynapse("stdp_facetshw_synapse_hom", {**COMMON, **SHARED, **OWN}, state=STATE,
                  hidden=HIDDEN, common=tuple(SHARED), archive=True, on_pre=on_pre,
                  unsupported="more synapses than synapses_per_driver"),
)}
