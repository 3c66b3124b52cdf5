"""``nest.logic``: conditional parameters."""
from .connect.parameters import conditional  # noqa: F401
