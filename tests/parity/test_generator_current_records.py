"""Multimeters on dc_generator, step_current_generator, ac_generator: the recorded current
equals NEST's (dc and step exactly, ac to rounding: NEST rotates an oscillator, jaxnest
evaluates the sine), the value sent in each step, 0 outside the window."""
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
