"""PRNG-driven cases: compared by distribution (category D), never sample by sample."""
import numpy as np


def brunel(nest, order=100, seed=1, simtime=400.0):
    """A small Brunel network (iaf_psc_delta, fixed in-degree, Poisson drive): rate and CV."""
    nest.ResetKernel()
    nest.rng_seed = seed
    NE, NI = 4 * order, order
    CE, CI = NE // 10, NI // 10
    params = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0,
              "V_m": 0.0, "V_th": 20.0}
    nodes = nest.Create("iaf_psc_delta", NE + NI, params=params)
    nodes.V_m = nest.random.uniform(0.0, 20.0)
    nu_th = 20.0 / (0.1 * CE * 20.0)  # rate (1/ms) that drives V to threshold on average
    noise = nest.Create("poisson_generator", params={"rate": 1000.0 * 2.0 * nu_th * CE})
    sr = nest.Create("spike_recorder", params={"start": 100.0})
    nest.Connect(noise, nodes, syn_spec={"weight": 0.1, "delay": 1.5})
    nest.Connect(nodes[:NE], nodes, {"rule": "fixed_indegree", "indegree": CE},
                 {"weight": 0.1, "delay": 1.5})
    nest.Connect(nodes[NE:], nodes, {"rule": "fixed_indegree", "indegree": CI},
                 {"weight": -0.5, "delay": 1.5})
    nest.Connect(nodes, sr)
    nest.Simulate(simtime)
    ev = sr.events
    rate = len(ev["times"]) / (NE + NI) / (simtime - 100.0) * 1000.0
    cvs = []
    for g in np.unique(ev["senders"]):
        t = np.sort(ev["times"][ev["senders"] == g])
        if t.size > 3:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return dict(rate=[rate], cv=[float(np.mean(cvs)) if cvs else 0.0],
                n_conn=[nest.num_connections])


def rule_degrees(nest, seed=1):
    """Degree statistics of every random rule through the Connect API."""
    nest.ResetKernel()
    nest.rng_seed = seed
    out = {}
    specs = {
        "indegree": {"rule": "fixed_indegree", "indegree": 7},
        "outdegree": {"rule": "fixed_outdegree", "outdegree": 5, "allow_multapses": False},
        "total": {"rule": "fixed_total_number", "N": 333},
        "bernoulli": {"rule": "pairwise_bernoulli", "p": 0.2, "allow_autapses": False},
        "poisson": {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 0.3},
        "symmetric": {"rule": "symmetric_pairwise_bernoulli", "p": 0.1,
                      "allow_autapses": False, "allow_multapses": True,
                      "make_symmetric": True},
    }
    for name, spec in specs.items():
        a = nest.Create("iaf_psc_alpha", 60)
        b = nest.Create("iaf_psc_alpha", 40)
        pre, post = (a, a) if name in ("bernoulli", "symmetric") else (a, b)
        c = nest.Connect(pre, post, spec, return_synapsecollection=True)
        src, tgt = np.array(c.source), np.array(c.target)
        out[f"{name}_n"] = [len(src)]
        out[f"{name}_in"] = np.bincount(tgt - tgt.min(), minlength=len(post))[:len(post)]
        out[f"{name}_out"] = np.bincount(src - src.min(), minlength=len(pre))[:len(pre)]
        out[f"{name}_autapses"] = [int(np.sum(src == tgt))]
        pairs = src * 1000 + tgt
        out[f"{name}_multapses"] = [len(pairs) - len(np.unique(pairs))]
    return out


def random_parameters(nest, seed=1):
    """Node parameters and connection weights/delays drawn from nest.random."""
    nest.ResetKernel()
    nest.rng_seed = seed
    n = nest.Create("iaf_psc_alpha", 20000, params={
        "V_m": nest.random.normal(-65.0, 3.0), "C_m": nest.random.uniform(200.0, 300.0),
        "tau_m": nest.random.lognormal(2.3, 0.2), "I_e": nest.random.exponential(5.0)})
    c = nest.Connect(n[:100], n[:100], "all_to_all", return_synapsecollection=True,
                     syn_spec={"weight": nest.random.normal(10.0, 2.0),
                               "delay": nest.random.uniform(0.5, 3.0)})
    w, d = np.array(c.weight), np.array(c.delay)
    stats = {}
    for k in ("V_m", "C_m", "tau_m", "I_e"):
        v = np.array(n.get(k))
        stats[k] = [v.mean(), v.std()]
    stats["weight"] = [w.mean(), w.std()]
    stats["delay"] = [d.mean(), d.std(), d.min(), d.max()]
    return stats
