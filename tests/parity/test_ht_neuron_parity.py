"""ht_neuron against NEST in the same run, through the whole kernel (Create, SetStatus,
Connect on receptors AMPA..GABA_B, generators, multimeter of every recordable,
spike_recorder, voltage clamp across Simulate calls, GetDefaults, GetStatus). Deviations are
ulps of XLA's exp / pow / FMAs, amplified by the loose step control (eps_abs 1e-3)."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_ht_neuron(both, resolution):
    ref, got = both("ht_neuron.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-6 if resolution == 0.1 else 1e-4)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})


def test_receptor_types(both):
    ref, got = both("ht_neuron.py", "run_receptor_types")
    compare(ref, got)


@pytest.mark.parametrize("seed", [1, 2])
def test_intrinsic_currents_example_with_fixed_input(both, seed):
    """NEST's intrinsic_currents_spiking example, Poisson input replayed (measured: 7e-14)."""
    ref, got = both("ht_neuron.py", "run_example_fixed_input", seed=seed)
    assert len(ref["sr_times"]) >= 10
    compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
