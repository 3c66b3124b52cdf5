"""NEST's example correlospinmatrix_detector_two_neuron.py (Ginzburg & Sompolinsky 1994, Fig
1), shortened to T ms and seeded: a ginzburg neuron drives a mcculloch_pitts neuron, a
correlospinmatrix_detector records both."""
import numpy as np


def run(nest, seed=1, T=100000.0):
    m_x, tau_m, tau_max = 0.5, 10.0, 100.0
    nest.ResetKernel()
    nest.rng_seed = seed
    csd = nest.Create("correlospinmatrix_detector")
    csd.set(N_channels=2, tau_max=tau_max, Tstart=tau_max, delta_tau=0.1)
    n1 = nest.Create("ginzburg_neuron")
    n1.set(theta=0.0, tau_m=tau_m, c_1=0.0, c_2=2.0 * m_x, c_3=1.0)
    n2 = nest.Create("mcculloch_pitts_neuron")
    n2.set(theta=0.5, tau_m=tau_m)
    nest.Connect(n1, n2, syn_spec={"weight": 1.0})
    nest.Connect(n1, csd, syn_spec={"receptor_type": 0})
    nest.Connect(n2, csd, syn_spec={"receptor_type": 1})
    nest.Simulate(T)
    return {"count_covariance": np.asarray(csd.get("count_covariance"), float)}
