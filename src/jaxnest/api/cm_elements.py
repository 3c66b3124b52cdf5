"""PyNEST's ``Compartments`` and ``Receptors``: what ``nc.compartments`` / ``nc.receptors``
return for compartmental neurons (cm_default), so that ``nc.compartments += {...}`` adds
compartments (``add_compartments``) as under PyNEST."""
from __future__ import annotations


class CmBase:
    """A tuple of compartment (receptor) dicts of a NodeCollection; ``+`` makes a longer
    one, ``+=`` adds the new dicts to the nodes and leaves None (which ``set`` ignores)."""

    def __init__(self, node_collection, elements):
        from .node_collection import NodeCollection
        if not isinstance(node_collection, NodeCollection):
            raise TypeError(f"node_collection must be a NodeCollection, got "
                            f"{type(node_collection)}")
        if isinstance(elements, list):
            elements = tuple(elements)
        if not isinstance(elements, tuple):
            raise TypeError(f"elements must be a tuple of dicts, got {type(elements)}")
        self._elements = elements
        self._node_collection = node_collection

    def _new(self, other) -> list:
        name = self.__class__.__name__
        if isinstance(other, dict):
            return [other]
        if isinstance(other, (tuple, list)):
            if not all(isinstance(d, dict) for d in other):
                raise TypeError(f"{name} can only be added with dicts, lists of dicts, or "
                                f"other {name}")
            return list(other)
        if isinstance(other, self.__class__):
            return list(other._elements)
        raise NotImplementedError(f"{name} can only be added with dicts, lists of dicts, or "
                                  f"other {name}, got {type(other)}")

    def __add__(self, other):
        return self.__class__(self._node_collection, self._elements + tuple(self._new(other)))

    def __iadd__(self, other):
        self._node_collection.set({f"add_{self.__class__.__name__.lower()}": self._new(other)})

    def __getitem__(self, key):
        return self._elements[key]

    def __len__(self):
        return len(self._elements)

    def __iter__(self):
        return iter(self._elements)

    def __str__(self):
        return str(self._elements)

    def get_tuple(self):
        return self._elements


class Compartments(CmBase):
    pass


class Receptors(CmBase):
    pass


WRAPPERS = {"compartments": Compartments, "receptors": Receptors}


def wrap(nodes, key: str, value):
    """``get(key)``'s value as PyNEST returns it (Compartments/Receptors for these keys)."""
    cls = WRAPPERS.get(key)
    if cls is None:
        return value
    return cls(nodes, tuple(value) if isinstance(value, list) else value)


def unwrap(params):
    """A ``set`` dict with Compartments/Receptors as tuples and None entries (``+=`` done)
    dropped, as PyNEST's set."""
    if not isinstance(params, dict) or not any(k in params for k in WRAPPERS):
        return params
    params = dict(params)
    for key, cls in WRAPPERS.items():
        if key in params:
            if isinstance(params[key], cls):
                params[key] = params[key].get_tuple()
            elif params[key] is None:
                params.pop(key)
    return params
