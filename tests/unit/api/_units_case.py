"""One PyNEST script written twice: with plain numbers in NEST's units (``units=False``; what
NEST runs) and with brainunit quantities in other units of the same values (``units=True``;
jaxnest). Every way a value enters (Create dict / list / per-node list / Quantity array,
SetStatus forms, attribute set, SetDefaults, CopyModel, syn_spec scalars and arrays,
SynapseCollection.set, kernel properties, Simulate/Run times) carries a value that changes
the recorded traces, so a wrong conversion shows."""
import numpy as np


def run(nest, units=False):
    if units:
        import brainunit as u

    def v(plain, quantity):
        return quantity() if units else plain

    nest.ResetKernel()
    nest.set(resolution=v(0.1, lambda: 100.0 * u.us))
    psc = nest.Create("iaf_psc_alpha", 3, params={
        "V_m": v(-60.0, lambda: -0.06 * u.volt), "I_e": v([350.0, 370.0, 390.0],
                                                         lambda: [0.35 * u.nA, 370 * u.pA,
                                                                  0.39 * u.nA]),
        "C_m": v(200.0, lambda: 0.2 * u.nfarad), "tau_m": v(12.0, lambda: 0.012 * u.second),
        "t_ref": v(2.5, lambda: 2500.0 * u.us)})
    two = nest.Create("iaf_psc_alpha", 2, params=[{"V_m": v(-65.0, lambda: -65.0 * u.mV)},
                                                  {"V_m": v(-55.5, lambda: -55.5 * u.mV)}])
    two.set({"I_e": v(np.array([100.0, 420.0]), lambda: np.array([100.0, 420.0]) * u.pA)})
    cond = nest.Create("iaf_cond_exp", params={"g_L": v(20.0, lambda: 0.02 * u.usiemens),
                                               "E_ex": v(5.0, lambda: 5.0 * u.mV),
                                               "I_e": v(250.0, lambda: 0.25 * u.nA)})
    nest.SetStatus(cond, {"tau_syn_ex": v(3.0, lambda: 0.003 * u.second)})
    nest.SetStatus(psc, "E_L", v(-68.0, lambda: -68.0 * u.mV))
    psc.set(V_th=v(-52.0, lambda: -52.0 * u.mV))
    cond.V_reset = v(-62.0, lambda: -0.062 * u.volt)
    nest.SetDefaults("iaf_psc_exp", {"tau_m": v(8.0, lambda: 8.0 * u.ms)})
    pexp = nest.Create("iaf_psc_exp", params={"I_e": v(500.0, lambda: 0.5 * u.nA)})
    nest.CopyModel("iaf_psc_alpha", "alpha_q", {"V_th": v(-50.0, lambda: -50.0 * u.mV),
                                                "I_e": v(380.0, lambda: 380.0 * u.pA)})
    copy = nest.Create("alpha_q")
    nest.CopyModel("static_synapse", "syn_q", {"weight": v(40.0, lambda: 0.04 * u.nA),
                                               "delay": v(2.0, lambda: 2.0 * u.ms)})

    sg = nest.Create("spike_generator", params={
        "spike_times": v([10.0, 20.5, 30.0, 42.0],
                         lambda: np.array([10.0, 20.5, 30.0, 42.0]) * u.ms)})
    dc = nest.Create("dc_generator", params={"amplitude": v(50.0, lambda: 0.05 * u.nA),
                                             "start": v(5.0, lambda: 0.005 * u.second),
                                             "stop": v(60.0, lambda: 60.0 * u.ms)})
    nest.Connect(sg, psc, syn_spec={"weight": v(500.0, lambda: 0.5 * u.nA),
                                    "delay": v(1.5, lambda: 1500.0 * u.us)})
    nest.Connect(sg, cond, syn_spec={"weight": v(2.0, lambda: 0.002 * u.usiemens),
                                     "delay": v(1.0, lambda: 1.0 * u.ms)})
    sg2 = nest.Create("spike_generator",
                      params={"spike_times": v([15.0], lambda: [15.0 * u.ms])})
    nest.Connect(sg2, two, syn_spec={"synapse_model": "syn_q"})
    nest.Connect(psc[:2], two, "one_to_one",
                 syn_spec={"weight": v(np.array([30.0, -45.0]),
                                       lambda: np.array([0.03, -0.045]) * u.nA),
                           "delay": v(np.array([1.2, 3.4]), lambda: np.array([1.2, 3.4]) * u.ms)})
    nest.Connect(dc, pexp + copy, syn_spec={"weight": v(2.0, lambda: 2.0 * u.UNITLESS)})
    conns = nest.GetConnections(psc[:2], two)
    conns.set(weight=v([35.0, -40.0], lambda: [35.0 * u.pA, -0.04 * u.nA]))
    nest.GetConnections(sg, cond).delay = v(1.3, lambda: 1.3 * u.ms)

    neurons = psc + two + cond + pexp + copy
    mm = nest.Create("multimeter", params={"interval": v(0.5, lambda: 0.5 * u.ms),
                                           "record_from": ["V_m"],
                                           "start": v(1.0, lambda: 1.0 * u.ms)})
    sr = nest.Create("spike_recorder", params={"stop": v(90.0, lambda: 0.09 * u.second)})
    nest.Connect(mm, neurons)
    nest.Connect(neurons, sr)
    nest.Simulate(v(50.0, lambda: 0.05 * u.second))
    nest.Prepare()
    nest.Run(v(30.0, lambda: 30.0 * u.ms))
    nest.Run(v(20.0, lambda: 20000.0 * u.us))
    nest.Cleanup()

    ev, sp = mm.events, sr.events
    status = {k: np.array(neurons.get(k), dtype=float) for k in
              ("E_L", "V_th", "C_m", "tau_m", "t_ref", "I_e", "V_reset", "tau_syn_ex")}
    c = nest.GetConnections(neurons + sg + sg2 + dc, neurons)
    return {"times": ev["times"], "senders": ev["senders"], "V_m": ev["V_m"],
            "spike_times": sp["times"], "spike_senders": sp["senders"],
            "weights": np.array(c.weight, dtype=float), "delays": np.array(c.delay, dtype=float),
            "sources": np.array(c.source), "targets": np.array(c.target),
            "time": nest.biological_time, "resolution": nest.resolution,
            "spike_gen_times": np.array(sg.spike_times, dtype=float), "dc_start": dc.start,
            "rate_defaults_tau_m": nest.GetDefaults("iaf_psc_exp", "tau_m"),
            **{f"status_{k}": x for k, x in status.items()}}


def random(nest, units=False, seed=3):
    """Random inputs: nest.random parameters and Poisson rates (compared jaxnest against
    jaxnest: NEST's random streams differ)."""
    if units:
        import brainunit as u

    def v(plain, quantity):
        return quantity() if units else plain

    nest.ResetKernel()
    nest.rng_seed = seed
    n = nest.Create("iaf_psc_alpha", 50, params={
        "V_m": v(nest.random.normal(mean=-65.0, std=3.0),
                 lambda: nest.random.normal(mean=-0.065 * u.volt, std=3.0 * u.mV)),
        "I_e": v(nest.random.uniform(200.0, 400.0),
                 lambda: nest.random.uniform(0.2 * u.nA, 400.0 * u.pA))})
    n.set(tau_m=v(nest.random.uniform(4.0, 6.0) * 2.0,
                  lambda: nest.random.uniform(4.0 * u.ms, 0.006 * u.second) * 2.0))
    n.set(V_th=v(nest.random.uniform(0.0, 4.0) - 52.0,
                 lambda: nest.random.uniform(0.0 * u.mV, 4.0 * u.mV) - 0.052 * u.volt))
    pg = nest.Create("poisson_generator", params={"rate": v(8000.0, lambda: 8.0 * u.kHz)})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, n, syn_spec={"weight": v(nest.random.exponential(20.0),
                                              lambda: nest.random.exponential(0.02 * u.nA)),
                                  "delay": v(nest.random.uniform(1.0, 3.0),
                                             lambda: nest.random.uniform(1.0 * u.ms,
                                                                         3.0 * u.ms))})
    nest.Connect(n, sr)
    nest.Simulate(v(100.0, lambda: 100.0 * u.ms))
    c = nest.GetConnections(pg, n)
    return {"V_m": np.array(n.V_m), "I_e": np.array(n.I_e), "tau_m": np.array(n.tau_m),
            "V_th": np.array(n.V_th),
            "weights": np.array(c.weight), "delays": np.array(c.delay),
            "spike_times": sr.events["times"], "spike_senders": sr.events["senders"]}
