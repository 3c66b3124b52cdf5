"""nest.to_brainstate: a built network driven by brainstate's transforms gives what Simulate
gives (spikes, states, continuing with Simulate), parameters set through the module act as
SetStatus does, and what the module cannot do is refused."""
import pathlib
import runpy

import jaxnest.brainstate_net  # noqa: F401 - imports brainstate, keeping JAX's x64 setting
import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnest as nest


def build(seed=3, I_e=0.0):
    nest.ResetKernel()
    nest.rng_seed = seed
    nest.resolution = 0.1
    n = nest.Create("iaf_psc_alpha", 40, params={"I_e": I_e})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 8},
                 {"weight": nest.random.normal(30.0, 5.0), "delay": 1.5})
    pg = nest.Create("poisson_generator", params={"rate": 12000.0})
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 7.3, 31.1]})
    dc = nest.Create("dc_generator", params={"amplitude": 80.0, "start": 12.0, "stop": 27.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, n, syn_spec={"weight": 20.0})
    nest.Connect(sg, n[:5], syn_spec={"weight": 300.0})
    nest.Connect(dc, n[10:20])
    nest.Connect(n[::2], sr)
    return n, sr


def run_module(net, n_intervals):
    with nest.jax_scope():
        @brainstate.transform.jit
        def run():
            return brainstate.transform.for_loop(lambda i: net.update(i)["spikes"],
                                                 jnp.arange(n_intervals))
        return np.asarray(run())


def test_module_run_equals_simulate_and_continues():
    n, sr = build()
    nest.Simulate(20.0)  # a network that has run already, spikes in flight
    net = nest.to_brainstate(5.0, n_intervals=6)
    spikes = run_module(net, 6)                       # (6, 50 steps, recorded)
    net.write_back()
    v_mod = np.array(n.get("V_m"))
    nest.Simulate(17.0)
    ev_mod = sr.get("events")

    n2, sr2 = build()
    nest.Simulate(50.0)
    v_ref = np.array(n2.get("V_m"))
    nest.Simulate(17.0)
    ev = sr2.get("events")

    assert np.array_equal(v_mod, v_ref)
    t, s = np.asarray(ev["times"]), np.asarray(ev["senders"])
    in_module = (t > 20.0) & (t <= 50.0)
    assert in_module.sum() > 20  # the test sees spikes
    steps = np.rint(t[in_module] / 0.1).astype(int) - 201  # spike in step k stamps (k+1) h
    counts = np.zeros((300, net.recorded.size))
    np.add.at(counts, (steps, np.searchsorted(net.recorded, s[in_module])), 1)
    assert np.array_equal(spikes.reshape(300, -1), counts)
    # the recorder saw the ordinary runs only, and the same spikes after write_back
    t_mod = np.asarray(ev_mod["times"])
    assert not np.any((t_mod > 20.0) & (t_mod <= 50.0))
    assert np.array_equal(t_mod[t_mod > 50.0], t[t > 50.0])
    assert np.array_equal(np.asarray(ev_mod["senders"])[t_mod > 50.0], s[t > 50.0])


def test_set_param_acts_as_setstatus_and_states_read_back():
    n, _ = build()
    net = nest.to_brainstate(10.0, n_intervals=3)
    with nest.jax_scope():
        net.set_param(n[3:9], "I_e", 250.0)
        run_module(net, 3)
        v3 = np.asarray(net.get(n[[2, 3, 7]], "V_m"))
    net.write_back()
    v_all = np.array(n.get("V_m"))
    assert n[3].get("I_e") == 0.0  # the module's parameters stay the module's
    n2, _ = build()
    n2[3:9].set(I_e=250.0)
    nest.Simulate(30.0)
    assert np.array_equal(v3, np.array(n2[[2, 3, 7]].get("V_m")))
    assert np.array_equal(v_all, np.array(n2.get("V_m")))


def test_forward_derivative_through_the_module():
    """d V_m(T) / d I_e of a silent neuron through brainstate.transform.jacfwd equals the
    finite difference of two runs."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", params={"I_e": 100.0})
    net = nest.to_brainstate(20.0)

    def final_v(i_e):
        net.set_param(n, "I_e", i_e)
        net.update(0)
        return net.get(n, "V_m")[0]

    with nest.jax_scope():
        start = {k: s.value for k, s in net.states["iaf_psc_alpha"].items()}, net.ring.value

        def fresh(i_e):
            for k, v in start[0].items():
                net.states["iaf_psc_alpha"][k].value = v
            net.ring.value = start[1]
            return final_v(i_e)

        d = brainstate.transform.jacfwd(fresh, argnums=0)(jnp.float64(100.0))
        fd = (float(fresh(100.5)) - float(fresh(99.5))) / 1.0
    assert float(d) == pytest.approx(fd, rel=1e-8)
    assert float(d) > 0


def test_refusals():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": "stdp_synapse"})
    with pytest.raises(nest.NESTErrors.NotImplemented, match="stdp_synapse"):
        nest.to_brainstate(5.0)
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    net = nest.to_brainstate(5.0)
    nest.Create("iaf_psc_alpha")
    with pytest.raises(nest.NESTErrors.KernelException, match="changed"):
        net.write_back()
    with pytest.raises(nest.NESTErrors.BadProperty):
        nest.to_brainstate(0.0)


def test_readout_example_learns():
    """examples/beyond_nest/brainstate_readout.py: a brainstate readout trained on the
    network's spike counts tells the two input patterns apart (chance: 0.5)."""
    path = pathlib.Path(__file__).parents[2] / "examples" / "beyond_nest" / "brainstate_readout.py"
    assert runpy.run_path(str(path))["main"]() >= 0.8


def test_import_jaxnest_does_not_import_brainstate():
    """brainstate takes seconds to import: only to_brainstate imports it."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", "import sys, jaxnest; "
                          "print('brainstate' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_to_brainstate_keeps_the_users_x64_setting():
    """brainstate's import resets jax_enable_x64; importing it through jaxnest does not."""
    import subprocess
    import sys
    code = ("import jax; jax.config.update('jax_enable_x64', True); import jaxnest as nest; "
            "nest.Create('iaf_psc_alpha'); nest.to_brainstate(1.0); "
            "print(jax.config.jax_enable_x64)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True"
