"""Precise (off-grid) spike timing against NEST in the same run: the iaf_psc_*_ps models
(traces 1e-9 relative, spike times and offsets 1e-11 ms), parrot_neuron_ps, spike_generator's
precise_times / allow_offgrid_times, poisson_generator_ps (statistics over seeds), iaf_chxk_2008's
off-grid spikes into a precise neuron, recorders with offsets, off_grid_spiking, and the
models' defaults and errors. Cases: cases/precise.py."""
import numpy as np
import pytest

TRACE_REL = 1e-9    # traces and status values, relative to max(1, max |x|)
TIME_ABS = 1e-11    # spike times and offsets (ms)


def _compare(ref, got, keys=None):
    """Exact for senders, steps and flags; times/offsets to TIME_ABS; the rest to TRACE_REL.
    Returns the largest deviation per key."""
    worst = {}
    for k in keys or ref:
        assert k in got, k
        r, g = np.asarray(ref[k]), np.asarray(got[k])
        assert r.shape == g.shape, (k, r.shape, g.shape)
        if r.dtype.kind in "USO":
            assert r.tolist() == g.tolist(), k
            continue
        r, g = r.astype(float), g.astype(float)
        assert (np.isnan(r) == np.isnan(g)).all(), k
        ok = ~np.isnan(r)
        d = float(np.max(np.abs(r - g)[ok], initial=0.0))
        if k.endswith(("senders", "steps_times", "off_grid_spiking", "ogs", "is_refractory",
                       "refractory_input")):
            tol = 0.0
        elif k.endswith(("sr_times", "offsets", "_times", "t_spike", "offset", "_get")) \
                and "mm_times" not in k:
            tol = TIME_ABS
        else:
            d /= max(1.0, float(np.max(np.abs(r[ok]), initial=0.0)))
            tol = TRACE_REL
        assert d <= tol, (k, d)
        worst[k] = d
    return worst


@pytest.mark.parametrize("model", ["iaf_psc_alpha_ps", "iaf_psc_exp_ps",
                                   "iaf_psc_exp_ps_lossless", "iaf_psc_delta_ps"])
def test_ps_neuron_traces_and_spike_times(both, model):
    """Several events per step (same and different offsets, multiplicities, excitatory and
    inhibitory, on-grid input at offset 0), dc input, refractoriness, precise neuron to
    precise neuron, a superthreshold SetStatus and a run ending inside a slice. One run per
    model (each compiles its own kernel, ~12 s cold), so the slow set can hold all but one."""
    ref, got = both("precise.py", models=[model])
    keys = [k for k in ref if k.startswith(model + "_0.1_")]
    assert len(ref[f"{model}_0.1_sr_times"]) > 20
    assert np.any(ref[f"{model}_0.1_steps_offsets"] > 0)
    _compare(ref, got, keys)
    assert ref[f"{model}_0.1_off_grid_spiking"][0]


def test_parrot_neuron_ps(both):
    ref, got = both("precise.py", "parrot")
    n_r, n_g = float(ref.pop("n_q")[0]), float(got.pop("n_q")[0])
    assert abs(n_r - n_g) <= 5 * np.sqrt(n_r)  # a grid poisson_generator's multiplicity
    assert n_r > 500
    _compare(ref, got)


def test_spike_generator_precise_times(both):
    ref, got = both("precise.py", "spike_generator")
    assert np.any(ref["0.1_steps_offsets"] > 0)
    _compare(ref, got)


def test_iaf_chxk_2008_off_grid(both):
    ref, got = both("precise.py", "chxk")
    assert np.any(ref["sr_offsets"] > 0)
    v_r, v_g = ref.pop("mm_V_m"), got.pop("mm_V_m")
    assert np.max(np.abs(v_r - v_g)) < 1e-8   # RKF45 model: NEST's GSL steps reproduced
    _compare(ref, got)


def test_defaults_and_errors(both):
    ref, got = both("precise.py", "status")
    for k in ref:
        if k.endswith("_keys"):
            m = k[:-5]
            have = dict(zip(got[k].tolist(), got[m + "_values"].tolist()))
            for key, value in zip(ref[k].tolist(), ref[m + "_values"].tolist()):
                assert key in have, (m, key)
                assert have[key] == value, (m, key, value, have[key])
        elif k.endswith("_errors"):
            assert ref[k].tolist() == got[k].tolist(), k


def test_poisson_generator_ps_statistics(both):
    """Counts, interval mean and CV per train agree with NEST's over seeds (within 4 standard
    errors of the difference, from the measured spread); no interval below the dead time, no
    spike outside the window, every target its own train, and a precise neuron driven through
    a parrot sums the analytic PSPs of the recorded times."""
    ref, got = both("precise.py", "poisson")
    for k in ("count", "mean_isi", "cv"):
        r, g = np.asarray(ref[k], float), np.asarray(got[k], float)
        se = np.sqrt(r.var(ddof=1) / r.size + g.var(ddof=1) / g.size)
        assert abs(r.mean() - g.mean()) <= 4 * se + 1e-12, (k, r.mean(), g.mean(), se)
    for out in (ref, got):
        assert np.min(out["min_isi"]) >= 0.2 - 1e-12
        assert np.sum(out["outside"]) == 0 and np.sum(out["same"]) == 0
        assert np.max(out["psp_err"]) < 1e-9
    assert ref["errors"].tolist() == got["errors"].tolist()


def test_stdp_archive_precise_times(both):
    """The postsynaptic spike archive holds off-grid times (several per step from a
    parrot_neuron_ps, one from a precise neuron): STDP weights as NEST's."""
    ref, got = both("precise.py", "stdp")
    assert len(set(np.round(ref["w"], 9))) > 2
    np.testing.assert_allclose(got["w"], ref["w"], rtol=1e-12, atol=1e-12)


PLASTIC_INTO_PRECISE = [("iaf_psc_alpha_ps", "stdp_synapse")] + [
    pytest.param(m, s, marks=pytest.mark.slow)
    for m in ("iaf_psc_alpha_ps", "iaf_psc_exp_ps", "iaf_psc_delta_ps", "parrot_neuron_ps")
    for s in ("stdp_synapse", "stdp_nn_symm_synapse", "tsodyks2_synapse", "stdp_synapse_hom")
    if (m, s) != ("iaf_psc_alpha_ps", "stdp_synapse")]


@pytest.mark.parametrize("model, synapse", PLASTIC_INTO_PRECISE)
def test_plastic_synapses_into_precise_neurons(both, model, synapse):
    """Plastic synapses from parrot_neuron_ps into precise neurons: each event arrives at its
    spike's offset with the weight its rule gave it (traces 1e-9 relative, spike times
    1e-11 ms, weights and weight_recorder events as NEST's). Dropping the offsets moved
    V_m by 21 % and the weights by 0.5 % here."""
    ref, got = both("precise.py", "plastic_into_precise", models=(model,), synapses=(synapse,))
    tag = f"{model}_{synapse}"
    _compare(ref, got)
    assert ref[f"{tag}_wr_weights"].size > 400
    assert len(set(np.round(ref[f"{tag}_weight"], 6))) > 1  # the rule changed the weights
    if model != "parrot_neuron_ps":
        assert np.ptp(ref[f"{tag}_V_m"]) > 5.0
