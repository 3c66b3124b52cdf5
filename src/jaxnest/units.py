"""NEST's units of parameters, and brainunit quantities at the API boundary.

NEST stores every parameter as a plain double in a fixed unit per parameter (V_m in mV, I_e in
pA, g_L in nS, C_m in pF, tau_m in ms, rate in spikes/s). jaxnest does the same internally; the
API (``jaxnest/api``) accepts brainunit quantities (``-60.0 * u.mV``, ``0.5 * u.nA``) and turns
them into those plain numbers once, here, so models and kernel never see a quantity. Plain
numbers pass through untouched (they are already in NEST's units).

Where the units come from: NEST documents them per model, and they are consistent by name
(``V_*``/``E_*`` mV, ``I_*`` pA, ``g_*`` nS, ``tau_*`` ms, ...), so the table is written once per
parameter name (:data:`BY_NAME`, :data:`BY_PREFIX`), with the few models whose names mean
something else overriding it (:data:`BY_MODEL`: a sinusoidal_poisson_generator's ``amplitude``
is a rate, a dc_generator's a current). tests/unit/api/test_units_table.py checks the table
against the unit column of the parameter tables in NEST's model headers.

Weights have no unit of their own: NEST reads them in the unit of the receiving model's input
(pA for current-based synapses, nS for conductance-based, mV for delta synapses), as a factor
for the current of a current generator. The rule (:func:`weight_to`; api/_units.py finds the
targets' input unit): a quantity weight must be a current, conductance, voltage or plain
number and is converted to pA, nS or mV; where the targets' input is known (Connect, a
SynapseCollection's set) its dimension must match it. Synapse defaults (SetDefaults,
CopyModel) know no target and accept any of the four.

brainunit is imported only once the user has imported it (it cannot pass a quantity
otherwise), so scripts without units pay nothing.
"""
from __future__ import annotations

import functools
import sys

import numpy as np

from . import errors

WEIGHT = "weight"
"""Marker: the unit is the receiving model's input unit (see :func:`weight_to`)."""

# Unit of a parameter by name, for every model unless BY_MODEL says otherwise. "1" is a plain
# number (a dimensionless quantity is accepted); names in no table accept plain numbers only.
BY_NAME = {
    "C_m": "pF", "Delta_T": "mV", "Delta_V": "mV", "U_m": "mV", "a": "nS", "b": "pA", "w": "pA",
    "g": "nS", "q_stc": "pA",  # NEST's docs say nA, but q_stc is added to the pA currents
    "q_sfa": "mV", "q_rr": "nS", "delta": "mV", "rho": "Hz", "lambda_0": "Hz",
    "c_1": "Hz/mV", "c_2": "Hz", "c_3": "1/mV", "alpha_1": "mV", "alpha_2": "mV", "omega": "mV",
    "theta": "mV", "theta_eq": "mV", "theta_minus": "mV", "theta_plus": "mV",
    "u_bar_plus": "mV", "u_bar_minus": "mV", "u_bar_bar": "mV", "u_ref_squared": "mV^2",
    "A_LTD": "1/mV", "A_LTP": "1/mV^2", "th_spike_add": "mV", "th_spike_decay": "1/ms",
    "th_voltage_decay": "1/ms", "th_voltage_index": "1/ms", "voltage_reset_add": "mV",
    "threshold_spike": "mV", "threshold_voltage": "mV", "threshold": "mV",
    "asc_amps": "pA", "asc_init": "pA", "asc_decay": "1/ms",
    # times
    "delay": "ms", "origin": "ms", "start": "ms", "stop": "ms", "interval": "ms", "offset": "ms",
    "dt": "ms", "dead_time": "ms", "t_clamp": "ms", "delta_tau": "ms", "tau_max": "ms",
    "Tstart": "ms", "Tstop": "ms", "sdev": "ms", "tau": "ms", "spike_times": "ms",
    "pulse_times": "ms", "rate_times": "ms", "amplitude_times": "ms", "delay_u_bars": "ms",
    "driver_readout_time": "ms", "readout_cycle_duration": "ms", "next_readout_time": "ms",
    "times": "ms",  # recorder events
    "t_spike": "ms", "flush_event_send_interval": "ms", "eprop_isi_trace_cutoff": "ms",
    "adapt_tau": "ms", "f_target": "Hz", "learning_signal": "pA",  # e-prop neurons
    **dict.fromkeys(("error_signal", "readout_signal", "readout_signal_unnorm",
                     "target_signal"), "mV"),  # e-prop readouts' signals, as NEST documents
    # rates and stimuli
    "rate": "Hz", "rate_values": "Hz", "frequency": "Hz", "amplitude": "pA",
    "amplitude_values": "pA", "mean": "pA", "std": "pA", "std_mod": "pA",
    # weights
    "weight": WEIGHT, "weights": WEIGHT, "Wmax": WEIGHT, "Wmin": WEIGHT, "spike_weights": WEIGHT,
    # plain numbers
    **dict.fromkeys(("alpha", "lambda", "mu", "mu_plus", "mu_minus", "U", "u", "x", "y", "n",
                     "P", "delta_P", "p_transmit", "p_copy", "Kplus", "Kplus_triplet", "Aplus",
                     "Aminus", "Aplus_triplet", "Aminus_triplet", "eta", "beta", "Act_m",
                     "Act_n", "Inact_h", "phase", "relative_amplitude", "gamma_shape", "order",
                     "spike_multiplicities", "dead_time_shape", "gsl_error_tol", "asc_r",
                     "amp_slow", "voltage_reset_fraction", "N_NaP", "N_T", "S_act_NMDA",
                     "a_causal", "a_acausal", "a_thresh_th", "a_thresh_tl"), "1"),
    "weight_per_lut_entry": WEIGHT,
}
BY_PREFIX = (("V_", "mV"), ("E_", "mV"), ("I_", "pA"), ("dI_", "pA/ms"), ("g_", "nS"),
             ("dg_", "nS/ms"), ("tau_", "ms"), ("t_ref", "ms"))

_HT_PLAIN = ("g_KL", "g_NaL", *(f"g_peak_{r}" for r in ("AMPA", "NMDA", "GABA_A", "GABA_B",
                                                          "NaP", "KNa", "T", "h")))
BY_MODEL = {
    "izhikevich": {"a": "1", "b": "1", "c": "mV", "d": "mV"},  # NEST: a, b are plain numbers
    "quantal_stp_synapse": {"a": "1", "n": "1"},  # release sites: counts
    "ac_generator": {"amplitude": "pA", "offset": "pA"},
    "sinusoidal_poisson_generator": {"amplitude": "Hz"},
    "sinusoidal_gamma_generator": {"amplitude": "Hz"},
    "step_rate_generator": {"amplitude_values": "Hz"},
    "iaf_cond_exp_sfa_rr": {"q_sfa": "nS"},
    "amat2_psc_exp": {"beta": "1/ms"},
    # NEST: "conductances are unitless in this model and currents are in mV"
    "ht_neuron": {**dict.fromkeys(_HT_PLAIN, "1"),
                  **dict.fromkeys(("I_NaP", "I_KNa", "I_T", "I_h"), "mV")},
    "iaf_chs_2007": {"V_epsp": None, "V_noise": None},  # normalised amplitudes
    "gif_pop_psc_exp": {"mean": None},
    "ginzburg_neuron": {"c_1": "1/mV", "c_2": "1"},  # a probability per mV, a probability
    "erfc_neuron": {"sigma": "mV"},
    "siegert_neuron": {"mean": "Hz"},  # a constant input rate
    "astrocyte_lr_1994": {"rate_IP3R": "1/ms", "rate_L": "1/ms"},
}
KERNEL = {"resolution": "ms", "min_delay": "ms", "max_delay": "ms", "biological_time": "ms",
          "ms_per_tic": "ms", "tics_per_ms": "1/ms", "wfr_comm_interval": "ms",
          "eprop_learning_window": "ms", "eprop_update_interval": "ms"}

_WORDS = {"mV": "a voltage", "pA": "a current", "nS": "a conductance", "pF": "a capacitance",
          "ms": "a time", "Hz": "a rate", "1": "a plain number"}
WEIGHT_UNITS = ("pA", "nS", "mV", "1")
"""The units a weight may have: current-, conductance-based and delta synapses, factors."""


def unit_of(name: str, model: str | None = None):
    """NEST's unit of parameter ``name`` of ``model`` (e.g. "mV"; "1": a plain number;
    :data:`WEIGHT`; None: not known). Flat keys of compartments (``V_m.s``) by their name."""
    if model is not None:
        over = BY_MODEL.get(model)
        if over is not None and name in over:
            return over[name]
    base = name.split(".", 1)[0]
    unit = BY_NAME.get(base)
    if unit is not None:
        return unit
    for prefix, unit in BY_PREFIX:
        if base.startswith(prefix):
            return unit
    return None


def input_unit(model: str) -> str | None:
    """Unit of the weight of a spike arriving at ``model`` (its synapses' input), if known:
    pA (current-based), nS (conductance-based) or mV (delta synapses)."""
    if model in ("izhikevich", "ginzburg_neuron", "mcculloch_pitts_neuron", "erfc_neuron") \
            or "psc_delta" in model or model.startswith("eprop_"):
        # binary neurons: weights add to the input h (mV); e-prop neurons: to v
        return "mV"
    if "_cond_" in model or model.endswith("_cond") or model in (
            "iaf_chxk_2008", "iaf_bw_2001", "iaf_bw_2001_exact"):
        return "nS"
    if model == "iaf_tum_2000":  # iaf_psc_exp with a built-in Tsodyks-Markram synapse
        return "pA"
    if "_rate_" in model or model.startswith("rate_") or model == "siegert_neuron":
        return "1"  # rate models: a weight scales a (dimensionless) rate
    if model == "astrocyte_lr_1994":  # a spike adds delta_IP3 x weight to IP3
        return "1"
    if model in ("ht_neuron", "iaf_chs_2007", "ignore_and_fire", "cm_default") \
            or "parrot" in model:  # cm_default: a receptor's weight scales its conductance
        return None
    if "_psc_" in model or model.endswith("_psc"):
        return "pA"
    return None


# --- brainunit, only once the user has it -----------------------------------------------------
def quantity_types() -> tuple:
    """The Quantity classes of the unit libraries the process has imported (empty: none, so
    no value can be a quantity)."""
    mods = sys.modules
    if "saiunit" not in mods and "brainunit" not in mods:
        return ()
    return _quantity_types(id(mods.get("saiunit")), id(mods.get("brainunit")))


@functools.lru_cache(maxsize=4)
def _quantity_types(*_ids) -> tuple:
    out = []
    for name in ("saiunit", "brainunit"):
        cls = getattr(sys.modules.get(name), "Quantity", None)
        if isinstance(cls, type) and cls not in out:
            out.append(cls)
    return tuple(out)


def _bu():
    import brainunit
    return brainunit


@functools.lru_cache(maxsize=None)
def unit(text: str):
    """The brainunit unit of a NEST unit text ("mV", "nS/ms", "1/mV^2", "1")."""
    bu = _bu()
    num, _, den = text.partition("/")

    def factor(part: str, sign: int):
        out = None
        for tok in part.split("*"):
            tok = tok.strip()
            if not tok or tok == "1":
                continue
            name, _, power = tok.partition("^")
            p = sign * int(power or 1)
            f = getattr(bu, name) if p == 1 else getattr(bu, name) ** p
            out = f if out is None else out * f
        return out

    u, d = factor(num, 1), factor(den, -1) if den else None
    if u is None:
        u = d
    elif d is not None:
        u = u * d
    return bu.UNITLESS if u is None else u


def describe(text: str) -> str:
    return "a plain number" if text == "1" else f"{_WORDS.get(text, 'a quantity')} ({text})"


def is_quantity(value) -> bool:
    qt = quantity_types()
    return bool(qt) and isinstance(value, qt)


def _decimal(q, target):
    """``q``'s value in ``target`` units, rounded once: NEST-prefixed units differ by powers
    of ten, applied as one exact integer power (1 nA is 1000 pA, not 1000.0000000000001)."""
    src = q.unit
    ratio = src.factor / target.factor
    e = src.scale - target.scale
    m = q.mantissa
    if src.base != target.base or ratio != 1.0 or int(e) != e:
        return q.to_decimal(target)
    if not isinstance(m, (int, float, np.ndarray, np.generic)):  # a jax array, a list
        m = np.asarray(m, dtype=np.float64 if np.issubdtype(np.asarray(m).dtype, np.floating)
                       else None)
    e = int(e)
    return m * 10 ** e if e >= 0 else m / 10 ** -e


def _plain(v):
    """A converted value as the API passes numbers on: Python floats, float64 arrays."""
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return v.item()
        return v.astype(np.float64) if np.issubdtype(v.dtype, np.floating) else v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _what(name: str, model: str | None) -> str:
    return name if model is None else f"{name} of {model}"


def quantity_to(name: str, q, text, model: str | None = None, context: str = "",
                got: str | None = None):
    """The plain value of quantity ``q`` in unit ``text`` for parameter ``name``; BadProperty
    naming the expected unit when the dimension is wrong."""
    if text is None:
        if q.unit.is_unitless:
            return _plain(_decimal(q, _bu().UNITLESS))
        raise errors.BadProperty(f"{_what(name, model)}: jaxnest knows no unit for this "
                                 f"parameter; pass a plain number in NEST's units, got "
                                 f"{got or q}")
    target = unit(text)
    if q.dim != target.dim:
        raise errors.BadProperty(f"{name} expects {describe(text)}{context}, got {got or q}")
    return _plain(_decimal(q, target))


def weight_to(name: str, q, expected: str | None = None, context: str = "",
              got: str | None = None):
    """A quantity weight in pA, nS, mV or as a factor; ``expected`` (the targets' input, when
    known) must match."""
    if expected is not None:
        return quantity_to(name, q, expected, context=context, got=got)
    for text in WEIGHT_UNITS:
        if q.dim == unit(text).dim:
            return _plain(_decimal(q, unit(text)))
    raise errors.BadProperty(f"{name} expects a current (pA), a conductance (nS), a voltage "
                             f"(mV) or a plain number, got {got or q}")


def to_nest(name: str, value, model: str | None = None, weight_unit=None, context: str = ""):
    """``value`` for parameter ``name`` of ``model`` in NEST's units: quantities (also in a list,
    or a unit-carrying random parameter) converted, anything else returned as given. Nested
    dicts (compartments) are converted by their own keys."""
    qt = quantity_types()
    if not qt:
        return value
    text = unit_of(name, model)

    def one(q, got=None):
        if text == WEIGHT:
            return weight_to(name, q, weight_unit, context, got)
        return quantity_to(name, q, text, model, context, got)

    if isinstance(value, qt):
        return one(value)
    punit = getattr(value, "_jaxnest_unit", None)
    if punit is not None:  # nest.random.* built from quantities
        scale = one(_bu().Quantity(1.0, unit=punit), f"a random parameter in {punit}")
        return value if scale == 1.0 else value * scale
    if isinstance(value, (list, tuple)) and any(isinstance(x, qt) for x in value):
        return [one(x) if isinstance(x, qt) else x for x in value]
    if isinstance(value, dict):
        return {k: to_nest(k, v, model) for k, v in value.items()}
    return value


def params_to_nest(params, model: str | None = None):
    """A status dict (or a list of them) with every quantity in NEST's units."""
    if not quantity_types() or params is None:
        return params
    if isinstance(params, (list, tuple)):
        return [params_to_nest(d, model) for d in params]
    if not isinstance(params, dict):
        return params
    return {k: to_nest(k, v, model) for k, v in params.items()}


def time_to_ms(value, what: str = "time"):
    """A time argument (``Simulate(t)``, ``Run(t)``) in ms."""
    if not quantity_types() or not is_quantity(value):
        return value
    return quantity_to(what, value, "ms")


# --- reading back -------------------------------------------------------------------------------
def as_quantity(name: str, value, model: str | None = None, weight_unit: str | None = None):
    """``value`` of ``name`` as a brainunit quantity in NEST's unit (``units=True`` reads):
    numbers and float arrays get the unit, dicts are read by their keys, tuples element-wise
    (a tuple of numbers, one per node, becomes one quantity array); values without a known
    unit stay plain."""
    if isinstance(value, dict):
        return {k: as_quantity(k, v, model) for k, v in value.items()}
    text = unit_of(name, model)
    if text == WEIGHT:
        text = weight_unit
    if text is None or text == "1":
        return value
    if isinstance(value, tuple):
        if value and all(_number(v) for v in value):
            return _bu().Quantity(np.asarray(value, dtype=np.float64), unit=unit(text))
        return tuple(as_quantity(name, v, model, weight_unit) for v in value)
    if isinstance(value, list):
        if value and all(_number(v) for v in value):
            return _bu().Quantity(np.asarray(value, dtype=np.float64), unit=unit(text))
        return [as_quantity(name, v, model, weight_unit) for v in value]
    if _number(value) or (isinstance(value, np.ndarray) and value.dtype.kind in "fiu"):
        return _bu().Quantity(value, unit=unit(text))
    return value


def in_unit(q, target):
    """Quantity ``q``'s plain value in brainunit unit ``target`` (same dimension)."""
    return _plain(_decimal(q, target))


def quantity(value, target):
    """``value`` (plain) as a quantity in brainunit unit ``target``."""
    return _bu().Quantity(value, unit=target)


def is_number(v) -> bool:
    return _number(v)


def _number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_))


def status_as_quantities(status: dict, model: str | None = None) -> dict:
    return {k: as_quantity(k, v, model) for k, v in status.items()}


def merge_per_node(value):
    """A tuple of scalar quantities of one unit (a value per node) as one quantity array; dicts
    by their values."""
    if isinstance(value, dict):
        return {k: merge_per_node(v) for k, v in value.items()}
    qt = quantity_types()
    if isinstance(value, tuple) and value and all(
            isinstance(v, qt) and np.ndim(v.mantissa) == 0 for v in value):
        u0 = value[0].unit
        if all(v.unit == u0 for v in value):
            return _bu().Quantity(np.array([v.mantissa for v in value], dtype=np.float64),
                                  unit=u0)
    return value


CANONICAL = ("mV", "pA", "nS", "pF", "ms", "Hz", "1", "pA/ms", "nS/ms", "1/mV", "Hz/mV",
             "mV^2", "1/mV^2")
"""NEST's unit of each dimension it uses, in order of preference (a frequency: Hz, not 1/ms)."""


def canonical(q):
    """NEST's unit of quantity ``q``'s dimension (:data:`CANONICAL`), or ``q``'s own unit."""
    for text in CANONICAL:
        if unit(text).dim == q.dim:
            return unit(text)
    return q.unit


# --- kernel properties --------------------------------------------------------------------------
def kernel_params_to_nest(params: dict) -> dict:
    """SetKernelStatus values in NEST's units (resolution, min_delay, ... in ms)."""
    qt = quantity_types()
    if not qt:
        return params
    return {k: quantity_to(k, v, KERNEL.get(k)) if isinstance(v, qt) else v
            for k, v in params.items()}


def kernel_as_quantities(status: dict) -> dict:
    out = dict(status)
    for k, text in KERNEL.items():
        if k in out and _number(out[k]):
            out[k] = _bu().Quantity(out[k], unit=unit(text))
    return out
