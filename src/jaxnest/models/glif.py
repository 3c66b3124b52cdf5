"""Generalized leaky integrate-and-fire neurons of the Allen Institute (Teeter et al. 2018):
``glif_psc``, ``glif_psc_double_alpha`` and ``glif_cond`` as in NEST 3.10.

Three optional mechanisms on top of a leaky membrane (``C_m``, ``g``/``g_m``, relative to
``E_L``); their five valid combinations are GLIF models 1 to 5:

- ``spike_dependent_threshold`` (R): a threshold component that jumps by ``th_spike_add`` at a
  spike and decays at rate ``th_spike_decay`` (1/ms); the reset is then
  ``voltage_reset_fraction * V_before + voltage_reset_add`` instead of ``V_reset``;
- ``after_spike_currents`` (ASC): currents that decay at rates ``asc_decay`` (1/ms), jump to
  ``asc_amps + r ASC exp(-k t_ref)`` at a spike and enter the membrane as their exact mean
  over the step;
- ``adapting_threshold`` (A): a threshold component driven by the membrane potential.

Synapses: ``glif_psc``: alpha currents per receptor port (``tau_syn`` list, exact propagators);
``glif_psc_double_alpha``: a fast and a slow alpha current per port (the slow one scaled by
``amp_slow``); ``glif_cond``: alpha conductances per port (``tau_syn``, ``E_rev``), integrated
with GSL's RKF45 (``y_new`` control, eps_abs 1e-3) before the threshold logic, as in NEST.

Per step (NEST's order): if not refractory, decay the spike threshold component, take the mean
ASC and decay the ASCs, propagate V_m (psc: exactly with the previous step's currents; cond:
already integrated), update the voltage threshold component, test ``V > threshold`` (strict),
and on a spike start the refractory period, jump the ASCs, reset V and the spike component;
while refractory, count down and hold V. Then the synaptic state and this step's input.

NEST quirks kept: the ASC loop runs over the public state ``ASCurrents``, which holds two
values unless set explicitly (jaxnest cannot set it, see below), so at most the first two
after-spike currents act; ``ASCurrents`` starts at zero whatever ``asc_init`` says.

Hidden state: ``asc`` (ASCurrents, one row per current), per-port ``y1``/``y2`` (psc; slow:
``y1_slow``/``y2_slow``) or ``dg_syn``/``g_syn`` (cond), ``I``, ``I_syn``, ``ASCurrents_sum``,
``threshold`` (absolute), ``refr_count``, ``integration_step`` (cond). Not available (kernel
support): ``ASCurrents`` (and glif_cond's ``g``/``dg``) in GetStatus/SetStatus; setting
glif_cond's ``threshold_spike``/``threshold_voltage`` (not in NEST's status, but settable).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .aeif_multisynapse import bad, lengths, values
from .iaf_psc import _iaf_propagator, _props, ms_to_steps
from .iaf_psc_multisynapse import MultisynapseModel
from .odeint import integrate

N_ASC = 2  # length of NEST's ASCurrents state while it is not set explicitly

_COMMON = {"C_m": 58.72, "E_L": -78.85, "V_reset": -78.85, "V_th": -51.68,
           "adapting_threshold": False, "after_spike_currents": False,
           "asc_amps": (-9.18, -198.94), "asc_decay": (0.003, 0.1), "asc_init": (0.0, 0.0),
           "asc_r": (1.0, 1.0), "spike_dependent_threshold": False, "t_ref": 3.75,
           "th_spike_add": 0.37, "th_spike_decay": 0.009, "th_voltage_decay": 0.09,
           "th_voltage_index": 0.005, "voltage_reset_add": 18.51, "voltage_reset_fraction": 0.2}
_ASC_PADS = {"asc_amps": 0.0, "asc_decay": 1.0, "asc_init": 0.0, "asc_r": 0.0}


@dataclass(frozen=True)
class GlifModel(MultisynapseModel):
    """Receptor ports 1..n; the ASCs are a vector state of N_ASC rows."""

    kind: str = "psc"

    @property
    def sign_channels(self) -> bool:
        """A negative event (spike_generator's spike_weights) stays on its receptor port."""
        return False

    def hidden_widths(self, params, h):
        return {"asc": N_ASC}

    def recordables_for(self, n_receptors):
        if self.kind != "cond":
            return self.recordables
        ports = [f"g_{i}" for i in range(1, (n_receptors or 0) + 1)]
        return tuple(sorted(["ASCurrents_sum", "I", "V_m", "threshold", "threshold_spike",
                             "threshold_voltage", *ports]))

    def sample_source(self, name):
        head, _, tail = name.rpartition("_")
        if self.kind == "cond" and head == "g" and tail.isdigit():
            return "g_syn", int(tail) - 1
        return name, None

    def status_extras(self, params, connected):
        return {"has_connections": connected}


# --------------------------------------------------------------------------------------------
# checks (NEST's order and messages)
# --------------------------------------------------------------------------------------------


def _make_check(kind):
    doc = "documents" if kind == "cond" else "documentation"

    def mechanisms(p):
        s, a, v = (p[k] != 0 for k in ("spike_dependent_threshold", "after_spike_currents",
                                        "adapting_threshold"))
        bad(v & ~(s & a), "Incorrect model mechanism combination setting."
            f"See {doc} for setting of model mechanism parameters:"
            "spike_dependent_threshold, after_spike_currents, adapting_threshold.")
        return s, a, v

    def asc(params, a):
        n = lengths(params["asc_decay"])
        same = all((lengths(params[k]) == n).all() for k in ("asc_init", "asc_amps", "asc_r"))
        bad(a & ~same, "All after spike current parameters (i.e., asc_init, k, asc_amps, r) "
            "must have the same size.")
        if a.any():
            dec, r = (np.atleast_2d(np.asarray(params[k], float))[a] for k in ("asc_decay",
                                                                               "asc_r"))
            with np.errstate(invalid="ignore"):
                bad(dec <= 0, "After-spike current time constant must be strictly positive.")
                bad((r < 0) | (r > 1), "After spike current fraction following spike "
                    "coefficients r must be within [0.0, 1.0].")

    def spike(p, s):
        bad(s & (p["th_spike_decay"] <= 0),
            "Spike induced threshold time constant must be strictly positive.")
        frac = p["voltage_reset_fraction"]
        bad(s & ((frac < 0) | (frac > 1)),
            "Voltage fraction coefficient following spike must be within [0.0, 1.0].")

    def membrane(p):
        bad(p["V_reset"] - p["E_L"] >= p["V_th"] - p["E_L"],
            "Reset potential must be smaller than threshold.")
        bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
        bad(p[_G[kind]] <= 0, "Membrane conductance must be strictly positive.")
        bad(p["t_ref"] <= 0, "Refractory time constant must be strictly positive.")

    def check(params):
        p = {k: np.asarray(v, float) for k, v in params.items()
             if k not in _VECTORS[kind] and k not in _ASC_PADS}
        s, a, v = mechanisms(p)
        if kind == "cond":
            membrane(p)
            spike(p, s)
            asc(params, a)
            bad(v & (p["th_voltage_decay"] <= 0),
                "Voltage-induced threshold time constant must be strictly positive.")
            ne, nt = lengths(params["E_rev"]), lengths(params["tau_syn"])
            if (ne != nt).any():
                i = int(np.flatnonzero(ne != nt)[0])
                bad(True, "The reversal potential and synaptic time constant arrays, i.e., "
                    f"E_rev ({ne[i]}) and tau_syn ({nt[i]}), must have the same size.")
            bad(values(params["tau_syn"]) <= 0,
                "All synaptic time constants must be strictly positive.")
        else:
            asc(params, a)
            membrane(p)
            bad(v & (p["th_voltage_decay"] <= 0),
                "Voltage-induced threshold time constant must be strictly positive.")
            spike(p, s)
            fast = "tau_syn_fast" if kind == "double" else "tau_syn"
            bad(values(params[fast]) <= 0,
                "All synaptic time constants must be strictly positive.")
            if kind == "double":
                bad(values(params["tau_syn_slow"]) <= 0,
                    "All slow synaptic time constants must be strictly positive.")
                bad(values(params["amp_slow"]) <= 0,
                    "All slow synaptic amplitudes must be strictly positive.")
        # state given at Create (NEST: when given at all; jaxnest: when not zero)
        if "threshold_spike" in p:
            _check_state(p, {"threshold_spike", "threshold_voltage"}, p)

    return check


def _check_state(p, keys, state=None):
    """NEST refuses to set a threshold component whose mechanism is off. ``state`` given
    (SetStatus): only rows holding a non-zero value count, since ``on_set`` sees every neuron
    of the model, not just those being set (kernel support: the rows being set)."""
    for key, flag, what in (("threshold_spike", "spike_dependent_threshold",
                             "Threshold spike component"),
                            ("threshold_voltage", "adapting_threshold",
                             "Threshold voltage component")):
        if key in keys:
            off = np.asarray(p[flag]) == 0
            if state is not None:
                off = off & (np.asarray(state[key]) != 0)
            bad(off, f"{what} is not supported or settable in the current model mechanisms.")


def _on_set(old_params, new_params, state, keys):
    _check_state(new_params, keys, state)
    return state


# --------------------------------------------------------------------------------------------
# propagators and the shared threshold / ASC logic
# --------------------------------------------------------------------------------------------

_G = {"psc": "g", "double": "g", "cond": "g_m"}
_VECTORS = {"psc": ("tau_syn",), "double": ("tau_syn_fast", "tau_syn_slow", "amp_slow"),
            "cond": ("tau_syn", "E_rev")}


def _make_propagators(kind):
    def propagators(params, h):
        def build(p, xp):
            G, C_m, t_ref = p[_G[kind]], p["C_m"], p["t_ref"]
            tau = C_m / G
            out = {"refractory_counts": ms_to_steps(t_ref, h) + 0.0 * C_m,
                   "th_spike_decay_rate": xp.exp(-p["th_spike_decay"] * h),
                   "th_spike_refr_rate": xp.exp(-p["th_spike_decay"] * t_ref),
                   "potential_decay_rate": xp.exp(-G * h / C_m),
                   "th_voltage_decay_inv": 1 / xp.exp(p["th_voltage_decay"] * h),
                   "phi": p["th_voltage_index"] / (p["th_voltage_decay"] - G / C_m),
                   "abpara": p["th_voltage_index"] / p["th_voltage_decay"]}
            k = p["asc_decay"]
            out["asc_decay_rate"] = xp.exp(-k * h)
            out["asc_coeff"] = ((1.0 / k) / h) * (1.0 - out["asc_decay_rate"])
            out["asc_refr_rate"] = p["asc_r"] * xp.exp(-k * t_ref)
            if kind == "cond":
                out["g0"] = 1.0 * math.e / p["tau_syn"]
                return out
            p33 = xp.exp(-h / tau)
            out["P33"], out["P30"] = p33, 1 / C_m * (1 - p33) * tau
            pairs = [("", "tau_syn")] if kind == "psc" else [("", "tau_syn_fast"),
                                                             ("_slow", "tau_syn_slow")]
            for sfx, name in pairs:
                ts = p[name]
                p11 = xp.exp(-h / ts)
                out["P11" + sfx] = p11
                out["P21" + sfx] = h * p11
                out["P31" + sfx], out["P32" + sfx] = _iaf_propagator(ts, tau, C_m, h, xp)
                out["PSC" + sfx] = 1.0 * math.e / ts
            if kind == "double":
                out["PSC_slow"] = 1.0 * math.e / p["tau_syn_slow"] * p["amp_slow"]
            return out

        return _props(params, h, build)

    return propagators


def _flags(params):
    return tuple(jnp.asarray(params[k]) != 0 for k in (
        "spike_dependent_threshold", "after_spike_currents", "adapting_threshold"))


def _pre_threshold(params, props, state, has_s, has_a):
    """Not refractory: spike threshold component decayed, the step's mean ASC (its sum) and
    the decayed ASCs. Only the first ``N_ASC`` currents act (NEST's ASCurrents length)."""
    th_s = jnp.where(has_s, state["threshold_spike"] * props["th_spike_decay_rate"],
                     state["threshold_spike"])
    asc = state["asc"]
    total = jnp.zeros_like(th_s)
    rows = []
    for a in range(min(N_ASC, props["asc_coeff"].shape[0])):
        total = total + props["asc_coeff"][a] * asc[a]
        rows.append(asc[a] * props["asc_decay_rate"][a])
    decayed = asc.at[: len(rows)].set(jnp.stack(rows)) if rows else asc
    return th_s, jnp.where(has_a, total, 0.0), jnp.where(has_a, decayed, asc)


def _voltage_threshold(props, th_v, v_old, I, asc_sum, G):
    beta = (I + asc_sum) / G
    return (props["phi"] * (v_old - beta) * props["potential_decay_rate"]
            + props["th_voltage_decay_inv"]
            * (th_v - props["phi"] * (v_old - beta) - props["abpara"] * beta)
            + props["abpara"] * beta)


def _threshold_logic(params, props, state, pre, v_new, v_old, kind):
    """NEST's branch on the refractory counter once V is propagated to ``v_new`` (relative
    to E_L); ``pre`` from :func:`_pre_threshold`. Threshold components, spike test (strict),
    resets; while refractory: count down, hold V and keep the components. Returns the new
    state entries, whether the neuron was free and the spike flag."""
    has_s, has_a, has_v = _flags(params)
    th_s, asc_sum, asc = pre
    E_L = params["E_L"]
    th_inf = params["V_th"] - E_L
    r = state["refr_count"]
    free = r == 0
    th_v = jnp.where(has_v, _voltage_threshold(props, state["threshold_voltage"], v_old,
                                               state["I"], asc_sum, params[_G[kind]]),
                     state["threshold_voltage"])
    threshold = th_s + th_v + th_inf
    spike = free & (v_new > threshold)
    n = min(N_ASC, props["asc_coeff"].shape[0])
    jumped = params["asc_amps"][:n] + asc[:n] * props["asc_refr_rate"][:n]
    asc = jnp.where(spike & has_a, asc.at[:n].set(jumped), asc)
    reset_r = params["voltage_reset_fraction"] * v_old + params["voltage_reset_add"]
    v = jnp.where(spike, jnp.where(has_s, reset_r, params["V_reset"] - E_L), v_new)
    th_s_spk = th_s * props["th_spike_refr_rate"] + params["th_spike_add"]
    th_s = jnp.where(spike & has_s, th_s_spk, th_s)
    threshold = jnp.where(spike & has_s, th_s + th_v + th_inf, threshold)
    old = state
    th_s = jnp.where(free, th_s, old["threshold_spike"])
    th_v = jnp.where(free, th_v, old["threshold_voltage"])
    threshold = jnp.where(free, threshold,
                          old["threshold_spike"] + old["threshold_voltage"] + th_inf)
    new = {"V_m": jnp.where(free, v, v_old) + E_L, "threshold_spike": th_s,
           "threshold_voltage": th_v, "threshold": threshold + E_L,
           "asc": jnp.where(free, asc, old["asc"]),
           "ASCurrents_sum": jnp.where(free, asc_sum, old["ASCurrents_sum"]),
           "refr_count": jnp.where(free, jnp.where(spike, props["refractory_counts"], r),
                                   r - 1.0)}
    return new, free, spike


# --------------------------------------------------------------------------------------------
# glif_psc, glif_psc_double_alpha: exact propagation
# --------------------------------------------------------------------------------------------


def _make_psc_update(kind):
    sets = ("",) if kind == "psc" else ("", "_slow")

    def update(params, props, state, x, i_stim, h):
        has_s, has_a, _ = _flags(params)
        v_old = state["V_m"] - params["E_L"]
        pre = _pre_threshold(params, props, state, has_s, has_a)
        U = v_old * props["P33"] + (state["I"] + pre[1]) * props["P30"]
        parts = []
        for sfx in sets:
            y1, y2 = state["y1" + sfx], state["y2" + sfx]
            part = jnp.zeros_like(U)
            for i in range(y1.shape[0]):
                U = U + (props["P31" + sfx][i] * y1[i] + props["P32" + sfx][i] * y2[i])
                part = part + y2[i]
            parts.append(part)
        I_syn = parts[0] if kind == "psc" else parts[0] + parts[1]
        new, free, spike = _threshold_logic(params, props, state, pre, U, v_old, kind)
        new["I_syn"] = jnp.where(free, I_syn, state["I_syn"])
        for sfx in sets:
            y1, y2 = state["y1" + sfx], state["y2" + sfx]
            p11 = props["P11" + sfx]
            new["y2" + sfx] = props["P21" + sfx] * y1 + p11 * y2
            new["y1" + sfx] = y1 * p11 + props["PSC" + sfx] * x
        new["I"] = jnp.asarray(i_stim, U.dtype) + jnp.zeros_like(U)
        return new, spike.astype(U.dtype)

    return update


# --------------------------------------------------------------------------------------------
# glif_cond: GSL RKF45 over the step, then the threshold logic
# --------------------------------------------------------------------------------------------


def _cond_rhs(y, p):
    V = jnp.where(p["_refractory"], p["_V_reset"], y["V"])
    g = y["g_syn"]
    I_syn = jnp.zeros_like(V)
    for i in range(g.shape[0]):
        I_syn = I_syn + g[i] * (V + p["E_L"] - p["E_rev"][i])
    dV = (-(p["g_m"] * V) - I_syn + p["_I"] + p["_asc_sum"]) / p["C_m"]
    return {"V": jnp.where(p["_refractory"], 0.0, dV), "dg_syn": -y["dg_syn"] / p["tau_syn"],
            "g_syn": y["dg_syn"] - g / p["tau_syn"]}


def _cond_update(params, props, state, x, i_stim, h):
    has_s, has_a, _ = _flags(params)
    v_old = state["V_m"] - params["E_L"]
    p = dict(params, _refractory=state["refr_count"] > 0, _I=state["I"],
             _asc_sum=state["ASCurrents_sum"], _V_reset=params["V_reset"] - params["E_L"])
    y = {"V": v_old, "dg_syn": state["dg_syn"], "g_syn": state["g_syn"]}
    y, dt = integrate(_cond_rhs, y, p, h, state["integration_step"], eps_abs=1e-3,
                      eps_rel=0.0)
    pre = _pre_threshold(params, props, state, has_s, has_a)
    new, _, spike = _threshold_logic(params, props, state, pre, y["V"], v_old, "cond")
    new["dg_syn"] = y["dg_syn"] + x * props["g0"]
    new["g_syn"] = y["g_syn"]
    new["I"] = jnp.asarray(i_stim, v_old.dtype) + jnp.zeros_like(v_old)
    new["integration_step"] = dt
    return new, spike.astype(v_old.dtype)


# --------------------------------------------------------------------------------------------
# the models
# --------------------------------------------------------------------------------------------

_RECORDABLES = ("ASCurrents_sum", "I", "I_syn", "V_m", "threshold", "threshold_spike",
                "threshold_voltage")
_HIDDEN = {"asc": 0.0, "I": 0.0, "ASCurrents_sum": 0.0, "threshold": -51.68,
           "refr_count": 0.0}


def _model(name, kind):
    thresholds = {"threshold_spike": 0.0, "threshold_voltage": 0.0}
    if kind == "psc":
        vec, pads, hidden_vec = {"tau_syn": (2.0,)}, {"tau_syn": 1.0}, ("y1", "y2")
    elif kind == "double":
        vec = {"amp_slow": (0.3,), "tau_syn_fast": (2.0,), "tau_syn_slow": (6.0,)}
        pads = {"tau_syn_fast": 1.0, "tau_syn_slow": 1.0, "amp_slow": 0.0}
        hidden_vec = ("y1", "y2", "y1_slow", "y2_slow")
    else:
        vec = {"E_rev": (0.0, -85.0), "tau_syn": (0.2, 2.0)}
        pads = {"tau_syn": 1.0, "E_rev": 0.0}
        hidden_vec = ("dg_syn", "g_syn")
    hidden = {**_HIDDEN, **{k: 0.0 for k in hidden_vec}}
    if kind != "cond":
        hidden["I_syn"] = 0.0
        state = {"V_m": -78.85, **thresholds}
    else:
        hidden.update(thresholds, integration_step=0.0)
        state = {"V_m": -78.85}
    ports = ("tau_syn_fast", "tau_syn_slow", "amp_slow") if kind == "double" else tuple(pads)
    return GlifModel(
        name=name,
        params={**_COMMON, _G[kind]: 9.43, **vec},
        state=state,
        recordables=(_RECORDABLES if kind != "cond" else
                     ("ASCurrents_sum", "I", "V_m", "g_1", "g_2", "threshold",
                      "threshold_spike", "threshold_voltage")),
        propagators=_make_propagators(kind),
        update=_cond_update if kind == "cond" else _make_psc_update(kind),
        hidden=hidden,
        check=_make_check(kind),
        on_set=_on_set,
        vector_params={**pads, **_ASC_PADS},
        vector_hidden=("asc", *hidden_vec),
        port_params=ports,
        kind=kind,
    )


glif_psc = _model("glif_psc", "psc")
glif_psc_double_alpha = _model("glif_psc_double_alpha", "double")
glif_cond = _model("glif_cond", "cond")

MODELS = {m.name: m for m in (glif_psc, glif_psc_double_alpha, glif_cond)}
