"""``nest.random``: random parameters for Create, SetStatus and Connect.

With brainunit quantities as arguments (``normal(mean=-60 * u.mV, std=5 * u.mV)``) a parameter
remembers their unit and is converted to NEST's unit where it is used (jaxnest/units.py).
"""
from .connect.parameters import exponential, lognormal, normal, uniform, uniform_int
from .units import random_factory

uniform = random_factory(uniform)
normal = random_factory(normal)
exponential = random_factory(exponential)
lognormal = random_factory(lognormal, dimensionless=("mean", "std"))
__all__ = ["exponential", "lognormal", "normal", "uniform", "uniform_int"]
