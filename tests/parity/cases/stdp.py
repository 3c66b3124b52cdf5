"""STDP synapses between fixed spike trains: weights, traces and errors against NEST."""
import numpy as np

PRE = [10.0, 30.0, 31.0, 55.0, 80.0, 120.0, 121.5, 160.0, 161.0, 161.1, 240.0]
POST = [12.0, 28.0, 33.0, 50.0, 57.0, 100.0, 122.0, 125.0, 150.0, 161.0, 170.0]


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def _parrots(nest, times):
    sg = nest.Create("spike_generator", params={"spike_times": times})
    p = nest.Create("parrot_neuron")
    nest.Connect(sg, p)
    return p


def pairs(nest, model="stdp_synapse"):
    """Three synapses (delays 1.5, 0.1, 4.0; one with non-default rule parameters) from one
    presynaptic parrot to postsynaptic parrots; weights read every 10 ms, set once between
    Simulate calls; errors for bad values."""
    nest.ResetKernel()
    nest.CopyModel(model, "my_stdp", {"tau_plus": 15.0, "alpha": 1.5})
    pre, post = _parrots(nest, PRE), _parrots(nest, POST)
    post2 = _parrots(nest, [5.0, 29.0, 31.5, 122.0, 123.0, 124.0, 200.0])
    nest.Connect(pre, post, syn_spec={"synapse_model": model, "weight": 10.0, "delay": 1.5})
    nest.Connect(pre, post2, syn_spec={"synapse_model": model, "weight": 40.0, "delay": 0.1})
    spec = {"synapse_model": "my_stdp", "weight": 20.0, "delay": 4.0}
    if model == "stdp_synapse":
        spec.update(mu_plus=0.5, mu_minus=0.3, Wmax=50.0)
    nest.Connect(pre, post + post2, syn_spec=spec)
    c = nest.GetConnections(pre)
    w, k = [], []
    for i in range(30):
        nest.Simulate(10.0)
        w.append(c.get("weight"))
        k.append(c.get("Kplus"))
        if i == 12:
            nest.GetConnections(pre, post2, synapse_model="my_stdp").set(weight=30.0)
    # (after simulating: NEST keeps a value whose SetStatus failed)
    errors = [_try(lambda: nest.Connect(pre, post, syn_spec={"synapse_model": model,
                                                              "weight": -1.0})),
              _try(lambda: nest.Connect(pre, post, syn_spec={"synapse_model": model,
                                                              "weight": -1.0, "Wmax": 5.0})),
              _try(lambda: nest.GetConnections(pre, post2, synapse_model=model).set(Kplus=-1.0)),
              _try(lambda: nest.SetDefaults(model, {"Wmax": -3.0}))]
    keys = sorted(nest.GetConnections(pre)[0].get().keys())
    order = np.lexsort((c.get("delay"), c.get("target")))  # GetConnections' order aside
    return dict(w=np.array(w)[:, order], Kplus=np.array(k)[:, order], errors=errors, keys=keys,
                defaults=sorted(nest.GetDefaults(model).keys()))


def driven(nest):
    """A presynaptic population of parrots (random trains) into iaf_psc_alpha neurons driven
    to fire: the weights change and change the postsynaptic spikes."""
    nest.ResetKernel()
    rng = np.random.default_rng(7)
    pre = nest.Create("parrot_neuron", 20)
    for p in pre:
        t = np.unique(np.round(np.sort(rng.uniform(1, 400, 30)), 1))
        sg = nest.Create("spike_generator", params={"spike_times": t})
        nest.Connect(sg, p)
    post = nest.Create("iaf_psc_alpha", 5, params={"I_e": 360.0})
    delay = np.round(0.5 + (np.arange(100).reshape(5, 20) * 7 % 26) * 0.1, 1)
    c, order, sr = _two_runs(nest, pre, post, 60.0, delay, 200.0)
    return dict(w=np.array(c.get("weight"))[order], src=np.array(c.get("source"))[order],
                tgt=np.array(c.get("target"))[order],
                senders=sr.events["senders"], times=sr.events["times"])


def _two_runs(nest, pre, post, weight, delay, t_sim):
    """pre -> post all to all through stdp_synapse (Wmax 150, lambda 0.05), the posts
    recorded, two runs of t_sim: (connections, their order by source and target, recorder)."""
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": weight,
                                      "delay": delay, "Wmax": 150.0, "lambda": 0.05})
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    nest.Simulate(t_sim)
    nest.Simulate(t_sim)
    c = nest.GetConnections(pre, post)
    return c, np.lexsort((np.array(c.get("target")), np.array(c.get("source")))), sr


def wide(nest):
    """Parrots with random trains, each into 150 neurons driven near threshold (rows of 150
    plastic edges: long segments, whose deliveries run in blocks, kernel/blocks.py), random
    delays, two runs. Under jaxnest also the sets' segments per iteration."""
    nest.ResetKernel()
    rng = np.random.default_rng(11)
    pre = nest.Create("parrot_neuron", 6)
    for p in pre:
        t = np.unique(np.round(np.sort(rng.uniform(1, 300, 40)), 1))
        nest.Connect(nest.Create("spike_generator", params={"spike_times": t}), p)
    post = nest.Create("iaf_psc_alpha", 150)
    post.I_e = rng.uniform(330.0, 390.0, 150)
    delay = np.round(rng.uniform(0.5, 3.0, (150, 6)), 1)
    c, order, sr = _two_runs(nest, pre, post, 40.0, delay, 150.0)
    out = dict(w=np.array(c.get("weight"))[order], Kplus=np.array(c.get("Kplus"))[order],
               senders=sr.events["senders"], times=sr.events["times"])
    if nest.__name__.startswith("jaxnest"):
        from jaxnest.api._state import kernel
        out["batch"] = [ps.seg_batch for ps in kernel().runtime.plan.static().plastic]
    return out


def bursts(nest):
    """The postsynaptic neuron fires 60 times between two presynaptic spikes (longer than
    any archive ring jaxnest starts with)."""
    nest.ResetKernel()
    pre = _parrots(nest, [5.0, 200.0, 201.0])
    post = _parrots(nest, list(np.round(np.arange(10.0, 190.0, 3.0), 1)))
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 5.0})
    nest.Simulate(250.0)
    c = nest.GetConnections(pre, post)
    return dict(w=[c.get("weight")], Kplus=[c.get("Kplus")])


def common_between_runs(nest):
    """SetDefaults of shared (common) properties between Simulate calls: stdp_synapse_hom's
    lambda, tsodyks_synapse_hom's U and weight, static_synapse_hom_w's weight act on the
    existing connections (into a driven neuron: its V_m shows the weights)."""
    nest.ResetKernel()
    pre, post = _parrots(nest, PRE), _parrots(nest, POST)
    n = nest.Create("iaf_psc_alpha", 3, params={"I_e": 300.0})
    vm = nest.Create("voltmeter", params={"interval": 0.5})
    nest.Connect(vm, n)
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse_hom", "weight": 5.0})
    nest.Connect(pre, n[0], syn_spec={"synapse_model": "static_synapse_hom_w"})
    nest.Connect(pre, n[1], syn_spec={"synapse_model": "tsodyks_synapse_hom"})
    nest.Connect(pre, n[2], syn_spec={"synapse_model": "stdp_synapse_hom", "weight": 50.0})
    w = []
    for k, (model, params) in enumerate((
            ("stdp_synapse_hom", {"lambda": 0.5}), ("static_synapse_hom_w", {"weight": 80.0}),
            ("tsodyks_synapse_hom", {"U": 0.9, "weight": 200.0}), ("stdp_synapse_hom",
                                                                   {"lambda": 0.0}))):
        nest.Simulate(60.0)
        nest.SetDefaults(model, params)
        w.append(nest.GetConnections(synapse_model="stdp_synapse_hom").weight)
    nest.Simulate(60.0)
    w.append(nest.GetConnections(synapse_model="stdp_synapse_hom").weight)
    ev = vm.events
    return {"w": np.array(w, float), "V_m": np.asarray(ev["V_m"], float),
            "senders": np.asarray(ev["senders"])}


def exponents_between_runs(nest):
    """stdp_synapse's mu_plus / mu_minus and stdp_synapse_hom's (the exponents of the
    weight dependence) at 1 (the default), 0, and other values, equal over all connections
    or not, set between Simulate calls (jaxnest compiles an exponent equal over its edge set
    at 0 or 1 as that number)."""
    nest.ResetKernel()
    pre, post = _parrots(nest, PRE), _parrots(nest, POST)
    post2 = _parrots(nest, [5.0, 29.0, 31.5, 122.0, 123.0, 124.0, 200.0])
    for model in ("stdp_synapse", "stdp_synapse_hom"):
        nest.Connect(pre, post + post2, syn_spec={"synapse_model": model, "weight": 30.0})
    plain = nest.GetConnections(synapse_model="stdp_synapse")
    w = []
    steps = (({"mu_plus": 0.0, "mu_minus": 0.0}, {"mu_minus": 0.0}),
             ({"mu_plus": [0.5, 1.0], "mu_minus": 1.0}, {"mu_minus": 0.7, "mu_plus": 0.0}),
             ({"mu_plus": 1.0, "mu_minus": 0.0}, {"mu_plus": 1.0, "mu_minus": 1.0}))
    for each, hom in steps:
        nest.Simulate(60.0)
        w.append(nest.GetConnections(pre).weight)
        plain.set(each)
        nest.SetDefaults("stdp_synapse_hom", hom)
    nest.Simulate(100.0)
    w.append(nest.GetConnections(pre).weight)
    return {"w": np.array(w, float)}
