"""Multimeters on dc_generator, step_current_generator, ac_generator, noise_generator: the
recorded current equals NEST's (dc and step exactly, ac to rounding: NEST rotates an
oscillator, jaxnest evaluates the sine; noise: the mean over its targets), the value sent in
each step, 0 outside the window."""
import numpy as np


def test_recorded_generator_currents_equal_nest(both):
    ref, got = both("generator_current_records.py")
    assert np.unique(ref["mm_I"]).size > 20 and ref["mm2_I"].size > 10
    assert set(got) == set(ref)
    for k in ref:
        if k == "mm_I":
            exact = ref["mm_senders"] != 3  # the ac_generator's node id
            np.testing.assert_array_equal(got[k][exact], ref[k][exact], err_msg=k)
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-12, err_msg=k)
        else:
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)


def test_recorded_noise_current_equals_nest(both):
    """noise_generator's I: exactly NEST's where it is deterministic; random: the mean
    and spread of 2,000 draws (each the mean of four N(20, 100) amplitudes: sd 50) within
    4 standard errors of NEST's (SE of the mean 50 / sqrt(2000) per side, of the sd
    50 / sqrt(4000)), redrawn every dt as NEST."""
    ref, got = both("generator_current_records.py", "noise")
    assert set(got) == set(ref)
    for k in ("senders", "times", "flat_I", "lone_I"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    assert ref["flat_I"].max() == 250.0 and ref["flat_I"].min() == 0.0
    (m0, s0, u0), (m1, s1, u1) = ref["rnd_stats"], got["rnd_stats"]
    assert abs(m1 - m0) < 4 * np.hypot(50, 50) / np.sqrt(2000)
    assert abs(s1 - s0) < 4 * np.hypot(50, 50) / np.sqrt(4000)
    assert u0 == u1 == 1998  # 9,990 samples (0.1 .. 999 ms), a new draw every 5 steps
