"""Mesoscopic population of generalized integrate-and-fire neurons with escape noise:
``gif_pop_psc_exp`` as in NEST 3.10 (Schwalger, Degert and Gerstner 2017, Figs. 11-12).

One node is a population of ``N`` neurons. Per step it propagates the common input
(exponential synaptic currents ``I_syn_ex``/``I_syn_in``, ex/in by the sign of weight x
multiplicity, and ``I_e`` + CurrentEvents through ``tau_m``/``C_m``), then the refractory-
density history: for every age k of the last ``len_kernel`` steps the number of neurons that
fired then (``n``), the surviving ones (``m``), their variance (``v``), membrane potential
(``u``) and hazard (``lambda``). The expected number of spikes ``mean`` follows from the
survival probabilities; the step emits ``n_events`` spikes, drawn from a binomial
(``BinoRand``) or a Poisson law, sent as one event with that multiplicity. ``E_sfa`` is the
threshold of a free neuron (``V_T_star`` plus the adaptation kernel ``q_sfa``/``tau_sfa``
applied to the population activity). ``lambda_0`` is in 1/s (the step's probabilities use
``0.0005 (lambda_k + lambda_k-1) h``, NEST's trapezoid with the ms conversion).

The history is kept, as in NEST, in rotating arrays of ``len_kernel`` entries
(``len_kernel < 1``: NEST's automatic length, the lag where the kernel falls below
Delta_V / 10, at least 5 tau_m, at most 20 s). jaxnest keeps them as vector hidden state of
``len_kernel`` rows (``hidden_widths``: the automatic length depends on the resolution) and evaluates NEST's
loop over ages at once: the running threshold of the loop is a cumulative sum, the sums
X, Y, Z, W are sums over the rows (NEST adds them in order: results agree to rounding).

Random numbers: draw 0 per step, inverted against the binomial or Poisson CDF, summed from
10 standard deviations below the mean (the mass below is under 1e-21), so the counts are exact
in distribution (NEST: libstdc++'s rejection samplers). NEST's Bernoulli shortcut for tiny
Poisson means is kept.

Not reproduced (kernel support): GetStatus shows ``len_kernel`` as given (NEST: the computed length after Simulate); setting ``V_m`` or
``I_syn_*`` does not restart the history (NEST re-initialises it); ``N``, ``len_kernel`` and
``n_events`` are reported as floats. NEST keeps the history constants of the first Simulate;
jaxnest recomputes them from the current parameters.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.scipy.special import gammaln

from ..kernel import ints
from ..kernel.fusion import materialised
from .aeif_multisynapse import bad, lengths, values
from .iaf_psc import IafModel, _props, ms_to_steps

_DBL_MIN = float(np.finfo(np.float64).tiny)
_TMAX = 20000.0  # ms, longest automatic history
_HISTORY = ("n_hist", "m_hist", "v_hist", "u_hist", "lam_hist", "theta", "theta_tld")


def history_length(params, h, xp=np):
    """NEST's ``len_kernel`` per population: the given value if >= 1, else the automatic one
    (``get_history_size``) for resolution ``h``."""
    q = xp.atleast_2d(xp.asarray(params["q_sfa"], dtype=xp.float64))
    tau = xp.atleast_2d(xp.asarray(params["tau_sfa"], dtype=xp.float64))
    if xp is np:  # host storage: (n, width), NaN-padded; the kernel's: (width, n)
        q, tau = np.nan_to_num(q.T), np.where(np.isnan(tau.T), 1.0, tau.T)
    delta = xp.asarray(params["Delta_V"], dtype=xp.float64)
    tau_m = xp.asarray(params["tau_m"], dtype=xp.float64)
    t_ref = xp.asarray(params["t_ref"], dtype=xp.float64)
    kmax = int(_TMAX / h)
    ks = xp.arange(kmax + 1, dtype=xp.float64)[:, None]
    kernel = 0.0
    for j in range(min(q.shape[0], tau.shape[0])):
        kernel = kernel + q[j][None] * xp.exp(-ks * h / tau[j][None])
    kmin = xp.trunc(5 * tau_m / h)
    keep = (ks > kmin) & ~(kernel / delta < 0.1)
    k = xp.max(xp.where(keep, ks, -1.0), axis=0)
    k = xp.where(k >= 0, k, xp.where(kmax > kmin, kmin, float(kmax)))
    k = xp.where(k * h <= t_ref, xp.trunc(t_ref / h) + 1.0, k)
    given = xp.asarray(params["len_kernel"], dtype=xp.float64)
    return xp.where(given >= 1, given, k)


@dataclass(frozen=True)
class GifPopModel(IafModel):
    """Spikes and currents on receptor 0; one kernel channel per history entry."""

    def hidden_widths(self, params, h):
        """History rows (``len_kernel``, automatic when < 1: it depends on h) and the
        adaptation elements."""
        tau = np.atleast_2d(params["tau_sfa"])
        bad((lengths(tau) == 0).any(), "Time constant array should not be empty. ")
        bad((lengths(params["q_sfa"]) == 0).any(),
            "Adaptation value array should not be empty. ")
        given = np.asarray(params["len_kernel"], float)
        rows = int(given.max(initial=1)) if (given >= 1).all() \
            else int(history_length(params, h).max())
        return {**{k: max(rows, 1) for k in _HISTORY}, "g_sfa": tau.shape[1]}


def _check(params):
    na, nb = lengths(params["tau_sfa"]), lengths(params["q_sfa"])
    if (na != nb).any():
        i = int(np.flatnonzero(na != nb)[0])
        bad(True, "'tau_sfa' and 'q_sfa' need to have the same dimension.\nSize of "
            f"tau_sfa: {na[i]}\nSize of q_sfa: {nb[i]}")
    p = {k: np.asarray(params[k], float) for k in _PARAMS if k not in ("tau_sfa", "q_sfa")}
    bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    bad(p["tau_m"] <= 0, "The membrane time constants must be strictly positive.")
    bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
        "The synaptic time constants must be strictly positive.")
    bad(values(params["tau_sfa"]) <= 0, "All time constants must be strictly positive.")
    bad(p["N"] <= 0, "Number of neurons must be positive.")
    bad(p["lambda_0"] < 0, "lambda_0 must be positive.")
    bad(p["Delta_V"] <= 0, "Delta_V must be strictly positive.")
    bad(p["t_ref"] < 0, "Absolute refractory period cannot be negative.")


def _propagators(params, h):
    def build(p, xp):
        L = history_length(p, h, xp)
        q, tau = p["q_sfa"], p["tau_sfa"]
        return {"P22": xp.exp(-h / p["tau_m"]),
                "P20": p["tau_m"] / p["C_m"] * (1 - xp.exp(-h / p["tau_m"])),
                "P11_ex": xp.exp(-h / p["tau_syn_ex"]), "P11_in": xp.exp(-h / p["tau_syn_in"]),
                "Q30": xp.exp(-h / tau), "Q30K": q * tau * xp.exp(-h * L / tau),
                "L": L + 0.0 * p["N"], "k_ref": ms_to_steps(p["t_ref"], h) + 0.0 * p["N"]}

    return _props(params, h, build)


# --------------------------------------------------------------------------------------------
# exact discrete draws by inversion
# --------------------------------------------------------------------------------------------


def _invert(u, k0, pmf0, ratio, kmax):
    """Smallest k >= k0 whose CDF (from pmf0 at k0 on, ``pmf(k+1) = pmf(k) ratio(k)``)
    reaches u; at most kmax."""
    def cond(c):
        k, p, cdf = c
        return jnp.any((u > cdf) & (k < kmax) & (p > 0))

    def body(c):
        k, p, cdf = c
        go = (u > cdf) & (k < kmax) & (p > 0)
        p_next = p * ratio(k)
        return jnp.where(go, k + 1, k), jnp.where(go, p_next, p), jnp.where(go, cdf + p_next, cdf)

    return lax.while_loop(cond, body, (k0, pmf0, pmf0))[0]


def binomial(u, n, p):
    """Binomial(n, p) from a uniform u, for 0 < p < 1 (elsewhere any value)."""
    p = jnp.clip(p, 1e-300, 1.0 - 1e-16)
    mean, sd = n * p, jnp.sqrt(n * p * (1 - p))
    k0 = jnp.maximum(jnp.floor(mean - 10 * sd - 1), 0.0)
    logpmf = (gammaln(n + 1) - gammaln(k0 + 1) - gammaln(n - k0 + 1) + k0 * jnp.log(p)
              + (n - k0) * jnp.log1p(-p))
    odds = p / (1 - p)
    return _invert(u, k0, jnp.exp(logpmf), lambda k: (n - k) / (k + 1) * odds, n)


def poisson(u, mu):
    """Poisson(mu) from a uniform u, for mu > 0."""
    mu = jnp.maximum(mu, 1e-300)
    k0 = jnp.maximum(jnp.floor(mu - 10 * jnp.sqrt(mu) - 1), 0.0)
    pmf0 = jnp.exp(-mu + k0 * jnp.log(mu) - gammaln(k0 + 1))
    return _invert(u, k0, pmf0, lambda k: mu / (k + 1), jnp.full_like(mu, jnp.inf))


def _draw(params, n_expect, u):
    N = params["N"]
    p = n_expect / N
    bino = jnp.where(p >= 1, N, jnp.where(p <= 0, 0.0, binomial(u, N, p)))
    tiny = 1.0 - (n_expect + 1.0) * jnp.exp(-n_expect) > _DBL_MIN
    pois = jnp.where(tiny, poisson(u, n_expect), (u < n_expect).astype(u.dtype))
    pois = jnp.where(n_expect > N, N, jnp.where(n_expect > _DBL_MIN, jnp.clip(pois, 0, N), 0.0))
    return jnp.where(params["BinoRand"] != 0, bino, pois)


# --------------------------------------------------------------------------------------------
# the update (NEST's gif_pop_psc_exp::update, the loop over ages vectorised)
# --------------------------------------------------------------------------------------------


def _initialise(params, props, state, h):
    """InitPopulations of a population that runs for the first time."""
    C = state["n_hist"].shape[0]
    km = jnp.arange(C, dtype=jnp.float64)[:, None]
    L, N = props["L"], params["N"]
    kk = L - km
    theta = jnp.zeros_like(kk)
    for j in range(params["q_sfa"].shape[0]):
        theta = theta + params["q_sfa"][j] * jnp.exp(-kk * h / params["tau_sfa"][j])
    delta = params["Delta_V"]
    last = (km == L - 1).astype(kk.dtype) * N
    zero = jnp.zeros_like(kk)
    fresh = {"n_hist": last, "m_hist": last, "v_hist": zero, "u_hist": zero,
             "lam_hist": zero, "theta": theta,
             "theta_tld": delta * (1.0 - jnp.exp(-theta / delta)) / N,
             "g_sfa": jnp.zeros_like(state["g_sfa"])}
    scalars = {"x_free": 0.0, "z_free": 0.0, "k0": 0.0, "lambda_free": 0.0}
    new = {k: jnp.where(state["initialized"] != 0, state[k], v) for k, v in fresh.items()}
    new.update({k: jnp.where(state["initialized"] != 0, state[k], v) for k, v in scalars.items()})
    return {**state, **new, "initialized": jnp.ones_like(state["initialized"])}


def _running(start, a):
    """``start + a[0] + ... + a[k-1]`` at row k, added one row after the other as NEST's
    loop adds them (``jnp.cumsum`` runs as a scan of reduce-windows on the CPU, which adds
    them in another order and, fused with the exponentials that read it, cost more)."""
    def body(k, c):
        acc, out = c
        return acc + a[k], out.at[k + 1].set(acc + a[k])

    out = jnp.zeros_like(a).at[0].set(start)
    return lax.fori_loop(0, a.shape[0] - 1, body, (start, out))[1]


def _rotated(arrays: dict, k0, Li, inverse: bool = False) -> dict:
    """The history arrays (rows: ring slots) in the order of ages (row km: age k0 + km of a
    ring of Li slots), or back (``inverse``); rows from Li on stay. Where every population
    has one ring as long as the arrays and the same k0 (populations created together), a
    roll: two contiguous copies instead of a gather with its indices (~40 us of a step at
    2,772 rows)."""
    C = next(iter(arrays.values())).shape[0]
    uniform = jnp.all(Li == C) & jnp.all(k0 == k0[0])

    def roll(d):
        return {k: jnp.roll(v, k0[0] if inverse else -k0[0], axis=0) for k, v in d.items()}

    def gather(d):
        km = jnp.arange(C)[:, None]
        L = jnp.maximum(Li, 1)
        rows = (km - k0) % L if inverse else ints.rem(k0 + km, L)
        idx = jnp.where(km < Li, rows, km)
        return {k: jnp.take_along_axis(v, idx, axis=0) for k, v in d.items()}

    return lax.cond(uniform, roll, gather, arrays)


def _update(params, props, state, x, i_stim, h, rand):
    state = lax.cond(jnp.all(state["initialized"] != 0), lambda s: s,
                     lambda s: _initialise(params, props, s, h), state)
    p = params
    N, L, E_L, P22 = p["N"], props["L"], p["E_L"], props["P22"]
    c_m, tau_m = p["C_m"], p["tau_m"]
    # membrane and synapses (Fig. 11, lines 6-11)
    h_tot = (p["I_e"] + state["I_stim"]) * props["P20"] + E_L
    h_syn, syn = [], {}
    for sfx, xs in (("ex", x[0]), ("in", x[1])):
        tau, P11 = p["tau_syn_" + sfx], props["P11_" + sfx]
        JNA = xs / h
        JNA = JNA * (tau / c_m)
        JNy = state["I_syn_" + sfx] / c_m
        tmp = tau * P11 * (JNy - JNA) - P22 * (tau * JNy - tau_m * JNA)
        h_syn.append(tau_m * (JNA + tmp / (tau - tau_m)))
        syn["I_syn_" + sfx] = (JNA + (JNy - JNA) * P11) * c_m
    h_tot = materialised(h_tot + (h_syn[0] + h_syn[1]))  # else computed once per row
    # free neurons: adaptation and hazard (Fig. 12, lines 2-11)
    C = state["n_hist"].shape[0]
    km = jnp.arange(C)[:, None]
    Li = L.astype(jnp.int32)
    k0 = state["k0"].astype(jnp.int32)
    inside = km < Li
    rot = _rotated({k: state[k] for k in _HISTORY[:5]}, k0, Li)
    theta_hat = p["V_T_star"] + jnp.zeros_like(h_tot)
    V_m = (state["V_m"] - E_L) * P22 + h_tot
    g = state["g_sfa"]
    g_rows = []
    for j in range(props["Q30"].shape[0]):
        Q30 = props["Q30"][j]
        gj = g[j] * Q30 + (1.0 - Q30) * rot["n_hist"][0] / (N * h)
        g_rows.append(gj)
        theta_hat = theta_hat + props["Q30K"][j] * gj
    g = g.at[: len(g_rows)].set(jnp.stack(g_rows))
    lam_tld = p["lambda_0"] * jnp.exp((V_m - theta_hat) / p["Delta_V"])
    P_free = 1 - jnp.exp(-0.0005 * (state["lambda_free"] + lam_tld) * h)
    theta_hat = theta_hat - state["n_hist"][0] * state["theta_tld"][0]
    X = jnp.sum(jnp.where(inside, state["m_hist"], 0.0), axis=0)
    # the loop over ages k_marked < L - k_ref (lines 13-27)
    active = km < Li - props["k_ref"].astype(jnp.int32)
    a = jnp.where(active, rot["n_hist"] * state["theta_tld"], 0.0)
    running = _running(theta_hat, a)
    theta = state["theta"] + running
    u = (rot["u_hist"] - E_L) * P22 + h_tot
    lam = p["lambda_0"] * jnp.exp((u - theta) / p["Delta_V"])
    P_lam = 0.0005 * (lam + rot["lam_hist"]) * h
    P_lam = jnp.where(P_lam > 0.01, 1.0 - jnp.exp(-P_lam), P_lam)
    v, m = rot["v_hist"], rot["m_hist"]
    Y = jnp.sum(jnp.where(active, P_lam * v, 0.0), axis=0)
    Z = jnp.sum(jnp.where(active, v, 0.0), axis=0)
    W = jnp.sum(jnp.where(active, P_lam * m, 0.0), axis=0)
    ompl = 1.0 - P_lam
    rot["v_hist"] = jnp.where(active, ompl * ompl * v + P_lam * m, v)
    rot["m_hist"] = jnp.where(active, ompl * m, m)
    rot["u_hist"] = jnp.where(active, u, rot["u_hist"])
    rot["lam_hist"] = jnp.where(active, lam, rot["lam_hist"])
    # expected and drawn spikes (lines 28-36)
    x_f, z_f = state["x_free"], state["z_free"]
    P_Lambda = jnp.where(Z + z_f > 0.0, (Y + P_free * z_f) / jnp.where(Z + z_f > 0, Z + z_f, 1.0),
                         0.0)
    n_expect = W + P_free * x_f + P_Lambda * (N - X - x_f)
    n_spikes = _draw(p, n_expect, rand.uniform(0))
    ompf = 1 - P_free
    z_f = ompf * ompf * z_f + x_f * P_free + rot["v_hist"][0]
    x_f = x_f * ompf + rot["m_hist"][0]
    for k, val in (("n_hist", n_spikes), ("m_hist", n_spikes), ("v_hist", 0.0),
                   ("u_hist", p["V_reset"] + 0.0 * n_spikes), ("lam_hist", 0.0)):
        rot[k] = rot[k].at[0].set(val)
    new = dict(state)
    new.update(_rotated(rot, k0, Li, inverse=True))
    new.update(syn, g_sfa=g, V_m=V_m, E_sfa=theta_hat, mean=n_expect, n_events=n_spikes,
               lambda_free=lam_tld, x_free=x_f, z_free=z_f,
               k0=jnp.where(Li > 0, ints.rem(k0 + 1, jnp.maximum(Li, 1)), 0).astype(V_m.dtype),
               I_stim=jnp.asarray(i_stim, V_m.dtype) + 0.0 * V_m)
    return new, n_spikes


_PARAMS = {"BinoRand": True, "C_m": 250.0, "Delta_V": 2.0, "E_L": 0.0, "I_e": 0.0, "N": 100,
           "V_T_star": 15.0, "V_reset": 0.0, "lambda_0": 10.0, "len_kernel": -1,
           "q_sfa": (0.5,), "t_ref": 4.0, "tau_m": 20.0, "tau_sfa": (300.0,),
           "tau_syn_ex": 3.0, "tau_syn_in": 6.0}

gif_pop_psc_exp = GifPopModel(
    archiving=False,  # a population, not an ArchivingNode in NEST
    name="gif_pop_psc_exp",
    params=_PARAMS,
    state={"E_sfa": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0, "V_m": 0.0, "mean": 0.0,
           "n_events": 0},
    recordables=("E_sfa", "I_syn_ex", "I_syn_in", "V_m", "mean", "n_events"),
    propagators=_propagators,
    update=_update,
    hidden={**{k: 0.0 for k in _HISTORY}, "g_sfa": 0.0, "x_free": 0.0, "z_free": 0.0,
            "k0": 0.0, "lambda_free": 0.0, "initialized": 0.0, "I_stim": 0.0},
    check=_check,
    random=True,
    vector_params={"tau_sfa": 1.0, "q_sfa": 0.0},
    vector_hidden=(*_HISTORY, "g_sfa"),
    port_params=(),
)

MODELS = {gif_pop_psc_exp.name: gif_pop_psc_exp}
