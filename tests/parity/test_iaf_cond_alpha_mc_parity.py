"""iaf_cond_alpha_mc against NEST in the same run, through the whole kernel.

``run``: spike input on all six compartment receptors, currents on receptors 7..9, a
multimeter of every recordable (V_m.s, g_ex.p, ...), spike_recorder; traces agree to ~1e-13 mV.
``run_nested``: what NEST's mc_neuron example needs beyond that: nested compartment dicts in
Create/SetStatus/GetStatus/GetDefaults (the kernel goes through the model's ``to_nest`` /
``from_nest``) and receptor_types."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_iaf_cond_alpha_mc(both, resolution):
    ref, got = both("iaf_cond_alpha_mc.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9,
                    v_keys=("mm_V_m.s", "mm_V_m.p", "mm_V_m.d"))
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})


def test_nested_status_and_compartment_currents(both):
    ref, got = both("iaf_cond_alpha_mc.py", "run_nested")
    compare(ref, got, tol_v=1e-9, tol_rel=1e-9, v_keys=("mm_V_m.s", "mm_V_m.p", "mm_V_m.d"))
