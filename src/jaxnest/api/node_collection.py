"""NodeCollection: an ordered set of node ids with PyNEST's algebra and get/set forms."""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import errors
from ..jaxenv import scoped
from ..units import merge_per_node
from . import _state, cm_elements
from ._units import node_params, statuses_as_quantities


class UnknownPropertyError(errors.KeyError, builtins.KeyError, AttributeError):
    """A node property no node of the collection has: PyNEST raises the built-in KeyError
    (also for attribute access); an AttributeError too, so that ``hasattr`` works."""


UnknownPropertyError.__name__ = UnknownPropertyError.__qualname__ = "KeyError"


class NodeCollection:
    """Sorted, unique global node ids, as PyNEST's NodeCollection."""

    # _layer: the spatial layer the nodes belong to (NEST's metadata), or None; _sliced: taken
    # from a spatial collection by indexing (NEST prints those as composites)
    # _models: the model name of each node id, in the kernel the collection was made in
    __slots__ = ("_ids", "_step", "_kernel_id", "_models", "_layer", "_sliced")

    def __init__(self, node_ids=None) -> None:
        if isinstance(node_ids, NodeCollection):
            node_ids = node_ids._ids
        elif node_ids is not None and not isinstance(node_ids, (list, tuple, np.ndarray)):
            node_ids = list(node_ids)  # a generator or other iterable, as PyNEST accepts
        ids = np.asarray([] if node_ids is None else node_ids, dtype=np.int64).ravel()
        if ids.size > 1 and np.any(np.diff(ids) <= 0):
            raise errors.BadProperty("Indices must be sorted in ascending order")
        size = _state.kernel().network.size
        if ids.size and (ids[0] < 1 or ids[-1] > size):  # sorted: the ends suffice
            bad = ids[(ids < 1) | (ids > size)][0]
            raise errors.UnknownNode(f"Node with id {bad} does not exist.")
        self._init(ids, 1)

    def _init(self, ids: np.ndarray, step: int, layer=None, sliced: bool = False) -> None:
        object.__setattr__(self, "_ids", ids)
        object.__setattr__(self, "_step", step)
        object.__setattr__(self, "_kernel_id", _state.kernel_id())
        object.__setattr__(self, "_models", _state.kernel().network.node_model)
        object.__setattr__(self, "_layer", layer)
        object.__setattr__(self, "_sliced", sliced)

    @classmethod
    def _from_ids(cls, ids: np.ndarray, step: int = 1, layer=None,
                  sliced: bool = False) -> "NodeCollection":
        """A collection of ids taken from existing collections (not checked again)."""
        nc = cls.__new__(cls)
        nc._init(np.asarray(ids, dtype=np.int64).ravel(), step, layer, sliced)
        return nc

    def _part(self, ids: np.ndarray, step: int = 1) -> "NodeCollection":
        """A part of this collection, keeping its spatial metadata (slices, items)."""
        return NodeCollection._from_ids(ids, step, self._layer, self._layer is not None)

    # --- sequence protocol -----------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._ids.size)

    def __iter__(self):
        for i in self._ids:
            yield self._part(np.array([i]))

    def __getitem__(self, key) -> "NodeCollection":
        _state.check_current(self)
        if isinstance(key, slice):  # PyNEST's checks, then NEST's 1-based inclusive slice
            size = len(self)
            if not size:
                return NodeCollection._from_ids(self._ids)
            start = 1 if key.start is None else key.start + 1 if key.start >= 0 else key.start
            if key.start is not None and abs(start) > size:
                raise IndexError("slice start value outside of the NodeCollection")
            stop = size if key.stop is None else key.stop if key.stop > 0 else key.stop - 1
            if key.stop is not None and abs(stop) > size:
                raise IndexError("slice stop value outside of the NodeCollection")
            step = 1 if key.step is None else key.step
            if step < 1:
                raise IndexError("slicing step for NodeCollection must be strictly positive")
            start = start + size + 1 if start < 0 else start
            stop = stop + size + 1 if stop < 0 else stop
            if start > stop:
                raise errors.BadParameter("start < stop required.")
            if self._step > 1 and stop > start:
                raise errors.BadProperty("Cannot slice a sliced composite NodeCollection.")
            return self._part(self._ids[start - 1:stop:step], step * self._step)
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if abs(key + (key >= 0)) > len(self):
                raise IndexError("index value outside of the NodeCollection")
            return self._part(self._ids[[key]])
        if isinstance(key, (list, tuple)):  # PyNEST's checks of index lists
            if len(key) == 0:
                return NodeCollection._from_ids(np.zeros(0, dtype=np.int64))
            if all(isinstance(x, (bool, np.bool_)) for x in key):
                if len(key) != len(self):
                    raise IndexError("Bool index array must be the same length as "
                                     "NodeCollection")
                arr = np.array(key, dtype=bool)
            elif all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))
                     for x in key):
                arr = np.array(key, dtype=np.int64)
                if np.unique(arr).size != arr.size:
                    raise ValueError("All node IDs in a NodeCollection have to be unique")
            else:
                raise TypeError("Indices must be integers or bools")
            return self._take(arr)
        if isinstance(key, np.ndarray):
            if len(key) == 0:
                return NodeCollection._from_ids(np.zeros(0, dtype=np.int64))
            if key.ndim != 1:
                raise TypeError("NumPy indices must one-dimensional")
            is_bool = np.issubdtype(key.dtype, np.bool_)
            if not (is_bool or np.issubdtype(key.dtype, np.integer)):
                raise TypeError("NumPy indices must be an array of integers or bools")
            if is_bool and len(key) != len(self):
                raise IndexError("Bool index array must be the same length as NodeCollection")
            if not is_bool and np.unique(key).size != key.size:
                raise ValueError("All node IDs in a NodeCollection have to be unique")
            return self._take(key)
        raise IndexError("only integers, slices, lists, tuples, and numpy arrays are valid "
                         "indices")

    def _take(self, arr: np.ndarray) -> "NodeCollection":
        """NEST's take_array_index: by mask, or by ascending positions."""
        if arr.dtype == bool:
            return NodeCollection._from_ids(self._ids[arr])
        picked = self._ids[arr.astype(np.int64)]
        if picked.size > 1 and np.any(np.diff(picked) <= 0):
            raise errors.BadProperty("Indices must be sorted in ascending order")
        return NodeCollection._from_ids(picked)

    def __contains__(self, node_id) -> bool:
        if not isinstance(node_id, numbers.Integral):
            raise TypeError("an integer is required")
        return bool(np.isin(node_id, self._ids))

    def __add__(self, other: "NodeCollection") -> "NodeCollection":
        if isinstance(other, numbers.Integral) and not isinstance(other, bool) and other == 0:
            return self  # sum([a, b]) starts from 0, as PyNEST allows
        if not isinstance(other, NodeCollection):
            raise TypeError(f"Cannot add object of type '{type(other).__name__}' to "
                            "'NodeCollection'")
        _state.check_current(self)
        _state.check_current(other)
        if self._step > 1 and len(self) > 1:
            raise errors.BadProperty("Cannot add NodeCollection to a sliced composite.")
        if np.intersect1d(self._ids, other._ids).size:
            raise errors.BadProperty("Cannot join overlapping NodeCollections.")
        if self._layer is not other._layer:
            raise errors.BadProperty("Can only join NodeCollections with same metadata.")
        return NodeCollection._from_ids(np.sort(np.concatenate([self._ids, other._ids])),
                                        layer=self._layer, sliced=self._layer is not None)

    def __radd__(self, other) -> "NodeCollection":
        return self.__add__(other)

    def _to_array(self, selection: str = "all") -> dict:
        """PyNEST's node ids grouped by ``selection``: 'All', 'rank' or 'thread' (NEST's
        threads: neuron g on g % total_num_virtual_procs, devices on thread 0)."""
        ids = self._ids.tolist()
        if selection in ("all", "All"):
            return {"All": ids}
        if selection == "rank":
            return {"Rank 0": ids}
        if selection == "thread":
            k = _state.kernel()
            vps = int(k.settings["total_num_virtual_procs"])
            out = {t: [] for t in range(vps)}
            for g in ids:
                out[0 if g in k.network.devices else g % vps].append(g)
            return out
        raise ValueError(f"Invalid selection '{selection}'; use 'All', 'rank' or 'thread'.")

    def __eq__(self, other) -> bool:
        if not isinstance(other, NodeCollection):
            raise NotImplementedError(f"Cannot compare NodeCollection to "
                                      f"{type(other).__name__}")
        if not np.array_equal(self._ids, other._ids):
            return False
        return self._kernel_id == other._kernel_id or all(  # NEST compares models too
            self._models[i] == other._models[i] for i in self._ids.tolist())

    def __ne__(self, other) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(tuple(self._ids.tolist()))

    def __bool__(self) -> bool:
        return len(self) > 0

    def index(self, node_id: int) -> int:
        pos = np.flatnonzero(self._ids == node_id)
        if not pos.size:
            raise ValueError(f"{node_id} is not in NodeCollection")
        return int(pos[0])

    def tolist(self) -> list[int]:
        self._check_exist()
        return self._ids.tolist()

    def _check_exist(self) -> None:
        """A collection from before a ResetKernel whose ids the network now lacks."""
        if self._kernel_id != _state.kernel_id() and self._ids.size \
                and self._ids[-1] > _state.kernel().network.size:
            raise errors.UnknownNode("UnknownNode")

    def __array__(self, dtype=None, copy=None):
        return self._ids.astype(dtype) if dtype else self._ids

    # --- status ------------------------------------------------------------------------------
    @scoped
    def get(self, *params, **kwargs):
        """PyNEST's get: all status, one key, a list of keys, nested ('events', 'times'),
        and ``output='pandas'``; ``units=True`` (jaxnest's) gives dimensioned values as
        brainunit quantities in NEST's units (jaxnest/units.py)."""
        output = kwargs.pop("output", "")
        with_units = kwargs.pop("units", False)
        if kwargs:
            raise TypeError(f"get() got unexpected keyword arguments {list(kwargs)}")
        keys = ()  # one key or a list of keys: only those are built where that is cheaper
        if len(params) == 1 and not with_units:
            keys = (params[0],) if isinstance(params[0], str) else tuple(params[0])
        statuses = [_node_ids_as_collections(s) for s in _state.node_statuses(self._ids, keys)]
        if with_units:
            statuses = statuses_as_quantities(self._ids, statuses)
        if not params:
            keys = sorted(set().union(*[s.keys() for s in statuses])) if statuses else []
            result = {k: tuple(s.get(k) for s in statuses) for k in keys}
            if len(self) == 1:
                result = statuses[0]
        elif len(params) == 1 and isinstance(params[0], str):
            result = cm_elements.wrap(self, params[0], self._values(statuses, params[0]))
        elif len(params) == 1:
            result = {k: self._values(statuses, k) for k in params[0]}
        else:
            result = self._nested(statuses, params)
        if with_units:
            result = merge_per_node(result)
        if output == "pandas":  # as PyNEST builds the frame
            import pandas as pd
            index = self._ids.tolist() if len(self) > 1 else self._ids.tolist()[0]
            if len(params) == 1 and isinstance(params[0], str):
                result = {params[0]: result}
            elif len(params) > 1 and isinstance(params[1], str):
                result = {params[1]: result}
            if len(self) == 1:
                index = [index]
                result = {k: [v] for k, v in result.items()}
            return pd.DataFrame(result, index=tuple(index) if len(self) > 1 else index)
        if output == "json":
            import json
            return json.dumps(result, default=_json_default)
        return result

    def _values(self, statuses: list[dict], key: str):
        """One value per node; None where a node's model lacks the key (composite
        collections), the built-in KeyError when no node has it (as PyNEST)."""
        if not any(key in s for s in statuses):
            raise UnknownPropertyError(key)
        vals = tuple(s.get(key) for s in statuses)
        return vals[0] if len(vals) == 1 else vals

    def _nested(self, statuses: list[dict], path: tuple):
        """PyNEST's hierarchical get(first, ..., last): the dicts under ``first`` (merged
        into one dict of lists for several nodes), then ``last`` (a key or a list of keys);
        as in PyNEST, keys between the two are not used."""
        if not isinstance(path[0], str):
            raise TypeError("First argument must be a string, specifying path into "
                            "hierarchical dictionary")
        values = [s[path[0]] for s in statuses]
        merged = values[0] if len(values) == 1 else {k: [v[k] for v in values]
                                                      for k in values[0]}
        last = path[-1]
        if isinstance(last, str):
            return merged[last]
        return {k: merged[k] for k in last}

    @scoped
    def set(self, params=None, **kwargs) -> None:
        """PyNEST's set: a dict (values scalar or one per node), a list of dicts, or keywords;
        values in NEST's units or brainunit quantities."""
        self._check_exist()
        _state.check_current(self)
        n = len(self)
        if params is None:
            params = kwargs
        elif kwargs:
            raise TypeError("set() takes a dict or keyword arguments, not both")
        params = node_params(self._ids, cm_elements.unwrap(params))
        for d in (params if isinstance(params, (list, tuple)) else [params]):
            for v in d.values():  # PyNEST passes ints on as C longs
                if isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**63:
                    raise OverflowError("Python int too large to convert to C long")
        if isinstance(params, (list, tuple)):
            if len(params) != n:
                raise errors.BadProperty("List of dicts must have one dict per node.")
            per_node = [dict(d) for d in params]
        else:
            per_node = [{} for _ in range(n)]
            defaults = _state.kernel().model(_state.models_of(self._ids[:1])[0]).defaults \
                if n else {}
            for k, v in params.items():
                for i, value in enumerate(_spread(v, n, k, defaults, self._ids)):
                    per_node[i][k] = value
        _state.set_node_statuses(self._ids, per_node)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "spatial":
            _state.check_current(self)
            return None if self._layer is None else self._layer.metadata(self._ids)
        return self.get(name)  # UnknownPropertyError is both KeyError and AttributeError

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})

    # --- printing ------------------------------------------------------------------------
    def __repr__(self) -> str:
        if not len(self):
            return "NodeCollection(<empty>)"
        meta = "None" if self._layer is None else "spatial"
        parts = _parts(self._ids, self._step, self._sliced)
        if len(parts) == 1 and (self._step == 1 or len(self) == 1) and not self._sliced:
            return f"NodeCollection(metadata={meta}, {parts[0]})"
        sep = ";\n" + " " * 15
        return f"NodeCollection(metadata={meta},\n" + " " * 15 + sep.join(parts) + ")"

    __str__ = __repr__

    @property
    def global_id(self):
        return self.get("global_id")


def _node_ids_as_collections(status: dict) -> dict:
    """A weight_recorder's senders and targets as NEST shows them: NodeCollections."""
    model = _state.kernel().models.get(status.get("model"))
    if model is None or getattr(model.impl, "kind", "") != "weight_recorder":
        return status
    return dict(status, **{k: NodeCollection(status[k]) for k in ("senders", "targets")
                           if isinstance(status.get(k), list)})


def _spread(value, n: int, key: str, defaults: dict, ids=None) -> list:
    """One value per node, as PyNEST spreads a dict: a sequence given for a scalar
    parameter holds one value per node (IndexError when too short); anything else, and any
    value of a list-valued parameter (record_from, spike_times), is shared. A spatial
    parameter is evaluated at each node's position."""
    if hasattr(value, "sample"):
        k = _state.kernel()
        if value.is_spatial():
            from ..connect.spatial.layers import positions_of_ids
            return list(value.sample(k.rng, n, node_pos=positions_of_ids(k.network, ids)))
        return list(value.sample(k.rng, n))
    sequence = isinstance(value, (list, tuple, np.ndarray)) and not isinstance(value, str)
    default = defaults.get(key)
    if sequence and key in defaults and not isinstance(default, (list, tuple, np.ndarray)):
        return [value[i] for i in range(n)]
    return [value] * n


def _parts(ids: np.ndarray, step: int, sliced: bool = False) -> list[str]:
    """Runs of one model with constant step, for NEST-like printing."""
    models = _state.models_of(ids)
    runs, start = [], 0
    for i in range(1, ids.size + 1):
        if i == ids.size or models[i] != models[start] or ids[i] - ids[i - 1] != step:
            runs.append((models[start], ids[start:i]))
            start = i
    out = []
    for model, r in runs:
        s = f"model={model}, size={r.size}, first={r[0]}"
        if r.size > 1 or sliced:
            s += f", last={r[-1]}"
            if step > 1:
                s += f", step={step}"
        out.append(s)
    return out


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)
