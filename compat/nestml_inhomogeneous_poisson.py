"""NESTML's inhomogeneous_poisson tutorial, its simulation checked under jaxnest (the notebook
itself only plots): 1000 of its neurons (the notebook: 100) and NEST's inhomogeneous_poisson_generator driven by
the same 15 steps of 20 ms (rates uniform in [0, 1000) /s), the rate per step estimated from
the spikes.

    python compat/nestml_inhomogeneous_poisson.py

The NESTML model emits one spike in a step however many ``random_poisson`` counts (no
multiplicity), so its expected rate in a step of rate r is (1 - exp(-mu)) / h, mu = r h;
the generator's is r. Prints each step's rates, z-scores and chi^2/dof (about 1 expected)."""
from __future__ import annotations

import os

import numpy as np

STEP, STEPS, H, N = 20.0, 15, 0.1, 1000


def main():
    import jaxnest as nest
    from pynestml.codegeneration.nest_code_generator_utils import NESTCodeGeneratorUtils
    from jaxnest.nestml.frontend import shipped
    os.chdir(shipped("doc", "tutorials", "inhomogeneous_poisson"))
    module, model = NESTCodeGeneratorUtils.generate_code_for("inhomogeneous_poisson.nestml")
    amps = np.random.default_rng(0).uniform(0.0, 1000.0, STEPS)
    times = np.arange(H, STEPS * STEP, STEP)  # as the notebook: the first step at 0.1 ms

    def rates(name):
        """Spikes per second per neuron between the rate changes: a change at rate_times[k]
        shows from the stamp rate_times[k] on in both (NESTML's ``t`` is the end of the
        step)."""
        nest.ResetKernel()
        nest.SetKernelStatus({"rng_seed": 1, "resolution": H})
        nest.Install(module)
        g = nest.Create(name, N)
        p = {"rate_times": times, "rate_values": amps}
        if "N" in g.get().keys():
            p["N"] = len(times)
        nest.SetStatus(g, params=p)
        sr = nest.Create("spike_recorder")
        nest.Connect(g, sr)
        nest.Simulate(STEPS * STEP)
        t = sr.get("events")["times"]
        edges = np.append(times - H / 2, STEPS * STEP + H / 2)
        return np.histogram(t, bins=edges)[0] / (N * np.diff(edges) * 1e-3)

    def z(got, rate):  # Poisson counts per step (the spike probability per bin is small)
        return (got - rate) / np.sqrt(rate / (N * STEP * 1e-3))

    gen, nml = rates("inhomogeneous_poisson_generator"), rates(model)
    one = (1.0 - np.exp(-amps * H * 1e-3)) / (H * 1e-3)
    zg, zn = z(gen, amps), z(nml, one)
    for k in range(STEPS):
        print(f"step {k:2d}  input {amps[k]:6.1f}/s  generator {gen[k]:6.1f} (z {zg[k]:+.2f})"
              f"  NESTML {nml[k]:6.1f}, expected {one[k]:6.1f} (z {zn[k]:+.2f})")
    print(f"chi2/dof: generator {np.mean(zg ** 2):.2f}, NESTML model {np.mean(zn ** 2):.2f}")


if __name__ == "__main__":
    main()
