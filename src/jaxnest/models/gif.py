"""Generalized integrate-and-fire neurons with escape noise (Mensi et al. 2012, Pozzorini et
al. 2015): ``gif_psc_exp``, ``gif_cond_exp``, ``gif_psc_exp_multisynapse`` and
``gif_cond_exp_multisynapse`` as in NEST 3.10.

A leaky membrane (``C_m``, ``g_L``, ``E_L``) with a spike-triggered current
``I_stc = sum_i stc_i`` (each ``stc_i`` jumps by ``q_stc[i]`` (pA) at a spike and decays with
``tau_stc[i]``) and a moving threshold ``E_sfa = V_T_star + sum_i sfa_i`` (jumps ``q_sfa[i]``
(mV), decays with ``tau_sfa[i]``). The neuron fires stochastically with hazard
``lambda = lambda_0 exp((V_m - E_sfa) / Delta_V)`` (``lambda_0`` in 1/s): in a step of h ms it
spikes with probability ``1 - exp(-lambda h)``. After a spike V_m is *not* reset in the same
step; it is held at ``V_reset`` for the ``t_ref`` steps that follow (none for t_ref = 0).

Synapses: ``gif_psc_exp``: exponential currents (ex/in by the weight's sign), exact
propagation with this step's input included; ``gif_psc_exp_multisynapse``: one exponential
current per port ``tau_syn``, propagated with the *previous* step's currents (NEST's order);
``gif_cond_exp``: exponential conductances ``g_ex``/``g_in`` (``E_ex``, ``E_in``);
``gif_cond_exp_multisynapse``: one per port (``tau_syn``, ``E_rev``), its leak term uses the
unclamped V_m while refractory, as NEST's. Conductance models integrate with GSL's RKF45
(``y_new`` control, eps_abs ``gsl_error_tol``) before the escape test.

Per step (NEST's order): sum and decay the stc and sfa elements, synaptic input, V_m (if not
refractory), escape test with one uniform draw (draw 0), jumps of the elements; while
refractory: count down, V_m = V_reset. Then this step's current input is kept for the next.

Vector state: ``stc_elems``/``sfa_elems`` are vector hidden state whose rows are the elements
(the models ask for as many kernel channels as they have elements); unused rows stay zero.
Not available (kernel support): the multisynapse models' public ``g`` (GetStatus); NEST's
"only reducing ports is refused" rule (jaxnest refuses any change of connected neurons).
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .aeif_multisynapse import bad, lengths, values
from .iaf_psc import _iaf_propagator, _props, ms_to_steps
from .iaf_psc_multisynapse import MultisynapseModel
from .odeint import integrate

_COMMON = {"C_m": 80.0, "Delta_V": 0.5, "E_L": -70.0, "I_e": 0.0, "V_T_star": -35.0,
           "V_reset": -55.0, "g_L": 4.0, "lambda_0": 1.0, "t_ref": 4.0,
           "q_sfa": (), "q_stc": (), "tau_sfa": (), "tau_stc": ()}
_ELEMENT_PADS = {"q_sfa": 0.0, "q_stc": 0.0, "tau_sfa": 1.0, "tau_stc": 1.0}


@dataclass(frozen=True)
class GifModel(MultisynapseModel):
    """Enough kernel channels for the receptors (2: ex/in, or the ports) and for the stc/sfa
    elements (vector hidden state)."""

    kind: str = "psc"
    """psc, cond, psc_multi or cond_multi."""

    @property
    def sign_channels(self) -> bool:
        return not self.kind.endswith("multi")

    def hidden_widths(self, params, h):
        return {f"{k}_elems": np.atleast_2d(params[f"tau_{k}"]).shape[1] for k in ("sfa", "stc")}

    def channel(self, weight, receptor):
        if not self.kind.endswith("multi"):
            receptor = np.asarray(receptor)
            if (receptor != 0).any():
                raise errors.UnknownReceptorType(
                    f"Receptor type {int(receptor[receptor != 0][0])} is not available in "
                    f"{self.name}.")
            return np.where(np.asarray(weight) >= 0.0, 0, 1).astype(np.int32)
        if self.kind == "cond_multi" and (np.asarray(weight) < 0).any():
            raise errors.BadProperty("Synaptic weights for conductance-based multisynapse "
                                     "models must be non-negative.")
        return super().channel(weight, receptor)

    def recordables_for(self, n_receptors):
        return self.recordables

    def status_extras(self, params, connected):
        return {"n_receptors": int(np.size(params["tau_syn"])), "has_connections": connected}


# --------------------------------------------------------------------------------------------
# checks (NEST's order and messages)
# --------------------------------------------------------------------------------------------


def _make_check(kind):
    def ports(params):
        if kind == "cond_multi":
            both = ("If the number of receptor ports is changed, both arrays "
                    "E_rev and tau_syn must be provided.")
            bad((lengths(params["E_rev"]) != lengths(params["tau_syn"])).any(), both)
            bad(values(params["tau_syn"]) <= 0,
                "All synaptic time constants must be strictly positive")

    def check(params):
        ports(params)
        for a, b in (("tau_sfa", "q_sfa"), ("tau_stc", "q_stc")):
            na, nb = lengths(params[a]), lengths(params[b])
            if (na != nb).any():
                i = int(np.flatnonzero(na != nb)[0])
                bad(True, f"'{a}' and '{b}' need to have the same dimensions.\nSize of "
                    f"{a}: {na[i]}\nSize of {b}: {nb[i]}")
        p = {k: np.asarray(params[k], float) for k in _COMMON if k not in _ELEMENT_PADS}
        bad(p["g_L"] <= 0, "Membrane conductance must be strictly positive.")
        bad(p["Delta_V"] <= 0, "Delta_V must be strictly positive.")
        bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
        bad(p["t_ref"] < 0, "Refractory time must not be negative.")
        bad(p["lambda_0"] < 0, "lambda_0 must not be negative.")
        for k in ("tau_sfa", "tau_stc"):
            bad(values(params[k]) <= 0, "All time constants must be strictly positive.")
        if kind in ("psc", "cond"):
            bad((np.asarray(params["tau_syn_ex"]) <= 0) | (np.asarray(params["tau_syn_in"]) <= 0),
                "Synapse time constants must be strictly positive.")
        elif kind == "psc_multi":
            bad(values(params["tau_syn"]) <= 0, "All synaptic time constants must be > 0.")

    return check


# --------------------------------------------------------------------------------------------
# dynamics
# --------------------------------------------------------------------------------------------


def _make_propagators(kind):
    def propagators(params, h):
        def build(p, xp):
            c_m = p["C_m"]
            tau_m = c_m / p["g_L"]
            out = {"refractory_counts": ms_to_steps(p["t_ref"], h) + 0.0 * c_m,
                   "lambda_0": p["lambda_0"] / 1000.0,  # 1/s -> 1/ms, as NEST stores it
                   "P_sfa": xp.exp(-h / p["tau_sfa"]), "P_stc": xp.exp(-h / p["tau_stc"])}
            if kind.startswith("psc"):
                out["P33"] = xp.exp(-h / tau_m)
                out["P30"] = -1 / c_m * xp.expm1(-h / tau_m) * tau_m
                out["P31"] = -xp.expm1(-h / tau_m)
            if kind == "psc":
                for sfx in ("ex", "in"):
                    tau = p["tau_syn_" + sfx]
                    out["P11" + sfx] = xp.exp(-h / tau)
                    out["P21" + sfx] = _iaf_propagator(tau, tau_m, c_m, h, xp)[1]
            elif kind == "psc_multi":
                out["P11"] = xp.exp(-h / p["tau_syn"])
                out["P21"] = _iaf_propagator(p["tau_syn"], tau_m, c_m, h, xp)[1]
            return out

        return _props(params, h, build)

    return propagators


def _elements(state, props, name, start):
    """NEST's element loop: the sum (from ``start``) of the elements before they decay, and
    the decayed elements (rows past the parameters' width stay as they are: zero)."""
    elems = state[name]
    P = props["P_" + name[:3]]
    total = start
    rows = []
    for i in range(min(elems.shape[0], P.shape[0])):
        total = total + elems[i]
        rows.append(P[i] * elems[i])
    return total, (elems.at[: len(rows)].set(jnp.stack(rows)) if rows else elems)


def _jumped(elems, q):
    n = min(elems.shape[0], q.shape[0])
    return elems.at[:n].add(q[:n])


def _escape(params, props, state, v, sfa, stc_e, sfa_e, free, h, rand):
    """Escape-noise spike of free neurons; element jumps and the refractory counter."""
    lam = props["lambda_0"] * jnp.exp((v - sfa) / params["Delta_V"])
    spike = free & (lam > 0.0) & (rand.uniform(0) < -jnp.expm1(-lam * h))
    stc_e = jnp.where(spike, _jumped(stc_e, params["q_stc"]), stc_e)
    sfa_e = jnp.where(spike, _jumped(sfa_e, params["q_sfa"]), sfa_e)
    r = state["refr_count"]
    r = jnp.where(free, jnp.where(spike, props["refractory_counts"], r), r - 1.0)
    return spike, stc_e, sfa_e, r


def _cond_rhs(kind):
    def rhs(y, p):
        refr = p["_refractory"]
        V = jnp.where(refr, p["V_reset"], y["V_m"])
        if kind == "cond":
            I_ex = y["g_ex"] * (V - p["E_ex"])
            I_in = y["g_in"] * (V - p["E_in"])
            I_L = p["g_L"] * (V - p["E_L"])
            dV = (-I_L + p["_I_stim"] + p["I_e"] - I_ex - I_in - p["_stc"]) / p["C_m"]
            out = {"g_ex": -y["g_ex"] / p["tau_syn_ex"], "g_in": -y["g_in"] / p["tau_syn_in"]}
        else:
            I_L = -p["g_L"] * (y["V_m"] - p["E_L"])  # NEST: the unclamped V_m
            g = y["g_syn"]
            I_syn = jnp.zeros_like(V)
            for i in range(g.shape[0]):
                I_syn = I_syn + -g[i] * (V - p["E_rev"][i])
            dV = (I_L + p["_I_stim"] + p["I_e"] + I_syn - p["_stc"]) / p["C_m"]
            out = {"g_syn": -g / p["tau_syn"]}
        out["V_m"] = jnp.where(refr, 0.0, dV)
        return out

    return rhs


def _make_update(kind):
    rhs = _cond_rhs(kind) if kind.startswith("cond") else None

    def update(params, props, state, x, i_stim, h, rand):
        v = state["V_m"]
        stc, stc_e = _elements(state, props, "stc_elems", jnp.zeros_like(v))
        sfa, sfa_e = _elements(state, props, "sfa_elems", params["V_T_star"] + jnp.zeros_like(v))
        free = state["refr_count"] == 0
        new = {}
        if kind == "psc":
            i_ex = state["I_syn_ex"] * props["P11ex"] + x[0]
            i_in = state["I_syn_in"] * props["P11in"] + x[1]
            v_free = (props["P30"] * (state["I_stim"] + params["I_e"] - stc) + props["P33"] * v
                      + props["P31"] * params["E_L"] + i_ex * props["P21ex"]
                      + i_in * props["P21in"])
            new.update(I_syn_ex=i_ex, I_syn_in=i_in)
        elif kind == "psc_multi":
            i_syn = state["i_syn"]
            pot = jnp.zeros_like(v)
            for i in range(i_syn.shape[0]):
                pot = pot + props["P21"][i] * i_syn[i]
            new["i_syn"] = props["P11"] * i_syn + x
            v_free = (props["P30"] * (state["I_stim"] + params["I_e"] - stc) + props["P33"] * v
                      + props["P31"] * params["E_L"] + pot)
        else:
            names = ("V_m", "g_ex", "g_in") if kind == "cond" else ("V_m", "g_syn")
            p = dict(params, _refractory=state["refr_count"] > 0, _I_stim=state["I_stim"],
                     _stc=stc)
            y, dt = integrate(rhs, {k: state[k] for k in names}, p, h,
                              state["integration_step"], eps_abs=params["gsl_error_tol"],
                              eps_rel=0.0)
            if kind == "cond":
                new.update(g_ex=y["g_ex"] + x[0], g_in=y["g_in"] - x[1])
            else:
                new["g_syn"] = y["g_syn"] + x
            new["integration_step"] = dt
            v_free = y["V_m"]
        v = jnp.where(free, v_free, v)
        spike, stc_e, sfa_e, r = _escape(params, props, state, v, sfa, stc_e, sfa_e, free, h,
                                         rand)
        new.update(V_m=jnp.where(free, v, params["V_reset"]), E_sfa=sfa, I_stc=stc,
                   stc_elems=stc_e, sfa_elems=sfa_e, refr_count=r,
                   I_stim=jnp.asarray(i_stim, v.dtype) + jnp.zeros_like(v))
        return new, spike.astype(v.dtype)

    return update


def _model(name, kind):
    params = dict(_COMMON)
    state = {"E_sfa": 0.0, "I_stc": 0.0, "V_m": -70.0}
    hidden = {"stc_elems": 0.0, "sfa_elems": 0.0, "refr_count": 0.0, "I_stim": 0.0}
    vector = dict(_ELEMENT_PADS)
    ports = ()
    recordables = ("E_sfa", "I_stc", "V_m")
    if kind in ("psc", "cond"):
        params.update(tau_syn_ex=2.0, tau_syn_in=2.0)
    if kind == "psc":
        hidden.update(I_syn_ex=0.0, I_syn_in=0.0)
        recordables = ("E_sfa", "I_stc", "I_syn_ex", "I_syn_in", "V_m")
    elif kind == "cond":
        params.update(E_ex=0.0, E_in=-85.0, gsl_error_tol=1e-3)
        state.update(g_ex=0.0, g_in=0.0)
        recordables = ("E_sfa", "I_stc", "V_m", "g_ex", "g_in")
    elif kind == "psc_multi":
        params["tau_syn"] = (2.0,)
        vector["tau_syn"] = 1.0
        hidden["i_syn"] = 0.0
        ports = ("tau_syn",)
    else:
        params.update(E_rev=(0.0,), tau_syn=(2.0,), gsl_error_tol=1e-3)
        vector.update(tau_syn=1.0, E_rev=0.0)
        hidden["g_syn"] = 0.0
        ports = ("tau_syn", "E_rev")
    if kind.startswith("cond"):
        hidden["integration_step"] = 0.0
    return GifModel(
        name=name, params=params, state=state, recordables=recordables,
        propagators=_make_propagators(kind), update=_make_update(kind), hidden=hidden,
        check=_make_check(kind), random=True, vector_params=vector,
        vector_hidden=tuple(k for k in ("stc_elems", "sfa_elems", "i_syn", "g_syn")
                            if k in hidden),
        port_params=ports, kind=kind)


gif_psc_exp = _model("gif_psc_exp", "psc")
gif_cond_exp = _model("gif_cond_exp", "cond")
gif_psc_exp_multisynapse = _model("gif_psc_exp_multisynapse", "psc_multi")
gif_cond_exp_multisynapse = _model("gif_cond_exp_multisynapse", "cond_multi")

MODELS = {m.name: m for m in (gif_psc_exp, gif_cond_exp, gif_psc_exp_multisynapse,
                              gif_cond_exp_multisynapse)}
