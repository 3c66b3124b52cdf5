"""The network's device index (Network.device_ids / device_mask), which Connect's checks read
on every call: it follows every Create, of devices and of neurons."""
import numpy as np

import jaxnest as nest
from jaxnest.api import _state
from jaxnest.kernel import connections


def test_index_follows_every_create():
    nest.ResetKernel()
    net = _state.kernel().network
    n = nest.Create("iaf_psc_alpha", 3)
    sr = nest.Create("spike_recorder")
    pg = nest.Create("poisson_generator", 2)
    nest.Connect(pg, n)
    nest.Connect(n, sr)  # the index is built here
    assert net.device_ids().tolist() == sr.tolist() + pg.tolist()
    recorders = connections._takes_spike_receptors
    assert net.device_ids(recorders).tolist() == sr.tolist()
    more = nest.Create("iaf_psc_alpha", 5)  # neurons: the mask grows with the network
    mask = net.device_mask()
    assert mask.shape == (net.size + 1,) and not mask[more.tolist()].any()
    sr2 = nest.Create("spike_recorder")  # a device: both answers change
    assert net.device_ids(recorders).tolist() == sr.tolist() + sr2.tolist()
    assert np.flatnonzero(net.device_mask()).tolist() == sorted(
        sr.tolist() + pg.tolist() + sr2.tolist())
    assert np.flatnonzero(net.device_mask(recorders)).tolist() == sr.tolist() + sr2.tolist()
