"""Fit C_m, tau_m and I_e of an iaf_psc_alpha neuron to a recorded V_m trace with jaxnest's
gradients (``nest.value_and_grad``, forward mode through the compiled simulation).

The target trace is recorded from real NEST when it is installed (``import nest``), else from
jaxnest with the same "true" parameters; the script prints which. The neuron gets excitatory
and inhibitory input spikes and a current step; its threshold is raised to -40 mV so that
no parameter set on the way spikes: the loss (mean squared V_m difference) is then smooth in
the parameters. (Across spikes the derivative holds the spike steps fixed, see docs/batch.md:
a fit that moves a spike sees the loss jump.) L-BFGS-B (scipy, bounded) works on log C_m,
log tau_m and I_e / 100 pA.

    python examples/beyond_nest/fit_iaf_psc_alpha.py
"""
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize

import jaxnest as nest

TRUE = {"C_m": 180.0, "tau_m": 14.0, "I_e": 120.0}
GUESS = {"C_m": 300.0, "tau_m": 8.0, "I_e": 20.0}
T = 300.0


def build(nest, C_m, tau_m, I_e):
    """One neuron with input spikes and a current step, sampled every 0.1 ms."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", params={"C_m": C_m, "tau_m": tau_m, "I_e": I_e,
                                              "V_th": -40.0})
    ex = nest.Create("spike_generator", params={"spike_times": [20.0, 25.0, 60.0, 61.0, 150.0,
                                                                152.0, 230.0]})
    inh = nest.Create("spike_generator", params={"spike_times": [40.0, 100.0, 180.0, 250.0]})
    step = nest.Create("dc_generator", params={"amplitude": 40.0, "start": 120.0,
                                               "stop": 200.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(ex, n, syn_spec={"weight": 300.0})
    nest.Connect(inh, n, syn_spec={"weight": -200.0})
    nest.Connect(step, n)
    nest.Connect(mm, n)
    return n, mm


def target_trace():
    """(times, V_m) recorded from NEST if it is installed, else from jaxnest."""
    script = textwrap.dedent(f"""
        import json, nest
        nest.set_verbosity("M_ERROR")
        {textwrap.indent(__import__("inspect").getsource(build), "        ").strip()}
        n, mm = build(nest, **{TRUE!r})
        nest.Simulate({T})
        e = mm.get("events")
        print(json.dumps([e["times"].tolist(), e["V_m"].tolist()]))
    """)
    try:
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=300)
        if r.returncode == 0:
            import json
            t, v = json.loads(r.stdout.strip().splitlines()[-1])
            print("target trace: recorded from NEST")
            return np.array(t), np.array(v)
    except (OSError, subprocess.TimeoutExpired):
        pass
    print("target trace: NEST is not installed; recorded from jaxnest")
    n, mm = build(nest, **TRUE)
    nest.Simulate(T)
    e = mm.get("events")
    return e["times"], e["V_m"]


def main():
    times, target = target_trace()
    n, mm = build(nest, **GUESS)

    def loss(rec):
        v = rec[mm]["V_m"][:, 0]
        return jnp.mean((v - target) ** 2)

    f = nest.value_and_grad(loss, [(n, "C_m"), (n, "tau_m"), (n, "I_e")])

    def objective(x):
        C_m, tau_m, I_e = float(np.exp(x[0])), float(np.exp(x[1])), float(100 * x[2])
        n.set(C_m=C_m, tau_m=tau_m, I_e=I_e)
        value, (g_c, g_t, g_i) = f(T)
        return value, np.array([g_c * C_m, g_t * tau_m, g_i * 100])

    x0 = np.array([np.log(GUESS["C_m"]), np.log(GUESS["tau_m"]), GUESS["I_e"] / 100])
    bounds = [(np.log(20.0), np.log(2000.0)), (np.log(1.0), np.log(100.0)), (-5.0, 5.0)]
    res = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 200, "ftol": 1e-15, "gtol": 1e-10})
    fit = {"C_m": float(np.exp(res.x[0])), "tau_m": float(np.exp(res.x[1])),
           "I_e": float(100 * res.x[2])}
    print(f"{res.nfev} simulations with gradients; final loss {res.fun:.3e} mV^2")
    for k in TRUE:
        print(f"  {k:6s} true {TRUE[k]:8.3f}  guess {GUESS[k]:8.3f}  fitted {fit[k]:10.5f}")
    return fit, res.fun


if __name__ == "__main__":
    main()
