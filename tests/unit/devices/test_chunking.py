"""Device inputs do not depend on how the runtime cuts a run into chunks.

The runtime asks each device for whole chunks but may simulate only part of the last one
(the next Simulate call asks again from where it stopped): a device keeps its process state
at both ends of its last chunk and replays from the start when asked again (devices/chunks.py).
Here every stateful device's hook is called as the runtime would, with uneven chunks and
re-requests, and must give exactly the trains/currents of one long request.
"""
import numpy as np
import pytest

from jaxnest.devices.base import DeviceContext
from jaxnest.devices.chunks import binomial, geometric, poisson, stamp_steps, steps_of
from jaxnest.models.registry import builtin_models
from jaxnest.streams import HostDraws

H = 0.1
MODELS = builtin_models()
CASES = {
    "noise_generator": dict(mean=10.0, std=50.0, dt=0.7, std_mod=20.0, frequency=30.0,
                            start=3.0),
    "step_current_generator": dict(amplitude_times=[1.0, 20.0, 50.3],
                                   amplitude_values=[5.0, -2.0, 7.0]),
    "sinusoidal_gamma_generator": dict(rate=300.0, amplitude=200.0, frequency=20.0,
                                       order=2.5),
    "inhomogeneous_poisson_generator": dict(rate_times=[10.0, 40.0], rate_values=[900., 50.]),
    "gamma_sup_generator": dict(rate=200.0, gamma_shape=3, n_proc=5, start=2.0),
    "ppd_sup_generator": dict(rate=150.0, dead_time=2.0, n_proc=4, frequency=40.0,
                              relative_amplitude=0.7),
    "mip_generator": dict(rate=500.0, p_copy=0.4),
    "pulsepacket_generator": dict(pulse_times=[15.0, 60.0], activity=30, sdev=3.0),
    "sinusoidal_poisson_generator": dict(rate=500.0, amplitude=300.0, frequency=20.0),
}


def _device(name):
    impl = MODELS[name].impl
    status = dict(MODELS[name].defaults, **CASES[name])
    for k, v in CASES[name].items():
        if isinstance(v, list):
            status[k] = np.asarray(v, dtype=float)
    impl.check(status, H)
    impl.normalize(status, H)
    return impl, status


def _run(name, cuts, conns=(3, 8, 9), later=()):
    """Rows of ``name`` over 0..N, requested as the runtime does: each request covers
    ``cap`` steps, of which only ``todo`` are used before the next request; connections
    ``later`` are added (as new rows) after the first request."""
    impl, status = _device(name)
    hook = impl.current if impl.kind == "current" else impl.spikes
    indiv = impl.individual(status) if impl.individual else False
    state = {}
    out, step = [], 0
    for i, (cap, todo) in enumerate(cuts):
        rows = tuple(conns) + (tuple(later) if i else ())
        conns_i = np.array(rows if indiv else [-1], np.int64)
        ctx = DeviceContext(h=H, gid=7, conns=conns_i, draws=HostDraws(11, 7), state=state)
        got = hook(status, step + np.arange(cap, dtype=np.int64), ctx)
        out.append(got[:todo, :len(conns) if indiv else 1])
        step += todo
    return np.concatenate(out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_chunks_and_rerequests_give_one_result(name):
    whole = _run(name, [(1000, 1000)])
    pieces = _run(name, [(300, 300), (300, 17), (300, 300), (64, 1), (400, 382)])
    assert np.abs(whole).sum() > 0, name
    np.testing.assert_array_equal(pieces, whole)


@pytest.mark.parametrize("name", sorted(set(CASES) - {"noise_generator"}))
def test_a_new_connection_leaves_the_other_trains_alone(name):
    """NEST gives a target connected between runs a fresh process; the others continue
    (noise_generator excepted: NEST redraws all its amplitudes then)."""
    whole = _run(name, [(400, 400), (600, 600)])
    grown = _run(name, [(400, 400), (600, 600)], later=(20,))
    np.testing.assert_array_equal(grown, whole)


def test_targets_get_independent_rows_and_seeds_differ():
    a = _run("sinusoidal_poisson_generator", [(2000, 2000)])
    assert not np.array_equal(a[:, 0], a[:, 1])
    impl, status = _device("sinusoidal_poisson_generator")
    ctx = DeviceContext(h=H, gid=7, conns=np.array([3, 8, 9]), draws=HostDraws(12, 7),
                        state={})
    assert not np.array_equal(impl.spikes(status, np.arange(2000), ctx), a)


def test_nest_time_conversions():
    assert stamp_steps(1.23, 0.1) == 13 and stamp_steps(1.2, 0.1) == 12
    assert stamp_steps(1.0001, 0.25) == 5
    assert steps_of(5.03, 0.1) == 51 and steps_of(5.0, 0.1) == 50 and steps_of(5.0004, 0.1) == 50


@pytest.mark.parametrize("lam", [0.01, 0.7, 3.0, 40.0, 800.0])
def test_poisson_deviates(lam):
    u = (np.arange(200000) + 0.5) / 200000  # the CDF inverted on a uniform grid
    x = poisson(np.full(u.size, lam), np.random.default_rng(1).permutation(u))
    assert abs(x.mean() - lam) < 4 * np.sqrt(lam / u.size) + 1e-3
    assert abs(x.var() / lam - 1) < 0.03


def test_binomial_and_geometric_deviates():
    rng = np.random.default_rng(2)
    u = rng.random(200000)
    x = binomial(np.full(u.size, 5), 0.3, u)
    assert abs(x.mean() - 1.5) < 0.01 and abs(x.var() - 1.05) < 0.02
    g = geometric(0.05, u)
    assert g.min() == 1 and abs(g.mean() - 20) < 0.2
    assert (binomial(np.zeros(3, np.int64), 0.5, u[:3]) == 0).all()
    assert (geometric(0.0, u[:3]) > 2**60).all() and (geometric(1.0, u[:3]) == 1).all()


def test_gamma_scans_agree():
    """sinusoidal_gamma_generator: the spike-by-spike scan (few rows) gives exactly the
    candidate-by-candidate scan's trains (many rows)."""
    from jaxnest.devices import rate_generators as rg
    rng = np.random.default_rng(3)
    status = {"rate": 60.0, "amplitude": 40.0, "frequency": 10.0, "phase": 30.0, "order": 6.0}
    n, steps, h = 7, 400, 1.0
    t = (np.arange(steps) + 1) * h
    u = rng.random((steps, n))
    cand = (u < 0.5).T
    n_c = cand.sum(axis=1)
    pos = np.full((n, int(n_c.max())), -1, np.int64)
    row, col = np.nonzero(cand)
    pos[row, np.arange(row.size) - np.repeat(np.cumsum(n_c) - n_c, n_c)] = col
    outs = []
    for scan in (rg._by_candidate, rg._by_spike):
        out, t0, L0 = np.zeros((steps, n)), np.zeros(n), np.zeros(n)
        scan(status, pos, u, t, h, t0, L0, out)
        outs.append((out, t0, L0))
    assert outs[0][0].sum() > 20
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_device_inputs_only_for_the_steps_run():
    """A short Simulate computes a device's input for its own steps, not the compiled
    chunk's capacity: the gamma process's state ends where the run ends (1000 gamma
    generators over 2 x 500 steps took minutes when each computed the whole capacity)."""
    import jaxnest as nest
    nest.ResetKernel()
    nest.resolution = 1.0
    g = nest.Create("sinusoidal_gamma_generator", 3,
                    params={"rate": 60.0, "amplitude": 40.0, "frequency": 10.0, "order": 3.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(g, sr)
    nest.Simulate(50.0)
    from jaxnest.api._state import kernel
    k = kernel()
    assert all(k.network.devices[gid].state["end"][0] == 50 for gid in g.tolist())


@pytest.mark.parametrize("name", ["sinusoidal_gamma_generator", "sinusoidal_poisson_generator"])
def test_devices_sharing_a_status_are_computed_together_exactly(name):
    """The runtime computes devices of one model and status in one call (``spikes_many``):
    each device's rows must be those of its own call, across re-requested chunks and a
    parameter change between runs (the gamma process carries Lambda into new parameters)."""
    impl, status = _device(name)
    conns = {5: [3], 7: [8, 9, 12], 9: [4]}
    cuts = [(300, 300), (300, 17), (300, 300), (64, 1), (400, 382)]

    def run(together):
        states = {g: {} for g in conns}
        out, step, st = {g: [] for g in conns}, 0, dict(status)
        for i, (cap, todo) in enumerate(cuts):
            if i == 3:
                st = dict(st, rate=0.5 * st["rate"], amplitude=0.5 * st["amplitude"])
            steps = step + np.arange(cap, dtype=np.int64)
            ctxs = [DeviceContext(h=H, gid=g, conns=np.array(c, np.int64),
                                  draws=HostDraws(11, g), state=states[g])
                    for g, c in conns.items()]
            got = impl.spikes_many(st, steps, ctxs) if together else \
                [impl.spikes(st, steps, c) for c in ctxs]
            for g, o in zip(conns, got):
                out[g].append(o[:todo])
            step += todo
        return {g: np.concatenate(v) for g, v in out.items()}

    alone, together = run(False), run(True)
    for g in conns:
        assert alone[g].sum() > 10
        np.testing.assert_array_equal(together[g], alone[g])
