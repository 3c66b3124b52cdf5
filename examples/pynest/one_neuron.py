"""One iaf_psc_alpha neuron driven by a constant current: membrane trace and spike times.

Runs unchanged under NEST (``python one_neuron.py --nest``) and jaxnest (the default).
"""
import sys

if "--nest" in sys.argv:
    import nest
else:
    import jaxnest as nest

nest.ResetKernel()
nest.resolution = 0.1
neuron = nest.Create("iaf_psc_alpha", params={"I_e": 376.0})
voltmeter = nest.Create("voltmeter", params={"interval": 0.1})
spikes = nest.Create("spike_recorder")
nest.Connect(voltmeter, neuron)
nest.Connect(neuron, spikes)
nest.Simulate(1000.0)

v = voltmeter.events["V_m"]
t = spikes.events["times"]
print(f"{len(t)} spikes in 1 s (rate {len(t):.0f} Hz); first at {t[:3]} ms")
print(f"V_m: min {v.min():.3f} mV, max {v.max():.3f} mV over {len(v)} samples")

if "--plot" in sys.argv:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.plot(voltmeter.events["times"], v)
    plt.xlabel("time (ms)")
    plt.ylabel("V_m (mV)")
    plt.savefig("one_neuron.png")
    print("wrote one_neuron.png")
