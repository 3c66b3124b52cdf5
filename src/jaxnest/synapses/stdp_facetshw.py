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

Not simulated yet (errors.NotImplemented at Simulate; Connect, GetStatus and set work): the
look-up tables, configuration and
reset bits are vector-valued shared parameters, which the kernel does not pass to rules or
checks; SetDefaults derives ``weight_per_lut_entry`` (from Wmax) and ``readout_cycle_duration``
(from no_synapses, ...), and every first spike changes the shared ``no_synapses`` in NEST's
delivery order. ``on_pre`` is the rule for shared parameters arriving as arrays (the tables
with a trailing axis of 16) and synapses numbered before the run.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

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
STATE = ("a_causal", "a_acausal", "init_flag", "synapse_id", "next_readout_time")


def _eval(a_c, a_a, p, bits):
    """NEST's threshold comparison of the charges under 4 configuration bits."""
    b = [bits[..., i] for i in range(4)]
    lhs = (p["a_thresh_tl"] + b[2] * a_c + b[1] * a_a) / (1 + b[2] + b[1])
    rhs = (p["a_thresh_th"] + b[0] * a_c + b[3] * a_a) / (1 + b[0] + b[3])
    return lhs > rhs


def _readout(s, p, t):
    """The hardware's readout: new 4-bit weight from a table, charges reset as configured."""
    w_step = p["weight_per_lut_entry"]
    entry = jnp.clip(jnp.round(s["weight"] / w_step), 0, 15).astype(jnp.int32)
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
    nrt = lax.while_loop(  # as NEST: add the cycle until the readout time passes t
        lambda x: jnp.any(t > x),
        lambda x: jnp.where(t > x, x + p["readout_cycle_duration"], x), s["next_readout_time"])
    return dict(s, weight=new * w_step, a_causal=a_c, a_acausal=a_a, next_readout_time=nrt)


def on_pre(p, s, t, post):
    d, t_last = p["delay"], s["t_lastspike"]
    first = s["init_flag"] == 0
    nrt = jnp.where(first, jnp.floor(s["synapse_id"] / p["synapses_per_driver"])
                    * p["driver_readout_time"], s["next_readout_time"])
    s = dict(s, init_flag=jnp.ones_like(nrt), next_readout_time=nrt)
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


MODELS = {m.name: m for m in (
    SynapseModel("stdp_facetshw_synapse_hom", {**COMMON, **SHARED, **OWN}, state=STATE,
                 hidden={"t_lastspike": 0.0}, common=tuple(SHARED), archive=True,
                 on_pre=on_pre, unsupported=(
                     "its look-up tables are vector-valued shared parameters and its synapse "
                     "count is shared state, which the kernel does not give synapse rules")),
)}
