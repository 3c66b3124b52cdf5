"""hh_psc_alpha_clopath and aeif_psc_delta_clopath (neuron side) against NEST in the same
run, through the whole kernel (Create, SetStatus, Connect, generators, multimeter,
spike_recorder, GetDefaults, GetStatus). Deviations are ulps of XLA's exp / FMAs, amplified
by the adaptive step control."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
@pytest.mark.parametrize("model", ["hh_psc_alpha_clopath", "aeif_psc_delta_clopath"])
def test_clopath_neurons(both, model, resolution):
    ref, got = both("clopath.py", model=model, resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got)
    print(model, resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
