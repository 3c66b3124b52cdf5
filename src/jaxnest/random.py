"""``nest.random``: random parameters for Create, SetStatus and Connect."""
from .connect.parameters import exponential, lognormal, normal, uniform, uniform_int  # noqa: F401
