"""``nest.spatial``: node positions (``grid``, ``free``) and spatial parameters (``distance``,
``pos``, ``source_pos``, ``target_pos``)."""
from __future__ import annotations

import numpy as np

from .connect.parameters import Parameter
from .connect.spatial.parameters import DimensionParameter, DistanceParameter, PositionParameter

__all__ = ["grid", "free", "pos", "source_pos", "target_pos", "distance"]

distance = DistanceParameter()
"""Distance between source and target when connecting; ``.x``, ``.y``, ``.z`` and ``.n(d)``
give the absolute distance along one axis."""


class _Coordinates:
    """Coordinates x, y, z (and ``n(dimension)``) of one synaptic endpoint (0: the node)."""

    def __init__(self, endpoint: int) -> None:
        self._endpoint = endpoint
        self.x, self.y, self.z = (PositionParameter(d, endpoint) for d in range(3))

    def n(self, dimension):
        return PositionParameter(dimension, self._endpoint)


pos = _Coordinates(0)
source_pos = _Coordinates(1)
target_pos = _Coordinates(2)


class grid:  # noqa: N801 - PyNEST's name
    """Grid positions: ``shape`` [nx, ny(, nz)], optional ``center``, ``extent``, ``edge_wrap``."""

    def __init__(self, shape, center=None, extent=None, edge_wrap=False):
        self.shape = shape
        self.center = center
        self.extent = extent
        self.edge_wrap = edge_wrap


class free:  # noqa: N801 - PyNEST's name
    """Free positions: a list of positions, a list of one Parameter per dimension, or one
    Parameter for every dimension (then ``extent`` or ``num_dimensions`` says how many)."""

    def __init__(self, pos, extent=None, edge_wrap=False, num_dimensions=None):
        if extent and num_dimensions:
            raise TypeError("extent and number of dimensions cannot be specified at the same time")
        if isinstance(pos, (list, tuple, np.ndarray)):
            if num_dimensions:
                raise TypeError("number of dimensions cannot be specified when using an array of "
                                "positions")
            if len(pos) == sum(isinstance(d, Parameter) for d in pos):
                self.pos = self._dimension_parameter(list(pos))
            else:
                self.pos = pos
        elif isinstance(pos, Parameter):
            if extent:
                num_dimensions = len(extent)
            if not num_dimensions:
                raise TypeError("could not infer number of dimensions. Set num_dimensions or "
                                "extent when using Parameter as pos")
            self.pos = self._dimension_parameter([pos] * num_dimensions)
        else:
            raise TypeError("pos must be either an array of positions, or a Parameter")
        self.extent = extent
        self.edge_wrap = edge_wrap

    @staticmethod
    def _dimension_parameter(params):
        if len(params) not in (2, 3):
            raise ValueError("Number of dimensions must be 2 or 3")
        return DimensionParameter(params)
