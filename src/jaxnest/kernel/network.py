"""The network graph on the build side: nodes and connections as numpy arrays.

Nodes get consecutive global ids from 1, as in NEST. Neurons of one model share a
:class:`NeuronStore` (one array per parameter and state variable, so that a 12,500-neuron Create
is a handful of array writes); devices keep one status dict each. Connections are columns
appended per Connect call and joined lazily.
"""
from __future__ import annotations

import numpy as np

from ..devices.recorders import EventLog
from ..models.registry import Entry


class NeuronStore:
    """Parameters and state of all neurons of one model name, in creation order."""

    def __init__(self, entry: Entry) -> None:
        impl = entry.impl
        self.entry = entry
        self.gids = np.zeros(0, dtype=np.int64)
        self.params = {k: np.zeros(0) for k in impl.params}
        self.state = {k: np.zeros(0) for k in impl.state}
        self.hidden = {k: np.zeros(0) for k in impl.hidden}

    def __len__(self) -> int:
        return self.gids.size

    def extend(self, gids: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Append neurons; ``values`` holds one array per parameter/state (len(gids) each)."""
        self.gids = np.concatenate([self.gids, gids])
        n = gids.size
        hidden0 = self.entry.impl.hidden
        for table in (self.params, self.state):
            for k in table:
                table[k] = np.concatenate([table[k], np.broadcast_to(
                    np.asarray(values[k], dtype=float), (n,))])
        for k in self.hidden:
            self.hidden[k] = np.concatenate([self.hidden[k], np.full(n, float(hidden0[k]))])

    def column(self, key: str) -> np.ndarray | None:
        for table in (self.params, self.state):
            if key in table:
                return table[key]
        return None


class DeviceRecord:
    """One device: its model entry, status dict and (recorders) its event log."""

    def __init__(self, entry: Entry, gid: int, status: dict) -> None:
        self.entry = entry
        self.gid = gid
        self.status = status
        self.log = EventLog()
        self.pending: list[dict] = []  # sampler data NEST has not delivered yet
        self.ascii_path = ""  # set by Kernel.prepare for record_to='ascii'


class ConnTable:
    """All connections as columns; ``version`` changes whenever the structure does."""

    COLUMNS = (("source", np.int64), ("target", np.int64), ("weight", float),
               ("delay", float), ("syn", np.int32), ("receptor", np.int32))

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self._cols: dict[str, np.ndarray] = {k: np.zeros(0, dt) for k, dt in self.COLUMNS}
        self.version = 0

    def append(self, cols: dict[str, np.ndarray]) -> None:
        n = len(cols["source"])
        if n:
            self._chunks.append({k: np.broadcast_to(np.asarray(cols[k], dt), (n,))
                                 for k, dt in self.COLUMNS})
            self.version += 1

    @property
    def cols(self) -> dict[str, np.ndarray]:
        if self._chunks:
            parts = [self._cols, *self._chunks]
            self._cols = {k: np.concatenate([p[k] for p in parts]) for k, _ in self.COLUMNS}
            self._chunks = []
        return self._cols

    def __len__(self) -> int:
        return len(self._cols["source"]) + sum(len(c["source"]) for c in self._chunks)


class Network:
    """Nodes and connections of the current kernel (cleared by ResetKernel)."""

    def __init__(self) -> None:
        self.node_model: list[str] = [""]          # index 0 unused: gids start at 1
        self.node_local = np.zeros(1, dtype=np.int64)  # index within its store
        self.neurons: dict[str, NeuronStore] = {}
        self.devices: dict[int, DeviceRecord] = {}
        self.conns = ConnTable()
        self.version = 0  # bumped on Create (structure change)

    @property
    def size(self) -> int:
        return len(self.node_model) - 1

    def add_neurons(self, entry: Entry, n: int, values: dict[str, np.ndarray]) -> np.ndarray:
        store = self.neurons.setdefault(entry.name, NeuronStore(entry))
        gids = np.arange(self.size + 1, self.size + 1 + n, dtype=np.int64)
        self.node_local = np.concatenate([self.node_local,
                                          np.arange(len(store), len(store) + n)])
        store.extend(gids, values)
        self.node_model.extend([entry.name] * n)
        self.version += 1
        return gids

    def add_devices(self, entry: Entry, statuses: list[dict]) -> np.ndarray:
        gids = np.arange(self.size + 1, self.size + 1 + len(statuses), dtype=np.int64)
        for gid, status in zip(gids, statuses):
            self.devices[int(gid)] = DeviceRecord(entry, int(gid), status)
        self.node_local = np.concatenate([self.node_local, np.zeros(len(statuses), np.int64)])
        self.node_model.extend([entry.name] * len(statuses))
        self.version += 1
        return gids

    def model_of(self, gid: int) -> str:
        return self.node_model[gid]
