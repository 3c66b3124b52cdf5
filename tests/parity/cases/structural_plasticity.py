"""Structural plasticity cases (NEST's StructuralPlasticityNode and SPManager): calcium and
synaptic elements under deterministic spike trains, the deterministic counts of a structural
update, and the pairing of vacant elements over seeds."""
import numpy as np

CURVES = {
    "lin": {"growth_curve": "linear", "growth_rate": 0.02, "eps": 0.3, "z": 1.0},
    "gau": {"growth_curve": "gaussian", "growth_rate": 0.01, "eta": 0.05, "eps": 0.4,
            "continuous": False, "z": 0.5},
    "sig": {"growth_curve": "sigmoid", "growth_rate": 0.03, "eps": 0.2, "psi": 0.05},
}


def run_growth(nest, resolution=0.1, scale=1.0):
    """Ca and element counts of spike-driven neurons after each of several Simulates
    (``scale`` stretches times and calcium time constants: long quiet stretches)."""
    nest.ResetKernel()
    nest.resolution = resolution
    trains = [[1.0, 2.0, 5.5, 9.0, 30.0, 30.5, 31.0, 60.2, 61.0, 100.0, 140.0],
              list(np.round(np.arange(3.0, 150.0, 2.3), 1)), []]
    sg = nest.Create("spike_generator", len(trains))
    for g, t in zip(sg, trains):  # on the grid of the resolution
        g.spike_times = sorted(set(np.round(np.round(scale * np.array(t) / resolution)
                                            * resolution,
                                            6).tolist()))
    parrots = nest.Create("parrot_neuron", len(trains),
                          {"tau_Ca": 50.0 * scale, "beta_Ca": 0.05,
                           "synaptic_elements": {k: dict(c, growth_rate=c["growth_rate"] / scale)
                                                 for k, c in CURVES.items()}})
    nest.Connect(sg, parrots, "one_to_one")
    iaf = nest.Create("iaf_psc_alpha", 2, {"I_e": 600.0, "tau_Ca": 80.0 * scale})
    iaf.set({"synaptic_elements": {"gau": CURVES["gau"], "sig": CURVES["sig"]}})
    iaf[1].set({"beta_Ca": 0.02, "Ca": 0.1})
    nodes = parrots + iaf
    out = {k: [] for k in ("Ca", "z_lin", "z_gau", "z_sig")}
    for t in (7.0, 0.5, 22.5, 50.0, 40.0, 33.0):
        nest.Simulate(t * scale)
        for n in nodes:
            ca, els = n.get("Ca"), n.get("synaptic_elements")
            out["Ca"].append(ca)
            for name in ("lin", "gau", "sig"):
                out[f"z_{name}"].append(els[name]["z"] if name in els else -1.0)
    return {k: np.array(v) for k, v in out.items()}


def run_update(nest, autapses=True):
    """Deterministic parts of structural updates: the number of synapses created when the
    vacant elements pair, connected counts, decay of the vacant ones, deletions."""
    nest.ResetKernel()
    nest.structural_plasticity_update_interval = 20.0
    nest.CopyModel("static_synapse", "syn_sp", {"weight": 3.0})
    nest.structural_plasticity_synapses = {"sp": {
        "synapse_model": "syn_sp", "pre_synaptic_element": "Axon",
        "post_synaptic_element": "Den", "allow_autapses": autapses}}
    n = 6 if autapses else 1
    nodes = nest.Create("iaf_psc_alpha", n, {"synaptic_elements": {
        "Axon": {"z": 3.0, "growth_rate": 0.0},
        "Den": {"z": 2.0, "growth_rate": 0.0, "tau_vacant": 0.25}}})
    nest.EnableStructuralPlasticity()
    out = {k: [] for k in ("num", "axon_conn", "den_conn", "den_z", "axon_z_sum", "w")}

    def record():
        els = nodes.synaptic_elements
        els = els if isinstance(els, (list, tuple)) else [els]
        out["num"].append(nest.num_connections)
        out["axon_conn"].append(sum(e["Axon"]["z_connected"] for e in els))
        out["den_conn"].append(sum(e["Den"]["z_connected"] for e in els))
        out["den_z"].append(sum(e["Den"]["z"] for e in els))
        out["axon_z_sum"].append(sum(e["Axon"]["z"] for e in els))
        c = nest.GetConnections(synapse_model="syn_sp")
        out["w"].append(float(np.sum(c.weight)) if len(c) else 0.0)

    nest.Simulate(10.0)  # update at 0
    record()
    nodes.synaptic_elements_param = {"Den": {"z": 1.0}}  # one incoming synapse each too many
    nest.Simulate(15.0)  # update at 20
    record()
    nest.DisableStructuralPlasticity()
    nodes.synaptic_elements_param = {"Den": {"z": 0.0}}
    nest.Simulate(20.0)  # no update at 40
    record()
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def run_pairing(nest, seeds=4, n=40):
    """Which of ``n`` pre-synaptic elements pair with n/2 post-synaptic ones, and which of a
    neuron's n outgoing synapses survive a loss of n/2 axons (NEST's connect(-1) then sets
    z to n - 1, so n/2 - 1 are made again): per seed, how many of each quarter of the
    neurons (in id order) were chosen, and the number of connections (deterministic)."""
    pair, kept, num = [], [], []
    for seed in range(1, seeds + 1):
        nest.ResetKernel()
        nest.rng_seed = seed
        nest.structural_plasticity_synapses = {"sp": {
            "synapse_model": "static_synapse", "pre_synaptic_element": "A",
            "post_synaptic_element": "D"}}
        one = {"z": 1.0, "growth_rate": 0.0}
        pre = nest.Create("iaf_psc_alpha", n, {"synaptic_elements": {"A": one}})
        post = nest.Create("iaf_psc_alpha", n // 2, {"synaptic_elements": {"D": one}})
        src = nest.Create("iaf_psc_alpha", 1, {"synaptic_elements": {
            "A": {"z": float(n), "growth_rate": 0.0}}})
        tgt = nest.Create("iaf_psc_alpha", n, {"synaptic_elements": {"D": one}})
        nest.Connect(src, tgt, "all_to_all", {"synapse_model": "static_synapse",
                                              "pre_synaptic_element": "A",
                                              "post_synaptic_element": "D"})
        src.synaptic_elements_param = {"A": {"z": float(n // 2)}}
        nest.EnableStructuralPlasticity()
        nest.Simulate(0.1)
        chosen = np.asarray(nest.GetConnections(pre, post).get("source")) - pre[0].global_id
        pair.append(np.bincount(chosen * 4 // n, minlength=4))
        num.append(nest.num_connections)
        left = np.asarray(nest.GetConnections(src, tgt).get("target")) - tgt[0].global_id
        kept.append(np.bincount(left * 4 // n, minlength=4))
    return {"pair": np.array(pair), "kept": np.array(kept), "num": np.array(num)}


def run_defaults(nest):
    """SetDefaults of a neuron model's calcium and synaptic elements: nodes take the defaults
    of their creation time; the elements grow with the spikes of a driven neuron."""
    nest.ResetKernel()
    nest.SetDefaults("iaf_psc_alpha", {"tau_Ca": 123.0, "synaptic_elements": {
        "A": {"z": 2.0, "growth_curve": "sigmoid"}}})
    a = nest.Create("iaf_psc_alpha", 2, {"I_e": 600.0})
    nest.SetDefaults("iaf_psc_alpha", {"synaptic_elements": {"A": {"z": 5.0}, "B": {}},
                                       "beta_Ca": 0.5})
    b = nest.Create("iaf_psc_alpha")
    nest.CopyModel("iaf_psc_alpha", "my_iaf", {"beta_Ca": 0.3})  # copies them too
    c = nest.Create("my_iaf", 1, {"I_e": 500.0})
    nest.Simulate(20.0)
    out = {}
    for i, n in enumerate((a[0], b, c)):
        out[f"ca{i}"] = np.array([n.get(k) for k in ("Ca", "tau_Ca", "beta_Ca")])
        out[f"z{i}"] = np.array([e["z"] for _, e in sorted(n.synaptic_elements.items())])
    return out
