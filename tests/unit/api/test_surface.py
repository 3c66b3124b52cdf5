"""PyNEST surface details that need no NEST run: errors, invalidation, output forms."""
import json

import numpy as np
import pytest

import jaxnest as nest


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def test_collections_from_before_reset_are_rejected():
    n = nest.Create("iaf_psc_alpha", 2)
    nest.ResetKernel()
    with pytest.raises(nest.NESTErrors.KernelException):
        n.get("V_m")


def test_install_names_the_module():
    with pytest.raises(nest.NESTError, match="mymodule"):
        nest.Install("mymodule")


def test_unsupported_nest_model_is_named():
    """A NEST model missing from jaxnest's models (jaxnest now has them all: the lookup is
    given a model list without one) is NotImplemented naming it; an unknown name is NEST's
    UnknownModelName."""
    from jaxnest.models.registry import lookup
    with pytest.raises(nest.NESTErrors.NotImplemented, match="iaf_bw_2001_exact"):
        lookup({}, "iaf_bw_2001_exact")
    with pytest.raises(nest.NESTErrors.UnknownModelName):
        nest.Create("iaf_bw_2001_exactly")


def test_freezing_what_jaxnest_cannot_freeze_is_refused_by_name():
    """Spiking neurons on the grid freeze (tests/parity/test_frozen_parity.py); a device or
    a precise neuron frozen would be updated anyway, so frozen=True is NotImplemented naming
    the model (Create and set), nothing is created, and False is taken."""
    n = nest.Create("iaf_psc_alpha", params={"frozen": False})
    n.frozen = True
    assert n.frozen
    n.frozen = False
    assert not n.frozen
    for model, freeze in (
            ("iaf_psc_alpha_ps", lambda: nest.Create("iaf_psc_alpha_ps", params={"frozen": True})),
            ("poisson_generator", lambda: nest.Create("poisson_generator").set(frozen=True)),
            ("lin_rate_ipn", lambda: nest.Create("lin_rate_ipn").set(frozen=True))):
        with pytest.raises(nest.NESTErrors.NotImplemented, match=f"frozen.*{model[:8]}"):
            freeze()
    assert nest.GetKernelStatus("network_size") == 3


def test_delay_below_resolution_is_bad_delay():
    n = nest.Create("iaf_psc_alpha", 2)
    with pytest.raises(nest.NESTErrors.BadDelay):
        nest.Connect(n, n, syn_spec={"delay": 0.04})


def test_get_json_and_synapse_collection_forms():
    n = nest.Create("iaf_psc_alpha", 3)
    assert json.loads(n.get("V_m", output="json")) == [-70.0, -70.0, -70.0]
    nest.Connect(n, n, "one_to_one", {"weight": [1.0, 2.0, 3.0], "delay": 1.5})
    c = nest.GetConnections(n)
    assert len(c) == 3 and c.get("weight") == [1.0, 2.0, 3.0]
    c.set([{"weight": 5.0}, {"weight": 6.0}, {"weight": 7.0}])
    assert c.weight == [5.0, 6.0, 7.0]
    c.delay = 2.0
    assert c[1].get("delay") == 2.0
    frame = c.get(["source", "weight"], output="pandas")
    assert list(frame["source"]) == [1, 2, 3]
    assert len(nest.GetConnections(target=n[1])) == 1


def test_rng_seed_reproduces_random_build():
    def build():
        nest.ResetKernel()
        nest.rng_seed = 7
        n = nest.Create("iaf_psc_alpha", 50, {"V_m": nest.random.uniform(-70.0, -60.0)})
        nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 5})
        return np.array(n.V_m), np.array(nest.GetConnections().source)
    a, b = build(), build()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_simulate_time_off_grid_is_rejected_before_running():
    nest.Create("iaf_psc_alpha")
    with pytest.raises(nest.NESTError):
        nest.Simulate(1.05)
    assert nest.biological_time == 0.0


def test_resolution_cannot_change_after_nodes_exist():
    nest.Create("iaf_psc_alpha")
    with pytest.raises(nest.NESTError):
        nest.resolution = 0.01


def test_verbosity_attribute():
    nest.verbosity = nest.VerbosityLevel.ERROR
    assert nest.verbosity == nest.VerbosityLevel.ERROR
    nest.set_verbosity("M_WARNING")
    assert nest.get_verbosity() == nest.VerbosityLevel.WARNING


def test_create_with_params_as_second_argument_and_device_defaults():
    n = nest.Create("iaf_psc_alpha", {"I_e": 5.0})
    assert len(n) == 1 and n.I_e == 5.0
    nest.SetDefaults("voltmeter", {"interval": 0.5})
    assert nest.GetDefaults("voltmeter", "interval") == 0.5
    with pytest.raises(nest.NESTErrors.BadProperty):
        nest.SetDefaults("voltmeter", {"interval": -1.0})


def test_plotting_modules_without_import():
    assert hasattr(nest.raster_plot, "from_device")
    assert hasattr(nest.voltage_trace, "from_device")
