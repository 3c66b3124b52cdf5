"""SynapseCollection: a view of connections with PyNEST's get/set forms."""
from __future__ import annotations

import numbers

import numpy as np

from .. import errors
from ..jaxenv import scoped
from ..kernel import connections as kconn
from ..synapses.base import resolve_aliases
from . import _state, _units


class SynapseCollection:
    """Connections selected by GetConnections or Connect(return_synapsecollection=True)."""

    __slots__ = ("_raw", "_epoch", "_kernel_id")

    def __init__(self, idx) -> None:
        object.__setattr__(self, "_raw", np.asarray(idx, dtype=np.int64))
        object.__setattr__(self, "_kernel_id", _state.kernel_id())
        object.__setattr__(self, "_epoch", _state.connection_epoch())

    @property
    def _idx(self) -> np.ndarray:
        """The connections' indices now (a Disconnect since shifts them; -1: disconnected)."""
        if self._epoch != _state.connection_epoch() and self._kernel_id == _state.kernel_id():
            object.__setattr__(self, "_raw", _state.kernel().network.conns.remap(self._raw,
                                                                                  self._epoch))
            object.__setattr__(self, "_epoch", _state.connection_epoch())
        return self._raw

    @property
    def _live(self) -> np.ndarray:
        """The indices of connections that all still exist (NEST would show a disconnected
        one's last state until the next Simulate; jaxnest keeps no state for it)."""
        idx = self._idx
        if (idx < 0).any():
            raise errors.InexistentConnection(
                f"{int((idx < 0).sum())} of the {idx.size} connections of this "
                "SynapseCollection were disconnected; jaxnest keeps no state for them.")
        return idx

    def _void(self) -> bool:
        """PyNEST's test before get and set: no connections, or an empty network (after a
        ResetKernel: the collection is then empty, not invalid)."""
        if not len(self) or (self._kernel_id != _state.kernel_id()
                             and _state.kernel().network.size == 0):
            return True
        _state.check_current(self)
        return False

    @scoped
    def disconnect(self) -> None:
        """Remove these connections."""
        _state.check_current(self)
        if (self._idx < 0).any():
            raise errors.InexistentConnection(
                "Deletion of connection is not possible because it does not exist.")
        kconn.delete(_state.kernel(), self._idx)

    def __len__(self) -> int:
        return int(self._idx.size)

    def __iter__(self):
        for k in range(len(self)):  # each as it is then (the loop may disconnect some)
            yield self[k]

    def __getitem__(self, key) -> "SynapseCollection":
        if isinstance(key, numbers.Integral):
            return SynapseCollection(self._idx[[key]])
        return SynapseCollection(self._idx[key])

    def __eq__(self, other) -> bool:
        return isinstance(other, SynapseCollection) and np.array_equal(self._idx, other._idx)

    def __add__(self, other: "SynapseCollection") -> "SynapseCollection":
        return SynapseCollection(np.concatenate([self._idx, other._idx]))

    @scoped
    def get(self, keys=None, output: str = "", units: bool = False):
        """PyNEST's get (all keys, one, or a list); ``units=True`` (jaxnest's) gives delays and
        other dimensioned values as brainunit quantities, weights too where the targets'
        input unit is known (jaxnest/units.py)."""
        if self._void():  # PyNEST: an empty result of the output's kind
            if output == "pandas":
                import pandas as pd
                return pd.DataFrame()
            return "{}" if output == "json" else {} if keys is None else ()
        k, idx = _state.kernel(), self._live
        names = kconn.keys_of(k, idx) if keys is None else [keys] if isinstance(keys, str) \
            else keys
        table = {n: _missing_as_none(_listify(kconn.get(k, idx, n)), n, keys)
                 for n in names}
        if units:
            table = _units.connections_as_quantities(
                table, kconn.get(k, idx, "source"), kconn.get(k, idx, "target"),
                _listify(kconn.get(k, idx, "synapse_model")))
        if output == "pandas":
            import pandas as pd
            return pd.DataFrame(table, index=_listify(kconn.get(k, idx, "source")))
        if output == "json":
            import json
            return json.dumps(table if len(self) > 1 else {n: v[0] for n, v in table.items()})
        if isinstance(keys, str):
            v = table[keys]
            return v[0] if len(v) == 1 else v
        if len(self) == 1:
            return {n: v[0] for n, v in table.items()}
        return table

    @scoped
    def set(self, params=None, **kwargs) -> None:
        """PyNEST's set: a dict (values scalar or one per connection), a list of dicts, or
        keywords; values in NEST's units or brainunit quantities."""
        if self._void():
            return
        k, idx = _state.kernel(), self._live
        if isinstance(params, (list, tuple)):  # one dict per connection
            if len(params) != len(self):
                raise errors.BadProperty("List of dicts must have one dict per connection.")
            keys = set().union(*[d.keys() for d in params])
            values = {key: [d.get(key, v) for d, v in zip(params, kconn.get(k, idx, key))]
                      for key in keys}
        else:
            values = dict(params or {}, **kwargs)
        values = resolve_aliases(kconn.model_aliases(k, idx), values)
        if _units.units.quantity_types():
            models = _listify(kconn.get(k, idx, "synapse_model")) if len(self) else []
            values = _units.syn_params(values, models[0] if len(set(models)) == 1 else None,
                                       kconn.get(k, idx, "source"),
                                       kconn.get(k, idx, "target"))
        delay = values.get("delay")
        if delay is not None and not hasattr(delay, "sample"):
            k.check_delays(k.delay_steps(np.asarray(delay, dtype=float)))
        for key, value in values.items():
            kconn.set_values(k, idx, key, value)
        if "delay" in values:
            k.note_connections(idx, checked=delay is not None and
                               not hasattr(delay, "sample"))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})

    @property
    def distance(self):
        """Source-to-target distance of each connection (nan where either is not spatial)."""
        from .spatial import connection_distances
        k, idx = _state.kernel(), self._live
        return connection_distances(kconn.get(k, idx, "source"),
                                    kconn.get(k, idx, "target"))

    @property
    def source(self):
        return self.get("source")

    @property
    def target(self):
        return self.get("target")

    def sources(self):
        yield from kconn.get(_state.kernel(), self._live, "source").tolist()

    def targets(self):
        yield from kconn.get(_state.kernel(), self._live, "target").tolist()

    def __repr__(self) -> str:
        if not len(self):
            return "The synapse collection does not contain any connections."
        if (self._idx < 0).any():
            return (f"A synapse collection of {len(self)} connections, "
                    f"{int((self._idx < 0).sum())} of them disconnected since.")
        t = self.get(["source", "target", "synapse_model", "weight", "delay"])
        t = {k: (v if isinstance(v, list) else [v]) for k, v in t.items()}
        lines = [" source   target   synapse model   weight   delay ",
                 "-------- -------- --------------- -------- -------"]
        for i in range(len(self)):
            lines.append(f"{t['source'][i]:>7} {t['target'][i]:>8} {t['synapse_model'][i]:>15}"
                         f" {t['weight'][i]:>8.3f} {t['delay'][i]:>7.3f}")
        return "\n".join(lines)

    __str__ = __repr__


def _missing_as_none(values: list, name: str, keys) -> list:
    """A parameter some of the connections' models lack (NaN in the table): None for those
    when asked for by name or with all keys, PyNEST's KeyError when asked for in a list."""
    if not any(isinstance(v, float) and v != v for v in values):
        return values
    if keys is None or isinstance(keys, str):
        return [None if isinstance(v, float) and v != v else v for v in values]
    raise errors.KeyError(name)


def _listify(v):
    return v.tolist() if isinstance(v, np.ndarray) else list(v)
