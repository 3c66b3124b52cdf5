"""Vector parameters, while and for loops and random_poisson() in NESTML neurons, as
NEST-NESTML's generated C++ has them (tests/unit/nestml/models/step_schedule_neuron and
poisson_count_neuron; NESTML's inhomogeneous_poisson tutorial uses all of them):

- a vector parameter ``x[N]`` has N copies of its default; setting N resizes the vectors not
  given in the same call (truncated, or padded with 0), a vector whose length is not N after
  the call is BadProperty ``The vector "x" does not match its size: N``; ``x[2]`` is fixed;
- ``while`` repeats per neuron until its condition fails; ``for i in a ... b step s`` is
  C++'s ``for (i = a; i < b; i += s)``; ``t`` is the end of the step;
- ``random_poisson(mu)`` draws Poisson(mu) counts, independent across neurons and steps."""
from __future__ import annotations

import os

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [os.path.join(HERE, "models", f"{m}.nestml")
          for m in ("step_schedule_neuron", "poisson_count_neuron")]
H = 0.1


@pytest.fixture(scope="module")
def nest():
    import jaxnest as nest
    from pynestml.frontend.pynestml_frontend import generate_nest_target  # jaxnest's (hook)
    generate_nest_target(input_path=MODELS, module_name="vecloopmodule")
    nest.Install("vecloopmodule")
    return nest


def _vectors(node):
    d = node.get(["N", "times", "values", "offset"])
    return int(d["N"]), list(d["times"]), list(d["values"]), list(d["offset"])


def test_vector_defaults_and_round_trip(nest):
    nest.ResetKernel()
    d = nest.GetDefaults("step_schedule_neuron")
    assert d["N"] == 3 and list(d["times"]) == [0.0] * 3 and list(d["values"]) == [1.5] * 3
    assert list(d["offset"]) == [0.25, 0.25]
    a, b = nest.Create("step_schedule_neuron", 2)
    a.set({"N": 2, "times": [0.0, 1.25], "values": [3.0, 4.0], "offset": [1.0, 2.0]})
    assert _vectors(a) == (2, [0.0, 1.25], [3.0, 4.0], [1.0, 2.0])
    assert _vectors(b) == (3, [0.0] * 3, [1.5] * 3, [0.25] * 2)  # the other is untouched
    c = nest.Create("step_schedule_neuron", params={"N": 1, "times": [0.5], "values": [7.0]})
    assert _vectors(c) == (1, [0.5], [7.0], [0.25] * 2)


def test_setting_n_resizes_the_vectors_not_given(nest):
    nest.ResetKernel()
    n = nest.Create("step_schedule_neuron")
    n.set({"values": [1.0, 2.0, 3.0]})
    n.set({"N": 5})  # padded with 0, not with the declared default 1.5
    assert _vectors(n)[:3] == (5, [0.0] * 5, [1.0, 2.0, 3.0, 0.0, 0.0])
    n.set({"N": 2, "times": [0.0, 9.0]})  # times given, values truncated
    assert _vectors(n)[:3] == (2, [0.0, 9.0], [1.0, 2.0])
    n.set({"N": 2, "values": [5.0, 6.0]})  # N unchanged: nothing resized
    assert _vectors(n)[:3] == (2, [0.0, 9.0], [5.0, 6.0])
    nest.SetDefaults("step_schedule_neuron", {"N": 4})
    assert list(nest.GetDefaults("step_schedule_neuron")["values"]) == [1.5] * 3 + [0.0]
    assert _vectors(nest.Create("step_schedule_neuron"))[:3] == (4, [0.0] * 4,
                                                                [1.5] * 3 + [0.0])


@pytest.mark.parametrize("given, message", [
    ({"times": [1.0, 2.0]}, 'The vector "times" does not match its size: 3'),
    ({"N": 4, "values": [1.0, 2.0]}, 'The vector "values" does not match its size: 4'),
    ({"offset": [1.0, 2.0, 3.0]}, 'The vector "offset" does not match its size: 2'),
    ({"N": -1}, 'The vector "times" does not match its size: -1'),
])
def test_a_vector_of_the_wrong_size_is_bad_property(nest, given, message):
    nest.ResetKernel()
    n = nest.Create("step_schedule_neuron")
    before = _vectors(n)
    with pytest.raises(nest.NESTErrors.BadProperty, match=message):
        n.set(given)
    assert _vectors(n) == before  # nothing was set


SCHEDULES = [  # (times, values): an index walks to the last entry whose time has come
    ([0.0, 0.35, 1.0, 1.0, 2.55], [1.0, 2.0, 3.0, 4.0, 5.0]),  # two entries at once at 1.0
    ([0.0, 0.05], [10.0, 20.0]),                                # reached in the first step
    ([0.0, 50.0, 60.0], [1.0, 2.0, 3.0]),                      # never reached
    ([0.0], [8.0]),                                            # N = 1: nothing to walk
]


def test_while_loop_walks_the_schedule(nest):
    nest.ResetKernel()
    nest.resolution = H
    nodes = nest.Create("step_schedule_neuron", len(SCHEDULES))
    nest.SetStatus(nodes, [{"N": len(t), "times": t, "values": v} for t, v in SCHEDULES])
    mm = nest.Create("multimeter", params={"record_from": ["idx", "walked", "passes", "level"],
                                           "interval": H})
    nest.Connect(mm, nodes)
    nest.Simulate(5.0)
    ev = mm.get("events")
    for g, (times, values) in zip(nodes.tolist(), SCHEDULES):
        s = ev["senders"] == g
        t = ev["times"][s]
        assert t.size >= 30
        # independent expectation: after the step ending at t (NEST-NESTML's get_t()), the
        # index is the number of later entries whose time is <= t
        want = np.array([np.sum(np.asarray(times[1:]) <= tk + 1e-9) for tk in t])
        np.testing.assert_array_equal(ev["idx"][s], want)
        np.testing.assert_array_equal(ev["walked"][s], want)  # one iteration per entry
        # the for loop runs idx times per step (0 ... idx, exclusive)
        steps = np.rint(t / H).astype(int)
        per_step = np.array([np.sum(np.asarray(times[1:]) <= k * H + 1e-9)
                             for k in range(1, steps.max() + 1)])
        np.testing.assert_array_equal(ev["passes"][s], np.cumsum(per_step)[steps - 1])
        np.testing.assert_allclose(ev["level"][s], np.asarray(values)[want] + 0.25, rtol=0)
    assert list(ev["idx"][ev["senders"] == nodes[0].global_id][:12]) == \
        [0, 0, 0, 1, 1, 1, 1, 1, 1, 3, 3, 3]  # the walk at 0.35 ms (step to 0.4) and 1.0 ms


def test_random_poisson_mean_and_variance(nest):
    nest.ResetKernel()
    mu, n = 2.5, 4000
    nodes = nest.Create("poisson_count_neuron", n, params={"mu": mu})
    mm = nest.Create("multimeter", params={"record_from": ["k"], "interval": H})
    nest.Connect(mm, nodes)
    nest.Simulate(2.0)
    k = mm.get("events")["k"]
    assert k.size >= n * 5
    assert np.all(k == np.round(k)) and k.min() >= 0
    m = k.size
    assert abs(k.mean() - mu) < 4 * np.sqrt(mu / m)
    assert abs(k.var() - mu) < 4 * np.sqrt((mu + 2 * mu * mu) / m)
    assert abs(np.mean(k == 0) - np.exp(-mu)) < 4 * np.sqrt(np.exp(-mu) / m)
    first = k[:n]  # one step, all neurons: they draw independently
    assert len(np.unique(first)) > 4


def test_unsupported_loop_constructs_name_themselves(nest, tmp_path):
    from jaxnest.nestml.errors import UnsupportedConstruct
    from pynestml.frontend.pynestml_frontend import generate_nest_target
    src = tmp_path / "loop_draw_neuron.nestml"
    src.write_text("model loop_draw_neuron:\n"
                   "    state:\n        x real = 0\n"
                   "    update:\n"
                   "        while x < 1:\n"
                   "            x += random_uniform(0, 1)\n")
    with pytest.raises(UnsupportedConstruct, match="random_uniform.. inside a while or for "
                                                   "loop.*loop_draw_neuron"):
        generate_nest_target(input_path=str(src), module_name="loopdrawmodule")
