"""iaf_bw_2001_exact against NEST in the same run: defaults, recordables, receptors, status,
AMPA/GABA traces and spikes (GSL rkf45, odeint.py), NMDA connections (a receptor port each),
errors. Measured: V_m 1.4e-14 mV; with NMDA ports V_m 7.1e-15 mV, I_NMDA 4.5e-13 pA."""
import numpy as np
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_iaf_bw_2001_exact(both, resolution):
    ref, got = both("iaf_bw_2001_exact.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 10 and np.ptp(ref["mm_s_GABA"]) > 0.5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})


def test_errors(both):
    ref, got = both("iaf_bw_2001_exact.py", "errors")
    assert {k: str(v) for k, v in ref.items()} == {k: str(v) for k, v in got.items()}


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_nmda_ports(both, resolution):
    ref, got = both("iaf_bw_2001_exact.py", "nmda", resolution=resolution)
    assert ref["ports"][:, 2].max() == 5 and np.ptp(ref["mm_s_NMDA"]) > 50.0
    assert len(ref["sr_times"]) >= 20
    for key in ("late", "late_new", "changed"):
        assert str(got[key]) == str(ref[key]), key
    worst = compare({k: v for k, v in ref.items() if k not in ("late", "late_new", "changed")},
                    {k: v for k, v in got.items() if k not in ("late", "late_new", "changed")},
                    tol_v=1e-9, tol_rel=1e-9)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})


def test_plastic_nmda_connection_is_not_implemented():
    """NEST takes a plastic synapse on an NMDA port and raises once its weight changes
    between two spikes; jaxnest refuses it at Connect, by name."""
    import jaxnest as nest
    from jaxnest import errors
    nest.ResetKernel()
    n = nest.Create("iaf_bw_2001_exact", 2)
    with pytest.raises(errors.NotImplemented, match="plastic synapses to receptor 3"):
        nest.Connect(n[0], n[1], syn_spec={"synapse_model": "stdp_synapse",
                                           "receptor_type": 3})
