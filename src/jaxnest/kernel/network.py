"""The network graph on the build side: nodes and connections as numpy arrays.

Nodes get consecutive global ids from 1, as in NEST. Neurons of one model share a
:class:`NeuronStore` (one array per parameter and state variable, so that a 12,500-neuron Create
is a handful of array writes); devices keep one status dict each. Connections are columns
(:class:`ConnTable`) that Connect appends to.
"""
from __future__ import annotations

import bisect
import os
from collections.abc import Mapping

import numpy as np

from .. import errors
from ..devices.recorders import EventLog
from ..models.registry import Entry
from ..timebase import TICS_KEY


def resident_bytes() -> int:
    """The process's resident memory (bytes), as the operating system counts it."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def available_memory() -> int:
    """Bytes this process may still allocate: ``JAXNEST_MEMORY_LIMIT`` (bytes, or with a K, M
    or G suffix: the process's whole budget) less what it holds already, else the system's
    MemAvailable."""
    limit = os.environ.get("JAXNEST_MEMORY_LIMIT", "").strip()
    if limit:
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(limit[-1].upper(), 1)
        budget = int(float(limit[:-1] if scale > 1 else limit) * scale)
        return budget - resident_bytes()
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62  # unknown: do not refuse


def check_memory(nbytes: int, what: str) -> None:
    """Refuse, with NEST's kind of error, an allocation that does not fit in memory, before
    making it: the operating system would kill the process instead of raising."""
    avail = available_memory()
    if nbytes > avail:
        raise errors.OutOfMemory(
            f"Not enough memory for {what}: they need {nbytes / 2**30:.2f} GiB, "
            f"{max(avail, 0) / 2**30:.2f} GiB are available.")


def pad_rows(rows, width: int | None = None) -> np.ndarray:
    """Per-neuron lists (one value per receptor port) as an (n, width) float array padded
    with NaN (the storage of a model's vector parameters)."""
    rows = [np.atleast_1d(np.asarray(r, dtype=float)) for r in rows]
    width = max([r.size for r in rows] + [width or 0, 1])
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        out[i, :r.size] = r
    return out


def widen(table: np.ndarray, width: int) -> np.ndarray:
    """An (n, k) padded array with at least ``width`` columns (new ones NaN)."""
    if table.shape[1] >= width:
        return table
    return np.concatenate([table, np.full((table.shape[0], width - table.shape[1]), np.nan)], 1)


class NeuronStore:
    """Parameters and state of all neurons of one model name, in creation order.

    ``params`` also holds :data:`jaxnest.timebase.TICS_KEY`, the kernel's tics per ms, which
    the models' propagators read (keys starting with ``__`` are the kernel's, never shown).

    Scalar parameters and state are (n,) arrays; vector parameters (the model's
    ``vector_params``) are (n, width) arrays padded with NaN; vector hidden state is (n, width)
    (zeros past a neuron's ports).

    After a run the state stays on the device: the runtime hands the store a ``pull`` that
    brings it back when the host reads it. ``version`` counts host accesses that may change
    values (reading ``params``, ``state`` or ``hidden`` counts: callers may write into the
    arrays), ``param_version`` those of the parameters; the runtime reuses its device copies
    while they are unchanged and reads through :meth:`current`, which does not count."""

    def __init__(self, entry: Entry) -> None:
        impl = entry.impl
        self.entry = entry
        self.gids = np.zeros(0, dtype=np.int64)
        self.vector = set(impl.vector_params)
        self.version = 0
        self.param_version = 0  # the same, counting accesses to the parameters only
        self._pull = None
        self._params = {k: np.zeros((0, 1)) if k in self.vector else np.zeros(0)
                        for k in impl.params}
        self._params[TICS_KEY] = np.zeros(0)  # the kernel's time base (hidden from the status)
        self._state = {k: np.zeros(0) for k in impl.state}
        self._hidden = {k: np.zeros((0, 1)) if k in impl.vector_hidden else np.zeros(0)
                        for k in impl.store_hidden}

    def __len__(self) -> int:
        return self.gids.size

    def _touch(self) -> None:
        if self._pull is not None:
            pull, self._pull = self._pull, None
            self._state, self._hidden = pull()
        self.version += 1

    @property
    def params(self) -> dict:
        self._touch()
        self.param_version += 1
        return self._params

    @params.setter
    def params(self, value: dict) -> None:
        self._touch()
        self.param_version += 1
        self._params = value

    @property
    def state(self) -> dict:
        self._touch()
        return self._state

    @state.setter
    def state(self, value: dict) -> None:
        self._touch()
        self._state = value

    @property
    def hidden(self) -> dict:
        self._touch()
        return self._hidden

    @hidden.setter
    def hidden(self, value: dict) -> None:
        self._touch()
        self._hidden = value

    def current(self) -> tuple[dict, dict, dict]:
        """(params, state, hidden) as they are, for the runtime (not counted as a change)."""
        if self._pull is not None:
            pull, self._pull = self._pull, None
            self._state, self._hidden = pull()
        return self._params, self._state, self._hidden

    def defer(self, pull) -> None:
        """The state is on the device now; ``pull()`` returns (state, hidden) on the host."""
        self._pull = pull

    def extend(self, gids: np.ndarray, values: dict) -> None:
        """Append neurons; ``values`` holds per parameter/state one array of len(gids) (vector
        parameters: a list of len(gids) per-neuron lists)."""
        self._touch()
        self.param_version += 1
        self.gids = np.concatenate([self.gids, gids])
        n = gids.size
        hidden0 = self.entry.impl.store_hidden
        for table in (self._params, self._state):
            for k in table:
                if k in self.vector:
                    new = pad_rows(values[k])
                    old = widen(table[k], new.shape[1])
                    table[k] = np.concatenate([old, widen(new, old.shape[1])])
                else:
                    table[k] = np.concatenate([table[k], np.broadcast_to(
                        np.asarray(values[k], dtype=float), (n,))])
        for k in self._hidden:
            if self._hidden[k].ndim == 2:
                w = self._hidden[k].shape[1]
                self._hidden[k] = np.concatenate([self._hidden[k], np.zeros((n, w))])
            else:
                self._hidden[k] = np.concatenate([self._hidden[k],
                                                  np.full(n, float(hidden0[k]))])


class DeviceRecord:
    """One device: its model entry, status dict and (recorders) its event log."""

    def __init__(self, entry: Entry, gid: int, status: dict) -> None:
        self.entry = entry
        self.gid = gid
        self.status = status
        self.log = EventLog()
        self.pending: list[dict] = []  # sampler data NEST has not delivered yet
        self.ascii_path = ""  # set by Kernel.prepare for record_to='ascii'
        self.state: dict = {}  # a device's own data across chunks (see DeviceContext)
        self.first_syn: int | None = None  # stimulators: the one synapse model they send with


MAX_RUNS = 1024  # a column of more runs is stored dense (Connect calls in a Python loop)


class ConnTable:
    """All connections as columns; ``version`` changes whenever the structure does.

    Sources and targets are int32 (node ids) in preallocated arrays that grow by doubling, so
    that Connect writes in place and reading a column never joins pieces. The other columns
    (weight, delay, synapse model, receptor) are kept as runs of equal values while every
    Connect gives them one value (Brunel at order 10000: 8 bytes a connection instead of 40;
    the process's peak 6.1 GiB, NEST's 9.7); the first array written or value set makes a
    column dense.
    """

    COLUMNS = (("source", np.int32), ("target", np.int32), ("weight", np.float64),
               ("delay", np.float64), ("syn", np.int32), ("receptor", np.int32))
    ROW_BYTES = sum(np.dtype(dt).itemsize for _, dt in COLUMNS)  # all dense (the most)
    NAMES = tuple(k for k, _ in COLUMNS)
    ENDS = ("source", "target")   # always dense
    STRUCTURE = tuple(k for k in NAMES if k != "weight")  # no run changes these (the
    # deferred plastic state is the weight and extra columns)

    def __init__(self) -> None:
        self._buf: dict[str, np.ndarray] = {k: np.zeros(0, dt) for k, dt in self.COLUMNS
                                            if k in self.ENDS}  # dense columns
        self._runs: dict[str, _Runs] = {k: _Runs(dt) for k, dt in self.COLUMNS
                                        if k not in self.ENDS}
        self._extra: dict[str, np.ndarray] = {}
        self._n = 0
        self.version = 0
        self.deletions: list[np.ndarray] = []  # sorted indices removed by each delete()
        self.syn_ids: set[int] = set()  # synapse ids that have (or had) connections
        self._stale = None  # writes columns before the table is next read (see defer)

    def defer(self, update) -> None:
        """Let ``update()`` write columns when the table is next read or changed: a run's
        plastic state goes straight to the next run on the device and into the table only
        when someone looks (hpc_benchmark, 100M plastic connections: ~15 s per Simulate)."""
        self._stale = update

    def _sync(self, k: str | None = None) -> None:
        """Run the deferred update before a read of column ``k`` (any column: None). It
        writes plastic state only (``weight`` and the extra columns), so a read of another
        column leaves it pending (the kernel reads the ``syn`` column after a run: that
        read fetched the whole plastic state back from the device)."""
        if k in self.STRUCTURE:
            return
        update, self._stale = self._stale, None
        if update is not None:
            update()

    def append(self, cols: dict, extra: dict | None = None) -> None:
        """Append connections; each value is an array of the new rows or one scalar.
        ``extra``: per-connection parameters and state of plastic synapse models (columns
        made on first use, NaN for the connections of models without them)."""
        self._sync()
        n = len(cols["source"])
        if not n:
            return
        self._reserve(self._n + n)
        for k, dt in self.COLUMNS:
            v = cols[k]
            if k in self._runs and np.ndim(v) == 0 and len(self._runs[k].values) < MAX_RUNS:
                self._runs[k].add(self._n, v)
                continue
            self._densify(k)
            self._buf[k][self._n:self._n + n] = v
        self.syn_ids.update(np.unique(cols["syn"]).tolist())
        extra = extra or {}
        for k, v in extra.items():
            if k not in self._extra:
                check_memory(8 * self._n + 8 * n, f"the column {k!r}")
                self._extra[k] = np.empty(self._buf["source"].size)  # capacity untouched
                self._extra[k][:self._n] = np.nan
            self._extra[k][self._n:self._n + n] = v
        for k, col in self._extra.items():
            if k not in extra:
                col[self._n:self._n + n] = np.nan
        self._n += n
        self.version += 1

    def _reserve(self, rows: int) -> None:
        """Room for ``rows`` connections: twice that when growing (untouched capacity costs
        address space, not memory), after checking that the new rows fit in memory."""
        cap = self._buf["source"].size
        if rows <= cap:
            return
        check_memory((rows - self._n) * self.ROW_BYTES, f"{rows:,} connections")
        for k, dt in self.COLUMNS:
            if k not in self._runs:
                new = np.empty(2 * rows, dt)
                new[:self._n] = self._buf[k][:self._n]
                self._buf[k] = new
        for k, col in self._extra.items():
            new = np.empty(2 * rows)
            new[:self._n] = col[:self._n]
            self._extra[k] = new

    def _densify(self, k: str) -> None:
        """Column ``k`` as an array of its own from now on."""
        runs = self._runs.pop(k, None)
        if runs is not None:
            check_memory(self._buf["source"].size * runs.dtype.itemsize, f"the column {k!r}")
            self._buf[k] = np.empty(self._buf["source"].size, runs.dtype)
            self._buf[k][:self._n] = runs.expand(0, self._n, self._n)

    def assign(self, k: str, idx, values) -> None:
        """Set column ``k`` at the connections ``idx`` (no structure change)."""
        self._sync()
        if k not in self._extra:
            self._densify(k)
        (self._extra if k in self._extra else self._buf)[k][:self._n][idx] = values

    def delete(self, idx: np.ndarray) -> None:
        """Remove connections (Disconnect); the others keep their order."""
        self._sync()
        idx = np.unique(np.asarray(idx, dtype=np.int64))
        if not idx.size:
            return
        keep = np.ones(self._n, bool)
        keep[idx] = False
        n = int(keep.sum())
        for table in (self._buf, self._extra):
            for k, col in table.items():
                col[:n] = col[:self._n][keep]
        for runs in self._runs.values():
            runs.delete(idx, n)
        self._n = n
        self.deletions.append(idx)
        self.version += 1

    def remap(self, idx: np.ndarray, epoch: int) -> np.ndarray:
        """Indices taken before the deletions since ``epoch`` as they are now, -1 for the
        connections deleted since (a SynapseCollection keeps its length, as NEST's does)."""
        for gone in self.deletions[epoch:]:
            pos = np.searchsorted(gone, idx)
            hit = gone[np.minimum(pos, gone.size - 1)] == idx
            idx = np.where((idx < 0) | hit, -1, idx - pos)
        return idx

    def column(self, k: str, a: int = 0, b: int | None = None) -> np.ndarray:
        """Connections a..b of column ``k`` as stored (sources, targets: int32), read-only
        (a run column is expanded for that range only)."""
        self._sync(k)
        b = self._n if b is None else min(b, self._n)
        if k in self._runs:
            out = self._runs[k].expand(a, b, self._n)
        else:
            out = self._buf[k][a:b]
        out = out.view()
        out.flags.writeable = False
        return out

    def take(self, k: str, idx) -> np.ndarray:
        """Column ``k`` at the connections ``idx`` (node ids as int64)."""
        self._sync(k)
        if isinstance(idx, slice):
            a, b, step = idx.indices(self._n)
            if step != 1:
                return self.take(k, np.arange(a, b, step))
            out = self.column(k, a, b)
            return out.astype(np.int64) if k in self.ENDS else out.copy()
        if k in self._runs:
            idx = np.asarray(idx)
            idx = np.flatnonzero(idx) if idx.dtype == bool else idx
            return self._runs[k].take(np.where(idx < 0, idx + self._n, idx))
        out = self._buf[k][:self._n][idx]
        return out.astype(np.int64) if k in self.ENDS else out

    def extrema(self, k: str, rows: slice) -> tuple | None:
        """(min, max) of column ``k`` over the connections ``rows`` (None if none); a run
        column reads its runs only (Connect's delay check on 15.6M Brunel connections
        expanded a 125 MB column for two numbers)."""
        self._sync(k)
        a, b, _ = rows.indices(self._n)
        if a >= b:
            return None
        if k in self._runs:
            runs = self._runs[k]
            first, last = runs.covering(a, b)
            values = np.asarray(runs.values[first:last])
        else:
            values = self._buf[k][a:b]
        return values.min(), values.max()

    def ports_into(self, gids: np.ndarray, first: int) -> np.ndarray:
        """The connections into ``gids`` on receptor ``first`` or above: a model's
        per-connection ports (NeuronModel.connection_ports), in connection order."""
        idx = np.flatnonzero(self.column("receptor") >= first)
        return idx[np.isin(self.take("target", idx), gids)]

    def distinct(self, k: str) -> set:
        """The values column ``k`` has."""
        self._sync(k)
        if k in self._runs:
            return {v.item() for v in self._runs[k].values} if self._n else set()
        return set(np.unique(self._buf[k][:self._n]).tolist())

    def uniform(self, k: str):
        """The one value column ``k`` has at every connection, or None."""
        self._sync(k)
        runs = self._runs.get(k)
        return runs.values[0] if runs is not None and len(runs.values) == 1 and self._n \
            else None

    @property
    def cols(self) -> "Columns":
        """All columns, read-only, node ids as int64 (each expanded on first use)."""
        return Columns(self)

    @property
    def extra(self) -> dict[str, np.ndarray]:
        """Per-connection columns of plastic synapse models (NaN where a model lacks one)."""
        self._sync()
        return {k: v[:self._n] for k, v in self._extra.items()}

    @property
    def nbytes(self) -> int:
        """Bytes the connections take (dense and plastic columns; runs are negligible)."""
        return self._n * sum(col.itemsize for col in
                             list(self._buf.values()) + list(self._extra.values()))

    def __len__(self) -> int:
        return self._n


class Columns(Mapping):
    """The connection table's columns, each read (and expanded) on first use and kept while
    this mapping lives; writes go through :meth:`ConnTable.assign`."""

    def __init__(self, table: ConnTable) -> None:
        self._table = table
        self._read: dict[str, np.ndarray] = {}

    def __getitem__(self, k: str) -> np.ndarray:
        if k not in self._read:
            if k not in ConnTable.NAMES:
                raise KeyError(k)
            col = self._table.column(k)
            if k in ConnTable.ENDS:  # int64: sums and products of node ids do not wrap
                col = col.astype(np.int64)
                col.flags.writeable = False
            self._read[k] = col
        return self._read[k]

    def __iter__(self):
        return iter(ConnTable.NAMES)

    def __len__(self) -> int:
        return len(ConnTable.NAMES)


class _Runs:
    """A column given as runs of equal values: ``starts`` (first connection of each run,
    increasing) and ``values``."""

    def __init__(self, dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.starts: list[int] = []
        self.values: list = []

    def add(self, start: int, value) -> None:
        value = self.dtype.type(value)
        if not self.values or not _same_value(self.values[-1], value):
            self.starts.append(start)
            self.values.append(value)

    def covering(self, a: int, b: int) -> tuple[int, int]:
        """First and end index of the runs holding connections a..b."""
        return (max(bisect.bisect_right(self.starts, a) - 1, 0),
                bisect.bisect_left(self.starts, b))

    def expand(self, a: int, b: int, n: int) -> np.ndarray:
        """Values of connections a..b (of n)."""
        out = np.empty(max(b - a, 0), self.dtype)
        first, last = self.covering(a, b)
        bounds = self.starts[first + 1:last] + [n]
        for s, e, v in zip(self.starts[first:last], bounds, self.values[first:last]):
            lo, hi = max(s, a), min(e, b)
            if lo < hi:
                out[lo - a:hi - a] = v
        return out

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Values of the connections ``idx``."""
        if len(self.values) == 1:
            return np.full(np.shape(idx), self.values[0], self.dtype)
        run = np.searchsorted(np.asarray(self.starts, np.int64), idx, side="right") - 1
        return np.asarray(self.values, self.dtype)[run]

    def delete(self, idx: np.ndarray, n: int) -> None:
        """The runs after removing the sorted connections ``idx``, n connections left."""
        starts = np.asarray(self.starts, np.int64)
        shifted = (starts - np.searchsorted(idx, starts)).tolist()
        old, self.starts, self.values = list(zip(shifted, self.values)), [], []
        for (s, v), nxt in zip(old, shifted[1:] + [n]):
            if nxt > s:  # runs emptied by the deletion vanish
                self.add(s, v)


def _same_value(a, b) -> bool:
    return a == b or (a != a and b != b)  # NaN equals NaN here


class Network:
    """Nodes and connections of the current kernel (cleared by ResetKernel)."""

    def __init__(self) -> None:
        self.node_model: list[str] = [""]          # index 0 unused: gids start at 1
        self.node_local = np.zeros(1, dtype=np.int64)  # index within its store
        self.neurons: dict[str, NeuronStore] = {}
        self.devices: dict[int, DeviceRecord] = {}
        self._device_ids: dict = {}  # device_ids/device_mask answers until the next Create
        self.conns = ConnTable()
        self.layers: list = []  # spatial layers (connect.spatial.layers.Layer), by first id
        self.version = 0  # bumped on Create (structure change)
        self.frozen: set[int] = set()  # NEST's frozen neurons: not updated, not sampled
        self.frozen_ever = False       # once one was: the runtime holds their input
        self.sp_tracking = False       # structural plasticity follows the calcium
        self.eprop_counts = None       # kernel/eprop_history.Counts, while it is recorded

    @property
    def all_spikes(self) -> bool:
        """Every neuron's spikes go to the host (structural plasticity's calcium, the
        e-prop history counts)."""
        return self.sp_tracking or self.eprop_counts is not None

    @property
    def size(self) -> int:
        return len(self.node_model) - 1

    def add_neurons(self, entry: Entry, n: int, values: dict[str, np.ndarray]) -> np.ndarray:
        self._room(n)
        store = self.neurons.setdefault(entry.name, NeuronStore(entry))
        gids = np.arange(self.size + 1, self.size + 1 + n, dtype=np.int64)
        self.node_local = np.concatenate([self.node_local,
                                          np.arange(len(store), len(store) + n)])
        store.extend(gids, values)
        self.node_model.extend([entry.name] * n)
        self.version += 1
        self._device_ids = {}
        return gids

    def add_devices(self, entry: Entry, statuses: list[dict]) -> np.ndarray:
        self._room(len(statuses))
        gids = np.arange(self.size + 1, self.size + 1 + len(statuses), dtype=np.int64)
        for gid, status in zip(gids, statuses):
            self.devices[int(gid)] = DeviceRecord(entry, int(gid), status)
        self._device_ids = {}
        self.node_local = np.concatenate([self.node_local, np.zeros(len(statuses), np.int64)])
        self.node_model.extend([entry.name] * len(statuses))
        self.version += 1
        return gids

    def device_ids(self, select=None) -> np.ndarray:
        """The ids of the devices (those whose record passes ``select``, a module-level
        predicate), ascending. Kept until the next Create: Connect's checks ask on every
        call, and a script with a recorder per population (NEST's sudoku: 1,459 devices,
        2,188 Connect calls) spent a third of its build listing them."""
        ids = self._device_ids.get(select)
        if ids is None:
            ids = np.fromiter((g for g, d in self.devices.items() if select is None or select(d)),
                              dtype=np.int64)
            self._device_ids[select] = ids
        return ids

    def device_mask(self, select=None) -> np.ndarray:
        """(size + 1,) bool: which node ids are devices (passing ``select``): a lookup per
        id where ``np.isin`` against :meth:`device_ids` sorts both."""
        key = ("mask", select)
        mask = self._device_ids.get(key)
        if mask is None:
            mask = np.zeros(self.size + 1, bool)
            mask[self.device_ids(select)] = True
            self._device_ids[key] = mask
        return mask

    def _room(self, n: int) -> None:
        """Node ids fit the connection table's int32 columns."""
        if self.size + n > np.iinfo(np.int32).max:
            raise errors.OutOfMemory(f"Creating {n:,} more nodes exceeds "
                                     f"{np.iinfo(np.int32).max:,} nodes, jaxnest's limit.")

    def model_of(self, gid: int) -> str:
        return self.node_model[gid]
