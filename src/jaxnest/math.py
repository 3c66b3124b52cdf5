"""``nest.math``: functions of parameters."""
from .connect.parameters import cos, exp, max, min, redraw, sin  # noqa: F401,A004
