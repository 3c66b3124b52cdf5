"""cm_default scenarios, run once under NEST and once under jaxnest by test_cm_default.py
(``run(nest)`` returns a dict of arrays; strings for statuses and error classes)."""
import json

SOMA = {"C_m": 1.0, "g_C": 0.0, "g_L": 0.1, "e_L": -75.0, "v_comp": -72.0}
DEND = {"C_m": 0.1, "g_C": 0.1, "g_L": 0.01, "e_L": -70.0}
ACTIVE_SOMA = {"C_m": 89.245535, "g_C": 0.0, "g_L": 8.924572508, "e_L": -75.0,
               "v_comp": -75.0, "gbar_Na": 4608.698576715, "e_Na": 60.0,
               "gbar_K": 956.112772900, "e_K": -90.0}
ACTIVE_DEND = {"C_m": 1.929929, "g_C": 1.255439494, "g_L": 0.192992878, "e_L": -70.0,
               "v_comp": -70.0, "gbar_Na": 17.203212493, "e_Na": 60.0,
               "gbar_K": 11.887347450, "e_K": -90.0}

TREES = {  # parent indices
    "one": [-1], "two": [-1, 0], "three": [-1, 0, 0], "branched": [-1, 0, 0, 1, 1, 2],
}


def _record(nest, out, tag, nrn, T, extra_dc=()):
    rec = list(nrn.get("recordables"))
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": nest.resolution})
    nest.Connect(mm, nrn)
    sr = nest.Create("spike_recorder")
    nest.Connect(nrn, sr)
    nest.Simulate(T)
    ev = mm.events
    for k in rec:
        out[f"{tag}/{k}"] = list(ev[k])
    out[f"{tag}/spikes"] = list(sr.events["times"])
    out[f"{tag}/recordables"] = rec


def passive(nest, out):
    for name, parents in TREES.items():
        for target in sorted({0, len(parents) - 1}):
            nest.ResetKernel()
            n = nest.Create("cm_default")
            n.compartments = [{"parent_idx": p, "params": SOMA if p < 0 else DEND}
                              for p in parents]
            dc = nest.Create("dc_generator", params={"amplitude": 0.5, "start": 2.0,
                                                     "stop": 30.0})
            nest.Connect(dc, n, syn_spec={"receptor_type": target, "delay": 0.3})
            _record(nest, out, f"passive_{name}_{target}", n, 40.0)


def active(nest, out):
    for h in (0.1, 0.025):
        nest.ResetKernel()
        nest.resolution = h
        n = nest.Create("cm_default", params={"V_th": -50.0})
        n.compartments = [{"parent_idx": -1, "params": ACTIVE_SOMA},
                          {"parent_idx": 0, "params": ACTIVE_DEND},
                          {"parent_idx": 1, "params": ACTIVE_DEND}]
        dc = nest.Create("dc_generator", params={"amplitude": 900.0, "start": 5.0,
                                                 "stop": 40.0})
        nest.Connect(dc, n, syn_spec={"receptor_type": 0})
        dc2 = nest.Create("dc_generator", params={"amplitude": 20.0, "start": 50.0,
                                                  "stop": 70.0})
        nest.Connect(dc2, n, syn_spec={"receptor_type": 2, "weight": 2.0})
        _record(nest, out, f"active_{h}", n, 80.0)


def receptors(nest, out):
    nest.ResetKernel()
    n = nest.Create("cm_default", params={"V_th": -60.0})
    n.compartments = [{"parent_idx": -1, "params": dict(SOMA, gbar_Na=2.0, e_Na=55.0,
                                                        gbar_K=1.0, e_K=-80.0)},
                      {"parent_idx": 0, "params": DEND}, {"parent_idx": 0, "params": DEND}]
    n.receptors = [{"comp_idx": 1, "receptor_type": "AMPA"},
                   {"comp_idx": 0, "receptor_type": "GABA",
                    "params": {"e_GABA": -85.0, "tau_r_GABA": 0.5, "tau_d_GABA": 8.0}},
                   {"comp_idx": 2, "receptor_type": "NMDA",
                    "params": {"e_NMDA": 5.0, "tau_r_NMDA": 0.3, "tau_d_NMDA": 50.0}}]
    n.add_receptors = [{"comp_idx": 0, "receptor_type": "AMPA_NMDA",
                        "params": {"e_AMPA_NMDA": 2.0, "tau_r_AMPA": 0.3, "tau_d_AMPA": 2.5,
                                   "tau_r_NMDA": 0.4, "tau_d_NMDA": 40.0,
                                   "NMDA_ratio": 1.5}},
                       {"comp_idx": 1, "receptor_type": "AMPA",
                        "params": {"e_AMPA": -5.0, "tau_r_AMPA": 0.1, "tau_d_AMPA": 4.0}},
                       {"comp_idx": 0, "receptor_type": "NMDA"}]
    times = [[2.0, 7.0, 7.0, 30.0], [4.0, 25.0, 26.0], [10.0, 11.0, 40.0],
             [15.0, 16.0, 16.5, 60.0], [20.0, 21.0], [33.0, 34.0, 35.0]]
    for r, ts in enumerate(times):
        sg = nest.Create("spike_generator", params={"spike_times": ts})
        nest.Connect(sg, n, syn_spec={"receptor_type": r, "weight": 0.5 + 0.3 * r,
                                      "delay": 1.0 + 0.1 * r})
    _record(nest, out, "receptors", n, 100.0)


def mixed_group(nest, out):
    """Neurons with different trees and receptors in one network."""
    nest.ResetKernel()
    a = nest.Create("cm_default")
    a.compartments = {"parent_idx": -1, "params": SOMA}
    a.receptors = {"comp_idx": 0, "receptor_type": "AMPA"}
    b = nest.Create("cm_default", params={"V_th": -68.0})
    b.compartments = [{"parent_idx": -1, "params": ACTIVE_SOMA},
                      {"parent_idx": 0, "params": ACTIVE_DEND}, {"parent_idx": 0}]
    b.receptors = [{"comp_idx": 2, "receptor_type": "GABA"},
                   {"comp_idx": 1, "receptor_type": "AMPA_NMDA"}]
    b.add_compartments = {"parent_idx": 1, "params": DEND}
    b.add_receptors = {"comp_idx": 3, "receptor_type": "AMPA"}
    sg = nest.Create("spike_generator", params={"spike_times": [3.0, 8.0, 8.0, 20.0]})
    nest.Connect(sg, a, syn_spec={"receptor_type": 0, "weight": 3.0})
    nest.Connect(sg, b, syn_spec={"receptor_type": 1, "weight": 4.0})
    nest.Connect(sg, b, syn_spec={"receptor_type": 2, "weight": 20.0, "delay": 2.0})
    dc = nest.Create("dc_generator", params={"amplitude": 0.2})
    nest.Connect(dc, a, syn_spec={"receptor_type": 0})
    nest.Connect(dc, b, syn_spec={"receptor_type": 3})
    both = a + b
    mm = {}
    for tag, nrn in (("a", a), ("b", b)):
        mm[tag] = nest.Create("multimeter", params={"record_from": list(nrn.get("recordables")),
                                                    "interval": 0.1})
        nest.Connect(mm[tag], nrn)
    sr = nest.Create("spike_recorder")
    nest.Connect(both, sr)
    nest.Simulate(50.0)
    for tag, nrn in (("a", a), ("b", b)):
        for k in nrn.get("recordables"):
            out[f"mixed_{tag}/{k}"] = list(mm[tag].events[k])
        st = nrn.get()
        out[f"mixed_{tag}/status"] = json.dumps(
            {k: [dict(x) for x in st[k]] if k in ("compartments", "receptors") else st[k]
             for k in ("compartments", "receptors", "recordables", "V_th")}, sort_keys=True)
    out["mixed/senders"] = list(sr.events["senders"])
    out["mixed/times"] = list(sr.events["times"])


def statuses(nest, out):
    nest.ResetKernel()
    d = nest.GetDefaults("cm_default")
    out["defaults"] = json.dumps({k: list(d[k]) if k in ("compartments", "receptors",
                                                         "recordables") else d[k]
                                  for k in ("V_th", "compartments", "receptors",
                                            "recordables")}, sort_keys=True)
    n = nest.Create("cm_default")
    n.compartments = {"parent_idx": -1}
    n.compartments += [{"parent_idx": 0}, {"parent_idx": 1}]
    n.receptors = {"comp_idx": 2, "receptor_type": "NMDA"}
    n.receptors += {"comp_idx": 0, "receptor_type": "FOO"}  # NEST keeps the index only
    n.add_receptors = [{"comp_idx": 0, "receptor_type": "GABA"},
                       {"comp_idx": 0, "receptor_type": "AMPA"}]
    st = n.get()
    out["status"] = json.dumps({k: [dict(x) for x in st[k]] for k in ("compartments",
                                                                     "receptors")},
                               sort_keys=True)
    out["status_recordables"] = list(st["recordables"])


BAD = {
    "parent7": {"add_compartments": {"parent_idx": 7}},
    "second_root": {"add_compartments": {"parent_idx": -1}},
    "rec_comp9": {"add_receptors": {"comp_idx": 9, "receptor_type": "AMPA"}},
    "comp_badparam": {"add_compartments": {"parent_idx": 0, "params": {"foo": 1.0}}},
    "comp_badkey": {"add_compartments": {"parent_idx": 0, "bar": 1}},
    "comp_noparent": {"add_compartments": {"params": {}}},
    "rec_badparam": {"add_receptors": {"comp_idx": 0, "receptor_type": "AMPA",
                                       "params": {"foo": 1.0}}},
    "rec_otherparam": {"add_receptors": {"comp_idx": 0, "receptor_type": "AMPA",
                                         "params": {"tau_d_NMDA": 1.0}}},
    "rec_badkey": {"add_receptors": {"comp_idx": 0, "receptor_type": "AMPA", "x": 1}},
    "rec_notype": {"add_receptors": {"comp_idx": 0}},
    "comps_float": {"add_compartments": 3.0},
    "comps_again": {"compartments": [{"parent_idx": 0}]},
    "I_e": {"I_e": 3.0},
    "V_th_str": {"V_th": "x"},
    "e_Na_without_e_K": {"add_compartments": {"parent_idx": 0, "params": {"e_Na": 40.0}}},
    "e_K_alone": {"add_compartments": {"parent_idx": 0, "params": {"e_K": -80.0}}},
    "parent_float": {"add_compartments": {"parent_idx": 0.0}},
    "v_comp0": {"v_comp0": 2.0},
}


def _error(f):
    try:
        f()
        return "ok"
    except Exception as e:  # noqa: BLE001
        return type(e).__name__


def errors(nest, out):
    for name, bad in BAD.items():
        nest.ResetKernel()
        n = nest.Create("cm_default")
        n.compartments = [{"parent_idx": -1}, {"parent_idx": 0}]
        out[f"error/{name}"] = _error(lambda: n.set(bad))
    nest.ResetKernel()
    n = nest.Create("cm_default")
    n.compartments = [{"parent_idx": -1}, {"parent_idx": 0}]
    n.receptors = [{"comp_idx": 0, "receptor_type": "AMPA"}]
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    dc = nest.Create("dc_generator")
    mm = nest.Create("multimeter", params={"record_from": ["v_comp2"]})
    out["error/spike_port"] = _error(lambda: nest.Connect(sg, n, syn_spec={"receptor_type": 1}))
    out["error/current_port"] = _error(lambda: nest.Connect(dc, n,
                                                            syn_spec={"receptor_type": 2}))
    out["error/recordable"] = _error(lambda: nest.Connect(mm, n))
    nest.ResetKernel()
    nest.Create("cm_default")
    out["error/no_compartments"] = _error(lambda: nest.Simulate(1.0))


def run(nest):
    out = {}
    for part in (passive, active, receptors, mixed_group, statuses, errors):
        part(nest, out)
    return out
