"""A small Brunel (2000) network of iaf_psc_alpha neurons with Poisson drive.

Sparse random excitatory/inhibitory network (fixed in-degree), external Poisson input,
asynchronous irregular regime. ``--order N`` sets the size (4N excitatory + N inhibitory),
``--simtime`` the biological time in ms; ``--nest`` runs the same script under real NEST.
"""
import argparse
import math
import time

parser = argparse.ArgumentParser()
parser.add_argument("--order", type=int, default=250)
parser.add_argument("--simtime", type=float, default=500.0)
parser.add_argument("--seed", type=int, default=12345)
parser.add_argument("--nest", action="store_true")
args = parser.parse_args()

t_start = time.perf_counter()
if args.nest:
    import nest
    nest.set_verbosity("M_ERROR")
else:
    import jaxnest as nest

nest.ResetKernel()
nest.resolution = 0.1
nest.rng_seed = args.seed

NE, NI = 4 * args.order, args.order
epsilon, g, eta, delay = 0.1, 5.0, 2.0, 1.5
CE, CI = int(epsilon * NE), int(epsilon * NI)
tau_m, V_th, C_m, tau_syn = 20.0, 20.0, 250.0, 0.5
J = 0.1  # PSP amplitude in mV; converted to a PSC amplitude for the alpha synapse below


def psc_for_psp(tau_m, tau_syn, C_m):
    """PSC amplitude (pA) that gives a 1 mV PSP peak in iaf_psc_alpha (peak by ternary search,
    so the script needs no scipy)."""
    a = 1.0 / tau_syn - 1.0 / tau_m

    def psp(t):  # PSP (mV) of a unit-amplitude alpha current, t in ms
        return (math.e / tau_syn / C_m / a) * ((math.exp(-t / tau_m) - math.exp(-t / tau_syn))
                                               / a - t * math.exp(-t / tau_syn))

    lo, hi = 0.0, 10 * tau_m
    for _ in range(200):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (m1, hi) if psp(m1) < psp(m2) else (lo, m2)
    return 1.0 / psp(0.5 * (lo + hi))


J_ex = J * psc_for_psp(tau_m, tau_syn, C_m)
J_in = -g * J_ex
nu_th = V_th / (J * CE * tau_m)
p_rate = 1000.0 * eta * nu_th * CE

params = {"C_m": C_m, "tau_m": tau_m, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn,
          "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_m": 0.0, "V_th": V_th}
exc = nest.Create("iaf_psc_alpha", NE, params=params)
inh = nest.Create("iaf_psc_alpha", NI, params=params)
noise = nest.Create("poisson_generator", params={"rate": p_rate})
spikes = nest.Create("spike_recorder")

nest.CopyModel("static_synapse", "excitatory", {"weight": J_ex, "delay": delay})
nest.CopyModel("static_synapse", "inhibitory", {"weight": J_in, "delay": delay})
nest.Connect(noise, exc + inh, syn_spec="excitatory")
nest.Connect(exc[:50], spikes)
nest.Connect(exc, exc + inh, {"rule": "fixed_indegree", "indegree": CE}, "excitatory")
nest.Connect(inh, exc + inh, {"rule": "fixed_indegree", "indegree": CI}, "inhibitory")
t_built = time.perf_counter()

nest.Simulate(args.simtime)
t_done = time.perf_counter()

rate = spikes.n_events / 50 / args.simtime * 1000.0
print(f"Brunel order {args.order}: {NE + NI} neurons, {nest.num_connections} connections")
print(f"excitatory rate: {rate:.2f} Hz over {args.simtime:.0f} ms")
print(f"build {t_built - t_start:.2f} s, simulate {t_done - t_built:.2f} s")
