"""Frozen neurons: not updated, not sampled, no spikes; the input they receive meanwhile
waits in NEST's ring-buffer slot (step mod min_delay + max_delay) for their first update
with that slot after they are thawed."""
import numpy as np


def _class(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def run(nest, delays=(1.0,), freeze_at=0.0, thaw_at=5.0):
    """Two iaf_psc_exp and an iaf_psc_alpha driven by spikes (excitatory, inhibitory) and a
    dc_generator; the first of each model frozen in [freeze_at, thaw_at)."""
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [0.5, 1.0, 2.3, 4.1, 6.0]})
    dc = nest.Create("dc_generator", params={"amplitude": 150.0, "start": 0.4, "stop": 3.2})
    n = nest.Create("iaf_psc_exp", 2, params={"I_e": [0.0, 376.0]}) \
        + nest.Create("iaf_psc_alpha", 2, params={"frozen": False, "I_e": 376.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex"], "interval": 0.3})
    sr = nest.Create("spike_recorder")
    for i, d in enumerate(delays):
        w = 700.0 if i % 2 == 0 else -150.0
        nest.Connect(sg, n, syn_spec={"weight": w, "delay": d})
    nest.Connect(dc, n)
    nest.Connect(mm, n[:2])
    nest.Connect(n, sr)
    frozen = n[0] + n[2]
    if freeze_at:
        nest.Simulate(freeze_at)
    frozen.frozen = True
    flags = list(n.get("frozen"))
    nest.Simulate(thaw_at - freeze_at)
    held = list(n.get("V_m"))
    frozen.set(frozen=False)
    nest.Simulate(25.0)
    e, s = mm.events, sr.events
    errors = [_class(lambda: mm.set(frozen=True)),
              _class(lambda: nest.Create("voltmeter", params={"frozen": True})),
              _class(lambda: nest.Create("iaf_psc_alpha", params={"frozen": 1}))]
    return {"flags": np.array(flags), "held": np.array(held), "errors": np.array(errors),
            "senders": e["senders"], "times": e["times"], "V_m": e["V_m"],
            "I_syn_ex": e["I_syn_ex"], "spike_senders": s["senders"], "spike_times": s["times"]}
