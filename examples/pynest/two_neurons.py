"""Two neurons: a driven one excites a silent one through a static synapse with delay."""
import sys

if "--nest" in sys.argv:
    import nest
else:
    import jaxnest as nest

nest.ResetKernel()
pre, post = nest.Create("iaf_psc_alpha", 2)
pre.I_e = 376.0
nest.Connect(pre, post, syn_spec={"weight": 20.0, "delay": 1.0})
vm = nest.Create("voltmeter", params={"interval": 0.1})
sr = nest.Create("spike_recorder")
nest.Connect(vm, post)
nest.Connect(pre + post, sr)
nest.Simulate(1000.0)

ev = sr.events
for node in (pre, post):
    t = ev["times"][ev["senders"] == node.global_id]
    print(f"neuron {node.global_id}: {len(t)} spikes, first at {t[:3]} ms")
v = vm.events["V_m"]
print(f"postsynaptic V_m: max {v.max():.3f} mV (PSP peak {v.max() + 70:.3f} mV above rest)")
print(nest.GetConnections(pre, post))
